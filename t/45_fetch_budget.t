# The per-user fetch budget (docs/behaviour.md#fetch-budget), on the
# dash_budget hosts (DashboardUserFetchLimit 3 3600): a purge-and-reload
# loop spends at most one budget's fetches per window, on one httpd and on
# two sharing Redis; past the budget a miss is 429 RATE_LIMITED with
# Retry-After, or its expired value as stale; hits are never limited;
# purges do not reset it; without Redis (off or down) each child counts;
# the refusals are counted (docs/metrics.md) and logged at info.
use strict;
use warnings FATAL => 'all';

use Apache::Test ();

use Test::More;
use JSON::PP ();
use HTTP::Request ();
use LWP::UserAgent ();
use MIME::Base64 qw(encode_base64);
use lib 't/lib';
use Dash::Test;
use Dash::Httpd2;

my $redis_down = 0;
END { eval { stack('redis-start') } if $redis_down; }

my $LIMIT = 3;            # dash_budget's DashboardUserFetchLimit
my $WINDOW = 3600;
my $CACHE_TTL = 600;      # DashboardCacheTTL of t/conf/extra.conf.in
my $codec = JSON::PP->new->utf8->canonical;
my $today = today_report();
my $ch = 'UCbudget0000000000001';

sub user_with_uploads {
    my ($u) = @_;
    clear_user($u);
    add_account($u, $ch);
    add_video($u, $ch, "budget$_", add_days($today, -3 - 9 * $_) . ' 08:00:00') for 0 .. 2;
    redis()->del("dashboard:$u:fetches");
    return $u;
}

sub stats  { my ($u, %o) = @_; return call('GET', '/dashboard/stats', user => $u, module => 'dash_budget', %o); }
sub purge  { my ($u, %o) = @_; return call('DELETE', '/dashboard/cache', user => $u, module => 'dash_budget', %o); }
sub reports { return counters()->{reports}; }

# How many report calls one fetch makes, measured on a user of its own.
google_reset();
my $probe = user_with_uploads('budget-probe-0001');
is stats($probe)->code, 200, 'probe: 200';
my $PER_FETCH = reports();
ok $PER_FETCH >= 1, "one fetch makes $PER_FETCH report calls";

sub refused_ok {
    my ($res, $tag) = @_;
    is_error($res, 429, 'RATE_LIMITED', $tag);
    my $ra = $res->header('Retry-After') // '';
    ok $ra =~ /^\d+$/ && $ra >= 1 && $ra <= $WINDOW,
        "$tag: Retry-After is the rest of the window ($ra s)";
}

# ---- one host: purge and reload ---------------------------------------------

my $u = user_with_uploads('budget-user-0001');
my $key = "dashboard:$u:$ch:month";
google_reset();
my $m0 = metrics(module => 'dash_budget');
my $offset = -s error_log();
my (%seen, @refusals);
for my $i (1 .. 10) {
    my $p = purge($u);
    is $p->code, 200, "loop $i: purge 200";
    my $res = stats($u);
    $seen{ $res->code . ' ' . ($res->header('X-Dashboard-Cache') // '-') }++;
    push @refusals, $res if $res->code == 429;
}
is_deeply \%seen, { '200 miss' => $LIMIT, '429 -' => 10 - $LIMIT },
    "ten purge-and-reloads: $LIMIT misses, then 429"
    or diag explain \%seen;
is reports(), $LIMIT * $PER_FETCH, "one host: Google called for $LIMIT fetches only";
refused_ok($refusals[0], 'budget spent, nothing cached');
refused_ok($refusals[-1], 'budget spent, the last try');
ok !defined redis()->get($key), 'a refusal caches nothing';
my $m1 = metrics(module => 'dash_budget');
is metric_delta($m0, $m1, 'mod_dashboard_fetch_budget_refusals_total', answer => 'rate_limited'),
    10 - $LIMIT, 'metrics: every 429 counted as a budget refusal';
is metric_delta($m0, $m1, 'mod_dashboard_requests_total', endpoint => 'stats', status => 429),
    10 - $LIMIT, 'metrics: requests_total counts the 429s';
my $log = log_since($offset);
my @lines = $log =~ /^.*DASH0540.*$/mg;
is scalar(@lines), 10 - $LIMIT, 'each refusal is logged once (DASH0540)';
is scalar(grep { !/\[dashboard:info\]/ } @lines), 0, 'at info, not a warning flood';

# ---- hits are never limited; an expired value answers stale ----------------

my $other = user_with_uploads('budget-user-0002');
my $okey = "dashboard:$other:$ch:month";
is stats($other)->header('X-Dashboard-Cache'), 'miss', 'a fresh user: miss';
my $stored = redis()->get($okey);
ok defined $stored, 'the value is stored';
redis()->set("dashboard:$other:fetches", $LIMIT, 'EX', $WINDOW);   # spent
google_reset();
for my $i (1 .. 5) {
    my $res = stats($other);
    is $res->code . ' ' . ($res->header('X-Dashboard-Cache') // '-'), '200 hit',
        "budget spent, value fresh: hit $i";
}
my $v = $codec->decode($stored);
$v->{fetchedAt} -= $CACHE_TTL + 60;
redis()->set($okey, $codec->encode($v), 'EX', 3600);
$m0 = metrics(module => 'dash_budget');
my $res = stats($other);
is $res->code, 200, 'budget spent, value expired: 200';
is $res->header('X-Dashboard-Cache'), 'stale', 'budget spent, value expired: stale';
is reports(), 0, 'hits and the stale answer called Google never';
$m1 = metrics(module => 'dash_budget');
is metric_delta($m0, $m1, 'mod_dashboard_fetch_budget_refusals_total', answer => 'stale'),
    1, 'metrics: the stale answer counted as a budget refusal';
redis()->del("dashboard:$other:fetches");
is stats($other)->header('X-Dashboard-Cache'), 'miss', 'a new window: the expired value is refetched';

# ---- two hosts sharing Redis ---------------------------------------------------

my $u2 = user_with_uploads('budget-user-0003');
google_reset();
Dash::Httpd2::start();
my %by_host;
my $auth = [ Authorization => 'Basic ' . encode_base64("$u2:pw", '') ];
for my $i (1 .. 12) {
    my $second = $i % 2;
    my @urls = map { url_of($_, module => 'dash_budget') } '/dashboard/cache', '/dashboard/stats';
    @urls = map { Dash::Httpd2::url_of($_) } @urls if $second;
    my $ua = LWP::UserAgent->new(keep_alive => 0, timeout => 30);
    my $p = $ua->request(HTTP::Request->new(DELETE => $urls[0], $auth));
    is $p->code, 200, "two hosts, loop $i: purge 200";
    my $req = HTTP::Request->new(GET => $urls[1], $auth);
    my $r = $ua->request($req);
    Dash::Test::record_response($req, $r);
    $by_host{ ($second ? 'second' : 'first') . ' ' . $r->code }++;
}
Dash::Httpd2::stop();
is(($by_host{'first 200'} // 0) + ($by_host{'second 200'} // 0), $LIMIT,
    "two hosts: $LIMIT fetches between them") or diag explain \%by_host;
ok $by_host{'first 429'} && $by_host{'second 429'}, 'two hosts: both refuse past the budget'
    or diag explain \%by_host;
is reports(), $LIMIT * $PER_FETCH, "two hosts: Google called for $LIMIT fetches only";

# ---- without Redis: each child counts ------------------------------------------

sub per_child_ok {
    my ($tag, $module, $u) = @_;
    my $get = keepalive_stats($module, $u);
    my @got;
    for (1 .. $LIMIT + 2) {
        my ($r) = $get->();
        push @got, $r->code . ' ' . ($r->header('X-Dashboard-Cache') // '-');
        refused_ok($r, "$tag: refused") if $r->code == 429 && @got == $LIMIT + 1;
    }
    is_deeply \@got, [ ('200 bypass') x $LIMIT, ('429 -') x 2 ],
        "$tag: one child lets $LIMIT fetches through, then 429";
}

google_reset();
per_child_ok('Redis off', 'dash_budget_nocache', user_with_uploads('budget-user-0004'));
is reports(), $LIMIT * $PER_FETCH, 'Redis off: Google called for the allowed fetches only';

my $u5 = user_with_uploads('budget-user-0005');
stack('redis-stop');
$redis_down = 1;
google_reset();
per_child_ok('Redis down', 'dash_budget', $u5);
stack('redis-start');
$redis_down = 0;

done_testing();
