# What a server without some directives does (docs/configuration.md):
# - DashboardMaxUpstream unset: half of the child's threads, at least 1.
#   One event child of 8 threads lets 4 requests wait on Google at once and
#   answers the rest 503 UPSTREAM_BUSY; a prefork child (1 thread) still
#   lets its one request through.
# - DashboardOAuthClient unset: a token that needs refreshing answers 502
#   YOUTUBE_API_ERROR without any call to the token endpoint, and says why
#   in the error_log (docs/behaviour.md#tokens).
#
# Runs its own httpds (the suite's configuration sets both directives),
# against the stack of t/stack.sh.
use strict;
use warnings FATAL => 'all';

use Test::More;
use lib 't/lib';
use Dash::Test;
use Dash::OwnHttpd ();

my $today = today_report();
my $google = $ENV{DASH_GOOGLE_URL};
# No DashboardMaxUpstream, no DashboardOAuthClient, no cache (no single
# flight: every request of the same channel fetches).
my $server = <<"CONF";
DBDriver pgsql
DBDParams "host=127.0.0.1 port=$ENV{DASH_PG_PORT} dbname=dashboard user=$ENV{DASH_PG_MODULE_USER} connect_timeout=2"
DashboardRedis Off
DashboardAnalyticsURL $google/v2/reports
DashboardTokenURL $google/token
DashboardUpstreamTimeout 8000
CONF

my ($u, $ch) = ('unset-user', 'UCunsetDirectives');
clear_user($u);
add_account($u, $ch);
add_video($u, $ch, "unset$_", add_days($today, -3 - 9 * $_) . ' 08:00:00') for 0 .. 2;

# ---- DashboardMaxUpstream: half of ThreadsPerChild -----------------------

{
    my $h = Dash::OwnHttpd::start(name => 'maxup8', server => $server, loglevel => 'info',
        workers => "StartServers 1\nServerLimit 1\nThreadsPerChild 8\nMaxRequestWorkers 8");
    ok $h->{up}, 'one event child of 8 threads started';
    google_reset();
    # Each fetch holds its place for 3 s: the 6 requests all overlap.
    google('POST', '/_control/delay', { ms => 3000 });
    my @r = simultaneous(map { ["$h->{base}/dashboard/stats", $u] } 1 .. 6);
    google('POST', '/_control/delay', { ms => 0 });
    my @ok = grep { $_->{code} == 200 } @r;
    my @busy = grep { $_->{code} == 503 && ($_->{body} // '') =~ /"UPSTREAM_BUSY"/ } @r;
    is scalar(@ok), 4, '8 threads: 4 requests waited on Google at once (200)'
        or diag join ' ', map { $_->{code} } @r;
    is scalar(@busy), 2, '8 threads: the other 2 answered 503 UPSTREAM_BUSY';
    like Dash::OwnHttpd::log_text($h), qr/DASH0801: 4 requests of this child already wait on Google/,
        'the log names the limit: 4';
    $h->{stop}->();
}

{
    my $h = Dash::OwnHttpd::start(name => 'maxup-prefork', mpm => 'prefork', server => $server,
        workers => "StartServers 2\nMinSpareServers 2\nMaxSpareServers 4\nMaxRequestWorkers 8");
    ok $h->{up}, 'prefork started';
    google_reset();
    my @r = simultaneous(map { ["$h->{base}/dashboard/stats", $u] } 1 .. 2);
    is_deeply [ map { $_->{code} } @r ], [200, 200],
        'prefork (1 thread a child): at least 1, every request reaches Google';
    $h->{stop}->();
}

# ---- DashboardOAuthClient unset --------------------------------------------

{
    my ($ue, $che) = ('unset-oauth', 'UCunsetOAuth');
    clear_user($ue);
    add_account($ue, $che, token_expires_at => \"LOCALTIMESTAMP - interval '1 minute'");
    add_video($ue, $che, 'unsetoauth0', add_days($today, -3) . ' 08:00:00');
    my $h = Dash::OwnHttpd::start(name => 'nooauth', server => $server);
    ok $h->{up}, 'a server without DashboardOAuthClient started';
    google_reset();
    my $res = call('GET', "$h->{base}/dashboard/stats", user => $ue);
    is_error($res, 502, 'YOUTUBE_API_ERROR', 'no OAuth client, token expired');
    is scalar(grep { $_->{path} eq '/token' } @{ requests() }), 0, 'no call to the token endpoint';
    is counters()->{reports}, 0, 'no Analytics call';
    like Dash::OwnHttpd::log_text($h), qr/DASH0508: .*DashboardOAuthClient is not set/,
        'the error_log says DashboardOAuthClient is not set';
    my ($tok) = db()->selectrow_array(
        'SELECT access_token FROM social_account WHERE user_uuid = ?', undef, $ue);
    is $tok, "ya29.test-$ue-$che", 'the row is untouched';
    $h->{stop}->();
}

done_testing();
