# Redis through Sentinel (docs/operations.md#redis-through-sentinel), with
# Debian's redis-server and redis-sentinel: a master, a replica and three
# sentinels of the test's own, and two httpd hosts pointed at the sentinels
# (DashboardRedis redis-sentinel://...). Before the failover: misses, hits on
# both hosts, single flight across them, a purge. The master is killed
# (kill -9): requests go on uncached, answered 200 in bounded time; once the
# sentinels have promoted the replica, hits are hits again (the values were
# replicated), single flight spends one fetch's calls for simultaneous cold
# requests over the two hosts, and a purge works; each host's log names the
# master it gave up (DASH0141) and the new one (DASH0140).
#
# Ports: drawn free, or DASH_SENTINEL_PORTS="MASTER REPLICA S1 S2 S3".
use strict;
use warnings FATAL => 'all';

use Test::More;
use File::Temp qw(tempdir);
use POSIX ();
use Redis ();
use Time::HiRes qw(time sleep);
use lib 't/lib';
use Dash::Test;
use Dash::OwnHttpd ();

for my $bin (qw(redis-server redis-sentinel)) {
    plan skip_all => "$bin not installed (scripts/deps.sh installs it)"
        unless grep { -x "$_/$bin" } split /:/, $ENV{PATH};
}

my $dir = tempdir('mod_dashboard-sentinel.XXXXXX', TMPDIR => 1, CLEANUP => 1);
my @ports = $ENV{DASH_SENTINEL_PORTS} ? split(' ', $ENV{DASH_SENTINEL_PORTS})
                                      : Dash::OwnHttpd::free_ports(5);
my ($pm, $pr, @ps) = @ports;
my %pid;                                  # name => pid of what we started
END {
    local $?;                             # waitpid would set the exit code
    for my $name (keys %pid) {
        kill 'KILL', $pid{$name} if $pid{$name};
        waitpid $pid{$name}, 0 if $pid{$name};
    }
}

sub spawn {
    my ($name, @argv) = @_;
    my $pid = fork // die "fork: $!";
    if (!$pid) {
        open STDIN, '<', '/dev/null';
        open STDOUT, '>', "$dir/$name.out";
        open STDERR, '>&', \*STDOUT;
        exec @argv or POSIX::_exit(127);
    }
    $pid{$name} = $pid;
}

sub rconn {
    my ($port) = @_;
    return eval { Redis->new(server => "127.0.0.1:$port", reconnect => 0,
                             cnx_timeout => 1, read_timeout => 2) };
}

sub wait_for {
    my ($what, $seconds, $cond) = @_;
    my $t0 = time;
    while (time - $t0 < $seconds) {
        my $v = eval { $cond->() };
        return time - $t0 if $v;
        sleep 0.1;
    }
    return undef;
}

# ---- the Redis side -----------------------------------------------------

my @common = ('--bind', '127.0.0.1', '--save', '', '--appendonly', 'no',
              '--dir', $dir);
spawn('master', 'redis-server', '--port', $pm, @common, '--logfile', "$dir/master.log");
spawn('replica', 'redis-server', '--port', $pr, @common, '--logfile', "$dir/replica.log",
      '--replicaof', '127.0.0.1', $pm);
ok defined wait_for('master', 20, sub { rconn($pm)->ping }), 'the master answers';
ok defined wait_for('replica', 30, sub {
        rconn($pr)->info('replication')->{master_link_status} eq 'up' }),
    'the replica follows it';

for my $i (0 .. 2) {
    open my $fh, '>', "$dir/sentinel$i.conf" or die $!;
    print $fh <<"CONF";
port $ps[$i]
bind 127.0.0.1
daemonize no
dir $dir
logfile $dir/sentinel$i.log
sentinel monitor mymaster 127.0.0.1 $pm 2
sentinel down-after-milliseconds mymaster 1000
sentinel failover-timeout mymaster 5000
sentinel parallel-syncs mymaster 1
CONF
    close $fh;
    spawn("sentinel$i", 'redis-sentinel', "$dir/sentinel$i.conf");
}
ok defined wait_for('sentinels', 40, sub {
        for my $p (@ps) {
            my $s = rconn($p) or return 0;
            my $m = { @{ ($s->sentinel('masters'))[0] // [] } };
            return 0 unless ($m->{'num-other-sentinels'} // 0) == 2
                && ($m->{'num-slaves'} // 0) == 1;
        }
        1 }),
    'three sentinels know the master, its replica and each other';

# ---- two httpd hosts behind the sentinels -------------------------------

my $google = $ENV{DASH_GOOGLE_URL};
my $sentinels = join ',', map { "127.0.0.1:$_" } @ps;
my $server = <<"CONF";
DBDriver pgsql
DBDParams "host=127.0.0.1 port=$ENV{DASH_PG_PORT} dbname=dashboard user=$ENV{DASH_PG_MODULE_USER} connect_timeout=2"
DashboardRedis redis-sentinel://$sentinels/mymaster/0
DashboardRedisTimeout 300
DashboardCacheTTL 600
DashboardAnalyticsURL $google/v2/reports
DashboardTokenURL $google/token
DashboardOAuthClient $ENV{DASH_CLIENT_ID} $ENV{DASH_CLIENT_SECRET}
DashboardUpstreamTimeout 8000
DashboardUserFetchLimit 0
CONF
my $extra = "<Location /dashboard/cache>\n    SetHandler dashboard-cache\n</Location>\n";
my @h = map {
    Dash::OwnHttpd::start(name => "sentinel-h$_", server => $server, extra => $extra,
                          loglevel => 'notice',
                          workers => "StartServers 1\nServerLimit 1\nThreadsPerChild 16\n"
                                   . "MaxRequestWorkers 16")
} 1, 2;
ok $h[0]{up} && $h[1]{up}, 'two httpd hosts started';

my $today = today_report();
sub user {
    my ($u, $ch) = @_;
    clear_user($u);
    add_account($u, $ch);
    add_video($u, $ch, "$ch-$_", add_days($today, -3 - 9 * $_) . ' 08:00:00') for 0 .. 2;
    return $u;
}
sub stats {
    my ($host, $u) = @_;
    my $t0 = time;
    my $res = call('GET', "$host->{base}/dashboard/stats", user => $u);
    return ($res->code, $res->header('X-Dashboard-Cache') // '', time - $t0);
}
sub purge {
    my ($host, $u) = @_;
    return call('DELETE', "$host->{base}/dashboard/cache?mode=all&user_uuid=$u", user => $u);
}

my $u = user('sentinel-user-0001', 'UCsentinel000000000001');
google_reset();
is_deeply [ (stats($h[0], $u))[0, 1] ], [200, 'miss'], 'host 1: a miss';
my $PER_FETCH = counters()->{reports};
ok $PER_FETCH >= 1, "one fetch makes $PER_FETCH report calls";
is_deeply [ (stats($h[0], $u))[0, 1] ], [200, 'hit'], 'host 1: then a hit';
is_deeply [ (stats($h[1], $u))[0, 1] ], [200, 'hit'], 'host 2: a hit too (the same master)';
ok rconn($pm)->exists("dashboard:$u:UCsentinel000000000001:month")
   || scalar(@{ [ rconn($pm)->keys("dashboard:$u:*") ] }) > 0,
   'the value is on the master the sentinels name';
like Dash::OwnHttpd::log_text($h[0]), qr/DASH0140: Redis master for redis-sentinel:\/\/\S+ is 127\.0\.0\.1:$pm \(from the sentinels\)/,
    'host 1 logged the master it found (DASH0140)';

my $res = purge($h[1], $u);
is $res->code, 200, 'a purge through the sentinels: 200';
is_deeply [ (stats($h[0], $u))[0, 1] ], [200, 'miss'], 'after the purge: a miss';

# Simultaneous cold requests over the two hosts: one fetch.
sub cold_burst {
    my ($uu, $n) = @_;
    google_reset();
    google('POST', '/_control/delay', { ms => 300 });
    my @r = simultaneous(map { [ "$h[$_ % 2]{base}/dashboard/stats", $uu ] } 1 .. $n);
    google('POST', '/_control/delay', { ms => 0 });
    return (counters()->{reports}, @r);
}
{
    my $uf = user('sentinel-flight-0001', 'UCsentinelFlight000001');
    my ($calls, @r) = cold_burst($uf, 16);
    is scalar(grep { $_->{code} == 200 } @r), 16, 'before the failover: 16 cold requests, all 200';
    is $calls, $PER_FETCH, "before the failover: one fetch's calls ($PER_FETCH) for 16 over two hosts";
}

# ---- the master dies ---------------------------------------------------

ok((stats($h[1], $u))[1] eq 'hit', 'host 2 has a warm connection to the master');
kill 'KILL', $pid{master};
waitpid $pid{master}, 0;
my $t_kill = time;
delete $pid{master};

# Until the sentinels promote the replica: answers, uncached, in bounded
# time (the data node refuses at once; the sentinels still name it).
my ($n_during, @bad_during) = (0);
my $t_promoted;
while (time - $t_kill < 40) {
    my $addr = eval { (rconn($ps[0])->sentinel('get-master-addr-by-name', 'mymaster'))[1] };
    if (defined $addr && $addr == $pr) {
        $t_promoted = time;
        last;
    }
    for my $host (@h) {
        my ($code, $cache, $secs) = stats($host, $u);
        $n_during++;
        push @bad_during, "$code $cache ${secs}s" unless $code == 200
            && $cache =~ /^(?:bypass|miss|hit)$/ && $secs < time_bound(1, 4);
    }
    sleep 0.2;
}
ok defined $t_promoted, sprintf('the sentinels promoted the replica (%.1f s after the kill)',
                                ($t_promoted // time) - $t_kill);
ok $n_during > 0, "$n_during requests while the master was down";
is_deeply \@bad_during, [], 'every one of them 200 (uncached or, before the loss was seen, a hit) in bounded time';

# Hits again: the cached value was replicated before the kill.
my $back = wait_for('hits', time_bound(2, 8), sub {
    (stats($h[0], $u))[1] eq 'hit' && (stats($h[1], $u))[1] eq 'hit' });
ok defined $back, sprintf('hits are hits again on both hosts %.1f s after the promotion',
                          (time - $t_promoted));
like Dash::OwnHttpd::log_text($h[0]), qr/DASH0141: Redis master 127\.0\.0\.1:$pm for redis-sentinel:\/\/\S+ given up/,
    'host 1 logged the master it gave up (DASH0141)';
like Dash::OwnHttpd::log_text($_), qr/DASH0140: Redis master for \S+ is 127\.0\.0\.1:$pr \(from the sentinels\)/,
    'each host logged the promoted master (DASH0140)' for @h;

{
    my $uf = user('sentinel-flight-0002', 'UCsentinelFlight000002');
    my ($calls, @r) = cold_burst($uf, 16);
    is scalar(grep { $_->{code} == 200 } @r), 16, 'after the failover: 16 cold requests, all 200';
    is $calls, $PER_FETCH, "after the failover: one fetch's calls ($PER_FETCH) for 16 over two hosts";
    ok scalar(@{ [ rconn($pr)->keys("dashboard:$uf:*") ] }) > 0,
        'the value is on the promoted master';
}

$res = purge($h[0], $u);
is $res->code, 200, 'a purge after the failover: 200';
is_deeply [ (stats($h[1], $u))[0, 1] ], [200, 'miss'], 'after that purge: a miss';
is_deeply [ (stats($h[0], $u))[0, 1] ], [200, 'hit'], 'then a hit';

unlike Dash::OwnHttpd::log_text($_), qr/\b500\b.*dashboard|segfault|exit signal/i,
    'no crash in the log' for @h;
$_->{stop}->() for @h;
done_testing();
