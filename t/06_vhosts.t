# A server with several virtual hosts, as a stock Debian Apache has one:
# hosts without DBD directives share the main
# server's mod_dbd configuration, others have their own. The module gives
# mod_dbd no statements (it prepares them itself,
# docs/behaviour.md#protecting-the-host-site), so no label can be found in
# conflict (AH02653): the start-up log has no warning from mod_dbd or from
# the module, and every host answers.
#
# Runs its own httpd (not the Apache::Test one) on a free port, against
# the stack of t/stack.sh. DASH_VHOSTS_PORT picks the port instead.
use strict;
use warnings FATAL => 'all';

use Test::More;
use LWP::UserAgent ();
use HTTP::Request ();
use MIME::Base64 qw(encode_base64);
use lib 't/lib';
use Dash::Test;
use Dash::OwnHttpd ();

my ($port, $port2) = $ENV{DASH_VHOSTS_PORT}
    ? ($ENV{DASH_VHOSTS_PORT}, $ENV{DASH_VHOSTS_PORT} + 1)
    : Dash::OwnHttpd::free_ports(2);

my $pg = "host=127.0.0.1 port=$ENV{DASH_PG_PORT} dbname=dashboard user=$ENV{DASH_PG_MODULE_USER} connect_timeout=2";
my $google = $ENV{DASH_GOOGLE_URL};

my %conf = (
    name => 'vhosts', servername => 'main.test', mpm => 'event', ports => [$port, $port2],
    server => <<"CONF",
DBDriver pgsql
DBDParams "$pg"
DashboardRedis redis://127.0.0.1:$ENV{DASH_REDIS_PORT}/0
DashboardAnalyticsURL $google/v2/reports
DashboardTokenURL $google/token
DashboardOAuthClient $ENV{DASH_CLIENT_ID} $ENV{DASH_CLIENT_SECRET}
DashboardUpstreamTimeout 3000
CONF
    extra => <<"CONF",
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
);

my $today = today_report();
my $u = 'vhosts-user';
my $ch = 'UCvhostsChannel';
clear_user($u);
add_account($u, $ch);
# Seven uploads: more than b.test's DashboardMaxVideos 5, fewer than the
# default 30, so the filter of the Analytics calls shows whose setting applied.
add_video($u, $ch, "vh$_", add_days($today, -3 - 9 * $_) . ' 08:00:00') for 0 .. 6;
flush_redis();

my $h = Dash::OwnHttpd::start(%conf);
ok $h->{up}, 'httpd with four virtual hosts started';

my $ua = LWP::UserAgent->new(timeout => 30, keep_alive => 0);
sub ask {
    my ($host, $p, $path) = @_;
    my $req = HTTP::Request->new(GET => "http://127.0.0.1:$p$path");
    $req->header(Host => $host);
    $req->header(Authorization => 'Basic ' . encode_base64("$u:pw", ''));
    my $res = $ua->request($req);
    return ($res, json_of($res));
}

# Each host's own Dashboard settings apply to it, the main server's to the
# others: b.test has no cache and passes 5 videos; the rest cache and pass
# all 7. The cache is emptied before each host so every one fetches.
my %own = ('b.test' => { cache => 'bypass', videos => 5 });
for my $h (['main.test', $port], ['a.test', $port], ['b.test', $port],
           ['c.test', $port], ['d.test', $port2]) {
    my ($host, $p) = @$h;
    my $want = $own{$host} // { cache => 'miss', videos => 7 };
    my ($res, $j) = ask($host, $p, '/dashboard/accounts');
    is $res->code, 200, "$host: accounts 200";
    is_deeply [ map { $_->{platformUserId} } @{ $j->{accounts} // [] } ], [$ch],
        "$host: the account";
    flush_redis();
    google_reset();
    ($res, $j) = ask($host, $p, '/dashboard/stats');
    is $res->code, 200, "$host: stats 200";
    ok $j && $j->{hasUploads}, "$host: a full response";
    is $res->header('X-Dashboard-Cache'), $want->{cache}, "$host: cache $want->{cache}";
    is redis()->exists("dashboard:$u:$ch:month"), $want->{cache} eq 'miss' ? 1 : 0,
        "$host: " . ($want->{cache} eq 'miss' ? 'the answer is cached' : 'nothing cached');
    my @reqs = report_requests();
    ok @reqs, "$host: Google was asked";
    my @sizes = map { my $f = $_->{params}{filters} // ''; $f =~ s/^video==//;
                      scalar(split /,/, $f) } @reqs;
    is_deeply [ sort { $a <=> $b } keys %{{ map { $_ => 1 } @sizes }} ], [ $want->{videos} ],
        "$host: every Analytics call filters $want->{videos} videos";
}

my @log = split /^/m, Dash::OwnHttpd::log_text($h);
my @bad = grep { /\[(?:dbd|dashboard):(?:warn|error|crit|alert|emerg)\]|AH02653/ } @log;
is_deeply \@bad, [], 'the start-up log has no warning from mod_dbd or the module'
    or diag @bad;

done_testing();
