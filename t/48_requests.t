# Requests a logged-in user can shape (docs/api.md#errors,
# docs/api.md#headers): a repeated query parameter is 400
# INVALID_PARAMETER, never "the last one wins"; Range is ignored on the
# API (no 206); refused purges are logged at info, so one user cannot
# flood the error log with warnings.
use strict;
use warnings FATAL => 'all';

use Apache::Test ();

use Test::More;
use lib 't/lib';
use Dash::Test;

my $today = today_report();
my $u = 'requests-user-0001';
my $other = 'requests-user-0002';
my $ch = 'UCrequests00000000001';
my $key = "dashboard:$u:$ch:month";

clear_user($u);
add_account($u, $ch);
add_video($u, $ch, "requests$_", add_days($today, -3 - 8 * $_) . ' 10:00:00') for 0 .. 2;
google_reset();
my ($first) = get_json('/dashboard/stats', user => $u);
is $first->code, 200, 'stats: 200';
ok redis()->exists($key), 'the answer is cached';

# ---- repeated parameters ------------------------------------------------------

for my $q ('mode=day&mode=month', 'mode=month&mode=month', "platform_user_id=$ch&platform_user_id=$ch",
           'mode=day&Mode=day', 'mo%64e=day&mode=day') {
    is_error(call('GET', "/dashboard/stats?$q", user => $u), 400, 'INVALID_PARAMETER',
             "stats ?$q");
}
for my $q ("user_uuid=$other&user_uuid=$u", "user_uuid=$u&user_uuid=$u", 'mode=all&mode=day') {
    is_error(call('DELETE', "/dashboard/cache?$q", user => $u), 400, 'INVALID_PARAMETER',
             "purge ?$q");
}
ok redis()->exists($key), 'no repeated-parameter purge deleted anything';
is call('DELETE', "/dashboard/cache?user_uuid=$u&mode=all", user => $u)->code, 200,
    'the same purge without the repeat: 200';
ok !redis()->exists($key), '... and it purged';

# ---- Range is ignored ------------------------------------------------------------

my ($full) = get_json('/dashboard/stats', user => $u);
ok !defined $full->header('Accept-Ranges'), 'no Accept-Ranges offered';
for my $h ([ Range => 'bytes=0-9' ], [ Range => 'bytes=-5' ], [ Range => 'bytes=0-9,20-29' ],
           [ 'Request-Range' => 'bytes=0-9' ]) {
    my $tag = "$h->[0]: $h->[1]";
    for my $path ('/dashboard/stats', '/dashboard/accounts') {
        my $res = call('GET', $path, user => $u, headers => { @$h });
        is $res->code, 200, "$path, $tag: 200, not 206";
        ok !defined $res->header('Content-Range'), "$path, $tag: no Content-Range";
        like $res->header('Content-Type'), qr{^application/json}, "$path, $tag: the JSON answer";
    }
    is call('GET', '/dashboard/stats', user => $u, headers => { @$h })->content, $full->content,
        "stats, $tag: the whole body";
}

# ---- refused purges: info, not a warning each ---------------------------------

my $offset = -s error_log();
for (1 .. 30) {
    my $res = call('DELETE', "/dashboard/cache?user_uuid=$other", user => $u);
    $res->code == 403 or is $res->code, 403, 'refused purge: 403';
}
my $log = log_since($offset);
my @lines = $log =~ /^.*DASH0602.*$/mg;
is scalar(@lines), 30, '30 refused purges: one DASH0602 line each (LogLevel dashboard:debug here)';
is scalar(grep { !/\[dashboard:info\]/ } @lines), 0, '... all at info';
unlike $log, qr/\[dashboard:(warn|error)\]/, 'no warning or error from the module meanwhile';

done_testing();
