# The counters of docs/metrics.md: a scripted sequence of hits, misses, bypasses,
# every kind of Google failure, token refreshes, request errors, database
# and Redis failures, after which every counter has moved by exactly what
# the sequence made. Under prefork the hits come from at least three
# child processes (three connections held open at once), so the figures
# can only add up if the children share the counters. The output passes
# promtool and this suite's own reading of the exposition format, and
# /server-status (HTML and ?auto) shows the same lines.
use strict;
use warnings FATAL => 'all';

use Apache::Test ();
use Apache::TestRequest ();

use Test::More;
use JSON::PP ();
use Time::HiRes qw(time sleep);
use POSIX ();
use File::Temp qw(tempfile);
use LWP::UserAgent ();
use MIME::Base64 qw(encode_base64);
use lib 't/lib';
use Dash::Test;
use Dash::Metrics qw(parse key);

my $redis_down = 0;
END { eval { stack('redis-start') } if $redis_down; }

my $log_file = error_log();

# ---- reading the figures ---------------------------------------------------

my $PROM_TYPE = 'text/plain; version=0.0.4';

sub scrape {
    my (%o) = @_;
    my $res = call('GET', '/dashboard-metrics', %o);
    die 'GET /dashboard-metrics: ' . $res->status_line . "\n" unless $res->code == 200;
    return ($res, parse($res->content));
}

# mod_status's pages are httpd's, not the module's API: fetched outside
# call(), whose responses are checked against docs/openapi.yaml.
my $status_ua = LWP::UserAgent->new(timeout => 30);
sub server_status {
    my ($query) = @_;
    Apache::TestRequest::module('default');
    return $status_ua->get(Apache::TestRequest::resolve_url('/server-status' . ($query // '')));
}

# ---- what the sequence should make ----------------------------------------

my %want;
sub want { my ($k, $n) = @_; $want{$k} += $n // 1; }
sub req {
    my ($ep, $status) = @_;
    want(key('mod_dashboard_requests_total', endpoint => $ep, status => $status));
    want('mod_dashboard_stats_duration_seconds_count') if $ep eq 'stats';
}
sub served { want(key('mod_dashboard_stats_cache_total', outcome => $_[0])); }
sub reports {
    my (%by) = @_;
    for my $o (sort keys %by) {
        want(key('mod_dashboard_google_reports_total', outcome => $o), $by{$o});
        want('mod_dashboard_upstream_duration_seconds_count', $by{$o});
    }
}
sub refresh {
    want(key('mod_dashboard_google_token_refreshes_total', outcome => $_[0]));
    want('mod_dashboard_upstream_duration_seconds_count');
}

# ---- the data ---------------------------------------------------------------

my $today = today_report();
my ($u, $ch) = ('metrics-user-0001', 'UCmetricsMain00000001');
my ($ur, $chr) = ('metrics-refresh-0001', 'UCmetricsRefresh00001');
my ($ug, $chg) = ('metrics-grant-0001', 'UCmetricsGrant0000001');
my $un = 'metrics-none-0001';
my $key = "dashboard:$u:$ch:month";
clear_user($_) for $u, $ur, $ug, $un;
add_account($u, $ch);
add_account($ur, $chr, token_expires_at => \"LOCALTIMESTAMP - interval '1 hour'");
add_account($ug, $chg, token_expires_at => \"LOCALTIMESTAMP - interval '1 hour'");
for my $i (0 .. 2) {
    add_video($u, $ch, "mvid$i", add_days($today, -3 - 20 * $i) . ' 08:00:00');
    add_video($ur, $chr, "mrvid$i", add_days($today, -4 - 20 * $i) . ' 08:00:00');
    add_video($ug, $chg, "mgvid$i", add_days($today, -5 - 20 * $i) . ' 08:00:00');
}
my ($access) = db()->selectrow_array(
    'SELECT access_token FROM social_account WHERE user_uuid = ?', undef, $u);
flush_redis();
google_reset();

sub stats {
    my ($user, %o) = @_;
    my $path = '/dashboard/stats' . ($o{query} ? "?$o{query}" : '');
    return get_json($path, user => $user, %o);
}

my $mres = server_status('?auto');
my ($mpm) = ($mres->content // '') =~ /^ServerMPM: (\S+)/m;
ok defined $mpm, '/server-status?auto answers and names the MPM'
    or diag $mres->status_line;
$mpm //= '?';

my (undef, $first) = scrape();
is_deeply $first->{errors}, [], 'the exposition is valid before the sequence'
    or diag explain $first->{errors};
my $before = $first->{samples};

# ---- 1. a miss, then hits over three connections held open at once ------------

my ($res) = stats($u);
is $res->header('X-Dashboard-Cache'), 'miss', 'first request: a miss';
req('stats', 200); served('miss'); reports(ok => 4);

my $url = do { Apache::TestRequest::module('default');
               Apache::TestRequest::resolve_url('/dashboard/stats') };
my @agents = map { LWP::UserAgent->new(keep_alive => 1, timeout => 30) } 1 .. 3;
my $auth = 'Basic ' . encode_base64("$u:pw", '');
my $hits_offset = -s $log_file;
my (@states, $etag);
for my $round (1 .. 3) {
    for my $ua (@agents) {
        my $r = $ua->get($url, Authorization => $auth);
        push @states, $r->header('X-Dashboard-Cache') // $r->code;
        $etag //= $r->header('ETag');
        req('stats', 200); served('hit');
    }
}
is_deeply \@states, [ ('hit') x 9 ], 'nine hits over three kept-alive connections';
my %pids = map { $_ => 1 }
    log_since($hits_offset) =~ /\[pid (\d+)[^\]]*\][^\n]*DASH0501: stats user=\Q$u\E /g;
note sprintf 'the hits were answered by %d process(es) under %s: %s',
    scalar(keys %pids), $mpm, join(' ', sort keys %pids);
if ($mpm eq 'prefork') {
    cmp_ok scalar(keys %pids), '>=', 3, 'prefork: the hits came from at least three children';
}
undef @agents;

($res) = stats($u, headers => { 'If-None-Match' => $etag });
is $res->code, 304, 'If-None-Match: 304';
req('stats', 304); served('hit');

# ---- 2. a bypass: a server without Redis ------------------------------------

($res) = stats($u, module => 'dash_nocache');
is $res->header('X-Dashboard-Cache'), 'bypass', 'dash_nocache: bypass';
req('stats', 200); served('bypass'); reports(ok => 4);

# ---- 3. every way an Analytics call fails, on one of the four -----------------

my $demo = { dimensions => 'ageGroup,gender' };
my @faults = (
    [ quota => 502, { status => 403, reason => 'quotaExceeded', match => $demo } ],
    [ rate_limited => 502, { status => 429, reason => 'rateLimitExceeded', match => $demo } ],
    [ rate_limited => 502, { status => 403, reason => 'userRateLimitExceeded', match => $demo } ],
    [ http_5xx => 502, { status => 503, match => $demo } ],
    [ http_4xx => 502, { status => 400, match => $demo } ],
    [ parse => 502, { status => 200, body => '{not json', match => $demo } ],
    [ parse => 502, { status => 200, body => '{"kind":"x"}', match => { dimensions => 'country' } } ],
    [ connect => 502, { drop => JSON::PP::true, match => $demo } ],
    [ timeout => 504, { status => 500, delay_ms => 3500, match => $demo } ],
);
for my $f (@faults) {
    my ($outcome, $status, $fault) = @$f;
    redis()->del($key);
    google_reset();
    google('POST', '/_control/fault', { target => 'reports', %$fault });
    my ($r) = stats($u);
    is $r->code, $status, "report fault $outcome: $status";
    req('stats', $status); reports(ok => 3, $outcome => 1);
}

# A revoked access token: all four calls answer 401.
redis()->del($key);
google_reset();
google('POST', '/_control/revoke', { access_token => $access });
($res) = stats($u);
is $res->code, 401, 'revoked access token: 401';
req('stats', 401); reports(http_4xx => 4);
google('POST', '/_control/token', { access_token => $access, channel => $ch });

# ---- 4. token refreshes ------------------------------------------------------

google_reset();
($res) = stats($ur);
is $res->code, 200, 'expired token: refreshed, 200';
req('stats', 200); served('miss'); refresh('ok'); reports(ok => 4);

my @token_faults = (
    [ http_4xx => 401, { status => 400, reason => 'invalid_grant' } ],
    [ http_4xx => 502, { status => 401, reason => 'invalid_client' } ],
    [ http_5xx => 502, { status => 500 } ],
    [ rate_limited => 502, { status => 429, reason => 'rate_limit_exceeded' } ],
    [ parse => 502, { status => 200, body => '{"token_type":"Bearer"}' } ],
    [ timeout => 504, { status => 500, delay_ms => 3500 } ],
);
for my $f (@token_faults) {
    my ($outcome, $status, $fault) = @$f;
    google_reset();
    google('POST', '/_control/fault', { target => 'token', %$fault });
    my ($r) = stats($ug);
    is $r->code, $status, "token fault $outcome: $status";
    req('stats', $status); refresh($outcome);
}
google_reset();

# ---- 5. requests refused before any work -------------------------------------

is call('POST', '/dashboard/stats', user => $u)->code, 405, 'POST stats: 405';
req('stats', 405);
is call('GET', '/open/stats')->code, 401, 'stats without a user: 401';
req('stats', 401);
is((stats($u, query => 'mode=year'))[0]->code, 400, 'mode=year: 400');
req('stats', 400);
is((stats($un))[0]->code, 404, 'no channel: 404');
req('stats', 404);
is call('GET', '/dashboard/accounts', user => $u)->code, 200, 'accounts: 200';
req('accounts', 200);
is call('PUT', '/dashboard/accounts', user => $u)->code, 405, 'PUT accounts: 405';
req('accounts', 405);
is call('DELETE', '/dashboard/cache', user => $u)->code, 200, 'DELETE own cache: 200';
req('cache', 200);
is call('DELETE', "/dashboard/cache?user_uuid=$ur", user => $u)->code, 403,
    "DELETE another user's cache: 403";
req('cache', 403);
is call('GET', '/dashboard/cache', user => $u)->code, 405, 'GET cache: 405';
req('cache', 405);

# ---- 6. the database and Redis failing -----------------------------------------

is((stats($u, module => 'dash_nodb'))[0]->code, 503, 'no database: stats 503');
req('stats', 503); want('mod_dashboard_database_errors_total');
is call('GET', '/dashboard/accounts', user => $u, module => 'dash_nodb')->code, 503,
    'no database: accounts 503';
req('accounts', 503); want('mod_dashboard_database_errors_total');

stack('redis-stop');
$redis_down = 1;
($res) = stats($u);
is $res->header('X-Dashboard-Cache'), 'bypass', 'Redis down: bypass';
req('stats', 200); served('bypass'); reports(ok => 4);
want('mod_dashboard_redis_errors_total');
is call('DELETE', '/dashboard/cache', user => $u)->code, 503, 'Redis down: DELETE 503';
req('cache', 503); want('mod_dashboard_redis_errors_total');
stack('redis-start');
$redis_down = 0;

# ---- 6b. the fetch budget (docs/behaviour.md#fetch-budget) -------------------
# dash_budget allows 3 fetches an hour: spent, a miss without an older answer
# is 429, and with one it is that answer, stale; both count as refusals.

my $budget = "dashboard:$u:fetches";
redis()->del($key);
redis()->set($budget, 3, 'EX', 3600);
($res) = stats($u, module => 'dash_budget');
is $res->code, 429, 'fetch budget spent, nothing stored: 429';
req('stats', 429);
want(key('mod_dashboard_fetch_budget_refusals_total', answer => 'rate_limited'));
redis()->del($budget);
($res) = stats($u, module => 'dash_budget');
is $res->header('X-Dashboard-Cache'), 'miss', 'fetch budget: a new window, a miss';
req('stats', 200); served('miss'); reports(ok => 4);
my $aged = JSON::PP->new->decode(redis()->get($key));
$aged->{fetchedAt} -= 3600;
redis()->set($key, JSON::PP->new->encode($aged), 'EX', 3600);
redis()->set($budget, 3, 'EX', 3600);
($res) = stats($u, module => 'dash_budget');
is $res->header('X-Dashboard-Cache'), 'stale', 'fetch budget spent, an expired answer: stale';
req('stats', 200); served('stale');
want(key('mod_dashboard_fetch_budget_refusals_total', answer => 'stale'));
redis()->del($budget, $key);

# ---- 7. a server with DashboardMetrics Off counts nothing ----------------------

redis()->del($key);
google_reset();
is call('GET', '/dashboard/accounts', user => $u, module => 'dash_nometrics')->code, 200,
    'DashboardMetrics Off: accounts 200';
($res) = stats($u, module => 'dash_nometrics');
is $res->header('X-Dashboard-Cache'), 'miss', 'DashboardMetrics Off: a miss, four calls';
is counters()->{reports}, 4, 'DashboardMetrics Off: the four calls were made';

# ---- 8. requests waiting on Google, seen while they wait ---------------------------

redis()->del($key);
google_reset();
google('POST', '/_control/delay', { ms => 1200 });
my $pid = fork // die "fork: $!";
if (!$pid) {
    my ($r) = stats($u);
    POSIX::_exit($r->code == 200 ? 0 : 1);
}
my ($seen, $reaped, $deadline) = (0, 0, time + 10);
while (!$seen && !$reaped && time < $deadline) {
    $seen = metrics()->{mod_dashboard_upstream_in_flight};
    $reaped = waitpid($pid, POSIX::WNOHANG()) == $pid;
    sleep 0.05 unless $seen || $reaped;
}
is $seen, 1, 'a request waiting on Google shows in mod_dashboard_upstream_in_flight';
waitpid($pid, 0) unless $reaped;
is $? >> 8, 0, 'the delayed request: 200';
google('POST', '/_control/delay', { ms => 0 });
req('stats', 200); served('miss'); reports(ok => 4);

# ---- every figure moved by exactly what the sequence made ------------------------

my ($after_res, $after) = scrape();
is $after_res->header('Content-Type'), $PROM_TYPE, "Content-Type: $PROM_TYPE";
is $after_res->header('Cache-Control'), 'private, no-store', 'Cache-Control: private, no-store';
is_deeply $after->{errors}, [], 'the exposition is valid after the sequence'
    or diag explain $after->{errors};
my $s = $after->{samples};
is_deeply [ sort keys %$s ], [ sort keys %$before ], 'the same series before and after';

my @moved;
for my $k (sort keys %$s) {
    next if $k =~ /_bucket\{|_sum$/;
    my $delta = $s->{$k} - ($before->{$k} // 0);
    my $exp = $want{$k} // 0;
    next if $k eq 'mod_dashboard_upstream_in_flight';
    if ($exp) {
        is $delta, $exp, "$k moved by $exp";
    }
    elsif ($delta) {
        push @moved, "$k +$delta";
    }
}
is_deeply \@moved, [], 'nothing else moved';
is $s->{mod_dashboard_upstream_in_flight}, 0, 'nothing waiting on Google at the end';
is_deeply [ grep { !exists $s->{$_} } sort keys %want ], [], 'every expected series exists';
like join("\n", grep { /^mod_dashboard_build_info\{/ } keys %$s), qr/^mod_dashboard_build_info\{version="[^"]+"\}$/,
    'build_info carries the version';

# Histograms: buckets cumulative (checked by parse), slow calls where they belong.
for my $h ([ 'mod_dashboard_stats_duration_seconds', 3 ],     # two hangs, the delayed request
           [ 'mod_dashboard_upstream_duration_seconds', 6 ]) { # two timeouts, four delayed calls
    my ($name, $slow) = @$h;
    my $d = sub { my $k = shift; return $s->{$k} - $before->{$k}; };
    my $count = $d->("${name}_count");
    is $d->(key("${name}_bucket", le => '+Inf')), $count, "$name: +Inf is _count";
    is $d->(key("${name}_bucket", le => '30')), $count, "$name: nothing over 30 s";
    cmp_ok $d->(key("${name}_bucket", le => '1')), '<=', $count - $slow,
        "$name: the $slow slow ones are over 1 s";
    cmp_ok $d->(key("${name}_bucket", le => '0.5')), '>', 0, "$name: fast ones under 0.5 s";
}
cmp_ok $s->{mod_dashboard_upstream_duration_seconds_sum}
    - $before->{mod_dashboard_upstream_duration_seconds_sum}, '>=', 2 * 1.9 + 4 * 1.15,
    'upstream _sum holds the timeouts and the delayed calls';

# ---- promtool, and the same lines in mod_status -------------------------------------

my ($promtool) = grep { defined && -x } $ENV{DASH_PROMTOOL},
    '/usr/local/lib/mod_dashboard/promtool',
    map { "$_/promtool" } split /:/, $ENV{PATH};
ok $promtool, 'promtool is installed (scripts/deps.sh)';
if ($promtool) {
    my ($fh, $file) = tempfile(UNLINK => 1);
    print $fh $after_res->content;
    close $fh;
    my $out = `"$promtool" check metrics < "$file" 2>&1`;
    is $?, 0, 'promtool check metrics: passes' or diag $out;
    is $out, '', 'promtool check metrics: no lint remarks';
}

my $auto = server_status('?auto');
is $auto->code, 200, '/server-status?auto: 200';
my %auto = map { /^(mod_dashboard_\S+): (\S+)$/ ? ($1 => $2) : () }
    split /\n/, $auto->content;
my $auto_parsed = parse(join '', map { "$_ $auto{$_}\n" } sort keys %auto)->{samples};
is_deeply $auto_parsed, metrics(), '/server-status?auto: the same lines as /metrics';
my $html = server_status();
like $html->content, qr{<h2>mod_dashboard</h2>}, '/server-status: a mod_dashboard section';
my $n200 = $s->{ key('mod_dashboard_requests_total', endpoint => 'stats', status => 200) };
like $html->content,
    qr{<td>mod_dashboard_requests_total\{endpoint=&quot;stats&quot;,status=&quot;200&quot;\}</td><td align="right">$n200</td>},
    '/server-status: the figures in a table';

# ---- the handler itself -----------------------------------------------------------

my $head = call('HEAD', '/dashboard-metrics');
is $head->code, 200, 'HEAD /dashboard-metrics: 200';
is $head->header('Content-Type'), $PROM_TYPE, 'HEAD /dashboard-metrics: the type';
is $head->content, '', 'HEAD /dashboard-metrics: no body';
my $post = call('POST', '/dashboard-metrics');
is_error($post, 405, 'METHOD_NOT_ALLOWED', 'POST /dashboard-metrics');
is $post->header('Allow'), 'GET, HEAD', 'POST /dashboard-metrics: Allow: GET, HEAD';
is_deeply metrics(module => 'dash_nometrics'), metrics(),
    'a server with DashboardMetrics Off serves the same figures';

unlike log_since(0), qr/exit signal|Segmentation fault/, 'no httpd child crashed';

done_testing();
