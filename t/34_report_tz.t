# DashboardReportTimeZone (docs/behaviour.md#date-windows): "today" is
# today in Los Angeles by default, whatever the server's own zone, right
# across both US summer-time changes, a month end and Feb 29; "local" is the
# server's day. Each case runs an httpd of its own under libfaketime
# (Debian's libfaketime: its clock moved to an instant near a change), with
# TZ set to Asia/Seoul or UTC, and reads the dates Google received at the
# stand-in.
use strict;
use warnings FATAL => 'all';

use Apache::Test ();

use Test::More;
use LWP::UserAgent ();
use MIME::Base64 qw(encode_base64);
use Time::Local qw(timegm);
use lib 't/lib';
use Dash::Test;
use Dash::Expect;
use Dash::OwnHttpd ();

my ($faketime) = grep { -f } map { "/usr/lib/x86_64-linux-gnu/faketime/$_" }
    'libfaketimeMT.so.1', 'libfaketime.so.1';
plan skip_all => 'libfaketime is not installed (scripts/deps.sh test)' unless $faketime;
# An httpd with both ASan's runtime and libfaketime preloaded hangs before
# it writes a line (seen: 7 minutes); under make test-asan the windows are
# the unit tests' (t/unit/test_tz.c, test_dates.c), run sanitized there.
plan skip_all => 'libfaketime and the ASan runtime deadlock in one httpd'
    if $ENV{DASH_SANITIZED};

# The suite's MPM of this pass: prefork's child processes and event's
# threads must all read the zone the same way.
my $mpm = Apache::Test::config()->{server}{mpm} // 'event';

my $u = 'report-tz-user';
my $ch = 'UCreportTz';
my $tok = "ya29.test-$u-$ch";
clear_user($u);
# The token never expires in any faked year; uploads long ago, so the
# channel has uploads whatever "today" is.
add_account($u, $ch, access_token => $tok, token_expires_at => '2999-01-01 00:00:00');
add_video($u, $ch, 'tzvid0001', '2020-01-05 12:00:00');
add_video($u, $ch, 'tzvid0002', '2019-06-05 12:00:00');

my $pg = "host=127.0.0.1 port=$ENV{DASH_PG_PORT} dbname=dashboard user=$ENV{DASH_PG_MODULE_USER} connect_timeout=2";
my $ua = LWP::UserAgent->new(timeout => 30, keep_alive => 0);

# An httpd whose clock reads $instant (UTC, "YYYY-MM-DD HH:MM:SS") when it
# starts, and runs on from there: a relative offset, so that every process
# and thread of it agrees and timeouts still work.
sub stats_at {
    my (%a) = @_;
    my ($y, $mo, $d, $h, $mi, $s) = $a{instant} =~ /(\d+)/g;
    my $offset = timegm($s, $mi, $h, $d, $mo - 1, $y) - time;
    my $zone = defined $a{zone} ? "DashboardReportTimeZone $a{zone}\n" : '';
    my $httpd = Dash::OwnHttpd::start(
        name => 'report-tz', mpm => $mpm, loglevel => 'warn',
        env => { LD_PRELOAD => $faketime, FAKETIME => sprintf('%+d', $offset),
                 FAKETIME_DONT_FAKE_MONOTONIC => 1, TZ => $a{tz} },
        # No Redis: a stored value would carry a faked fetchedAt.
        server => <<"CONF");
DBDriver pgsql
DBDParams "$pg"
DashboardAnalyticsURL $ENV{DASH_GOOGLE_URL}/v2/reports
DashboardTokenURL $ENV{DASH_GOOGLE_URL}/token
DashboardUpstreamTimeout 5000
$zone
CONF
    google_reset();
    my $res = $ua->get("$httpd->{base}/dashboard/stats?mode=$a{mode}",
                       Authorization => 'Basic ' . encode_base64("$u:x", ''));
    my @reqs = grep { $_->{path} eq '/v2/reports' } @{ requests() };
    my $log = Dash::OwnHttpd::log_text($httpd);
    $httpd->{stop}->();
    return ($res, \@reqs, $log);
}

# Each case: the instant (UTC), the server's TZ, the zone directive (undef:
# the default), the mode, and the day that is "today".
my @cases = (
    # Spring forward, Sunday 2026-03-08 02:00 PST = 10:00 UTC: the Pacific
    # day begins at 08:00 UTC, and the next at 07:00 UTC.
    [ '2026-03-08 07:50:00', 'day',   '2026-03-07', 'the evening before the spring change' ],
    [ '2026-03-08 08:10:00', 'day',   '2026-03-08', 'the day of the spring change begins' ],
    [ '2026-03-09 06:50:00', 'day',   '2026-03-08', 'the 23-hour day, near its end' ],
    [ '2026-03-09 07:10:00', 'day',   '2026-03-09', 'the first whole day of summer time' ],
    # Fall back, Sunday 2026-11-01 02:00 PDT = 09:00 UTC: that day begins at
    # 07:00 UTC and lasts 25 hours, to 08:00 UTC.
    [ '2026-11-01 06:50:00', 'day',   '2026-10-31', 'the evening before the fall change' ],
    [ '2026-11-02 07:50:00', 'day',   '2026-11-01', 'the 25-hour day, in its last hour' ],
    [ '2026-11-02 08:10:00', 'day',   '2026-11-02', 'the first whole day of standard time' ],
    # A month end: already April in Seoul and in UTC, still March here.
    [ '2026-04-01 06:50:00', 'month', '2026-03-31', 'the last evening of March' ],
    [ '2026-04-01 07:10:00', 'month', '2026-04-01', 'the first of April' ],
    # Feb 29: the leap day, and the day after it.
    [ '2024-03-01 07:50:00', 'month', '2024-02-29', 'the leap day, late' ],
    [ '2024-03-02 08:10:00', 'month', '2024-03-02', 'kpi_end on the leap day' ],
    [ '2024-03-02 08:10:00', 'day',   '2024-03-02', 'kpi_end on the leap day, day mode' ],
);

for my $tz ('Asia/Seoul', 'UTC') {
    for my $c (@cases) {
        my ($instant, $mode, $today, $what) = @$c;
        my $tag = "$what ($instant UTC, TZ=$tz, $mode)";
        my ($res, $reqs, $log) = stats_at(instant => $instant, tz => $tz, mode => $mode);
        is $res->code, 200, "$tag: 200" or diag $res->content, $log;
        is scalar(@$reqs), 4, "$tag: 4 Analytics calls";
        my $w = windows($today, $mode);
        my ($series) = grep { ($_->{params}{dimensions} // '') eq 'day' } @$reqs;
        my ($top) = grep { ($_->{params}{dimensions} // '') eq 'video' } @$reqs;
        is_deeply [ map { $_->{params}{startDate} . '..' . $_->{params}{endDate} } grep { defined } $series, $top ],
                  [ "$w->{prev_start}..$w->{kpi_end}", "$w->{start}..$w->{kpi_end}" ],
                  "$tag: today is $today in Los Angeles (kpi_end $w->{kpi_end})";
    }
}

# A zone given explicitly, and "local": the server's own day, as the
# original took it (01:00 on the 20th in Seoul; the 19th in Los Angeles).
{
    my ($res, $reqs) = stats_at(instant => '2026-02-19 16:00:00', tz => 'Asia/Seoul',
                                zone => 'local', mode => 'day');
    my ($series) = grep { ($_->{params}{dimensions} // '') eq 'day' } @$reqs;
    is $res->code, 200, 'local: 200';
    is $series && $series->{params}{endDate}, '2026-02-18',
        "local, 01:00 on the 20th in Seoul: kpi_end is Seoul's today - 2";
    ($res, $reqs) = stats_at(instant => '2026-02-19 16:00:00', tz => 'Asia/Seoul',
                             zone => 'America/Los_Angeles', mode => 'day');
    ($series) = grep { ($_->{params}{dimensions} // '') eq 'day' } @$reqs;
    is $series && $series->{params}{endDate}, '2026-02-17',
        'America/Los_Angeles given, the same instant: the Pacific day, the 19th, - 2';
    ($res, $reqs) = stats_at(instant => '2026-02-19 16:00:00', tz => 'UTC',
                             zone => 'Asia/Seoul', mode => 'day');
    ($series) = grep { ($_->{params}{dimensions} // '') eq 'day' } @$reqs;
    is $series && $series->{params}{endDate}, '2026-02-18',
        'Asia/Seoul given on a UTC server: the 20th in Seoul, - 2';
}

done_testing();
