# Opening a database connection is bounded too
# (docs/behaviour.md#protecting-the-host-site): mod_dbd connects with
# libpq's blocking PQconnectdb, which against a server that accepts the
# connection and never answers (a frozen postmaster, a stalled proxy)
# waits for as long as that lasts unless connect_timeout is set. Without
# one in DBDParams, libpq's PGCONNECT_TIMEOUT bounds it: the site's own
# when httpd's environment has it, else the module's, DashboardDBTimeout
# in whole seconds (at least 2).
#
# Runs its own httpd (under the MPM of the suite's pass) whose DBDParams,
# without connect_timeout, name a port that accepts and never answers.
use strict;
use warnings FATAL => 'all';

use Apache::Test ();

use Test::More;
use IO::Socket::INET ();
use LWP::UserAgent ();
use MIME::Base64 qw(encode_base64);
use JSON::PP ();
use Time::HiRes qw(time);
use lib 't/lib';
use Dash::Test;
use Dash::OwnHttpd ();

my $mpm = Apache::Test::config()->{server}{mpm} // 'event';

# Takes connections into its backlog and never says a word: what a frozen
# Postgres looks like to a new connection.
my $stalled = IO::Socket::INET->new(Listen => 128, LocalAddr => '127.0.0.1',
                                    LocalPort => 0, Proto => 'tcp')
    or die "socket: $!";
my $stall_port = $stalled->sockport;

my $ua = LWP::UserAgent->new(timeout => 40, keep_alive => 0);

# An httpd whose database is the stalled port, with DBDParams that set no
# connect_timeout; env is what its environment has of PGCONNECT_TIMEOUT.
sub start_httpd {
    my (%env) = @_;
    return Dash::OwnHttpd::start(
        name => 'dbconnect', mpm => $mpm, loglevel => 'warn dashboard:info',
        env => { PGCONNECT_TIMEOUT => undef, %env },
        server => <<"CONF");
DBDriver pgsql
DBDParams "host=127.0.0.1 port=$stall_port dbname=dashboard user=dashboard"
DashboardDBTimeout 1000
DashboardAnalyticsURL $ENV{DASH_GOOGLE_URL}/v2/reports
DashboardTokenURL $ENV{DASH_GOOGLE_URL}/token
CONF
}

sub timed_get {
    my ($base, $path) = @_;
    my $t0 = time;
    my $res = $ua->get("$base$path",
        Authorization => 'Basic ' . encode_base64('dbconnect-user:x', ''));
    return ($res, time - $t0);
}

# ---- the module's bound: DashboardDBTimeout 1000 -> PGCONNECT_TIMEOUT=2 --

my $h = start_httpd();
ok $h->{up}, 'httpd started';
like Dash::OwnHttpd::log_text($h),
    qr/DASH0205: PGCONNECT_TIMEOUT=2 \(DashboardDBTimeout\) bounds mod_dbd's connections without connect_timeout/,
    'start-up: the module sets PGCONNECT_TIMEOUT=2 and says so';

# A connection attempt gives up after 2 s, and a request makes at most two
# (docs/behaviour.md#protecting-the-host-site). The first request may also
# wait for its child's own attempt at start-up.
for my $case (['/dashboard/accounts', 'accounts', 12], ['/dashboard/stats', 'stats', 8]) {
    my ($path, $tag, $bound) = @$case;
    my ($res, $took) = timed_get($h->{base}, $path);
    is $res->code, 503, "$tag: 503 while the database does not answer"
        or diag $res->status_line;
    my $j = eval { JSON::PP->new->decode($res->content) } || {};
    is $j->{code}, 'DATABASE_UNAVAILABLE', "$tag: DATABASE_UNAVAILABLE";
    # Two attempts of 2 s each, the rest slack for a loaded machine.
    $bound = time_bound(4, $bound - 4);
    cmp_ok $took, '<', $bound, sprintf('%s: answered within %.1f s (%.2f s)', $tag, $bound, $took);
}
$h->{stop}->();

# ---- the site's own PGCONNECT_TIMEOUT is left alone ----------------------

SKIP: {
    # The same start-up once more costs ~10 s: under the suite's first MPM only.
    skip 'the environment case runs under the event pass', 4 if $mpm ne 'event';
    my $h2 = start_httpd(PGCONNECT_TIMEOUT => 3);
    my $log = Dash::OwnHttpd::log_text($h2);
    like $log, qr/DASH0206: PGCONNECT_TIMEOUT=3 from httpd's environment bounds/,
        "start-up: the environment's PGCONNECT_TIMEOUT is the site's, and kept";
    unlike $log, qr/DASH0205/, 'start-up: the module sets nothing';
    # A stalled connection attempt cannot fail sooner than its timeout.
    my ($res, $took) = timed_get($h2->{base}, '/dashboard/accounts');
    is $res->code, 503, "site's PGCONNECT_TIMEOUT: 503";
    cmp_ok $took, '>=', 3, sprintf("site's PGCONNECT_TIMEOUT: 3 s per attempt, not 2 (%.2f s)", $took);
    $h2->{stop}->();
}

done_testing();
