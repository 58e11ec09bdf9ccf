# Protecting the host site from a slow Google
# (docs/behaviour.md#protecting-the-host-site, docs/configuration.md,
# docs/api.md#errors): the upstream deadline holds whatever the body looks
# like (a huge one sent at once, a huge one dribbled), and
# DashboardMaxUpstream caps how many requests of one child wait on Google at
# once: past it, 503 UPSTREAM_BUSY with Retry-After at once, without calling
# Google, unless the request has an expired value to answer stale.
use strict;
use warnings FATAL => 'all';

use Apache::Test ();

use Test::More;
use Time::HiRes qw(time);
use JSON::PP ();
use lib 't/lib';
use Dash::Test;

my $today = today_report();
my $mpm = Apache::Test::config()->{server}{mpm} // '';
# DashboardUpstreamTimeout of the test server (t/conf/extra.conf.in).
my $timeout = 2.0;

sub channel_with_uploads {
    my ($u, $ch) = @_;
    clear_user($u);
    add_account($u, $ch);
    add_video($u, $ch, "${ch}v$_", add_days($today, -3 - 7 * $_) . ' 08:00:00')
        for 0 .. 3;
}

sub stats {
    my ($u, %o) = @_;
    my $t0 = time;
    my ($res, $j) = get_json('/dashboard/stats', user => $u, %o);
    return ($res, $j, time - $t0);
}

# ---- the deadline holds against huge bodies --------------------------------

my $u = 'limits-body-user';
my $ch = 'UClimitsBody';
channel_with_uploads($u, $ch);

my @bodies = (
    # A well-formed resultTable of 4 MB per call, all sent at once: reading
    # it must not take the request past its deadline (it took 13 s here).
    { tag => 'huge valid body at once (Content-Length)', status => 502,
      code => 'YOUTUBE_API_ERROR',
      fault => { stream_bytes => 4_000_000, stream_piece => 65536,
                 stream_every_ms => 0, stream_valid => JSON::PP::true } },
    { tag => 'huge valid body at once (chunked)', status => 502,
      code => 'YOUTUBE_API_ERROR',
      fault => { stream_bytes => 4_000_000, stream_piece => 65536,
                 stream_every_ms => 0, stream_valid => JSON::PP::true,
                 stream_chunked => JSON::PP::true } },
    # Sent fast enough to pass any sane size before the deadline.
    { tag => 'huge body streamed (chunked)', status => 502,
      code => 'YOUTUBE_API_ERROR',
      fault => { stream_bytes => 50_000_000, stream_piece => 2048,
                 stream_every_ms => 2, stream_chunked => JSON::PP::true } },
    # Dribbled: it cannot arrive before the deadline.
    { tag => 'huge body dribbled (chunked)', status => 504,
      code => 'YOUTUBE_API_TIMEOUT',
      fault => { stream_bytes => 50_000_000, stream_piece => 256,
                 stream_every_ms => 10, stream_chunked => JSON::PP::true } },
    { tag => 'body dribbled (Content-Length 120 kB)', status => 504,
      code => 'YOUTUBE_API_TIMEOUT',
      fault => { stream_bytes => 120_000, stream_piece => 256,
                 stream_every_ms => 10 } },
    # Announced far larger than any answer: refused before it is read.
    { tag => 'huge body announced (Content-Length 3 MB)', status => 502,
      code => 'YOUTUBE_API_ERROR',
      fault => { stream_bytes => 3_000_000, stream_piece => 256,
                 stream_every_ms => 10 } },
);

for my $b (@bodies) {
    my $tag = $b->{tag};
    flush_redis();
    google_reset();
    google('POST', '/_control/fault', { target => 'reports', status => 200,
                                        %{ $b->{fault} } });
    my ($res, $j, $took) = stats($u);
    is_error($res, $b->{status}, $b->{code}, $tag);
    cmp_ok $took, '<', time_bound($timeout, 0.9),
        sprintf('%s: answered within DashboardUpstreamTimeout (%.2f s)', $tag, $took);
    ok !redis()->exists("dashboard:$u:$ch:month"), "$tag: nothing cached";
}
google_reset();
{
    my ($res) = stats($u);
    is $res->code, 200, 'after the huge bodies: 200 again';
}

# ---- DashboardMaxUpstream ----------------------------------------------------

# N requests for stats at once on vhost, user i for the i-th; each answer
# with the seconds it took.
sub at_once {
    my ($vhost, @users) = @_;
    my $url = url_of('/dashboard/stats', module => $vhost);
    my @r = simultaneous(map { [$url, $_] } @users);
    $_->{took} = $_->{t1} - $_->{t0} for @r;
    return @r;
}

my $n = 10;
my @busy_users = map { sprintf 'limits-busy-%02d', $_ } 1 .. $n;
channel_with_uploads($busy_users[$_], sprintf 'UClimitsBusy%02d', $_) for 0 .. $n - 1;
flush_redis();
google_reset();
# Every Analytics call takes 2 s (dash_busy's DashboardUpstreamTimeout is
# 5 s): the first request of a child holds its one upstream slot that long.
my $delay = 2.0;
google('POST', '/_control/delay', { ms => $delay * 1000 });
my $m0 = metrics();
my @r = at_once('dash_busy', @busy_users);
google('POST', '/_control/delay', { ms => 0 });

my @ok = grep { $_->{code} == 200 } @r;
my @busy = grep { $_->{code} == 503 } @r;
note sprintf 'busy without a stored value (%s): %d served, %d UPSTREAM_BUSY', $mpm, scalar(@ok), scalar(@busy);
is scalar(@ok) + scalar(@busy), $n, 'DashboardMaxUpstream 1: every answer is a 200 or a 503'
    or diag explain [ map { "$_->{code} $_->{took}" } @r ];
ok scalar(@ok) >= 1, 'DashboardMaxUpstream 1: some requests were served';
is counters()->{reports}, 4 * scalar(@ok),
    'DashboardMaxUpstream 1: Google was called for the served requests only';
my ($fastest) = sort { $a <=> $b } map { $_->{took} } @ok;
if ($mpm eq 'prefork') {
    # A prefork child serves one request at a time: one slot is enough.
    is scalar(@busy), 0, 'prefork: a child never has two requests waiting on Google';
}
else {
    # 12 requests at once over a few children with one slot each.
    ok scalar(@busy) >= 1, "$mpm: requests past a child's one slot get 503"
        or diag explain [ map { "$_->{code} $_->{took}" } @r ];
}
for my $b (@busy) {
    my $j = eval { JSON::PP->new->decode($b->{body}) } || {};
    is_deeply [ sort keys %$j ], [qw(code message)], 'UPSTREAM_BUSY: body is {code, message}';
    is $j->{code}, 'UPSTREAM_BUSY', 'UPSTREAM_BUSY: the code';
    # dash_busy: DashboardUpstreamTimeout 5000, DashboardDBTimeout 3000 (the default).
    is $b->{retry_after}, 13,
        'UPSTREAM_BUSY: Retry-After, 2 x DashboardUpstreamTimeout + DashboardDBTimeout in seconds';
    # Without waiting for a slot or for Google: sooner than any request
    # that called Google (each waited $delay s there).
    cmp_ok $b->{took}, '<', $fastest // $delay,
        sprintf('UPSTREAM_BUSY: answered at once (%.2f s), not after Google', $b->{took});
}
for my $o (@ok) {
    my $j = eval { JSON::PP->new->decode($o->{body}) } || {};
    ok $j->{hasUploads}, 'served under the limit: a full response';
}
{
    my $m1 = metrics();
    is metric_delta($m0, $m1, 'mod_dashboard_requests_total', endpoint => 'stats', status => 503),
        scalar(@busy), 'metrics: every UPSTREAM_BUSY counted as a stats 503';
    is metric_delta($m0, $m1, 'mod_dashboard_requests_total', endpoint => 'stats', status => 200),
        scalar(@ok), 'metrics: the served ones counted as stats 200';
}

# Once the slots are free again every request is served.
google_reset();
# Sequential requests never meet the limit.
my @seq = map { (stats($busy_users[$_], module => 'dash_busy'))[0]->code } 0 .. 3;
is_deeply \@seq, [ (200) x 4 ], 'one at a time: never busy';

# ---- past the limit with an expired value: stale, not 503 ----------------

# The same limit on a server with the cache (dash_busystale): each user's
# value is fetched once, then aged past DashboardCacheTTL. Requests at once
# then either get a slot and refetch ("miss"), or find the child's slot
# taken and answer the expired value ("stale") at once, without Google.
my $CACHE_TTL = 600;    # DashboardCacheTTL of t/conf/extra.conf.in
my $codec = JSON::PP->new->canonical;
my @stale_users = map { sprintf 'limits-stale-%02d', $_ } 1 .. $n;
my @stale_keys;
channel_with_uploads($stale_users[$_], sprintf 'UClimitsStale%02d', $_) for 0 .. $n - 1;
flush_redis();
google_reset();
my (%aged, %response);
for my $i (0 .. $n - 1) {
    my $u = $stale_users[$i];
    my ($res, $j) = stats($u, module => 'dash_busystale');
    is $res->code, 200, "$u: first request 200";
    my $key = sprintf 'dashboard:%s:UClimitsStale%02d:month', $u, $i;
    push @stale_keys, $key;
    my $val = $codec->decode(redis()->get($key) // '{}');
    $val->{fetchedAt} = int(time) - $CACHE_TTL - 60;
    redis()->set($key, $codec->encode($val), 'KEEPTTL');
    $aged{$u} = redis()->get($key);
    # What the user was answered: the stored response with the upload
    # counts, which are always taken fresh, spliced in.
    $response{$u} = $j;
}
google_reset();
google('POST', '/_control/delay', { ms => $delay * 1000 });
$m0 = metrics();
@r = at_once('dash_busystale', @stale_users);
google('POST', '/_control/delay', { ms => 0 });
my $m1 = metrics();

is_deeply [ map { $_->{code} } @r ], [ (200) x $n ],
    'busy with an expired value: every answer is a 200, none a 503'
    or diag explain [ map { "$_->{code} $_->{took} " . ($_->{cache} // '-') } @r ];
my @miss = grep { ($_->{cache} // '') eq 'miss' } @r;
my @stale = grep { ($_->{cache} // '') eq 'stale' } @r;
note sprintf 'busy with an expired value (%s): %d miss, %d stale', $mpm, scalar(@miss), scalar(@stale);
is scalar(@miss) + scalar(@stale), $n, 'busy with an expired value: each answer a miss or stale';
is counters()->{reports}, 4 * scalar(@miss),
    'busy with an expired value: Google was called for the misses only';
if ($mpm eq 'prefork') {
    is scalar(@stale), 0, 'prefork: never busy, every expired value refetched';
}
else {
    ok scalar(@stale) >= 1, "$mpm: requests past a child's one slot answer stale"
        or diag explain [ map { "$_->{code} $_->{took} " . ($_->{cache} // '-') } @r ];
}
($fastest) = sort { $a <=> $b } map { $_->{took} } @miss;
for my $i (0 .. $n - 1) {
    my ($o, $u) = ($r[$i], $stale_users[$i]);
    next unless ($o->{cache} // '') eq 'stale';
    is_deeply eval { JSON::PP->new->utf8->decode($o->{body}) }, $response{$u},
        "$u: the stale answer is the stored one, as answered before";
    is redis()->get($stale_keys[$i]), $aged{$u}, "$u: the expired value is left as it was";
    cmp_ok $o->{took}, '<', $fastest // $delay,
        sprintf('%s: stale answered at once (%.2f s), not after Google', $u, $o->{took});
}
for my $i (0 .. $n - 1) {
    next unless ($r[$i]{cache} // '') eq 'miss';
    my $val = $codec->decode(redis()->get($stale_keys[$i]) // '{}');
    cmp_ok $val->{fetchedAt}, '>', time - 60, "$stale_users[$i]: the miss stored a fresh value";
}
is metric_delta($m0, $m1, 'mod_dashboard_stats_cache_total', outcome => 'stale'), scalar(@stale),
    'metrics: every stale answer counted as stale';
is metric_delta($m0, $m1, 'mod_dashboard_stats_cache_total', outcome => 'miss'), scalar(@miss),
    'metrics: every refetch counted as a miss';
is metric_delta($m0, $m1, 'mod_dashboard_requests_total', endpoint => 'stats', status => 503), 0,
    'metrics: no 503';
google_reset();

done_testing();
