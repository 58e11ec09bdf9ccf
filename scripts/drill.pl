#!/usr/bin/perl
# make drill: the high-availability drill of docs/reliability.md, on
# loopback. A Postgres primary with a synchronous streaming standby, a
# Redis master with a replica and three sentinels, the Google stand-in, two
# httpd hosts (DBDParams host=a,b ... target_session_attrs=read-write;
# DashboardRedis redis-sentinel://...), and steady load on both hosts over
# many users (hits, misses as the short cache TTL runs out, token
# refreshes). In turn: kill -9 of the Redis master; the Postgres primary
# stopped and the standby promoted; kill -9 of one httpd (the load then
# goes to the other, as a balancer's health check would make it). Prints,
# per phase, the requests, the answers by status and code, the slowest
# answer, the seconds until hits are hits again and database answers 200
# again, and report calls against the single-flight ideal; then the goals
# checked. A measured command, not a test: it exits 0 unless it could not
# run. Run from the checkout after `make` (scripts/drill.sh does both).
#
# Environment: DASH_DRILL_PORTS="BASE" (13 consecutive ports from BASE;
# default: free ones), DASH_DRILL_USERS (60), DASH_DRILL_WORKERS (8),
# DASH_DRILL_PHASE (seconds of load after each failover, 12),
# DASH_DRILL_OUT (build/drill).
use strict;
use warnings FATAL => 'all';

use Cwd qw(abs_path);
use File::Path qw(make_path remove_tree);
use File::Temp qw(tempdir);
use DBI ();
use HTTP::Request ();
use JSON::PP ();
use LWP::UserAgent ();
use MIME::Base64 qw(encode_base64);
use POSIX ();
use Redis ();
use Time::HiRes qw(time sleep);
use lib 't/lib';
use Dash::OwnHttpd ();

my $USERS   = $ENV{DASH_DRILL_USERS} // 60;
my $WORKERS = $ENV{DASH_DRILL_WORKERS} // 8;
my $PHASE   = $ENV{DASH_DRILL_PHASE} // 12;
my $out     = $ENV{DASH_DRILL_OUT} // 'build/drill';
my $TTL     = 20;                 # DashboardCacheTTL: misses keep coming
my $DB_TIMEOUT = 3000;
my $REDIS_TIMEOUT = 200;
my $BOUND = $DB_TIMEOUT / 1000 + 2;   # docs: no answer past this (seconds)
my $json = JSON::PP->new->utf8->canonical;

remove_tree($out);
make_path("$out/load");
my $dir = tempdir('mod_dashboard-drill.XXXXXX', TMPDIR => 1, CLEANUP => 1);
chmod 0755, $dir;
my $as_pg = $> == 0 ? 'runuser -u postgres -- ' : '';
system("chown postgres: $dir") if $> == 0;
my $pg_bin = (sort glob('/usr/lib/postgresql/*/bin'))[-1] or die "no PostgreSQL server\n";

my @ports = $ENV{DASH_DRILL_PORTS} ? map { $ENV{DASH_DRILL_PORTS} + $_ } 0 .. 12
                                   : Dash::OwnHttpd::free_ports(13);
my ($pp, $sp, $rm, $rr, @rest) = @ports;
my @sent = @rest[0 .. 2];
my $gp = $rest[3];
my @hp = @rest[4 .. 5];

my (%pid, %pgup, @hosts, @workers);
sub cleanup {
    kill 'TERM', @workers;
    waitpid $_, 0 for @workers;
    @workers = ();
    $_->{stop}->() for grep { $_->{alive} } @hosts;
    for my $n (keys %pid) { kill 'KILL', $pid{$n}; waitpid $pid{$n}, 0; }
    %pid = ();
    system("${as_pg}$pg_bin/pg_ctl -D $_ -m immediate -w stop >/dev/null 2>&1") for keys %pgup;
    %pgup = ();
}
END { local $?; cleanup(); }
$SIG{INT} = $SIG{TERM} = sub { cleanup(); exit 1; };

sub say { printf STDERR "drill %6.1f s: %s\n", time - $^T, join '', @_; }
sub sh {
    my ($cmd) = @_;
    system("$cmd >>$out/setup.log 2>&1") == 0 or die "failed: $cmd (see $out/setup.log)\n";
}
sub spawn {
    my ($name, @argv) = @_;
    my $pid = fork // die "fork: $!";
    if (!$pid) {
        open STDIN, '<', '/dev/null';
        open STDOUT, '>', "$out/$name.out";
        open STDERR, '>&', \*STDOUT;
        exec @argv or POSIX::_exit(127);
    }
    $pid{$name} = $pid;
}
sub wait_for {
    my ($seconds, $cond) = @_;
    my $t0 = time;
    while (time - $t0 < $seconds) {
        return time if eval { $cond->() };
        sleep 0.05;
    }
    return undef;
}
sub rconn {
    my ($port) = @_;
    return Redis->new(server => "127.0.0.1:$port", reconnect => 0, cnx_timeout => 1,
                      read_timeout => 2);
}
sub dbh {
    my ($port) = @_;
    return DBI->connect("dbi:Pg:dbname=dashboard;host=127.0.0.1;port=$port", 'dashboard', '',
                        { RaiseError => 1, AutoCommit => 1, PrintError => 0 });
}
my $gua = LWP::UserAgent->new(timeout => 10);
sub google {
    my ($method, $path, $body) = @_;
    my $req = HTTP::Request->new($method => "http://127.0.0.1:$gp$path");
    if ($body) { $req->header('Content-Type' => 'application/json'); $req->content($json->encode($body)); }
    my $res = $gua->request($req);
    die "stand-in $method $path: " . $res->status_line . "\n" unless $res->is_success;
    return $json->decode($res->content);
}

# ---- Google stand-in ---------------------------------------------------------
my ($cid, $csecret) = ('drill-client.apps.googleusercontent.com', 'drill-secret');
spawn('google', '/usr/bin/python3', 't/standin/google_standin.py', '--port', $gp,
      '--client-id', $cid, '--client-secret', $csecret);
wait_for(20, sub { google('GET', '/_control/health') }) or die "stand-in did not start\n";
say "Google stand-in on :$gp";

# ---- Postgres primary and synchronous standby --------------------------------
my ($pdata, $sdata) = ("$dir/primary", "$dir/standby");
sub pg_start {
    my ($data, $port) = @_;
    sh("${as_pg}$pg_bin/pg_ctl -D $data -l $data.log -w -o "
       . "'-p $port -k $dir -c listen_addresses=127.0.0.1 -c fsync=off' start");
    $pgup{$data} = 1;
}
sh("${as_pg}$pg_bin/initdb -D $pdata -U dashboard -A trust -E UTF8 --locale=C.UTF-8");
open my $conf, '>>', "$pdata/postgresql.conf" or die $!;
print $conf "wal_level = replica\nmax_wal_senders = 4\nsynchronous_commit = on\nmax_connections = 200\n";
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
{
    my $db = dbh($pp);
    $db->do("ALTER SYSTEM SET synchronous_standby_names = 'standby1'");
    $db->do('SELECT pg_reload_conf()');
    wait_for(30, sub { ($db->selectrow_array("SELECT sync_state FROM pg_stat_replication"))[0] eq 'sync' })
        or die "the standby is not synchronous\n";
}
say "Postgres primary :$pp, synchronous standby :$sp";

# ---- Redis master, replica, three sentinels ----------------------------------
my @rc = ('--bind', '127.0.0.1', '--save', '', '--appendonly', 'no', '--dir', $dir);
spawn('redis-master', 'redis-server', '--port', $rm, @rc);
spawn('redis-replica', 'redis-server', '--port', $rr, @rc, '--replicaof', '127.0.0.1', $rm);
wait_for(30, sub { rconn($rr)->info('replication')->{master_link_status} eq 'up' })
    or die "the Redis replica does not follow\n";
for my $i (0 .. 2) {
    open my $fh, '>', "$dir/sentinel$i.conf" or die $!;
    print $fh "port $sent[$i]\nbind 127.0.0.1\ndir $dir\n"
            . "sentinel monitor drill 127.0.0.1 $rm 2\n"
            . "sentinel down-after-milliseconds drill 1000\n"
            . "sentinel failover-timeout drill 5000\n";
    close $fh;
    spawn("sentinel$i", 'redis-sentinel', "$dir/sentinel$i.conf");
}
wait_for(40, sub {
    for my $p (@sent) {
        my $m = { @{ (rconn($p)->sentinel('masters'))[0] } };
        return 0 unless $m->{'num-other-sentinels'} == 2 && $m->{'num-slaves'} == 1;
    }
    1 }) or die "the sentinels do not agree\n";
say "Redis master :$rm, replica :$rr, sentinels :@sent";

# ---- users ---------------------------------------------------------------------
my @users;
{
    my $db = dbh($pp);
    my @t = localtime;
    for my $i (1 .. $USERS) {
        my ($u, $ch) = (sprintf('drill-user-%04d', $i), sprintf('UCdrill%015d', $i));
        my $expired = $i % 4 == 0;        # a quarter refresh their token
        $db->do("INSERT INTO social_account (user_uuid, platform_user_id, platform,"
            . " platform_username, access_token, refresh_token, token_expires_at, is_active,"
            . " connected_at) VALUES (?, ?, 'youtube', ?, ?, ?, LOCALTIMESTAMP + interval '"
            . ($expired ? '-1 minute' : '1 hour') . "', TRUE, '2026-01-01 00:00:00')",
            undef, $u, $ch, "name-$ch", "ya29.drill-$u", "1//drill-$u");
        google('POST', '/_control/token', { access_token => "ya29.drill-$u", channel => $ch });
        google('POST', '/_control/refresh_token', { refresh_token => "1//drill-$u", channel => $ch });
        for my $v (0 .. 2) {
            $db->do("INSERT INTO dashboard (user_uuid, platform, platform_user_id, platform_video_id,"
                . " title, uploaded_at) VALUES (?, 'youtube', ?, ?, ?, LOCALTIMESTAMP - interval '"
                . (3 + 9 * $v) . " days')", undef, $u, $ch, "drill$i-$v", "Video $i-$v");
        }
        push @users, $u;
    }
}

# ---- two httpd hosts -----------------------------------------------------------
my $server = <<"CONF";
DBDriver pgsql
DBDParams "host=127.0.0.1,127.0.0.1 port=$pp,$sp dbname=dashboard user=dashboard connect_timeout=2 target_session_attrs=read-write"
DBDMin 0
DBDKeep 4
DBDMax 16
DashboardDBTimeout $DB_TIMEOUT
DashboardRedis redis-sentinel://@{[ join ',', map { "127.0.0.1:$_" } @sent ]}/drill/0
DashboardRedisTimeout $REDIS_TIMEOUT
DashboardCacheTTL $TTL
DashboardAnalyticsURL http://127.0.0.1:$gp/v2/reports
DashboardTokenURL http://127.0.0.1:$gp/token
DashboardOAuthClient $cid $csecret
DashboardUpstreamTimeout 5000
DashboardUserFetchLimit 0
CONF
my $extra = "<Location /dashboard/cache>\n    SetHandler dashboard-cache\n</Location>\n";
for my $i (0, 1) {
    my $h = Dash::OwnHttpd::start(name => "drill-h$i", ports => [ $hp[$i] ], server => $server,
        extra => $extra, loglevel => 'notice',
        workers => "StartServers 2\nServerLimit 2\nThreadsPerChild 16\nMaxRequestWorkers 32");
    die "httpd $i did not start\n" unless $h->{up};
    $h->{alive} = 1;
    push @hosts, $h;
}
say "httpd hosts :$hp[0] and :$hp[1]";

sub reports { return google('GET', '/_control/counters')->{reports}; }

# What one fetch costs, measured on a user's first request.
my $PER_FETCH;
{
    my $before = reports();
    my $req = HTTP::Request->new(GET => "$hosts[0]{base}/dashboard/stats");
    $req->header(Authorization => 'Basic ' . encode_base64("$users[1]:pw", ''));
    my $res = LWP::UserAgent->new(timeout => 30)->request($req);
    die "the first request answered " . $res->code . "\n" unless $res->code == 200;
    $PER_FETCH = reports() - $before;
    say "one fetch makes $PER_FETCH report calls";
}

# ---- load --------------------------------------------------------------------
# Each worker: a random user on a random live host, about 10 requests a
# second, one line per answer: start, seconds, host, status, code, cache.
sub worker {
    my ($n) = @_;
    srand($$ ^ time);
    my $ua = LWP::UserAgent->new(keep_alive => 0, timeout => 30);
    open my $log, '>', "$out/load/$n" or die $!;
    $log->autoflush(1);
    my $stop = 0;
    $SIG{TERM} = sub { $stop = 1; };
    my %dead;
    while (!$stop) {
        if (-e "$out/pause") {
            sleep 0.05;
            next;
        }
        my @live = grep { !$dead{$_} } 0 .. $#hosts;
        my $hi = $live[ int rand @live ];
        my $u = $users[ int rand @users ];
        my $req = HTTP::Request->new(GET => "$hosts[$hi]{base}/dashboard/stats");
        $req->header(Authorization => 'Basic ' . encode_base64("$u:pw", ''));
        my $t0 = time;
        my $res = $ua->request($req);
        my $dt = time - $t0;
        my $code = '-';
        $code = $1 if ($res->content // '') =~ /^\{"code":"([A-Z_]+)"/;
        my $internal = ($res->header('Client-Warning') // '') eq 'Internal response';
        # A refused connection is what a balancer's health check sees:
        # that host gets no more requests from this worker.
        $dead{$hi} = 1 if $internal && @live > 1;
        printf $log "%.3f %.3f %d %d %s %s %s\n", $t0, $dt, $hi, $internal ? 0 : $res->code, $code,
            $res->header('X-Dashboard-Cache') // '-', $u;
        sleep 0.1;
    }
    POSIX::_exit(0);
}
for my $n (1 .. $WORKERS) {
    my $pid = fork // die "fork: $!";
    worker($n) unless $pid;
    push @workers, $pid;
}
my @phases;
sub phase {
    my ($name, $event) = @_;
    my $p = { name => $name, t0 => time, reports0 => reports() };
    $event->($p);
    sleep $PHASE;
    $p->{t1} = time;
    $p->{reports1} = reports();
    push @phases, $p;
    say "phase $name done";
}

phase('steady', sub {
    sleep $TTL + 2;      # every user's value filled and, for some, refetched
});

# Redis: kill -9 the master; wait for the sentinels' promotion.
phase('redis master kill -9', sub {
    my ($p) = @_;
    $p->{event} = time;
    kill 'KILL', $pid{'redis-master'};
    waitpid $pid{'redis-master'}, 0;
    delete $pid{'redis-master'};
    $p->{promoted} = wait_for(60, sub {
        (rconn($sent[0])->sentinel('get-master-addr-by-name', 'drill'))[1] == $rr });
    $p->{note} = sprintf 'the sentinels promoted the replica %.1f s after the kill',
        ($p->{promoted} // time) - $p->{event};
    say $p->{note};
    # Right after the promotion: 64 cold requests over the two hosts for
    # a user of its own; its report calls against one fetch.
    # The load pauses meanwhile, so that Google's counter counts these
    # requests alone.
    my $cold = $users[0];
    sleep 0.5;
    open my $pause, '>', "$out/pause" or die $!;
    close $pause;
    sleep 2;                      # requests in flight finish
    my $before = reports();
    for my $h (@hosts) {
        my $req = HTTP::Request->new(DELETE => "$h->{base}/dashboard/cache?mode=all&user_uuid=$cold");
        $req->header(Authorization => 'Basic ' . encode_base64("$cold:pw", ''));
        LWP::UserAgent->new(timeout => 10)->request($req);
    }
    google('POST', '/_control/delay', { ms => 300 });
    my @kids;
    for my $i (1 .. 64) {
        my $k = fork // die;
        if (!$k) {
            my $req = HTTP::Request->new(GET => "$hosts[$i % 2]{base}/dashboard/stats");
            $req->header(Authorization => 'Basic ' . encode_base64("$cold:pw", ''));
            my $res = LWP::UserAgent->new(timeout => 30)->request($req);
            POSIX::_exit($res->code == 200 ? 0 : 1);
        }
        push @kids, $k;
    }
    my $bad = 0;
    for (@kids) { waitpid $_, 0; $bad++ if $?; }
    google('POST', '/_control/delay', { ms => 0 });
    $p->{cold} = { n => 64, not_200 => $bad, calls => reports() - $before };
    unlink "$out/pause";
});

# Postgres: stop the primary, promote the standby 3 s later.
my $acked_token;
phase('postgres primary stop + promote', sub {
    my ($p) = @_;
    # An acknowledged write-back just before: a user whose token is expired.
    my $u = $users[3];
    dbh($pp)->do("UPDATE social_account SET token_expires_at = LOCALTIMESTAMP - interval '1 minute'"
        . " WHERE user_uuid = ?", undef, $u);
    for my $h (@hosts) {
        my $req = HTTP::Request->new(DELETE => "$h->{base}/dashboard/cache?mode=all&user_uuid=$u");
        $req->header(Authorization => 'Basic ' . encode_base64("$u:pw", ''));
        LWP::UserAgent->new(timeout => 10)->request($req);
    }
    my $req = HTTP::Request->new(GET => "$hosts[0]{base}/dashboard/stats");
    $req->header(Authorization => 'Basic ' . encode_base64("$u:pw", ''));
    my $res = LWP::UserAgent->new(timeout => 30)->request($req);
    ($acked_token) = dbh($pp)->selectrow_array(
        'SELECT access_token FROM social_account WHERE user_uuid = ?', undef, $u) if $res->code == 200;
    $p->{acked} = $res->code == 200 ? 1 : 0;
    $p->{event} = time;
    sh("${as_pg}$pg_bin/pg_ctl -D $pdata -m fast -w stop");
    delete $pgup{$pdata};
    sleep 3;
    sh("${as_pg}$pg_bin/pg_ctl -D $sdata -w promote");
    $p->{promoted} = time;
    $p->{note} = sprintf 'the standby promoted %.1f s after the stop', $p->{promoted} - $p->{event};
    my ($kept) = dbh($sp)->selectrow_array(
        'SELECT access_token FROM social_account WHERE user_uuid = ?', undef, $u);
    $p->{write_kept} = defined $acked_token && defined $kept && $kept eq $acked_token ? 1 : 0;
});

# One httpd host: kill -9 its processes.
phase('httpd host kill -9', sub {
    my ($p) = @_;
    my $h = $hosts[1];
    open my $fh, '<', "$h->{dir}/httpd.pid" or die $!;
    chomp(my $parent = <$fh>);
    my @kids = split ' ', `pgrep -P $parent` // '';
    $p->{event} = time;
    kill 'KILL', $parent, @kids;
    $h->{alive} = 0;
});

kill 'TERM', @workers;
waitpid $_, 0 for @workers;
@workers = ();

# ---- the table ------------------------------------------------------------------
my @lines;
for my $f (glob "$out/load/*") {
    open my $fh, '<', $f or next;
    while (<$fh>) {
        my ($t0, $dt, $host, $status, $code, $cache, $user) = split;
        push @lines, { t0 => $t0, dt => $dt, host => $host, status => $status, code => $code,
                       cache => $cache, user => $user };
    }
}
@lines = sort { $a->{t0} <=> $b->{t0} } @lines;

my @md;
push @md, '| phase | requests | answers | slowest (s) | hits again (s) | database 200 again (s) | report calls / single-flight ideal |';
push @md, '|---|---|---|---|---|---|---|';
my (@goals, @notes);
for my $p (@phases) {
    my @in = grep { $_->{t0} >= $p->{t0} && $_->{t0} < $p->{t1} } @lines;
    my %by;
    for my $l (@in) {
        my $k = $l->{status} == 0 ? 'refused' : $l->{status} == 200 ? "200 $l->{cache}" : "$l->{status} $l->{code}";
        $by{$k}++;
    }
    my $answers = join ', ', map { "$_: $by{$_}" } sort keys %by;
    my ($slow) = sort { $b <=> $a } map { $_->{dt} } grep { $_->{status} } @in;
    my $hits_back = '—';
    if ($p->{promoted} && $p->{name} =~ /redis/) {
        # The first hit after the kill, on each host that served one.
        my %first;
        for my $l (grep { $_->{t0} > $p->{event} && $_->{cache} eq 'hit' } @in) {
            $first{ $l->{host} } //= $l->{t0} + $l->{dt};
        }
        my ($last) = sort { $b <=> $a } values %first;
        $hits_back = defined $last ? sprintf('%.1f', $last - $p->{promoted}) : 'never';
        push @goals, [ 'hits again within 2 s of the promotion', defined $last && $last - $p->{promoted} <= 2 ];
    }
    my $db_back = '—';
    if ($p->{name} =~ /postgres/) {
        my ($first) = map { $_->{t0} + $_->{dt} } grep { $_->{t0} > $p->{promoted} && $_->{status} == 200 } @in;
        $db_back = defined $first ? sprintf('%.1f after the promotion (%.1f after the stop)',
                                           $first - $p->{promoted}, $first - $p->{event}) : 'never';
        push @goals, [ 'acknowledged token write-back kept by the promoted standby', $p->{write_kept} ];
    }
    # The single-flight ideal: one fetch per user each time its value
    # runs out. Answers that fetched (miss, and bypass without Redis) less
    # than 2 s after another of the same user count as that one fill.
    my (%last, $fills) = ();
    for my $l (grep { $_->{status} == 200 && $_->{cache} =~ /^(miss|bypass)$/ } @in) {
        $fills++ unless defined $last{ $l->{user} } && $l->{t0} - $last{ $l->{user} } < 2;
        $last{ $l->{user} } = $l->{t0};
    }
    my $calls = $p->{reports1} - $p->{reports0};
    my $ideal = $PER_FETCH * (($fills // 0) + ($p->{cold} ? 1 : 0));
    push @md, sprintf '| %s | %d | %s | %.2f | %s | %s | %d / %d |', $p->{name}, scalar @in, $answers,
        $slow // 0, $hits_back, $db_back, $calls, $ideal;
    my @bad = grep { $_->{status} == 500 || ($_->{status} && $_->{status} != 200 && $_->{status} != 503) } @in;
    push @notes, "$p->{name}: $p->{note}" if $p->{note};
    push @goals, [ "$p->{name}: no 500 (nor any status but 200 and 503)", !@bad ];
    push @goals, [ "$p->{name}: no answer past $BOUND s", ($slow // 0) <= $BOUND ];
    push @goals, [ sprintf('%s: 64 cold requests over two hosts right after the promotion: %d calls, one fetch is %d',
                           $p->{name}, $p->{cold}{calls}, $PER_FETCH),
                   $p->{cold}{calls} == $PER_FETCH && !$p->{cold}{not_200} ] if $p->{cold};
}
my $machine = sprintf '%s, %d cores, %s', (split /\n/, `uname -sr`)[0], `nproc` + 0,
    (split /\n/, `date -u '+%Y-%m-%d %H:%M UTC'`)[0];
my $text = join "\n", "Drill of $machine: $USERS users, $WORKERS load workers (about 10 requests a second each),"
    . " DashboardCacheTTL $TTL s, $PHASE s of load after each failover; one fetch is $PER_FETCH report calls.",
    '', @md, '', map({ "- $_" } @notes),
    map({ sprintf '- %s: %s', $_->[0], $_->[1] ? 'met' : 'NOT MET' } @goals), '';
open my $t, '>', "$out/table.md" or die $!;
print $t $text;
close $t;
print $text;
say "table in $out/table.md; the load's lines in $out/load/";
