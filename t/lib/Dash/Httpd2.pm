package Dash::Httpd2;
# A second httpd beside the one Apache::Test started: the same generated
# configuration (same modules, MPM and module directives, so the same
# Redis, Postgres and Google stand-in), but its own server root, pid file,
# logs and ports — a site scaled out to two hosts behind a load balancer.
#
#   my $base = Dash::Httpd2::start();   # "http://127.0.0.1:PORT"
#   Dash::Httpd2::stop();               # also done at exit
#
# Its first port is DASH_HTTPD2_PORT, or the one after the first
# instance's highest (its virtual hosts take the ports after it, as the
# first one's do).
use strict;
use warnings FATAL => 'all';

use Apache::Test ();
use File::Path qw(make_path remove_tree);
use IO::Socket::INET ();
use Time::HiRes qw(sleep);

my ($root, $conf, $started);

sub _vars { return Apache::Test::config()->{vars}; }

# The first port: the one start() took, else the one it will try first.
my $chosen;
sub port {
    return $chosen // $ENV{DASH_HTTPD2_PORT} // _max_port(_vars()->{t_conf_file}) + 1;
}

# The highest port the first instance listens on, in its configuration
# file and the files it includes: every test vhost added takes one more
# port, so a fixed offset would sooner or later land on one of them.
sub _max_port {
    my ($file) = @_;
    my $v = _vars();
    my $max = $v->{port};
    open my $in, '<', $file or die "$file: $!";
    while (my $line = <$in>) {
        if ($line =~ /^\s*(Listen|<VirtualHost)\b/i) {
            while ($line =~ /:(\d+)\b/g) { $max = $1 if $1 > $max; }
        }
        if ($line =~ /^\s*Include(Optional)?\s+"?([^"\s]+)"?/i
            && index($2, $v->{t_conf}) == 0) {
            my $inc = _max_port($2);
            $max = $inc if $inc > $max;
        }
    }
    return $max;
}

# The first instance's configuration file with its ports shifted and its
# run-time paths moved under $root. Included files are rewritten too.
sub _rewrite {
    my ($from, $to, $offset) = @_;
    my $v = _vars();
    open my $in, '<', $from or die "$from: $!";
    open my $out, '>', $to or die "$to: $!";
    while (my $line = <$in>) {
        if ($line =~ /^\s*(Listen|ServerName|<VirtualHost)\b/i) {
            $line =~ s/:(\d+)\b/':' . ($1 + $offset)/ge;
        }
        if ($line =~ /^\s*Include(Optional)?\s+"?([^"\s]+)"?/i
            && index($2, $v->{t_conf}) == 0) {
            my $inc = $2;
            (my $copy = $inc) =~ s{^\Q$v->{t_conf}\E}{$root/conf};
            _rewrite($inc, $copy, $offset);
            $line = qq{Include "$copy"\n};
        }
        $line =~ s/^(\s*ServerRoot\s+).*/$1"$root"/i;
        $line =~ s/\Q$v->{t_logs}\E/$root\/logs/g;
        $line =~ s/\Q$v->{t_state}\E/$root\/state/g;
        print $out $line;
    }
    close $out or die "$to: $!";
}

sub _httpd { return (_vars()->{httpd}, '-d', $root, '-f', $conf,
                     '-D', 'APACHE2', '-D', 'APACHE2_4'); }

sub _answers {
    my ($port) = @_;
    return IO::Socket::INET->new(PeerAddr => '127.0.0.1', PeerPort => $port,
                                 Proto => 'tcp', Timeout => 1) ? 1 : 0;
}

sub _alive {
    my ($pidfile) = @_;
    open my $fh, '<', $pidfile or return 0;
    my $pid = <$fh> // '';
    chomp $pid;
    return $pid =~ /^\d+$/ && kill(0, $pid);
}

sub start {
    my $v = _vars();
    $root = "$v->{t_dir}/tmp/httpd-2";
    $conf = "$root/conf/httpd.conf";
    stop() if -f "$root/logs/httpd.pid";          # left by an aborted run
    remove_tree($root);
    make_path("$root/conf", "$root/logs", "$root/state");
    # A port of the range taken meanwhile by another process (an outgoing
    # connection, another run): the whole range moves on and tries again.
    my ($port, $ok);
    undef $chosen;
    my $first = port();
    for my $try (0 .. 4) {
        $port = $first + 100 * $try;
        _rewrite($v->{t_conf_file}, $conf, $port - $v->{port});
        $ok = system('sh', '-c', 'exec "$@" -k start 2>"$0"', "$root/logs/start.err",
                     _httpd()) == 0;
        last if $ok;
        my $why = do { local $/; open my $fh, '<', "$root/logs/start.err" or last; <$fh> };
        print STDERR $why;
        last unless $why =~ /Address already in use/;
    }
    die "second httpd did not start (see $root/logs/error_log)\n" unless $ok;
    $chosen = $port;
    $started = 1;
    # Its own pid file first: httpd writes it once it holds its ports, so
    # a listener of another run on the port cannot pass for this one.
    for (1 .. 100) {
        return "http://127.0.0.1:$port"
            if -s "$root/logs/httpd.pid" && _alive("$root/logs/httpd.pid") && _answers($port);
        sleep 0.1;
    }
    die "second httpd does not answer on port $port\n";
}

sub stop {
    return unless $root && -f $conf;
    system(_httpd(), '-k', 'stop');
    for (1 .. 100) {
        last unless -f "$root/logs/httpd.pid";
        sleep 0.1;
    }
    $started = 0;
}

sub error_log { return "$root/logs/error_log"; }

# The second instance's URL for a URL of the first one (its vhosts keep
# their order, shifted by the same offset).
sub url_of {
    my ($url) = @_;
    my $offset = port() - _vars()->{port};
    $url =~ s{^(http://[^/:]+):(\d+)}{"$1:" . ($2 + $offset)}e;
    return $url;
}

END { local $?; stop() if $started; }

1;
