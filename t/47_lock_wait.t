# DashboardLockWait's default covers the lock holder's worst case
# (docs/configuration.md#dashboardlockwait): while Google is slow on both
# the token refresh and the Analytics calls (3 s each, within dash_slowholder's
# DashboardUpstreamTimeout of 4 s), simultaneous cold requests for one key
# wait for the one holder instead of giving up and fetching themselves:
# one token refresh and one fetch's report calls in all.
use strict;
use warnings FATAL => 'all';

use Apache::Test ();

use Test::More;
use lib 't/lib';
use Dash::Test;

my $N = 12;               # simultaneous requests for the key
my $STEP = 3000;          # ms Google takes for the refresh, and for the reports
my $today = today_report();
my $u = 'lockwait-user-0001';
my $ch = 'UClockwait00000000001';
my $key = "dashboard:$u:$ch:month";

clear_user($u);
# A token that must be refreshed first: the holder's longest path.
add_account($u, $ch, token_expires_at => \"LOCALTIMESTAMP - interval '1 hour'");
add_video($u, $ch, "lockwait$_", add_days($today, -3 - 10 * $_) . ' 09:00:00') for 0 .. 3;
redis()->del($key, "$key:lock", "dashboard:$u:fetches");

# One fetch's report calls, measured on its own.
google_reset();
my ($probe) = get_json('/dashboard/stats', user => $u, module => 'dash_slowholder');
is $probe->code, 200, 'probe: 200';
my $per_fetch = counters()->{reports};
ok $per_fetch >= 1, "a fetch makes $per_fetch report calls";

# Expire the token again, and make Google slow on both steps.
db_do(q{UPDATE social_account SET token_expires_at = LOCALTIMESTAMP - interval '1 hour' WHERE user_uuid = ?}, $u);
redis()->del($key, "$key:lock");
google_reset();
google('POST', '/_control/token', { access_token => 'ya29.lockwait-slow', channel => $ch });
google('POST', '/_control/fault', { target => 'token', status => 200, delay_ms => $STEP,
    body => '{"access_token":"ya29.lockwait-slow","expires_in":3599,"token_type":"Bearer"}' });
google('POST', '/_control/delay', { ms => $STEP });
my $m0 = metrics(module => 'dash_slowholder');

my $url = url_of('/dashboard/stats', module => 'dash_slowholder');
my @r = simultaneous(map { [ $url, $u ] } 1 .. $N);
my %n;
$n{ $_->{code} . ' ' . ($_->{cache} // '-') }++ for @r;
is_deeply \%n, { '200 miss' => 1, '200 hit' => $N - 1 },
    "$N at once behind a slow holder: one miss, the rest hits" or diag explain \%n;
my @tokens = grep { $_->{path} eq '/token' } @{ requests() };
is scalar(@tokens), 1, 'one token refresh';
is counters()->{reports}, $per_fetch, "one fetch's report calls ($per_fetch), not one per request";
my $slowest = 0;
$_->{t1} - $_->{t0} > $slowest and $slowest = $_->{t1} - $_->{t0} for @r;
cmp_ok $slowest, '>', 2 * $STEP / 1000 - 0.5,
    sprintf('the holder took both steps (%.1f s): longer than the old default wait of 5 s', $slowest);
my $m1 = metrics(module => 'dash_slowholder');
is metric_delta($m0, $m1, 'mod_dashboard_singleflight_waits_total', outcome => 'filled'), $N - 1,
    'every waiter was answered by the fill';
is metric_delta($m0, $m1, 'mod_dashboard_singleflight_waits_total', outcome => 'timeout'), 0,
    'no waiter gave up';

done_testing();
