package Dash::OwnHttpd;
# An httpd of a test's own, beside the suite's: for what the suite's
# configuration cannot hold (several virtual hosts with their own mod_dbd
# settings, a database that never answers, a different environment).
#
#   my $h = Dash::OwnHttpd::start(
#       name => 'vhosts', mpm => 'event', ports => [$p1, $p2],
#       servername => 'main.test',             # default NAME.test
#       server => "DBDriver pgsql\n...",       # the main server's directives
#       extra => "<VirtualHost ...>...",       # after the Locations
#       workers => "ThreadsPerChild 4\n...", # the MPM's settings (default: one
#                                              # child of 8 threads; prefork: 2-4)
#       env => { PGCONNECT_TIMEOUT => 3 });    # httpd's environment (undef: unset)
#   $h->{base}    "http://127.0.0.1:PORT" (the first port)
#   $h->{log}     its error_log
#   $h->{stop}->()   stops it (also done at exit)
#
# /dashboard/accounts and /dashboard/stats are mapped, behind Basic
# authentication that lets any user in (mod_authn_anon). It runs the suite's
# httpd binary (DASH_HTTPD: a wrapper under make test-asan, see t/run.sh).
use strict;
use warnings FATAL => 'all';

use Cwd qw(abs_path);
use File::Temp qw(tempdir);
use IO::Socket::INET ();
use Time::HiRes qw(sleep);

my @running;
END { $_->{stop}->() for @running; }

# N distinct free ports: every socket stays open until all are drawn, so
# the kernel cannot hand out one port twice. Another process may still
# take one before httpd binds it: start() then draws again.
sub free_ports {
    my ($n) = @_;
    my @socks = map {
        IO::Socket::INET->new(Listen => 1, LocalAddr => '127.0.0.1',
                              LocalPort => 0, Proto => 'tcp') or die "socket: $!"
    } 1 .. $n;
    my @ports = map { $_->sockport } @socks;
    close $_ for @socks;
    return @ports;
}

sub free_port { return (free_ports(1))[0]; }

sub start {
    my (%o) = @_;
    my $httpd = $ENV{DASH_HTTPD} // '/usr/sbin/apache2';
    my $mods = '/usr/lib/apache2/modules';
    my $so = abs_path('.') . '/.libs/mod_dashboard.so';
    my $mpm = $o{mpm} // 'event';
    my $dir = tempdir("mod_dashboard-$o{name}.XXXXXX", TMPDIR => 1, CLEANUP => 1);
    chmod 0755, $dir;
    my (@ports, $started);
    for my $try (1 .. 5) {
        @ports = @{ $o{ports} // [ free_port() ] };
        my $listen = join '', map { "Listen 127.0.0.1:$_\n" } @ports;
        my $workers = $o{workers} // ($mpm eq 'prefork'
            ? "StartServers 2\nMinSpareServers 2\nMaxSpareServers 4\nMaxRequestWorkers 8"
            : "StartServers 1\nServerLimit 1\nThreadsPerChild 8\nMaxRequestWorkers 8");
        open my $fh, '>', "$dir/httpd.conf" or die "$dir/httpd.conf: $!";
        print $fh <<"CONF";
ServerRoot "$dir"
ServerName @{[ $o{servername} // "$o{name}.test" ]}
${listen}PidFile "$dir/httpd.pid"
ErrorLog "$dir/error_log"
LogLevel @{[ $o{loglevel} // 'warn' ]}
User nobody
Group nogroup
DocumentRoot "$dir"
LoadModule mpm_${mpm}_module $mods/mod_mpm_${mpm}.so
LoadModule authz_core_module $mods/mod_authz_core.so
LoadModule authz_user_module $mods/mod_authz_user.so
LoadModule authn_core_module $mods/mod_authn_core.so
LoadModule authn_anon_module $mods/mod_authn_anon.so
LoadModule auth_basic_module $mods/mod_auth_basic.so
LoadModule dbd_module $mods/mod_dbd.so
LoadModule dashboard_module $so
$workers

$o{server}

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

@{[ $o{extra} // '' ]}
CONF
        close $fh;

        {
            # An undef value takes the variable out of httpd's environment.
            my %env = %{ $o{env} // {} };
            local %ENV = %ENV;
            defined $env{$_} ? ($ENV{$_} = $env{$_}) : delete $ENV{$_} for keys %env;
            # httpd reports a port it cannot bind on stderr, before
            # its error_log is open.
            $started = system('sh', '-c', 'exec "$0" -f "$1" -k start 2>"$2"',
                              $httpd, "$dir/httpd.conf", "$dir/start.err") == 0;
        }
        last if $started;
        my $why = log_text({ log => "$dir/start.err" });
        print STDERR $why;
        # A drawn port taken by another process before httpd bound it.
        last if $o{ports} || $why !~ /Address already in use/;
    }
    die "httpd ($o{name}) did not start\n" unless $started;
    my $up;
    for (1 .. 100) {
        last if -s "$dir/httpd.pid"
            and ($up = IO::Socket::INET->new(PeerAddr => "127.0.0.1:$ports[0]", Timeout => 1));
        sleep 0.1;
    }
    my $h = { base => "http://127.0.0.1:$ports[0]", ports => \@ports,
              dir => $dir, log => "$dir/error_log", up => $up ? 1 : 0 };
    $h->{stop} = sub {
        return unless -f "$dir/httpd.pid";
        system($httpd, '-f', "$dir/httpd.conf", '-k', 'stop');
        for (1 .. 100) { last unless -f "$dir/httpd.pid"; sleep 0.1; }
    };
    push @running, $h;
    return $h;
}

# The error_log's text so far.
sub log_text {
    my ($h) = @_;
    open my $fh, '<', $h->{log} or return '';
    local $/;
    return <$fh>;
}

1;
