# A server with several virtual hosts, as a stock Debian Apache has one
# (issue 11, finding 8): hosts without DBD directives share the main
# server's mod_dbd configuration, others have their own. The module must
# prepare each statement once per mod_dbd configuration: the start-up log
# has no warning from mod_dbd or from the module, and every host answers.
#
# Runs its own httpd (not the Apache::Test one) on a free port, against
# the stack of t/stack.sh. DASH_VHOSTS_PORT picks the port instead.
use strict;
use warnings FATAL => 'all';

use Test::More;
use File::Temp qw(tempdir);
use Cwd qw(abs_path);
use IO::Socket::INET ();
use LWP::UserAgent ();
use HTTP::Request ();
use MIME::Base64 qw(encode_base64);
use JSON::PP ();
use Time::HiRes qw(sleep);
use lib 't/lib';
use Dash::Test;

my $top = abs_path('.');
my $so = "$top/.libs/mod_dashboard.so";
my $mods = '/usr/lib/apache2/modules';
my $dir = tempdir('mod_dashboard-vhosts.XXXXXX', TMPDIR => 1, CLEANUP => 1);
chmod 0755, $dir;

sub free_port {
    my $s = IO::Socket::INET->new(Listen => 1, LocalAddr => '127.0.0.1',
                                  LocalPort => 0, Proto => 'tcp') or die "socket: $!";
    my $port = $s->sockport;
    close $s;
    return $port;
}
my $port = $ENV{DASH_VHOSTS_PORT} || free_port();
my $port2 = $ENV{DASH_VHOSTS_PORT} ? $port + 1 : free_port();

my $pg = "host=127.0.0.1 port=$ENV{DASH_PG_PORT} dbname=dashboard user=dashboard connect_timeout=2";
my $google = $ENV{DASH_GOOGLE_URL};

open my $fh, '>', "$dir/httpd.conf" or die $!;
print $fh <<"CONF";
ServerRoot "$dir"
ServerName main.test
Listen 127.0.0.1:$port
Listen 127.0.0.1:$port2
PidFile "$dir/httpd.pid"
ErrorLog "$dir/error_log"
LogLevel warn
User nobody
Group nogroup
DocumentRoot "$dir"
LoadModule mpm_event_module $mods/mod_mpm_event.so
LoadModule authz_core_module $mods/mod_authz_core.so
LoadModule authz_user_module $mods/mod_authz_user.so
LoadModule authn_core_module $mods/mod_authn_core.so
LoadModule authn_anon_module $mods/mod_authn_anon.so
LoadModule auth_basic_module $mods/mod_auth_basic.so
LoadModule dbd_module $mods/mod_dbd.so
LoadModule dashboard_module $so
StartServers 1
ServerLimit 1
ThreadsPerChild 8
MaxRequestWorkers 8

DBDriver pgsql
DBDParams "$pg"
DashboardRedis redis://127.0.0.1:$ENV{DASH_REDIS_PORT}/0
DashboardAnalyticsURL $google/v2/reports
DashboardTokenURL $google/token
DashboardOAuthClient $ENV{DASH_CLIENT_ID} $ENV{DASH_CLIENT_SECRET}
DashboardUpstreamTimeout 3000

<Location /dashboard/>
    AuthType Basic
    AuthName "dashboard"
    AuthBasicProvider anon
    Anonymous *
    Anonymous_MustGiveEmail Off
    Require valid-user
</Location>
<Location /dashboard/accounts>
    SetHandler dashboard-accounts
</Location>
<Location /dashboard/stats>
    SetHandler dashboard-stats
</Location>

# Like Debian's 000-default: no DBD directive, shares the main server's.
<VirtualHost 127.0.0.1:$port>
    ServerName a.test
</VirtualHost>
# Its own Dashboard settings, still the main server's DBD.
<VirtualHost 127.0.0.1:$port>
    ServerName b.test
    DashboardRedis Off
    DashboardMaxVideos 5
</VirtualHost>
# Its own DBD configuration (another pool, the same database).
<VirtualHost 127.0.0.1:$port>
    ServerName c.test
    DBDParams "$pg application_name=vhost_c"
</VirtualHost>
# Another port, its own DBD configuration and keep-alive pool settings.
<VirtualHost 127.0.0.1:$port2>
    ServerName d.test
    DBDriver pgsql
    DBDParams "$pg application_name=vhost_d"
    DBDMax 4
</VirtualHost>
CONF
close $fh;

my $today = today_local();
my $u = 'vhosts-user';
my $ch = 'UCvhostsChannel';
clear_user($u);
add_account($u, $ch);
add_video($u, $ch, "vh$_", add_days($today, -3 - 9 * $_) . ' 08:00:00') for 0 .. 2;
flush_redis();

# The suite's httpd (a wrapper under make test-asan, see t/run.sh).
my $httpd = $ENV{DASH_HTTPD} // '/usr/sbin/apache2';
system($httpd, '-f', "$dir/httpd.conf", '-k', 'start') == 0 or BAIL_OUT('httpd did not start');
my $up = 0;
for (1 .. 100) {
    last if ($up = IO::Socket::INET->new(PeerAddr => "127.0.0.1:$port", Timeout => 1));
    sleep 0.1;
}
END {
    if ($dir && -f "$dir/httpd.pid") {
        system($httpd, '-f', "$dir/httpd.conf", '-k', 'stop');
        for (1 .. 100) { last unless -f "$dir/httpd.pid"; sleep 0.1; }
    }
}
ok $up, 'httpd with four virtual hosts started';

my $ua = LWP::UserAgent->new(timeout => 30, keep_alive => 0);
sub ask {
    my ($host, $p, $path) = @_;
    my $req = HTTP::Request->new(GET => "http://127.0.0.1:$p$path");
    $req->header(Host => $host);
    $req->header(Authorization => 'Basic ' . encode_base64("$u:pw", ''));
    my $res = $ua->request($req);
    return ($res, json_of($res));
}

for my $h (['main.test', $port], ['a.test', $port], ['b.test', $port],
           ['c.test', $port], ['d.test', $port2]) {
    my ($host, $p) = @$h;
    my ($res, $j) = ask($host, $p, '/dashboard/accounts');
    is $res->code, 200, "$host: accounts 200";
    is_deeply [ map { $_->{platformUserId} } @{ $j->{accounts} // [] } ], [$ch],
        "$host: the account";
    ($res, $j) = ask($host, $p, '/dashboard/stats');
    is $res->code, 200, "$host: stats 200";
    ok $j && $j->{hasUploads}, "$host: a full response";
}

open my $lf, '<', "$dir/error_log" or die $!;
my @log = <$lf>;
close $lf;
my @bad = grep { /\[(?:dbd|dashboard):(?:warn|error|crit|alert|emerg)\]|AH02653/ } @log;
is_deeply \@bad, [], 'the start-up log has no warning from mod_dbd or the module'
    or diag @bad;

done_testing();
