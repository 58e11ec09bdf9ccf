# The configuration files the package installs (conf/mods-available/,
# conf/conf-available/), through `httpd -t` as Debian's apache2.conf
# includes them (docs/operations.md#installing): the module enabled alone
# passes with no warning and sets nothing; the Locations pass with the
# module, and without it (a2dismod alone), thanks to their
# <IfModule dashboard_module>. make test-package does the same with apt
# on the real /etc/apache2, as root.
use strict;
use warnings FATAL => 'all';

use Test::More;
use File::Temp qw(tempdir);
use Cwd qw(abs_path);

my $top = abs_path('.');
my $so = "$top/.libs/mod_dashboard.so";
my $mods = '/usr/lib/apache2/modules';
my $dir = tempdir(CLEANUP => 1);

sub slurp {
    my ($path) = @_;
    open my $fh, '<', $path or die "$path: $!";
    local $/;
    return <$fh>;
}

sub spew {
    my ($path, $text) = @_;
    open my $fh, '>', $path or die "$path: $!";
    print $fh $text;
    close $fh or die "$path: $!";
}

my $load = slurp("$top/conf/mods-available/dashboard.load");
my $modconf = slurp("$top/conf/mods-available/dashboard.conf");
my $locations = slurp("$top/conf/conf-available/dashboard.conf");

# dashboard.load names the installed module; here the built one.
like $load, qr{^# Depends: dbd$}m, 'dashboard.load: a2enmod enables mod_dbd first';
like $load, qr{^LoadModule dashboard_module /usr/lib/apache2/modules/mod_dashboard\.so$}m,
    'dashboard.load: the path the package installs';
(my $load_here = $load) =~ s{/usr/lib/apache2/modules/mod_dashboard\.so}{$so};

# httpd -t on a minimal server with the modules of Debian's defaults that
# the Locations use, then the files in apache2.conf's order (mods-enabled
# *.load, *.conf, then conf-enabled). Returns (exit status, output).
sub configtest {
    my (%o) = @_;
    my $conf = <<"CONF";
ServerRoot "$dir"
ServerName localhost
Listen 127.0.0.1:1
PidFile "$dir/httpd.pid"
ErrorLog "$dir/error_log"
LogLevel warn
CONF
    for my $m (qw(mpm_event authz_core authz_host authz_user authn_core authn_file
                  auth_basic alias dir mime dbd)) {
        $conf .= "LoadModule ${m}_module $mods/mod_$m.so\n";
    }
    spew("$dir/dashboard.load", $load_here);
    spew("$dir/mods.conf", $o{modconf} // $modconf);
    spew("$dir/locations.conf", $o{locations} // $locations);
    $conf .= "Include $dir/dashboard.load\nInclude $dir/mods.conf\n" if $o{module};
    $conf .= "Include $dir/locations.conf\n" if $o{locations_on};
    spew("$dir/httpd.conf", $conf);
    my $httpd = $ENV{DASH_HTTPD} // '/usr/sbin/apache2';
    my $out = `$httpd -t -f "$dir/httpd.conf" 2>&1`;
    return ($? >> 8, $out);
}

# As shipped, the module's conf sets nothing: enabling the module opens no
# connection (mod_dbd connects as soon as DBDriver is set) and changes no
# answer.
my @active = grep { /\S/ && !/^\s*#/ } split /\n/, $modconf;
is_deeply \@active, [], 'mods-available/dashboard.conf: no active line as shipped';

my ($rc, $out) = configtest(module => 1);
is $rc, 0, 'the module enabled alone: configtest passes';
is $out, "Syntax OK\n", 'the module enabled alone: no warning' or diag $out;

($rc, $out) = configtest(module => 1, locations_on => 1);
is $rc, 0, 'the module and its Locations: configtest passes' or diag $out;
is $out, "Syntax OK\n", 'the module and its Locations: no warning' or diag $out;

# The Locations hold a directive of the module once an operator enables
# the purge Location of the example; with the module disabled (a2dismod
# alone) the guard must keep configtest passing.
(my $with_admin = $locations) =~
    s{^#(<Location /admin/dashboard/cache>.*?^)#(</Location>)}{
        my ($body, $end) = ($1, $2); $body =~ s/^#//mg; "$body$end" }mse;
like $with_admin, qr{^    DashboardCacheAdmin On$}m, 'the operators\' Location, uncommented';
like $with_admin, qr{\A(?:#[^\n]*\n|\n)*<IfModule dashboard_module>\n}, 'everything is inside <IfModule dashboard_module>';
like $with_admin, qr{\n</IfModule>\n\z}, '... up to the end';
($rc, $out) = configtest(module => 1, locations_on => 1, locations => $with_admin);
is $rc, 0, 'with the operators\' Location: configtest passes' or diag $out;
($rc, $out) = configtest(locations_on => 1, locations => $with_admin);
is $rc, 0, 'the module disabled, its Locations still enabled: configtest passes' or diag $out;
is $out, "Syntax OK\n", 'the module disabled: no warning' or diag $out;

# Every setting uncommented, as an operator fills them in (secrets given
# inline instead of the files configtest would read).
(my $filled = $modconf) =~ s/^#(?=[A-Z][A-Za-z]+ )//mg;
$filled =~ s{ file:/\S+$}{ the-secret}mg;
($rc, $out) = configtest(module => 1, locations_on => 1, modconf => $filled);
is $rc, 0, 'every setting of the module\'s conf uncommented: configtest passes' or diag $out;

done_testing;
