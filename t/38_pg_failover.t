# Postgres failover (docs/operations.md#postgres-with-a-standby): a primary
# and a streaming standby of the test's own (pg_basebackup, with
# synchronous_standby_names naming the standby), and an httpd whose
# DBDParams lists both with target_session_attrs=read-write. With several
# pooled connections open and a token written back, the primary is stopped:
# requests answer 503 DATABASE_UNAVAILABLE within DashboardDBTimeout (the
# gate does not stall them, simultaneous ones included), never 500. The
# standby is promoted: answers are 200 again, simultaneous requests over
# every pooled connection too (each reconnected to the new primary and its
# statements prepared there), every later request is 200, the new primary
# sees no more connections than the two hosts have threads, and the token
# written back before the failover is there.
#
# Ports: drawn free, or DASH_PGFO_PORTS="PRIMARY STANDBY".
use strict;
use warnings FATAL => 'all';

use Test::More;
use File::Temp qw(tempdir);
use DBI ();
use Time::HiRes qw(time sleep);
use lib 't/lib';
use Dash::Test;
use Dash::OwnHttpd ();

my $pg_bin = (sort glob('/usr/lib/postgresql/*/bin'))[-1];
plan skip_all => 'no PostgreSQL server binaries' unless $pg_bin && -x "$pg_bin/initdb";

my ($pp, $sp) = $ENV{DASH_PGFO_PORTS} ? split(' ', $ENV{DASH_PGFO_PORTS})
                                      : Dash::OwnHttpd::free_ports(2);
my $dir = tempdir('mod_dashboard-pgfo.XXXXXX', TMPDIR => 1, CLEANUP => 1);
chmod 0755, $dir;
my $as_pg = $> == 0 ? 'runuser -u postgres -- ' : '';
system("chown postgres: $dir") if $> == 0;
my %up;                                   # data dir => started
END {
    local $?;
    for my $d (keys %up) {
        system("${as_pg}$pg_bin/pg_ctl -D $d -m immediate -w stop >/dev/null 2>&1");
    }
}

sub sh {
    my ($cmd) = @_;
    system("$cmd >>$dir/setup.log 2>&1") == 0 or do {
        diag(`tail -n 20 $dir/setup.log`);
        BAIL_OUT("failed: $cmd");
    };
}

sub pg_start {
    my ($data, $port) = @_;
    sh("${as_pg}$pg_bin/pg_ctl -D $data -l $data.log -w -o "
       . "'-p $port -k $dir -c listen_addresses=127.0.0.1 -c fsync=off' start");
    $up{$data} = 1;
}

sub dbh {
    my ($port) = @_;
    return DBI->connect("dbi:Pg:dbname=dashboard;host=127.0.0.1;port=$port",
                        'dashboard', '', { RaiseError => 1, AutoCommit => 1,
                                           PrintError => 0 });
}

# ---- a primary and its synchronous standby -------------------------------

my ($pdata, $sdata) = ("$dir/primary", "$dir/standby");
sh("${as_pg}$pg_bin/initdb -D $pdata -U dashboard -A trust -E UTF8 --locale=C.UTF-8");
open my $conf, '>>', "$pdata/postgresql.conf" or die $!;
print $conf "wal_level = replica\nmax_wal_senders = 4\nsynchronous_commit = on\n";
close $conf;
open my $hba, '>>', "$pdata/pg_hba.conf" or die $!;
print $hba "host replication all 127.0.0.1/32 trust\n";
close $hba;
pg_start($pdata, $pp);
sh("psql -q -h 127.0.0.1 -p $pp -U dashboard -d postgres -c 'CREATE DATABASE dashboard'");
sh("psql -q -v ON_ERROR_STOP=1 -h 127.0.0.1 -p $pp -U dashboard -d dashboard -f conf/schema.sql");
sh("${as_pg}$pg_bin/pg_basebackup -D $sdata -R -X stream "
   . "-d 'host=127.0.0.1 port=$pp user=dashboard application_name=standby1'");
pg_start($sdata, $sp);
my $primary = dbh($pp);
# Synchronous from now on: set before the standby existed, every commit
# (CREATE DATABASE included) would wait for it.
$primary->do("ALTER SYSTEM SET synchronous_standby_names = 'standby1'");
$primary->do('SELECT pg_reload_conf()');
my $synced;
for (1 .. 200) {
    my ($state) = $primary->selectrow_array(
        "SELECT sync_state FROM pg_stat_replication WHERE application_name = 'standby1'");
    if (($state // '') eq 'sync') { $synced = 1; last; }
    sleep 0.1;
}
ok $synced, 'the standby streams from the primary, synchronously';

# Dash::Test's helpers seed this primary, not the suite's database.
$ENV{DASH_PG_PORT} = $pp;
my $today = today_report();
my @users;
for my $i (1 .. 8) {
    my ($u, $ch) = (sprintf('pgfo-user-%04d', $i), sprintf('UCpgfo%016d', $i));
    clear_user($u);
    add_account($u, $ch);
    add_video($u, $ch, "pgfo$i-$_", add_days($today, -3 - 9 * $_) . ' 08:00:00') for 0 .. 2;
    push @users, $u;
}
my ($tu, $tch) = ('pgfo-token-0001', 'UCpgfoToken0000000001');
clear_user($tu);
add_account($tu, $tch, token_expires_at => \"LOCALTIMESTAMP - interval '1 minute'");
add_video($tu, $tch, 'pgfotoken0', add_days($today, -3) . ' 08:00:00');

# ---- the httpd, pointed at both --------------------------------------------

my $google = $ENV{DASH_GOOGLE_URL};
my $DB_TIMEOUT = 3000;
my $server = <<"CONF";
DBDriver pgsql
DBDParams "host=127.0.0.1,127.0.0.1 port=$pp,$sp dbname=dashboard user=dashboard connect_timeout=2 target_session_attrs=read-write"
DBDMin 0
DBDKeep 8
DBDMax 8
DashboardDBTimeout $DB_TIMEOUT
DashboardRedis Off
DashboardAnalyticsURL $google/v2/reports
DashboardTokenURL $google/token
DashboardOAuthClient $ENV{DASH_CLIENT_ID} $ENV{DASH_CLIENT_SECRET}
DashboardUpstreamTimeout 8000
DashboardMaxUpstream 8
DashboardUserFetchLimit 0
CONF
my $h = Dash::OwnHttpd::start(name => 'pgfo', loglevel => 'info', server => $server);
ok $h->{up}, 'httpd started (one child of 8 threads)';
# A second host, idle while the primary is down: its pooled connections
# still point at the old primary when the standby takes over.
my $h2 = Dash::OwnHttpd::start(name => 'pgfo-idle', server => $server);
ok $h2->{up}, 'a second httpd started';

sub burst {
    my @r = simultaneous(map { [ "$h->{base}/dashboard/stats", $_ ] } @users);
    return @r;
}
sub codes { my %n; $n{ $_->{code} }++ for @_; return join ' ', map { "$_ x$n{$_}" } sort keys %n; }

google_reset();
my @r = burst();
is codes(@r), '200 x8', 'before the failover: 8 simultaneous requests, all 200 (8 pooled connections)'
    or diag join "\n", grep { /DASH02/ } split /\n/, Dash::OwnHttpd::log_text($h);
is codes(simultaneous(map { [ "$h2->{base}/dashboard/stats", $_ ] } @users)), '200 x8',
    'the second host too';
my $res = call('GET', "$h->{base}/dashboard/stats", user => $tu);
is $res->code, 200, 'an expired token is refreshed: 200';
my ($token) = $primary->selectrow_array(
    'SELECT access_token FROM social_account WHERE user_uuid = ?', undef, $tu);
isnt $token, "ya29.test-$tu-$tch", 'the refreshed token was written back to the primary';
$primary->disconnect;

# ---- the primary stops --------------------------------------------------------

sh("${as_pg}$pg_bin/pg_ctl -D $pdata -m fast -w stop");
delete $up{$pdata};
my $t_stop = time;
my @gap;
for (1 .. 3) {
    my $t0 = time;
    my $rr = call('GET', "$h->{base}/dashboard/stats", user => $users[0]);
    push @gap, [ $rr->code, $rr->content, time - $t0 ];
}
my @gap_burst = burst();
my $bound = time_bound($DB_TIMEOUT / 1000, 3);
is_deeply [ map { $_->[0] } @gap ], [503, 503, 503], 'no primary: 503';
ok !(grep { $_->[1] !~ /"DATABASE_UNAVAILABLE"/ } @gap), 'each one DATABASE_UNAVAILABLE';
ok !(grep { $_->[2] > $bound } @gap), sprintf('each within %.1f s (slowest %.2f s)', $bound,
                                             (sort { $b <=> $a } map { $_->[2] } @gap)[0]);
is codes(@gap_burst), '503 x8', 'no primary: 8 simultaneous requests, all 503';
ok !(grep { ($_->{body} // '') !~ /"DATABASE_UNAVAILABLE"/ } @gap_burst),
    'each one DATABASE_UNAVAILABLE';
my $slowest = (sort { $b <=> $a } map { $_->{t1} - $_->{t0} } @gap_burst)[0];
ok $slowest <= $bound, sprintf('the gate does not stall them: slowest %.2f s (bound %.1f s)',
                               $slowest, $bound);

# ---- the standby is promoted ------------------------------------------------------

sh("${as_pg}$pg_bin/pg_ctl -D $sdata -w promote");
my $t_promo = time;
my ($t_ok, @after);
while (time - $t_promo < time_bound(2, 10)) {
    my $rr = call('GET', "$h->{base}/dashboard/stats", user => $users[1]);
    if ($rr->code == 200) { $t_ok = time; last; }
    push @after, $rr->code;
    sleep 0.1;
}
ok defined $t_ok, sprintf('200 again %.1f s after the promotion (%.1f s after the stop)',
                          ($t_ok // time) - $t_promo, ($t_ok // time) - $t_stop);
ok !(grep { $_ != 503 } @after), 'until then only 503s' or diag "@after";

@r = simultaneous(map { [ "$h2->{base}/dashboard/stats", $_ ] } @users);
is codes(@r), '200 x8', 'the idle host after the promotion: 8 simultaneous requests, all 200 '
                       . '(each pooled connection to the old primary failed once, was closed, '
                       . 'and the request went on on a new one)';
@r = burst();
is codes(@r), '200 x8', 'after the promotion: 8 simultaneous requests, all 200 '
                       . '(every pooled connection on the new primary, statements prepared there)';
my @later = map { call('GET', "$h->{base}/dashboard/stats", user => $users[$_ % 8])->code } 1 .. 24;
is codes(map { { code => $_ } } @later), '200 x24', 'every later request 200: no failed connection reused';
$res = call('GET', "$h->{base}/dashboard/accounts", user => $users[2]);
is $res->code, 200, 'accounts on the new primary: 200';

my $new = dbh($sp);
my ($in_recovery) = $new->selectrow_array('SELECT pg_is_in_recovery()');
ok !$in_recovery, 'the standby is the primary now';
my ($conns) = $new->selectrow_array(
    "SELECT count(*) FROM pg_stat_activity WHERE usename = 'dashboard' "
    . "AND backend_type = 'client backend' AND pid <> pg_backend_pid()");
ok $conns >= 1 && $conns <= 16,
    "the two hosts hold $conns connections there (at most one per thread: 2 x 8)";
my ($kept) = $new->selectrow_array(
    'SELECT access_token FROM social_account WHERE user_uuid = ?', undef, $tu);
is $kept, $token, 'the token written back before the failover survived it (synchronous replication)';
$new->disconnect;

my $log = Dash::OwnHttpd::log_text($h);
unlike $log, qr/segfault|exit signal/, 'no crash in the log';
like $log, qr/DASH0203: database unavailable/, 'the gap is logged (DASH0203)';
$_->{stop}->() for $h, $h2;
done_testing();
