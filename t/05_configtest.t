# `apachectl configtest` (httpd -t) rejects every bad directive value with a
# message naming the directive (docs/configuration.md#directives), and accepts good ones.
use strict;
use warnings FATAL => 'all';

use Test::More;
use File::Temp qw(tempdir);
use Cwd qw(abs_path);

my $top = abs_path('.');
my $so = "$top/.libs/mod_dashboard.so";
my $mods = '/usr/lib/apache2/modules';
my $dir = tempdir(CLEANUP => 1);

# Runs httpd -t on a minimal server plus $body; returns (exit status, output).
sub configtest {
    my ($body, %o) = @_;
    my $dbd = $o{no_dbd} ? '' : "LoadModule dbd_module $mods/mod_dbd.so\n";
    open my $fh, '>', "$dir/httpd.conf" or die $!;
    print $fh <<"CONF";
ServerRoot "$dir"
ServerName localhost
Listen 127.0.0.1:1
PidFile "$dir/httpd.pid"
ErrorLog "$dir/error_log"
LoadModule mpm_event_module $mods/mod_mpm_event.so
LoadModule authz_core_module $mods/mod_authz_core.so
${dbd}LoadModule dashboard_module $so
$body
CONF
    close $fh;
    my $httpd = $ENV{DASH_HTTPD} // '/usr/sbin/apache2';
    my $out = `$httpd -t -f "$dir/httpd.conf" 2>&1`;
    return ($? >> 8, $out);
}

my ($rc, $out) = configtest(<<'GOOD');
DashboardRedis redis://:p%40ss@127.0.0.1:6380/2
DashboardRedisTimeout 150
DashboardCacheTTL 60
DashboardAnalyticsURL http://127.0.0.1:9/v2/reports
DashboardTokenURL https://oauth2.example.com/token
DashboardOAuthClient my-client.apps.googleusercontent.com the-secret
DashboardUpstreamTimeout 5000
DashboardMaxVideos 50
DashboardStaleTTL 0
DashboardLockWait 0
DashboardMaxUpstream 1
DashboardDBTimeout 1
DashboardMetrics Off
DashboardUserFetchLimit 0
DashboardReportTimeZone Asia/Seoul
DashboardMaxValueSize 536870912
<VirtualHost 127.0.0.1:1>
    DashboardReportTimeZone local
    DashboardRedis Off
    DashboardMaxVideos 1
    DashboardUserFetchLimit 5 60
    DashboardMaxValueSize 1
</VirtualHost>
<VirtualHost 127.0.0.1:2>
    DashboardUserFetchLimit 1000000
</VirtualHost>
<Location /ops/cache>
    SetHandler dashboard-cache
    DashboardCacheAdmin On
</Location>
<Location /ops/ui>
    DashboardPage On
</Location>
GOOD
is $rc, 0, 'every directive with a good value passes' or diag $out;

open my $ef, '>', "$dir/empty-secret" or die $!;
print $ef "\nthe secret is not on the first line\n";
close $ef;
open my $sf, '>', "$dir/secret" or die $!;
print $sf "from-a-file\nsecond line\n";
close $sf;
($rc, $out) = configtest("DashboardRedis unix:/run/redis/redis.sock?db=3\n"
    . "DashboardOAuthClient id file:$dir/secret\n");
is $rc, 0, 'unix socket URL and file: secret pass' or diag $out;

($rc, $out) = configtest("DashboardRedis redis-sentinel://:pw\@127.0.0.1:26400,"
    . "[::1],s3.example.org:26402/mymaster/2\n"
    . "DashboardRedisSentinelAuth watcher file:$dir/secret\n");
is $rc, 0, 'redis-sentinel URL and DashboardRedisSentinelAuth USER file: pass'
    or diag $out;
($rc, $out) = configtest("DashboardRedis redis-sentinel://s1/m\n"
    . "DashboardRedisSentinelAuth only-a-password\n");
is $rc, 0, 'DashboardRedisSentinelAuth with a password alone passes' or diag $out;

# DashboardUpstreamCA: a readable PEM file with a certificate in it.
open my $ca, '>', "$dir/ca.pem" or die $!;
print $ca "-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n";
close $ca;
open my $noca, '>', "$dir/not-a-ca.pem" or die $!;
print $noca "just text\n";
close $noca;
($rc, $out) = configtest("DashboardUpstreamCA $dir/ca.pem\n");
is $rc, 0, 'DashboardUpstreamCA with a PEM file passes' or diag $out;

# The upper bounds of docs/configuration.md pass too.
($rc, $out) = configtest("DashboardMaxUpstream 100000\nDashboardDBTimeout 600000\n"
    . "DashboardMetrics On\n<VirtualHost 127.0.0.1:1>\n    DashboardMetrics Off\n"
    . "    DashboardMaxUpstream 2\n    DashboardDBTimeout 250\n</VirtualHost>\n");
is $rc, 0, 'DashboardMaxUpstream 100000, DashboardDBTimeout 600000, DashboardMetrics in a vhost pass'
    or diag $out;

my @bad = (
    [ 'DashboardCacheTTL abc',                 'DashboardCacheTTL' ],
    [ 'DashboardCacheTTL 0',                   'DashboardCacheTTL' ],
    [ 'DashboardCacheTTL -5',                  'DashboardCacheTTL' ],
    [ 'DashboardCacheTTL 12h',                 'DashboardCacheTTL' ],
    [ 'DashboardRedis http://x',               'DashboardRedis' ],
    [ 'DashboardRedis redis://',               'DashboardRedis' ],
    [ 'DashboardRedis redis://h:0',            'DashboardRedis' ],
    [ 'DashboardRedis redis://h:70000',        'DashboardRedis' ],
    [ 'DashboardRedis redis://h/abc',          'DashboardRedis' ],
    [ 'DashboardRedis unix:relative.sock',     'DashboardRedis' ],
    [ 'DashboardRedis redis-sentinel:///m',    'DashboardRedis: bad Redis URL: no sentinel host' ],
    [ 'DashboardRedis redis-sentinel://h:0/m', 'DashboardRedis: bad Redis URL: sentinel 1: the port' ],
    [ 'DashboardRedis redis-sentinel://h,h:99999/m', 'DashboardRedis: bad Redis URL: sentinel 2: the port' ],
    [ 'DashboardRedis redis-sentinel://h1,h2', 'DashboardRedis: bad Redis URL: no master name' ],
    [ 'DashboardRedis redis-sentinel://h1/',   'DashboardRedis: bad Redis URL: no master name' ],
    [ 'DashboardRedis redis-sentinel://h1/m/-1', 'DashboardRedis: bad Redis URL: the database' ],
    [ 'DashboardRedis redis-sentinel://h1/m/99999999999', 'DashboardRedis: bad Redis URL: the database' ],
    [ 'DashboardRedisSentinelAuth',            'DashboardRedisSentinelAuth' ],
    [ 'DashboardRedisSentinelAuth a b c',      'DashboardRedisSentinelAuth' ],
    [ "DashboardRedisSentinelAuth u file:$dir/none", 'DashboardRedisSentinelAuth' ],
    [ 'DashboardRedisSentinelAuth "" pw',      'DashboardRedisSentinelAuth' ],
    [ 'DashboardRedisTimeout 0',               'DashboardRedisTimeout' ],
    [ 'DashboardRedisTimeout fast',            'DashboardRedisTimeout' ],
    [ 'DashboardMaxVideos 99',                 'DashboardMaxVideos' ],
    [ 'DashboardMaxVideos 0',                  'DashboardMaxVideos' ],
    [ 'DashboardMaxVideos 51',                 'DashboardMaxVideos' ],
    [ 'DashboardUpstreamTimeout 1.5',          'DashboardUpstreamTimeout' ],
    [ 'DashboardUpstreamTimeout 0',            'DashboardUpstreamTimeout' ],
    [ 'DashboardAnalyticsURL ftp://x/reports', 'DashboardAnalyticsURL' ],
    [ 'DashboardAnalyticsURL reports',         'DashboardAnalyticsURL' ],
    [ 'DashboardTokenURL http://',             'DashboardTokenURL' ],
    [ "DashboardOAuthClient id file:$dir/none", 'DashboardOAuthClient' ],
    [ 'DashboardOAuthClient only-an-id',       'DashboardOAuthClient' ],
    [ 'DashboardOAuthClient "" a-secret',      'DashboardOAuthClient' ],
    [ 'DashboardOAuthClient an-id ""',         'DashboardOAuthClient' ],
    [ "DashboardOAuthClient an-id file:$dir/empty-secret", 'DashboardOAuthClient' ],
    [ 'DashboardMaxUpstream 0',                'DashboardMaxUpstream' ],
    [ 'DashboardMaxUpstream 100001',           'DashboardMaxUpstream' ],
    [ 'DashboardMaxUpstream -1',               'DashboardMaxUpstream' ],
    [ 'DashboardMaxUpstream many',             'DashboardMaxUpstream' ],
    [ 'DashboardMaxUpstream 2.5',              'DashboardMaxUpstream' ],
    [ 'DashboardDBTimeout 0',                  'DashboardDBTimeout' ],
    [ 'DashboardDBTimeout 600001',             'DashboardDBTimeout' ],
    [ 'DashboardDBTimeout 3s',                 'DashboardDBTimeout' ],
    [ 'DashboardDBTimeout -100',               'DashboardDBTimeout' ],
    [ 'DashboardMetrics maybe',                'DashboardMetrics' ],
    [ 'DashboardMetrics 1',                    'DashboardMetrics' ],
    [ "<Location /x>\nDashboardMetrics Off\n</Location>", 'DashboardMetrics' ],
    [ "<Location /x>\nDashboardMaxUpstream 2\n</Location>", 'DashboardMaxUpstream' ],
    [ "<Location /x>\nDashboardDBTimeout 500\n</Location>", 'DashboardDBTimeout' ],
    [ 'DashboardStaleTTL -1',                  'DashboardStaleTTL' ],
    [ 'DashboardStaleTTL week',                'DashboardStaleTTL' ],
    [ 'DashboardLockWait -1',                  'DashboardLockWait' ],
    [ 'DashboardUserFetchLimit -1',            'DashboardUserFetchLimit' ],
    [ 'DashboardUserFetchLimit many',          'DashboardUserFetchLimit' ],
    [ 'DashboardUserFetchLimit 1000001',       'DashboardUserFetchLimit' ],
    [ 'DashboardUserFetchLimit 20 0',          'DashboardUserFetchLimit' ],
    [ 'DashboardUserFetchLimit 20 1h',         'DashboardUserFetchLimit' ],
    [ 'DashboardUserFetchLimit 20 2678401',    'DashboardUserFetchLimit' ],
    [ 'DashboardUserFetchLimit 20 60 7',       'DashboardUserFetchLimit' ],
    [ 'DashboardUserFetchLimit',               'DashboardUserFetchLimit' ],
    [ 'DashboardMaxValueSize 0',               'DashboardMaxValueSize' ],
    [ 'DashboardMaxValueSize 1M',              'DashboardMaxValueSize' ],
    [ 'DashboardMaxValueSize 536870913',       'DashboardMaxValueSize' ],
    [ "DashboardUpstreamCA $dir/none.pem",     'DashboardUpstreamCA' ],
    [ "DashboardUpstreamCA $dir/not-a-ca.pem", 'DashboardUpstreamCA' ],
    [ "DashboardUpstreamCA $dir",              'DashboardUpstreamCA' ],
    [ 'DashboardCacheAdmin On',                'DashboardCacheAdmin' ],
    [ 'DashboardReportTimeZone Mars/Olympus_Mons', 'DashboardReportTimeZone' ],
    [ 'DashboardReportTimeZone Pacific',       'DashboardReportTimeZone' ],
    [ 'DashboardReportTimeZone ../../etc/passwd', 'DashboardReportTimeZone' ],
    [ 'DashboardReportTimeZone /usr/share/zoneinfo/UTC', 'DashboardReportTimeZone' ],
    [ 'DashboardReportTimeZone zone.tab',      'DashboardReportTimeZone' ],
    [ "<Location /x>\nDashboardRedis Off\n</Location>", 'DashboardRedis' ],
    [ "<Location /x>\nDashboardCacheAdmin maybe\n</Location>", 'DashboardCacheAdmin' ],
    [ "<Location /x>\nDashboardPage yes\n</Location>", 'DashboardPage' ],
    [ 'DashboardPage On',                      'DashboardPage' ],
);
for my $case (@bad) {
    my ($line, $name) = @$case;
    ($rc, $out) = configtest("$line\n");
    (my $label = $line) =~ s/\n/ /g;
    isnt $rc, 0, "rejected: $label";
    like $out, qr/\Q$name\E/, "the message names $name" or diag $out;
}

# A password in a rejected URL is never echoed.
($rc, $out) = configtest("DashboardRedis redis://:hunter2secret\@h:99999\n");
isnt $rc, 0, 'bad port with a password: rejected';
unlike $out, qr/hunter2secret/, 'the password is not in the message';
($rc, $out) = configtest("DashboardRedis redis-sentinel://:hunter2secret\@h/m/x\n");
isnt $rc, 0, 'sentinel URL, bad db, with a password: rejected';
unlike $out, qr/hunter2secret/, 'the password is not in the message';

# Without mod_dbd the module cannot work: say so at configtest.
($rc, $out) = configtest("<Location /d>\nSetHandler dashboard-stats\n</Location>\n",
                         no_dbd => 1);
isnt $rc, 0, 'without mod_dbd: rejected';
like $out, qr/mod_dbd/, 'the message names mod_dbd' or diag $out;

done_testing();
