# The dashboard page (ui/) in a real browser: Debian's Chromium, headless,
# driven by playwright-core (t/browser/dashboard.mjs) against this httpd.
# This file sets up one user per state the page must show (Postgres rows,
# the Google stand-in's faults, an aged Redis value), then hands over to
# the browser test, whose TAP is this file's. Screenshots:
# t/tmp/screenshots/.
use strict;
use warnings FATAL => 'all';
use utf8;

use Apache::Test ();
use Apache::TestRequest ();
use JSON::PP ();
use lib 't/lib';
use Dash::Test;

if (($ENV{DASH_UI_BROWSER} // 1) eq '0') {
    print "1..0 # SKIP the browser test runs under the first MPM of t/run.sh only\n";
    exit 0;
}

my $today = today_report();

flush_redis();
google_reset();

my %user = (
    two     => 'ui-two-channels',
    one     => 'ui-one-channel',
    none    => 'ui-no-channel',
    empty   => 'ui-no-uploads',
    expired => 'ui-token-expired',
    error   => 'ui-google-error',
    stale   => 'ui-stale',
);
clear_user($_) for values %user;

# Uploads every `step` days back from yesterday, newest first.
sub uploads {
    my ($u, $ch, $prefix, $n, $step, $title) = @_;
    for my $i (1 .. $n) {
        add_video($u, $ch, sprintf('%s%05d', $prefix, $i),
                  add_days($today, -$i * $step) . ' 10:00:00', "$title $i");
    }
}

# Two channels: a Korean title and an English one, different data.
add_account($user{two}, 'UCuiKitchen00000000001', connected_at => '2026-03-01 09:00:00',
            platform_data => '{"channel_title": "한식 부엌"}');
add_account($user{two}, 'UCuiTravel000000000002', connected_at => '2026-02-01 09:00:00',
            platform_data => '{"channel_title": "Travel notes"}');
uploads($user{two}, 'UCuiKitchen00000000001', 'uiKit', 24, 9, '김치찌개 만들기');
uploads($user{two}, 'UCuiTravel000000000002', 'uiTrv', 12, 13, 'Travel diary');

# One channel: the normal page, without a picker.
add_account($user{one}, 'UCuiOne000000000000007', platform_data => '{"channel_title": "Han\'s kitchen"}');
uploads($user{one}, 'UCuiOne000000000000007', 'uiOne', 10, 11, '비빔밥');

# An Instagram account is not a YouTube channel: 404 YOUTUBE_NOT_CONNECTED.
add_account($user{none}, 'ui.insta', platform => 'instagram', register => 0);

# A channel without a single upload: hasUploads false, no Google call.
add_account($user{empty}, 'UCuiEmpty0000000000003');

# An access token past its time and no refresh token: 401 YOUTUBE_TOKEN_EXPIRED.
add_account($user{expired}, 'UCuiExpired00000000004', refresh_token => undef,
            token_expires_at => \"LOCALTIMESTAMP - interval '1 hour'");
uploads($user{expired}, 'UCuiExpired00000000004', 'uiExp', 3, 20, 'Expired');

# Google answers 500 to every call for this channel (its only upload picks
# its calls out): 502 YOUTUBE_API_ERROR.
add_account($user{error}, 'UCuiError0000000000005');
uploads($user{error}, 'UCuiError0000000000005', 'uiErr', 1, 5, 'Error');
google('POST', '/_control/fault',
       { target => 'reports', status => 500, match => { filters => 'video==uiErr00001' } });

# A cached month answer older than DashboardCacheTTL (600 s in
# t/conf/extra.conf.in) while Google fails: served stale
# (docs/behaviour.md#stale-answers-and-single-flight).
my $json = JSON::PP->new->utf8->canonical;
add_account($user{stale}, 'UCuiStale0000000000006');
uploads($user{stale}, 'UCuiStale0000000000006', 'uiStl', 6, 17, 'Stale');
my ($res) = get_json('/dashboard/stats', user => $user{stale});
die 'stale set-up: stats answered ' . $res->code . "\n" unless $res->code == 200;
my $key = "dashboard:$user{stale}:UCuiStale0000000000006:month";
my $cached = $json->decode(redis()->get($key) // die "stale set-up: nothing cached at $key\n");
$cached->{fetchedAt} = time - 700;
redis()->set($key, $json->encode($cached), 'KEEPTTL');
google('POST', '/_control/fault', { target => 'reports', status => 500,
    match => { filters => 'video==' . join ',', map { sprintf 'uiStl%05d', $_ } 1 .. 6 } });

my $base = Apache::TestRequest::resolve_url('/');
$base =~ s{/$}{};
$ENV{DASH_UI_BASE} = $base;
$ENV{DASH_UI_USERS} = $json->encode(\%user);
$ENV{DASH_UI_SHOTS} = 't/tmp/screenshots';
exec 'node', 't/browser/dashboard.mjs' or die "node: $!\n";
