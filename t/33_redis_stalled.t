# A stalled Redis (SIGSTOP: its connections stay open, nothing answers)
# never fails a request and never holds it much past DashboardRedisTimeout
# per command (docs/behaviour.md#cache,
# docs/behaviour.md#protecting-the-host-site): stats
# answer 200 uncached (bypass) from Google, accounts are not touched, a
# purge answers 503 CACHE_UNAVAILABLE, and once Redis answers again the
# cache works as before. The suite's server has DashboardRedisTimeout 300.
use strict;
use warnings FATAL => 'all';

use Test::More;
use Time::HiRes qw(time);
use POSIX ();
use lib 't/lib';
use Dash::Test;

my $today = today_report();
my ($u, $ch) = ('redis-stalled', 'UCredisStalled');
my $key = "dashboard:$u:$ch:month";
clear_user($u);
add_account($u, $ch);
add_video($u, $ch, "stall$_", add_days($today, -3 - 9 * $_) . ' 08:00:00') for 0 .. 2;
flush_redis();
google_reset();

sub timed {
    my ($method, $path, %o) = @_;
    my $t0 = time;
    my $res = call($method, $path, user => $u, %o);
    return ($res, time - $t0);
}

my ($res) = timed('GET', '/dashboard/stats');
is $res->header('X-Dashboard-Cache'), 'miss', 'before: a miss';
($res) = timed('GET', '/dashboard/stats');
is $res->header('X-Dashboard-Cache'), 'hit', 'before: then a hit';
my $body = $res->content;

# Whatever happens to this test, Redis is thawed after 60 s.
my $guard = fork // die "fork: $!";
if ($guard == 0) {
    sleep 60;
    exec $ENV{DASH_STACK}, 'redis-thaw';
}
my $offset = -s error_log();
stack('redis-freeze');
my @stalled = eval {
    my @out;
    # More requests than a child has pooled connections to lose.
    for my $n (1 .. 3) {
        google_reset();
        my ($r, $took) = timed('GET', '/dashboard/stats');
        push @out, [ $r, $took, counters()->{reports} ];
    }
    my ($acc, $acc_took) = timed('GET', '/dashboard/accounts');
    my ($del, $del_took) = timed('DELETE', '/dashboard/cache');
    (@out, [ $acc, $acc_took ], [ $del, $del_took ]);
};
my $err = $@;
stack('redis-thaw');
kill 'KILL', $guard;
waitpid $guard, 0;
die $err if $err;

my ($acc, $del) = splice @stalled, -2;
my $n = 0;
for my $s (@stalled) {
    my ($r, $took, $calls) = @$s;
    $n++;
    is $r->code, 200, "stalled, stats #$n: 200";
    is $r->header('X-Dashboard-Cache'), 'bypass', "stalled, stats #$n: bypass (uncached)";
    is $r->content, $body, "stalled, stats #$n: the same answer, from Google";
    cmp_ok $calls, '>', 0, "stalled, stats #$n: Google was asked";
    # Each Redis command waits 300 ms at most: the read, then the store
    # and the lock of a miss; far from the 60 s the freeze would last.
    cmp_ok $took, '<', time_bound(4 * 0.3, 1.5), sprintf('stalled, stats #%d: bounded by the Redis timeout (%.2f s)', $n, $took);
}
is $acc->[0]->code, 200, 'stalled: accounts 200';
cmp_ok $acc->[1], '<', time_bound(0, 1), sprintf('stalled: accounts do not wait on Redis (%.2f s)', $acc->[1]);
is_error($del->[0], 503, 'CACHE_UNAVAILABLE', 'stalled: purge');
cmp_ok $del->[1], '<', time_bound(2 * 0.3, 1.5), sprintf('stalled: the purge gives up after the Redis timeout (%.2f s)', $del->[1]);
like log_since($offset), qr/DASH0503: Redis .* unavailable/, 'stalled: the warning is logged';

# Thawed: what the stalled Redis had queued is answered, and the cache
# serves again (a connection left with a late reply in it would hand that
# reply to the next command).
for my $try (1 .. 2) {
    ($res) = timed('GET', '/dashboard/stats');
    is $res->code, 200, "thawed #$try: 200";
    like $res->header('X-Dashboard-Cache') // '', qr/^(?:hit|miss)$/, "thawed #$try: cached again";
    is $res->content, $body, "thawed #$try: the same answer";
}
google_reset();
($res) = timed('GET', '/dashboard/stats');
is $res->header('X-Dashboard-Cache'), 'hit', 'thawed: a hit';
is counters()->{reports}, 0, 'thawed: no call to Google';
unlike log_since($offset), qr/exit signal|Segmentation fault/, 'no child crashed';

done_testing();
