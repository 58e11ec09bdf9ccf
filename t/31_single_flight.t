# Single flight (docs/behaviour.md#stale-answers-and-single-flight):
# simultaneous cold requests for one key spend
# the four Analytics calls once, on one httpd and on two httpd instances
# sharing Redis; the lock itself (key, random token, expiry, released on
# every path); a lock whose holder died; a waiter answered as soon as the
# value lands; no lock without Redis.
use strict;
use warnings FATAL => 'all';

use Apache::Test ();

use Test::More;
use JSON::PP ();
use IO::Socket::INET ();
use POSIX ();
use Redis ();
use Time::HiRes qw(time sleep);
use lib 't/lib';
use Dash::Test;
use Dash::Httpd2;

my $redis_down = 0;
END { eval { stack('redis-start') } if $redis_down; }

my $codec = JSON::PP->new->utf8->canonical;
my $N = 64;              # simultaneous requests
my $DELAY = 300;         # ms the stand-in holds every report call
my $today = today_report();
my $u = 'flight-user-0001';
my $ch = 'UCflightMain000000001';
my $key = "dashboard:$u:$ch:month";
my $lock = "$key:lock";
my $path = '/dashboard/stats';

clear_user($u);
add_account($u, $ch);
add_video($u, $ch, sprintf('flight%04d', $_), add_days($today, -3 - 11 * $_) . ' 09:00:00')
    for 0 .. 5;
flush_redis();
google_reset();

sub stats {
    my (%o) = @_;
    my $t0 = time;
    my $res = call('GET', $path, user => $u, %o);
    return ($res, json_of($res), time - $t0);
}

# The answer when nothing overlaps, to compare everything else with.
my ($res, $base) = stats();
is $res->code, 200, 'baseline: 200';
is $res->header('X-Dashboard-Cache'), 'miss', 'baseline: miss';
my $base_body = $res->content;
ok !redis()->exists($lock), 'baseline: no lock left behind';

sub cold {
    my ($delay) = @_;
    redis()->del($key, $lock);
    google_reset();
    google('POST', '/_control/delay', { ms => $delay // 0 });
}

sub tally {
    my (@r) = @_;
    my %n;
    $n{ $_->{code} . ' ' . ($_->{cache} // '-') }++ for @r;
    return join ', ', map { "$_ × $n{$_}" } sort keys %n;
}

# 64 cold requests at once: one holder fills, everybody else waits for it.
sub flight_ok {
    my ($tag, @r) = @_;
    my $c = counters();
    is scalar(grep { $_->{code} == 200 } @r), $N, "$tag: all $N answered 200"
        or diag tally(@r);
    is scalar(grep { ($_->{cache} // '') eq 'miss' } @r), 1, "$tag: one miss";
    is scalar(grep { ($_->{cache} // '') eq 'hit' } @r), $N - 1, "$tag: the rest hits"
        or diag tally(@r);
    is scalar(grep { $_->{body} ne $base_body } @r), 0, "$tag: every body is the baseline's";
    is $c->{reports}, 4, "$tag: exactly 4 report calls";
    cmp_ok $c->{max_in_flight}, '<=', 4, "$tag: no more than the holder's four at once";
    my ($miss) = grep { ($_->{cache} // '') eq 'miss' } @r;
    my $overlapped = $miss ? grep { $_->{t0} < $miss->{t1} - $DELAY / 2000 } @r : 0;
    cmp_ok $overlapped, '>=', $N / 2,
        "$tag: at least half the requests were sent while the holder was fetching";
    ok !redis()->exists($lock), "$tag: the lock is released";
    ok redis()->exists($key), "$tag: the value is cached";
}

# ---- without single flight, the harness's requests overlap at Google -----

# (8, not 64: 256 calls at once are more than the stand-in answers within
# DashboardUpstreamTimeout on a loaded machine: the very stampede single
# flight prevents.)
{
    my $n = 8;
    cold($DELAY);
    my $url = url_of($path, module => 'dash_nocache');
    my @r = simultaneous(map { [$url, $u] } 1 .. $n);
    my $c = counters();
    is scalar(grep { $_->{code} == 200 && ($_->{cache} // '') eq 'bypass' } @r), $n,
        "DashboardRedis Off: all $n answered 200 bypass" or diag tally(@r);
    is $c->{reports}, 4 * $n, 'DashboardRedis Off: no single flight, 4 calls per request';
    cmp_ok $c->{max_in_flight}, '>', 4,
        "DashboardRedis Off: calls of several requests overlapped ($c->{max_in_flight} at once)";
    ok !redis()->exists($lock), 'DashboardRedis Off: no lock taken';
}

# ---- 64 cold requests on one httpd ---------------------------------------

# On dash_flight (DashboardUpstreamTimeout 10 s, so DashboardLockWait 24.6 s):
# the holder's fetch, slowed by 64 requests starting at once on a loaded
# machine, must neither time out nor outlast its waiters' patience.
{
    cold($DELAY);
    my $url = url_of($path, module => 'dash_flight');
    my $m0 = metrics();
    flight_ok('one httpd', simultaneous(map { [$url, $u] } 1 .. $N));
    # The same story in the counters (docs/metrics.md). A request that
    # found the value already stored is a hit without a wait, so only the
    # waits' total is bounded, by every other request.
    my $m1 = metrics();
    my %d = map { $_ => metric_delta($m0, $m1, 'mod_dashboard_stats_cache_total', outcome => $_) }
        qw(hit miss stale bypass);
    is_deeply \%d, { hit => $N - 1, miss => 1, stale => 0, bypass => 0 },
        'one httpd, metrics: one miss, the rest hits';
    is metric_delta($m0, $m1, 'mod_dashboard_google_reports_total', outcome => 'ok'), 4,
        'one httpd, metrics: 4 report calls';
    my %w = map { $_ => metric_delta($m0, $m1, 'mod_dashboard_singleflight_waits_total', outcome => $_) }
        qw(filled taken timeout error);
    ok $w{filled} >= 1 && $w{filled} <= $N - 1,
        "one httpd, metrics: waiters filled by the holder ($w{filled})";
    is_deeply [ @w{qw(taken timeout error)} ], [0, 0, 0],
        'one httpd, metrics: no wait taken over, timed out or failed';
}

# ---- 64 cold requests on two httpd instances sharing Redis ---------------

{
    Dash::Httpd2::start();
    my $url = url_of($path, module => 'dash_flight');
    my $url2 = Dash::Httpd2::url_of($url);
    # The second instance works on its own first.
    redis()->del($key);
    google_reset();
    my $r2 = (simultaneous([$url2, $u]))[0];
    is $r2->{code}, 200, 'second httpd: 200';
    is $r2->{body}, $base_body, 'second httpd: the baseline body';

    cold($DELAY);
    my @reqs = map { [ $_ % 2 ? $url2 : $url, $u ] } 1 .. $N;
    my @r = simultaneous(@reqs);
    flight_ok('two httpd instances', @r);
    is scalar(grep { $reqs[$_][0] eq $url2 && $r[$_]{code} == 200 } 0 .. $#r), $N / 2,
        'two httpd instances: the second answered its half';
    Dash::Httpd2::stop();
}

# ---- the lock: its key, a random token, its expiry -----------------------

# A request in its own process; returns its pid.
sub in_background {
    my (%o) = @_;
    my $pid = fork // die "fork: $!";
    if (!$pid) {
        my $res = call('GET', $path, user => $u, %o);
        POSIX::_exit($res->code == 200 ? 0 : 1);
    }
    return $pid;
}

sub wait_for_lock {
    my $deadline = time + 5;
    while (time < $deadline) {
        my $t = redis()->get($lock);
        return $t if defined $t;
        sleep 0.01;
    }
    return undef;
}

{
    my @tokens;
    for my $n (1, 2) {
        cold(1000);
        my $pid = in_background();
        my $token = wait_for_lock();
        my $pttl = redis()->pttl($lock);
        ok defined $token, "holder #$n: $lock is taken while it fetches";
        push @tokens, $token // '';
        cmp_ok length($token // ''), '>=', 16, "holder #$n: the lock holds a token of 16+ characters";
        cmp_ok $pttl, '<=', 4000, "holder #$n: the lock expires after 2 × DashboardUpstreamTimeout at most ($pttl ms)";
        cmp_ok $pttl, '>', 2000, "holder #$n: ... and not much sooner";
        waitpid $pid, 0;
        is $?, 0, "holder #$n: 200";
        ok !redis()->exists($lock), "holder #$n: the lock is released after success";
    }
    isnt $tokens[0], $tokens[1], 'two holders, two different tokens';
}

# The holder fails: the lock goes at once, not when it expires.
{
    cold(0);
    google('POST', '/_control/fault', { target => 'reports', status => 500 });
    my ($res) = stats();
    is_error($res, 502, 'YOUTUBE_API_ERROR', 'holder gets Google 500');
    ok !redis()->exists($lock), 'holder gets Google 500: the lock is released';
    ok !redis()->exists($key), 'holder gets Google 500: nothing cached';
}

# The client goes away while the holder fetches: the fetch completes, the
# value is cached and the lock released at once, long before its expiry
# (dash_flight: 2 × 10 s).
{
    cold(1000);
    my $sock = IO::Socket::INET->new(PeerAddr => '127.0.0.1',
                                     PeerPort => Apache::Test::config()->{vars}{dash_flight_port},
                                     Proto => 'tcp') or die "connect: $!";
    require MIME::Base64;
    print $sock "GET $path HTTP/1.1\r\nHost: localhost\r\nAuthorization: Basic "
        . MIME::Base64::encode_base64("$u:pw", '') . "\r\nConnection: close\r\n\r\n";
    ok defined wait_for_lock(), 'client gone: the holder took the lock';
    my $t0 = time;
    close $sock;
    sleep 0.05 while redis()->exists($lock) && time < $t0 + 8;
    ok !redis()->exists($lock), sprintf('client gone: the lock released after the fetch (%.2f s)', time - $t0);
    ok redis()->exists($key), 'client gone: the value was still cached';
    google_reset();
    my ($res) = stats();
    is $res->header('X-Dashboard-Cache'), 'hit', 'client gone: the next request is a hit';
    is counters()->{reports}, 0, 'client gone: ... with no call';
}

# ---- a waiter answers as soon as the value lands -------------------------

{
    cold(0);
    redis()->set($lock, 'another-holder', 'PX', 30000);
    my $value = $codec->encode({ response => $base, fetchedAt => int(time()) });
    my $pid = fork // die "fork: $!";
    if (!$pid) {
        # Fill the cache the way the other holder would, 0.5 s later.
        sleep 0.5;
        my $r = Redis->new(server => "127.0.0.1:$ENV{DASH_REDIS_PORT}");
        $r->set($key, $value, 'EX', 600);
        POSIX::_exit(0);
    }
    my ($res, $j, $took) = stats();
    waitpid $pid, 0;
    is $res->code, 200, 'waiter: 200';
    is $res->header('X-Dashboard-Cache'), 'hit', 'waiter: a hit once the value lands';
    is_deeply $j, $base, 'waiter: the value written by the holder';
    is counters()->{reports}, 0, 'waiter: no call';
    cmp_ok $took, '>=', 0.45, sprintf('waiter: it waited for the value (%.2f s)', $took);
    cmp_ok $took, '<', time_bound(0.5, 2, 2.9),
        'waiter: ... and answered soon after it landed, not at DashboardLockWait (8.6 s)';
    is redis()->get($lock), 'another-holder', "waiter: another holder's lock is not touched";
}

# ---- a lock left by a holder that died -----------------------------------

# The upper bounds leave room for one fetch on a loaded machine (scaled by
# DASH_TIME_FACTOR), yet the short wait's stays below the default wait (a
# directive ignored would show).
# The default wait: 2 x DashboardUpstreamTimeout (2 s) + DashboardDBTimeout
# (3 s) + 2 x DashboardRedisTimeout (300 ms) + 1 s (docs/configuration.md).
for my $case (['default', 8.6, 2.5, undef, {}],
              ['dash_shortwait', 0.5, 2.4, 2.95, { module => 'dash_shortwait' }]) {
    my ($tag, $wait, $slack, $ceiling, $o) = @$case;
    my $most = time_bound($wait, $slack, $ceiling);
    cold(0);
    redis()->set($lock, 'dead-holder', 'PX', 600000);
    my ($res, $j, $took) = stats(%$o);
    is $res->code, 200, "dead holder ($tag): 200";
    is $res->header('X-Dashboard-Cache'), 'miss', "dead holder ($tag): fetched itself (miss)";
    is_deeply $j, $base, "dead holder ($tag): the full response";
    is counters()->{reports}, 4, "dead holder ($tag): 4 calls";
    cmp_ok $took, '>=', $wait - 0.05, sprintf('dead holder (%s): waited DashboardLockWait, %.1f s (%.2f s)', $tag, $wait, $took);
    cmp_ok $took, '<', $most, "dead holder ($tag): then one fetch, no more";
    is redis()->get($lock), 'dead-holder', "dead holder ($tag): a lock that is not ours is left alone";
    ok redis()->exists($key), "dead holder ($tag): the value is cached";
    google_reset();
    ($res) = stats(%$o);
    is $res->header('X-Dashboard-Cache'), 'hit', "dead holder ($tag): then a hit";
}
redis()->del($lock);

# DashboardLockWait 0 never waits: a request that finds the lock taken
# fetches at once (the default wait here would be 3 s).
{
    cold(0);
    redis()->set($lock, 'dead-holder', 'PX', 600000);
    my ($res, $j, $took) = stats(module => 'dash_nowait');
    is $res->code, 200, 'DashboardLockWait 0: 200';
    is $res->header('X-Dashboard-Cache'), 'miss', 'DashboardLockWait 0: fetched itself (miss)';
    is_deeply $j, $base, 'DashboardLockWait 0: the full response';
    cmp_ok counters()->{reports}, '>', 0, 'DashboardLockWait 0: Google was asked';
    cmp_ok $took, '<', time_bound(0, 2, 2.9), sprintf('DashboardLockWait 0: no wait (%.2f s)', $took);
    is redis()->get($lock), 'dead-holder', 'DashboardLockWait 0: the lock that is not ours is left alone';
    redis()->del($lock);
}

# ---- Redis down: no lock, no single flight, every request answered -------

{
    cold(200);
    stack('redis-stop');
    $redis_down = 1;
    my $url = url_of($path);
    my @r = simultaneous(map { [$url, $u] } 1 .. 4);
    is scalar(grep { $_->{code} == 200 && ($_->{cache} // '') eq 'bypass' } @r), 4,
        'Redis down: 4 simultaneous requests, all 200 bypass' or diag tally(@r);
    is counters()->{reports}, 16, 'Redis down: each went to Google (no lock without Redis)';
    stack('redis-start');
    $redis_down = 0;
}

done_testing();
