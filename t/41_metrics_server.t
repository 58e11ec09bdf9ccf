# The counters' lifetime and DashboardMetrics Off (docs/metrics.md), on
# servers of this file's own, since the suite's server keeps counting:
#  - Off everywhere: no counters at all; the metrics handler answers
#    build_info alone, mod_status shows no mod_dashboard section, and the
#    requests are still answered;
#  - On: a graceful restart starts the counters over, and the new
#    generation of children counts again.
#   DASH_METRICS_SERVER_PORT  these servers' port (default: one the system
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

my $port = $ENV{DASH_METRICS_SERVER_PORT} // do {
    my $s = IO::Socket::INET->new(LocalAddr => '127.0.0.1', LocalPort => 0,
                                  Listen => 1, ReuseAddr => 1) or die "socket: $!";
    my $p = $s->sockport;
    close $s;
    $p;
};
my $user = $> == 0 ? "User nobody\nGroup nogroup\n" : '';

# The suite's httpd (a wrapper under make test-asan, see t/run.sh).
my $httpd = ($ENV{DASH_HTTPD} // "/usr/sbin/apache2") . " -f $dir/httpd.conf";
my $running = 0;
END { system("$httpd -k stop") if $running; }

# Writes the configuration with $metrics for DashboardMetrics and starts
# (or, with graceful, restarts) the server.
sub server {
    my ($metrics, $how) = @_;
    open my $fh, '>', "$dir/httpd.conf" or die $!;
    print $fh <<"CONF";
ServerRoot "$dir"
ServerName 127.0.0.1
Listen 127.0.0.1:$port
PidFile "$dir/httpd.pid"
ErrorLog "$dir/error_log"
LogLevel notice
$user
LoadModule mpm_prefork_module $mods/mod_mpm_prefork.so
LoadModule authz_core_module $mods/mod_authz_core.so
LoadModule status_module $mods/mod_status.so
LoadModule dbd_module $mods/mod_dbd.so
LoadModule dashboard_module $top/.libs/mod_dashboard.so
StartServers 2
KeepAlive Off
DashboardMetrics $metrics
<VirtualHost 127.0.0.1:$port>
    DashboardMetrics $metrics
</VirtualHost>
<Location /dashboard-metrics>
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
    my $generations = () = log_text() =~ /resuming normal operations/g;
    is system("$httpd -k " . ($how // 'start')), 0, "httpd -k " . ($how // 'start')
        or BAIL_OUT('httpd: ' . log_text());
    $running = 1;
    # Up, in its new generation, once it says so.
    for (1 .. 100) {
        last if (() = log_text() =~ /resuming normal operations/g) > $generations;
        sleep 0.1;
    }
}

sub log_text {
    open my $fh, '<', "$dir/error_log" or return '';
    local $/;
    return <$fh> // '';
}

my $ua = LWP::UserAgent->new(timeout => 10);
my $base = "http://127.0.0.1:$port";
sub metrics {
    my $res = $ua->get("$base/dashboard-metrics");
    is $res->code, 200, 'GET /dashboard-metrics: 200';
    my $e = parse($res->content);
    is_deeply $e->{errors}, [], 'a valid exposition';
    return ($res, $e->{samples});
}
my $k401 = key('mod_dashboard_requests_total', endpoint => 'stats', status => 401);

# ---- Off everywhere ----------------------------------------------------------

server('Off');
my ($res, $s) = metrics();
is $res->header('Content-Type'), 'text/plain; version=0.0.4', 'the Prometheus type';
is_deeply [ keys %$s ], [ grep { /^mod_dashboard_build_info\{/ } keys %$s ],
    'Off: build_info alone, no counters are kept';
is scalar(keys %$s), 1, 'Off: one sample';
is $ua->get("$base/open/stats")->code, 401, 'Off: the handlers still answer';
$res = $ua->get("$base/server-status?auto");
is $res->code, 200, 'Off: /server-status?auto: 200';
unlike $res->content, qr/mod_dashboard/, 'Off: /server-status?auto: no mod_dashboard lines';
unlike $ua->get("$base/server-status")->content, qr/mod_dashboard/,
    'Off: /server-status: no mod_dashboard section';
system("$httpd -k stop");
$running = 0;
for (1 .. 100) { last unless -e "$dir/httpd.pid"; sleep 0.1; }

# ---- On, then a graceful restart -----------------------------------------------

server('On');
is $ua->get("$base/open/stats")->code, 401, "On: a request answered 401" for 1 .. 3;
(undef, $s) = metrics();
is $s->{$k401}, 3, 'On: counted, 3';
server('On', 'graceful');
(undef, $s) = metrics();
is $s->{$k401}, 0, 'after a graceful restart: the counters start over';
is $ua->get("$base/open/stats")->code, 401, 'after the restart: a request answered 401';
(undef, $s) = metrics();
is $s->{$k401}, 1, 'after the restart: the new children count, 1';

done_testing();
