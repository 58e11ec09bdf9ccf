# Answers docs/openapi.yaml describes that no other test provokes, so that
# each documented (path, method, status) is seen at least once by the suite
# (scripts/check-openapi.py fails a whole run otherwise):
# - HEAD answers like GET without the body, errors included
#   (docs/api.md): stats 304, 400, 401, 404, 429, 502, 503, 504; accounts
#   401, 503;
# - every other method of a handler is 405 METHOD_NOT_ALLOWED with Allow.
use strict;
use warnings FATAL => 'all';

use Test::More;
use lib 't/lib';
use Dash::Test;

my $today = today_report();
my ($u, $ch) = ('head-user', 'UCheadUser');
clear_user($u);
clear_user('head-nobody');
add_account($u, $ch);
add_video($u, $ch, "head$_", add_days($today, -3 - 9 * $_) . ' 08:00:00') for 0 .. 2;
flush_redis();
google_reset();

# Stored answers go, fetch budgets stay.
sub drop_answers {
    my @keys = grep { !/:fetches$/ } redis()->keys('dashboard:*');
    redis()->del(@keys) if @keys;
}

# The GET's status and code, then HEAD: the same status, no body, the
# same Content-Type.
sub head_like_get {
    my ($path, $status, $code, $name, %o) = @_;
    my $get = call('GET', $path, %o);
    is $get->code, $status, "$name: GET $status";
    is json_of($get) && json_of($get)->{code}, $code, "$name: GET $code" if defined $code;
    drop_answers();
    my $head = call('HEAD', $path, %o);
    is $head->code, $status, "$name: HEAD $status";
    is length($head->content // ''), 0, "$name: HEAD has no body";
    is $head->header('Content-Type'), $get->header('Content-Type'),
        "$name: HEAD has GET's Content-Type" if $status != 304;
    return $head;
}

# ---- HEAD, every documented error of stats and accounts ------------------

head_like_get('/dashboard/stats?mode=week', 400, 'INVALID_PARAMETER', 'bad mode', user => $u);
head_like_get('/open/stats', 401, 'UNAUTHENTICATED', 'stats without a user');
head_like_get('/open/accounts', 401, 'UNAUTHENTICATED', 'accounts without a user');
head_like_get('/dashboard/stats', 404, 'YOUTUBE_NOT_CONNECTED', 'no channel', user => 'head-nobody');
head_like_get('/dashboard/stats', 503, 'DATABASE_UNAVAILABLE', 'stats without a database',
              user => $u, module => 'dash_nodb');
head_like_get('/dashboard/accounts', 503, 'DATABASE_UNAVAILABLE', 'accounts without a database',
              user => $u, module => 'dash_nodb');

google('POST', '/_control/fault', { target => 'reports', status => 500 });
head_like_get('/dashboard/stats', 502, 'YOUTUBE_API_ERROR', 'Google failing', user => $u);
google_reset();

# Past the fetch budget of dash_budget (3 an hour), with no stored answer.
{
    my ($ub, $chb) = ('head-budget', 'UCheadBudget');
    clear_user($ub);
    add_account($ub, $chb);
    add_video($ub, $chb, 'headbudget0', add_days($today, -3) . ' 08:00:00');
    redis()->del("dashboard:$ub:fetches");
    for my $n (1 .. 3) {
        drop_answers();
        is call('GET', '/dashboard/stats', user => $ub, module => 'dash_budget')->code, 200,
            "budget: fetch $n of 3";
    }
    drop_answers();
    my $head = head_like_get('/dashboard/stats', 429, 'RATE_LIMITED', 'past the fetch budget',
                             user => $ub, module => 'dash_budget');
    ok defined $head->header('Retry-After'), 'past the fetch budget: HEAD has Retry-After';
}

# Past the suite's DashboardUpstreamTimeout (2000 ms).
google('POST', '/_control/delay', { ms => 3000 });
head_like_get('/dashboard/stats', 504, 'YOUTUBE_API_TIMEOUT', 'Google too slow', user => $u);
google_reset();

{
    flush_redis();
    my $get = call('GET', '/dashboard/stats', user => $u);
    is $get->code, 200, 'stats 200';
    my $etag = $get->header('ETag');
    ok defined $etag, 'stats: an ETag';
    my $head = call('HEAD', '/dashboard/stats', user => $u,
                    headers => { 'If-None-Match' => $etag // '"none"' });
    is $head->code, 304, 'HEAD with the ETag: 304';
    is length($head->content // ''), 0, 'HEAD 304: no body';
}

# ---- 405 with Allow for every other method ----------------------------------

for my $case (['/dashboard/stats', 'GET, HEAD', [qw(OPTIONS PATCH)]],
              ['/dashboard/cache', 'DELETE', [qw(HEAD OPTIONS PATCH)]],
              ['/dashboard-metrics', 'GET, HEAD', [qw(PUT DELETE OPTIONS PATCH)]]) {
    my ($path, $allow, $methods) = @$case;
    for my $m (@$methods) {
        my $res = call($m, $path, user => $u);
        if ($m eq 'HEAD') {
            is $res->code, 405, "HEAD $path: 405";
            is length($res->content // ''), 0, "HEAD $path: no body";
        }
        else {
            is_error($res, 405, 'METHOD_NOT_ALLOWED', "$m $path");
        }
        is $res->header('Allow'), $allow, "$m $path: Allow: $allow";
    }
}

done_testing();
