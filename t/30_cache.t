# DELETE /dashboard/cache (docs/api.md#cache-purge, docs/api.md#errors,
# docs/differences.md#differences-from-the-original-service): own entries by
# mode, the user_uuid rules with and without DashboardCacheAdmin, glob
# characters in user names taken literally, keys that are never deleted, and
# the errors.
use strict;
use warnings FATAL => 'all';

use Apache::Test ();

use Test::More;
use lib 't/lib';
use Dash::Test;
use JSON::PP ();
use URI::Escape qw(uri_escape);


# ---- the seeded key space ------------------------------------------------

# Users whose names are glob patterns, and users those patterns would
# match if taken as globs.
my @users = ('cache-u1', 'cache-u2', 'cache-u1x', '*', 'a?c', 'abc', 'axc',
             'a[b]c', 'a\\b', 'ab', 'a\\\\b', 'x*');
my @channels = ('UCcacheOne', 'UCcacheTwo');
my @modes = ('day', 'month');
# Many keys of one more user, so SCAN needs several rounds.
my @bulk = map { sprintf 'UCbulk%04d', $_ } 1 .. 1500;

sub dash_keys {
    my ($user, $mode) = @_;
    my @chs = $user eq 'cache-bulk' ? @bulk : @channels;
    return map { my $c = $_; map { "dashboard:$user:$c:$_" } ($mode eq 'all' ? @modes : $mode) } @chs;
}
my @all_users = (@users, 'cache-bulk');

# Keys that no DELETE may remove.
my @never = ('dashboard:other', 'dashboard:cache-u1',
             'other:cache-u1:UCcacheOne:month', 'Dashboard:cache-u1:UCcacheOne:day',
             (map { ("dashboard:$_:UCcacheOne:month:lock", "dashboard:$_:UCcacheTwo:day:lock") } @all_users),
             # The fetch budgets (docs/behaviour.md#fetch-budget): a purge never resets them.
             (map { "dashboard:$_:fetches" } @all_users));

my %seeded;
sub seed {
    flush_redis();
    %seeded = ();
    for my $k ((map { dash_keys($_, 'all') } @all_users), @never) {
        redis()->set($k, '{"response":{}}', sub {});      # pipelined
        $seeded{$k} = 1;
    }
    redis()->wait_all_responses;
    # A lock key the way docs/behaviour.md#stale-answers-and-single-flight
    # writes it: with an expiry.
    redis()->set('dashboard:cache-u1:UCcacheOne:day:lock', '1', 'PX', 600000);
    $seeded{'dashboard:cache-u1:UCcacheOne:day:lock'} = 1;
}

# The keys now in Redis equal the seeded ones minus @gone.
sub left_is {
    my ($gone, $name) = @_;
    my %want = %seeded;
    delete @want{@$gone};
    my @have = sort { $a cmp $b } redis()->keys('*');
    is_deeply \@have, [ sort { $a cmp $b } keys %want ], $name;
}

sub del {
    my ($path, %o) = @_;
    my $res = call('DELETE', $path, %o);
    return ($res, json_of($res));
}

sub q_user { return 'user_uuid=' . uri_escape($_[0], '^A-Za-z0-9._~-'); }

# A successful purge: 200, {deletedCount: N, message: "…"}, and what is left.
sub purged {
    my ($res, $j, $n, $gone, $name) = @_;
    is $res->code, 200, "$name: 200" or diag $res->content;
    is $res->header('Content-Type'), $JSON_TYPE, "$name: JSON";
    is $res->header('Cache-Control'), 'private, no-store', "$name: not cacheable";
    my $h = ref $j eq 'HASH' ? $j : {};
    is_deeply [ sort keys %$h ], [qw(deletedCount message)], "$name: body is {deletedCount, message}";
    is $h->{deletedCount}, $n, "$name: deletedCount $n";
    like $res->content, qr/"deletedCount":\d+[,}]/, "$name: deletedCount is a JSON integer";
    ok is_json_string($h->{message}), "$name: message is a string";
    left_is($gone, "$name: exactly those keys are gone");
}

my ($res, $j);

# ---- own entries, DashboardCacheAdmin Off --------------------------------

for my $mode ('day', 'month') {
    seed();
    ($res, $j) = del("/dashboard/cache?mode=$mode", user => 'cache-u1');
    purged($res, $j, 2, [ dash_keys('cache-u1', $mode) ], "own, mode=$mode");
    ($res, $j) = del("/dashboard/cache?mode=$mode", user => 'cache-u1');
    purged($res, $j, 0, [ dash_keys('cache-u1', $mode) ], "own, mode=$mode again");
}
for my $q ('', '?mode=all', '?' . q_user('cache-u1'), '?mode=all&' . q_user('cache-u1')) {
    seed();
    ($res, $j) = del("/dashboard/cache$q", user => 'cache-u1');
    purged($res, $j, 4, [ dash_keys('cache-u1', 'all') ], "own, '$q'");
}
seed();
($res, $j) = del('/dashboard/cache?mode=day&' . q_user('cache-u1'), user => 'cache-u1');
purged($res, $j, 2, [ dash_keys('cache-u1', 'day') ], 'own by user_uuid, mode=day');

seed();
($res, $j) = del('/dashboard/cache', user => 'cache-bulk');
purged($res, $j, 3000, [ dash_keys('cache-bulk', 'all') ], 'own, 3000 entries (SCAN to the end)');
seed();
($res, $j) = del('/dashboard/cache?mode=month', user => 'cache-bulk');
purged($res, $j, 1500, [ dash_keys('cache-bulk', 'month') ], 'own, 1500 month entries');

# Glob characters in the caller's own name are literal.
for my $u ('*', 'a?c', 'a[b]c', 'a\\b', 'x*') {
    seed();
    ($res, $j) = del('/dashboard/cache', user => $u);
    purged($res, $j, 4, [ dash_keys($u, 'all') ], "own, user named '$u'");
    seed();
    ($res, $j) = del('/dashboard/cache?mode=month', user => $u);
    purged($res, $j, 2, [ dash_keys($u, 'month') ], "own, user named '$u', mode=month");
}

# Another user's entries: 403, nothing deleted.
seed();
for my $other ('cache-u2', '*', 'cache-u1x', 'cache-u', 'CACHE-U1') {
    ($res, $j) = del('/dashboard/cache?' . q_user($other), user => 'cache-u1');
    is_error($res, 403, 'FORBIDDEN', "user_uuid=$other by cache-u1");
    left_is([], "user_uuid=$other by cache-u1: nothing deleted");
}
($res, $j) = del('/dashboard/cache?mode=day&' . q_user('cache-u2'), user => 'cache-u1');
is_error($res, 403, 'FORBIDDEN', 'user_uuid=cache-u2&mode=day by cache-u1');
left_is([], 'user_uuid=cache-u2&mode=day: nothing deleted');

# ---- errors --------------------------------------------------------------

seed();
for my $path ('/open/cache', '/open/cache?mode=all', '/open/cache?' . q_user('cache-u1')) {
    ($res, $j) = del($path);
    is_error($res, 401, 'UNAUTHENTICATED', "no r->user: $path");
}
left_is([], 'no r->user: nothing deleted');

for my $m (qw(GET POST PUT)) {
    $res = call($m, '/dashboard/cache', user => 'cache-u1');
    is_error($res, 405, 'METHOD_NOT_ALLOWED', "$m /dashboard/cache");
    is $res->header('Allow'), 'DELETE', "$m /dashboard/cache: Allow DELETE";
}
$res = call('GET', '/admin/cache', user => 'cache-u1');
is_error($res, 405, 'METHOD_NOT_ALLOWED', 'GET /admin/cache');
is $res->header('Allow'), 'DELETE', 'GET /admin/cache: Allow DELETE';
left_is([], 'other methods: nothing deleted');

for my $q ('mode=week', 'mode=', 'mode=DAY', 'mode=All', 'mode=%00') {
    ($res, $j) = del("/dashboard/cache?$q", user => 'cache-u1');
    is_error($res, 400, 'INVALID_PARAMETER', "DELETE ?$q");
    ($res, $j) = del("/admin/cache?$q", user => 'cache-u1');
    is_error($res, 400, 'INVALID_PARAMETER', "DELETE /admin/cache?$q");
}
left_is([], 'bad mode: nothing deleted');

my $u128 = 'u' x 128;
for my $case (['user_uuid=', 'empty user_uuid'],
              ['user_uuid=' . ('u' x 129), '129-byte user_uuid'],
              ['user_uuid=cache%01u1', 'user_uuid with %01'],
              ['user_uuid=cache%0Au1', 'user_uuid with %0A'],
              ['user_uuid=cache%7Fu1', 'user_uuid with %7F'],
              ['user_uuid=cache%09u1', 'user_uuid with %09']) {
    ($res, $j) = del("/admin/cache?$case->[0]", user => 'cache-u1');
    is_error($res, 400, 'INVALID_PARAMETER', "/admin/cache: $case->[1]");
}
($res, $j) = del('/dashboard/cache?user_uuid=', user => 'cache-u1');
is_error($res, 400, 'INVALID_PARAMETER', '/dashboard/cache: empty user_uuid');
($res, $j) = del('/dashboard/cache?user_uuid=cache-u1%00x', user => 'cache-u1');
is_error($res, 400, 'INVALID_PARAMETER', '/dashboard/cache: own name, %00, more');
($res, $j) = del('/admin/cache?user_uuid=cache-u1%00', user => 'operator');
is_error($res, 400, 'INVALID_PARAMETER', '/admin/cache: a name and %00');
left_is([], 'bad user_uuid: nothing deleted');
($res, $j) = del("/admin/cache?user_uuid=$u128", user => 'cache-u1');
purged($res, $j, 0, [], '/admin/cache: 128-byte user_uuid is valid');

($res, $j) = del('/dashboard/cache', user => 'cache-u1', module => 'dash_nocache');
is_error($res, 503, 'CACHE_UNAVAILABLE', 'no Redis: 503');
($res, $j) = del('/admin/cache', user => 'cache-u1', module => 'dash_nocache');
is_error($res, 503, 'CACHE_UNAVAILABLE', 'no Redis, admin: 503');
left_is([], 'no Redis configured: nothing deleted');

# ---- DashboardCacheAdmin On ----------------------------------------------

for my $u (@users) {
    seed();
    ($res, $j) = del('/admin/cache?' . q_user($u), user => 'operator');
    purged($res, $j, 4, [ dash_keys($u, 'all') ], "admin: user_uuid='$u'");
}
seed();
($res, $j) = del('/admin/cache?mode=day&' . q_user('*'), user => 'operator');
purged($res, $j, 2, [ dash_keys('*', 'day') ], "admin: user_uuid='*', mode=day");
seed();
($res, $j) = del('/admin/cache?mode=month&' . q_user('a[b]c'), user => 'operator');
purged($res, $j, 2, [ dash_keys('a[b]c', 'month') ], "admin: user_uuid='a[b]c', mode=month");
seed();
($res, $j) = del('/admin/cache?' . q_user('nobody-here'), user => 'operator');
purged($res, $j, 0, [], 'admin: a user without entries');
seed();
($res, $j) = del('/admin/cache', user => 'cache-u1');
my @every = map { dash_keys($_, 'all') } @all_users;
purged($res, $j, scalar(@every), \@every, 'admin: no user_uuid = every user, locks and others kept');
for my $mode (qw(day month)) {
    seed();
    ($res, $j) = del("/admin/cache?mode=$mode", user => 'operator');
    my @m = map { dash_keys($_, $mode) } @all_users;
    purged($res, $j, scalar(@m), \@m, "admin: no user_uuid, mode=$mode");
}
seed();
($res, $j) = del('/admin/cache?mode=all', user => 'operator');
purged($res, $j, scalar(@every), \@every, 'admin: no user_uuid, mode=all');

# ---- a real stats entry --------------------------------------------------

my $u = 'cache-real';
my $ch = 'UCcacheReal';
clear_user($u);
add_account($u, $ch);
my $today = today_report();
add_video($u, $ch, 'cachereal01', add_days($today, -5) . ' 10:00:00');
add_video($u, $ch, 'cachereal02', add_days($today, -15) . ' 10:00:00');
flush_redis();
google_reset();
for my $mode (qw(month day)) {
    ($res) = get_json("/dashboard/stats?mode=$mode", user => $u);
    is $res->header('X-Dashboard-Cache'), 'miss', "real entry ($mode): first a miss";
    ($res) = get_json("/dashboard/stats?mode=$mode", user => $u);
    is $res->header('X-Dashboard-Cache'), 'hit', "real entry ($mode): then a hit";
}
is counters()->{reports}, 8, 'real entries: 4 calls per mode';
($res, $j) = del('/dashboard/cache?mode=day', user => $u);
is $res->code, 200, 'real entry: DELETE mode=day 200';
is $j->{deletedCount}, 1, 'real entry: one day entry deleted';
ok !redis()->exists("dashboard:$u:$ch:day"), 'real entry: day key gone';
ok redis()->exists("dashboard:$u:$ch:month"), 'real entry: month key kept';
google_reset();
($res) = get_json('/dashboard/stats?mode=month', user => $u);
is $res->header('X-Dashboard-Cache'), 'hit', 'real entry: month still a hit';
($res) = get_json('/dashboard/stats?mode=day', user => $u);
is $res->header('X-Dashboard-Cache'), 'miss', 'real entry: day a miss again';
is counters()->{reports}, 4, 'real entry: the day miss called Google again';
($res, $j) = del('/dashboard/cache', user => $u);
is $j->{deletedCount}, 2, 'real entry: DELETE all deletes both modes';
google_reset();
for my $mode (qw(month day)) {
    ($res) = get_json("/dashboard/stats?mode=$mode", user => $u);
    is $res->code, 200, "real entry ($mode): 200 after the purge";
    is $res->header('X-Dashboard-Cache'), 'miss', "real entry ($mode): a miss after the purge";
}
is counters()->{reports}, 8, 'real entry: both refetched';

done_testing();
