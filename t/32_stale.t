# Stale-if-error and stale-while-revalidate
# (docs/behaviour.md#stale-answers-and-single-flight): "fetchedAt" in the
# stored value and its Redis TTL; a value younger than DashboardCacheTTL is
# a hit whatever Google does; an older one is refetched, and when Google
# fails (5xx, timeout, connection refused, quota 403, 429) the old
# response is answered "stale" and left untouched in Redis; a 401 is never
# hidden; a value held by another request's refresh is answered stale at
# once; DashboardStaleTTL 0 turns it all off.
use strict;
use warnings FATAL => 'all';

use Apache::Test ();

use Test::More;
use JSON::PP ();
use Time::HiRes ();
use lib 't/lib';
use Dash::Test;

my $google_down = 0;
END { eval { stack('google-start') } if $google_down; }

my $codec = JSON::PP->new->canonical;
my $CACHE_TTL = 600;          # DashboardCacheTTL of t/conf/extra.conf.in
my $STALE_TTL = 604800;       # DashboardStaleTTL's default
my $today = today_report();
my $u = 'stale-user-0001';
my $ch = 'UCstaleMain0000000001';
my $key = "dashboard:$u:$ch:month";
my $lock = "$key:lock";

clear_user($u);
add_account($u, $ch);
add_video($u, $ch, sprintf('stale%04d', $_), add_days($today, -4 - 13 * $_) . ' 10:00:00')
    for 0 .. 4;
flush_redis();
google_reset();

sub stats {
    my (%o) = @_;
    my $t0 = Time::HiRes::time();
    my ($res, $j) = get_json('/dashboard/stats', user => $u, %o);
    return ($res, $j, Time::HiRes::time() - $t0);
}

sub stored { my $raw = redis()->get($key); return defined $raw ? $codec->decode($raw) : undef; }

# ---- the stored value ----------------------------------------------------

my $t_before = time;
my ($res, $base) = stats();
my $t_after = time;
is $res->code, 200, 'first request: 200';
is $res->header('X-Dashboard-Cache'), 'miss', 'first request: miss';
my $v = stored();
is_deeply [ sort keys %{ $v // {} } ], [qw(fetchedAt response)], 'the value is {"response", "fetchedAt"}';
like redis()->get($key), qr/"fetchedAt":\d+[,}]/, 'fetchedAt is a JSON integer';
ok $v->{fetchedAt} >= $t_before && $v->{fetchedAt} <= $t_after,
    "fetchedAt is the time of the fetch ($v->{fetchedAt} in [$t_before, $t_after])";
my $ttl = redis()->ttl($key);
ok $ttl > $CACHE_TTL + $STALE_TTL - 10 && $ttl <= $CACHE_TTL + $STALE_TTL,
    "Redis TTL is DashboardCacheTTL + DashboardStaleTTL ($ttl)";
ok !redis()->exists($lock), 'no lock left behind';

# Rewrites the stored value as fetched AGE seconds ago (TTL kept) and
# returns what Redis now holds.
sub age_value {
    my ($age, $edit) = @_;
    my $val = $codec->decode($codec->encode($v));
    $val->{fetchedAt} = time - $age;
    $edit->($val) if $edit;
    redis()->set($key, $codec->encode($val), 'KEEPTTL');
    return redis()->get($key);
}

sub fault { google('POST', '/_control/fault', { target => 'reports', %{ $_[0] } }); }

# ---- younger than DashboardCacheTTL: a hit, whatever Google does --------

for my $age (0, 300, $CACHE_TTL - 5) {
    google_reset();
    fault({ status => 500 });
    my $held = age_value($age);
    my ($res, $j) = stats();
    is $res->code, 200, "value $age s old, Google 500: 200";
    is $res->header('X-Dashboard-Cache'), 'hit', "value $age s old, Google 500: hit";
    is_deeply $j, $base, "value $age s old, Google 500: the cached response";
    is counters()->{reports}, 0, "value $age s old, Google 500: no call";
    is redis()->get($key), $held, "value $age s old: left as it was";
}

# A value without fetchedAt (another writer) is a hit as long as Redis has it.
{
    google_reset();
    fault({ status => 500 });
    redis()->set($key, $codec->encode({ response => $v->{response} }), 'EX', 100);
    my ($res, $j) = stats();
    is $res->header('X-Dashboard-Cache'), 'hit', 'value without fetchedAt: hit';
    is_deeply $j, $base, 'value without fetchedAt: the cached response';
    is counters()->{reports}, 0, 'value without fetchedAt: no call';
}

# ---- expired, Google well: refetched -------------------------------------

{
    google_reset();
    age_value($CACHE_TTL + 5);
    my $t0 = time;
    my ($res, $j) = stats();
    is $res->code, 200, 'expired value, Google well: 200';
    is $res->header('X-Dashboard-Cache'), 'miss', 'expired value, Google well: miss';
    is_deeply $j, $base, 'expired value, Google well: the fresh response';
    is counters()->{reports}, 4, 'expired value, Google well: 4 calls';
    cmp_ok stored()->{fetchedAt}, '>=', $t0, 'expired value, Google well: fetchedAt renewed';
    cmp_ok redis()->ttl($key), '>', $CACHE_TTL + $STALE_TTL - 10, 'expired value, Google well: TTL renewed';
}

# ---- expired, Google failing: the old response, "stale" ------------------

my $old_channel_token = "ya29.test-$u-$ch";
my @failures = (
    ['Google 500', sub { fault({ status => 500 }) }],
    ['Google 503', sub { fault({ status => 503 }) }],
    ['one call 503', sub { fault({ status => 503, match => { dimensions => 'country' } }) }],
    ['Google hangs past DashboardUpstreamTimeout', sub { fault({ status => 500, delay_ms => 3500, match => { dimensions => 'video' } }) }, 1],
    ['quota 403', sub { fault({ status => 403, reason => 'quotaExceeded' }) }],
    ['rate limit 403', sub { fault({ status => 403, reason => 'rateLimitExceeded' }) }],
    ['429', sub { fault({ status => 429, reason => 'rateLimitExceeded' }) }],
    ['connection refused', sub { stack('google-stop'); $google_down = 1; }],
);

for my $f (@failures) {
    my ($tag, $break, $hang) = @$f;
    google_reset();
    my $held = age_value($CACHE_TTL + 60);
    my $pttl = redis()->pttl($key);
    $break->();
    my ($res, $j, $took) = stats();
    is $res->code, 200, "$tag: 200";
    is $res->header('X-Dashboard-Cache'), 'stale', "$tag: stale";
    is $res->header('Content-Type'), $JSON_TYPE, "$tag: JSON";
    is $res->header('Cache-Control'), 'private, no-store', "$tag: not cacheable";
    is_deeply $j, $base, "$tag: the old response";
    is redis()->get($key), $held, "$tag: the value in Redis is unchanged";
    cmp_ok redis()->pttl($key), '<=', $pttl, "$tag: ... and its TTL not renewed";
    ok !redis()->exists($lock), "$tag: the lock is released";
    if ($hang) {
        cmp_ok $took, '>=', 1.9, sprintf('%s: after DashboardUpstreamTimeout (%.2f s)', $tag, $took);
        cmp_ok $took, '<', time_bound(2, 1.4, 3.4), "$tag: not after Google's 3.5 s";
    }
    else {
        cmp_ok $took, '<', time_bound(0, 1.5), sprintf('%s: at once (%.2f s)', $tag, $took);
    }
    if ($google_down) {
        stack('google-start');
        $google_down = 0;
        google('POST', '/_control/token', { access_token => $old_channel_token, channel => $ch });
    }

    # Google back: refetched, then a hit.
    google_reset();
    my $t0 = time;
    my ($ok, $j2) = stats();
    is $ok->code, 200, "$tag, Google back: 200";
    is $ok->header('X-Dashboard-Cache'), 'miss', "$tag, Google back: miss";
    is_deeply $j2, $base, "$tag, Google back: the response";
    cmp_ok stored()->{fetchedAt}, '>=', $t0, "$tag, Google back: fetchedAt renewed";
    my ($hit) = stats();
    is $hit->header('X-Dashboard-Cache'), 'hit', "$tag, Google back: then a hit";
    is counters()->{reports}, 4, "$tag, Google back: one fetch";
}

# The fresh upload count is patched into a stale answer, as into a hit.
{
    google_reset();
    age_value($CACHE_TTL + 60, sub {
        my ($m) = grep { $_->{id} eq 'uploaded-videos' } @{ $_[0]{response}{contentMetrics} };
        @$m{qw(value trend trendDirection)} = (999, -998, 'down');
    });
    fault({ status => 500 });
    my ($res, $j) = stats();
    is $res->header('X-Dashboard-Cache'), 'stale', 'stale answer: stale';
    is_deeply $j, $base, 'stale answer: uploaded-videos is the database count, not the cached one';
}

# ---- failures that are never hidden --------------------------------------

my @errors = (
    ['Google 401', 401, 'YOUTUBE_TOKEN_EXPIRED', sub { fault({ status => 401 }) }],
    ['Google 400', 502, 'YOUTUBE_API_ERROR', sub { fault({ status => 400 }) }],
    ['Google 403 forbidden', 502, 'YOUTUBE_API_ERROR', sub { fault({ status => 403, reason => 'forbidden' }) }],
);
for my $e (@errors) {
    my ($tag, $status, $code, $break) = @$e;
    google_reset();
    my $held = age_value($CACHE_TTL + 60);
    $break->();
    my ($res) = stats();
    is_error($res, $status, $code, "expired value, $tag");
    is redis()->get($key), $held, "expired value, $tag: the value in Redis is unchanged";
    ok !redis()->exists($lock), "expired value, $tag: the lock is released";
}

# The token: refreshed when expiring; a dead refresh token is a 401 even
# with a stale value at hand, the token endpoint failing is Google failing.
{
    db_do(q{UPDATE social_account SET token_expires_at = LOCALTIMESTAMP - interval '1 hour'
            WHERE user_uuid = ? AND platform_user_id = ?}, $u, $ch);
    google_reset();
    my $held = age_value($CACHE_TTL + 60);
    google('POST', '/_control/fault', { target => 'token', status => 400, reason => 'invalid_grant' });
    my ($res) = stats();
    is_error($res, 401, 'YOUTUBE_TOKEN_EXPIRED', 'expired value, refresh token revoked');
    is redis()->get($key), $held, 'expired value, refresh token revoked: the value is unchanged';

    google_reset();
    google('POST', '/_control/fault', { target => 'token', status => 503 });
    my ($res2, $j) = stats();
    is $res2->code, 200, 'expired value, token endpoint 503: 200';
    is $res2->header('X-Dashboard-Cache'), 'stale', 'expired value, token endpoint 503: stale';
    is_deeply $j, $base, 'expired value, token endpoint 503: the old response';
    is counters()->{reports}, 0, 'expired value, token endpoint 503: no report call';
    is redis()->get($key), $held, 'expired value, token endpoint 503: the value is unchanged';
    db_do(q{UPDATE social_account SET token_expires_at = LOCALTIMESTAMP + interval '1 hour'
            WHERE user_uuid = ? AND platform_user_id = ?}, $u, $ch);
}

# ---- stale-while-revalidate: another request holds the lock --------------

{
    google_reset();
    # A fetch would take 3 s at least, and so would a wait.
    google('POST', '/_control/delay', { ms => 3000 });
    my $held = age_value($CACHE_TTL + 60);
    redis()->set($lock, 'another-holder', 'PX', 30000);
    my ($res, $j, $took) = stats();
    is $res->code, 200, 'expired value, lock taken: 200';
    is $res->header('X-Dashboard-Cache'), 'stale', 'expired value, lock taken: stale';
    is_deeply $j, $base, 'expired value, lock taken: the old response';
    cmp_ok $took, '<', time_bound(0, 2, 2.9), sprintf('expired value, lock taken: at once (%.2f s)', $took);
    is counters()->{reports}, 0, 'expired value, lock taken: no call';
    is redis()->get($lock), 'another-holder', "expired value, lock taken: the holder's lock is untouched";
    is redis()->get($key), $held, 'expired value, lock taken: the value is unchanged';
    redis()->del($lock);
}

# ---- DashboardStaleTTL 0 -------------------------------------------------

{
    google_reset();
    redis()->del($key);
    my ($res, $j) = stats(module => 'dash_nostale');
    is $res->header('X-Dashboard-Cache'), 'miss', 'DashboardStaleTTL 0: miss';
    $ttl = redis()->ttl($key);
    ok $ttl > $CACHE_TTL - 10 && $ttl <= $CACHE_TTL, "DashboardStaleTTL 0: Redis TTL is DashboardCacheTTL ($ttl)";
    $v = stored();

    google_reset();
    age_value($CACHE_TTL + 60);
    fault({ status => 500 });
    ($res) = stats(module => 'dash_nostale');
    is_error($res, 502, 'YOUTUBE_API_ERROR', 'DashboardStaleTTL 0, expired value, Google 500');

    google_reset();
    ($res, $j) = stats(module => 'dash_nostale');
    is $res->header('X-Dashboard-Cache'), 'miss', 'DashboardStaleTTL 0, expired value, Google well: miss';
    is_deeply $j, $base, 'DashboardStaleTTL 0, expired value, Google well: the response';
}

done_testing();
