# GET /dashboard/stats end to end (docs/api.md#stats): the four Analytics calls as
# Google wants them, issued in parallel, and every number of the response
# traced to the Google stand-in's answers; then the cache (docs/behaviour.md#cache).
use strict;
use warnings FATAL => 'all';

use Test::More;
use lib 't/lib';
use Dash::Test;
use Dash::Expect;

my $u = 'stats-user-0001';
my $ch = 'UCstatsMain00000000001';
clear_user($u);
flush_redis();
google_reset();
google('POST', '/_control/channel', { channel => $ch, empty => JSON::PP::false });

my $today = today_report();
my $token = "ya29.test-$u-$ch";
my $acc = add_account($u, $ch, access_token => $token);

# 32 uploads, one every 11 days: more than DashboardMaxVideos (30).
my @uploads;
for my $i (0 .. 31) {
    my $date = add_days($today, -3 - 11 * $i);
    my $id = sprintf 'vid%08d', $i;
    add_video($u, $ch, $id, "$date 10:30:00", "Upload $i");
    push @uploads, { id => $id, title => "Upload $i",
                     date => join('.', split /-/, $date) };
}
my @passed = @uploads[0 .. 29];   # newest first

# The upload counts (docs/behaviour.md#upload-counts), by the windows.
sub counts {
    my ($w) = @_;
    my ($cur, $prev) = (0, 0);
    for my $up (@uploads) {
        (my $d = $up->{date}) =~ tr/./-/;
        $cur++ if $d ge $w->{start} && $d le $w->{kpi_end};
        $prev++ if $d ge $w->{prev_start} && $d le $w->{prev_kpi_end};
    }
    return ($cur, $prev);
}

for my $mode (qw(month day)) {
    google_reset();
    google('POST', '/_control/delay', { ms => 300 });
    my $w = windows($today, $mode);
    my ($cur, $prev) = counts($w);

    my ($res, $j) = get_json("/dashboard/stats?mode=$mode", user => $u);
    is $res->code, 200, "$mode: 200";
    is $res->header('X-Dashboard-Cache'), 'miss', "$mode: cache miss";
    is $res->header('Content-Type'), 'application/json; charset=utf-8', "$mode: JSON";
    is $res->header('Cache-Control'), 'private, no-store', "$mode: not cacheable";

    my $c = counters();
    is $c->{reports}, 4, "$mode: a cold fetch makes exactly 4 Analytics calls";
    is $c->{token}, 0, "$mode: a fresh token is not refreshed";
    cmp_ok $c->{max_in_flight}, '>=', 3, "$mode: the calls ran in parallel ($c->{max_in_flight} at once)";

    # The requests, parameter by parameter.
    my $want = four_queries($w, $mode, map { $_->{id} } @passed);
    my @got = grep { $_->{path} eq '/v2/reports' } @{ requests() };
    is scalar(@got), 4, "$mode: 4 requests logged";
    my %by_name;
    for my $r (@got) {
        is $r->{authorization}, "Bearer $token", "$mode: Bearer token";
        is $r->{status}, 200, "$mode: the stand-in accepted the request";
        my ($name) = grep { my $q = $want->{$_};
                            join("\0", map { "$_=$q->{$_}" } sort keys %$q) eq
                            join("\0", map { "$_=$r->{params}{$_}" } sort keys %{ $r->{params} }) }
                     keys %$want;
        ok defined $name, "$mode: request matches one of the four calls"
            or diag explain $r->{params};
        $by_name{$name} = 1 if defined $name;
    }
    is_deeply [ sort keys %by_name ], [ sort keys %$want ], "$mode: each of the four once";

    # Every number, from the stand-in's own answers.
    my %tables = map { ($_ => stand_in_answer($want->{$_}, $token)) } keys %$want;
    my $expect = expected_response(tables => \%tables, windows => $w, mode => $mode,
                                   videos => \@passed, current => $cur, previous => $prev);
    is_deeply $j, $expect, "$mode: the response is built from the stand-in's data"
        or diag explain { got => $j, expected => $expect };
    is scalar(@{ $j->{ $mode eq 'month' ? 'monthlyData' : 'dailyData' } }),
        $mode eq 'month' ? 12 : 30, "$mode: series length";
    is_deeply $j->{ $mode eq 'month' ? 'dailyData' : 'monthlyData' }, [], "$mode: other series empty";
    cmp_ok scalar(@{ $j->{topContent} }), '==', 4, "$mode: four top videos";
    is $j->{contentMetrics}[7]{value}, $cur, "$mode: uploaded-videos is the current count";
    # The stand-in, like Google, has data through two days before its today.
    like $j->{dataThrough} // '', qr/^\d{4}-\d{2}-\d{2}$/, "$mode: dataThrough is a day";
    ok $j->{dataThrough} le $w->{kpi_end} && $j->{dataThrough} ge $w->{start},
        "$mode: dataThrough ($j->{dataThrough}) is in [start, kpi_end]";
    like $res->content, qr/"uploaded-videos","label":"[^"]+","value":\d+,/,
        "$mode: uploaded-videos value is a JSON number";

    # The cache entry of docs/behaviour.md#cache.
    my $key = "dashboard:$u:$ch:$mode";
    my $raw = redis()->get($key);
    ok defined $raw, "$mode: cached under $key";
    my $cached = JSON::PP->new->decode($raw // '{}');
    is_deeply [ sort keys %$cached ], ['fetchedAt', 'response'],
        "$mode: value is {\"response\": …, \"fetchedAt\": …}";
    my $ttl = redis()->ttl($key);
    # DashboardStaleTTL's default (a week) past DashboardCacheTTL.
    ok $ttl > 600 + 604800 - 10 && $ttl <= 600 + 604800,
        "$mode: TTL is DashboardCacheTTL + DashboardStaleTTL ($ttl)";

    # A hit: no upstream call, same body.
    google_reset();
    my ($res2, $j2) = get_json("/dashboard/stats?mode=$mode", user => $u);
    is $res2->code, 200, "$mode: hit 200";
    is $res2->header('X-Dashboard-Cache'), 'hit', "$mode: cache hit";
    is counters()->{reports}, 0, "$mode: no Analytics call on a hit";
    is_deeply $j2, $j, "$mode: the hit answers the same response";

    # HEAD and conditional GET.
    my $head = call('HEAD', "/dashboard/stats?mode=$mode", user => $u);
    is $head->code, 200, "$mode: HEAD 200";
    is $head->content, '', "$mode: HEAD has no body";
    is $head->header('Content-Length'), length($res2->content), "$mode: HEAD Content-Length";
    is $head->header('X-Dashboard-Cache'), 'hit', "$mode: HEAD says hit";
    my $etag = $res2->header('ETag');
    like $etag, qr/^"[0-9a-f]{32}"$/, "$mode: strong ETag";
    my $nm = call('GET', "/dashboard/stats?mode=$mode", user => $u,
                  headers => { 'If-None-Match' => $etag });
    is $nm->code, 304, "$mode: If-None-Match → 304";
}

# A new upload shows on a hit: the counts never come from the cache.
google_reset();
my $w = windows($today, 'month');
my ($cur, $prev) = counts($w);
add_video($u, $ch, 'vidNEW000001', "$w->{kpi_end} 23:59:59", 'Brand new');
my ($res, $j) = get_json('/dashboard/stats', user => $u);
is $res->header('X-Dashboard-Cache'), 'hit', 'after an upload: still a hit';
is counters()->{reports}, 0, 'after an upload: no Analytics call';
is $j->{contentMetrics}[7]{value}, $cur + 1, 'after an upload: the new count';
is $j->{contentMetrics}[7]{trend}, $cur + 1 - $prev, 'after an upload: the trend is current - previous';
is $j->{contentMetrics}[7]{trendDirection},
    ($cur + 1 - $prev > 0 ? 'up' : $cur + 1 - $prev < 0 ? 'down' : '-'), 'after an upload: direction';

# platform_user_id given explicitly selects the same channel and cache key.
($res, $j) = get_json("/dashboard/stats?mode=month&platform_user_id=$ch", user => $u);
is $res->code, 200, 'explicit platform_user_id: 200';
is $res->header('X-Dashboard-Cache'), 'hit', 'explicit platform_user_id: same cache entry';

done_testing();
