# `DashboardMetrics Off` everywhere (docs/metrics.md): no counters at all.
# A server of its own, since the suite's server keeps them: the metrics
# handler answers build_info alone, mod_status shows no mod_dashboard
# section, and requests are still answered.
#   DASH_METRICS_OFF_PORT   this server's port (default: one the system
#                           picks as free)
use strict;
use warnings FATAL => 'all';

use Test::More;
use File::Temp qw(tempdir);
use Cwd qw(abs_path);
use IO::Socket::INET ();
use LWP::UserAgent ();
use Time::HiRes qw(sleep);
use lib 't/lib';
use Dash::Metrics qw(parse key);

my $top = abs_path('.');
my $mods = '/usr/lib/apache2/modules';
my $dir = tempdir(CLEANUP => 1);
chmod 0755, $dir;

my $port = $ENV{DASH_METRICS_OFF_PORT} // do {
    my $s = IO::Socket::INET->new(LocalAddr => '127.0.0.1', LocalPort => 0,
                                  Listen => 1, ReuseAddr => 1) or die "socket: $!";
    my $p = $s->sockport;
    close $s;
    $p;
};
my $user = $> == 0 ? "User nobody\nGroup nogroup\n" : '';

open my $fh, '>', "$dir/httpd.conf" or die $!;
print $fh <<"CONF";
ServerRoot "$dir"
ServerName 127.0.0.1
Listen 127.0.0.1:$port
PidFile "$dir/httpd.pid"
ErrorLog "$dir/error_log"
$user
LoadModule mpm_prefork_module $mods/mod_mpm_prefork.so
LoadModule authz_core_module $mods/mod_authz_core.so
LoadModule authz_host_module $mods/mod_authz_host.so
LoadModule status_module $mods/mod_status.so
LoadModule dbd_module $mods/mod_dbd.so
LoadModule dashboard_module $top/.libs/mod_dashboard.so
StartServers 2
DashboardMetrics Off
<VirtualHost 127.0.0.1:$port>
    DashboardMetrics Off
</VirtualHost>
<Location /metrics>
    SetHandler dashboard-metrics
</Location>
<Location /server-status>
    SetHandler server-status
</Location>
<Location /open/stats>
    SetHandler dashboard-stats
</Location>
CONF
close $fh;

my $httpd = "/usr/sbin/apache2 -f $dir/httpd.conf";
is system("$httpd -k start"), 0, 'a server with DashboardMetrics Off starts'
    or BAIL_OUT('httpd did not start: ' . `cat $dir/error_log`);
END { system("$httpd -k stop") if $httpd; }

my $ua = LWP::UserAgent->new(timeout => 10);
my $base = "http://127.0.0.1:$port";
my $res;
for (1 .. 50) {
    $res = $ua->get("$base/metrics");
    last if $res->code == 200;
    sleep 0.1;
}
is $res->code, 200, 'GET /metrics: 200';
is $res->header('Content-Type'), 'text/plain; version=0.0.4', 'the Prometheus type';
my $e = parse($res->content);
is_deeply $e->{errors}, [], 'a valid exposition';
is_deeply [ keys %{ $e->{samples} } ], [ grep { /^mod_dashboard_build_info\{/ } keys %{ $e->{samples} } ],
    'build_info alone: no counters are kept';
is scalar(keys %{ $e->{samples} }), 1, 'one sample';

is $ua->get("$base/open/stats")->code, 401, 'the handlers still answer';
$res = $ua->get("$base/server-status?auto");
is $res->code, 200, '/server-status?auto: 200';
unlike $res->content, qr/mod_dashboard/, '/server-status?auto: no mod_dashboard lines';
unlike $ua->get("$base/server-status")->content, qr/mod_dashboard/,
    '/server-status: no mod_dashboard section';

done_testing();
