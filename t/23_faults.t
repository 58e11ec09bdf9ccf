# Upstream and dependency failures (docs/api.md#errors,
# docs/behaviour.md#cache, docs/behaviour.md#analytics-calls): one of the four
# Analytics calls failing in every way Google fails, Redis going away and
# coming back, Postgres going away and coming back, a server without Redis,
# and no httpd child crashing through any of it.
use strict;
use warnings FATAL => 'all';

use Apache::Test ();

use Test::More;
use Time::HiRes qw(time);
use lib 't/lib';
use Dash::Test;

# Whatever happens, leave Redis and Postgres running for the next files.
my ($redis_down, $pg_down) = (0, 0);
END {
    eval { stack('redis-start') } if $redis_down;
    eval { stack('pg-start') } if $pg_down;
}

my $log_file = error_log();

my $today = today_report();
my $u = 'fault-user-0001';
my $ch = 'UCfaultMain0000000001';
my $key = "dashboard:$u:$ch:month";
clear_user($u);
flush_redis();
google_reset();
add_account($u, $ch);
for my $i (0 .. 4) {
    add_video($u, $ch, sprintf('fvid%04d', $i), add_days($today, -3 - 20 * $i) . ' 08:00:00',
              "Fault upload $i");
}

sub stats {
    my (%o) = @_;
    my $t0 = time;
    my ($res, $j) = get_json('/dashboard/stats', user => $u, %o);
    return ($res, $j, time - $t0);
}

# The answer when all goes well, to compare every later success with.
my ($res, $base) = stats();
is $res->code, 200, 'baseline: 200';
is $res->header('X-Dashboard-Cache'), 'miss', 'baseline: miss';
is counters()->{reports}, 4, 'baseline: 4 Analytics calls';
ok $base && $base->{hasUploads}, 'baseline: a full response';

# ---- one of the four calls fails -----------------------------------------

my @faults = (
    { tag => 'demographics 500', status => 502, code => 'YOUTUBE_API_ERROR', google => 500,
      fault => { status => 500, match => { dimensions => 'ageGroup,gender' } } },
    { tag => 'demographics 403 quotaExceeded', status => 502, code => 'YOUTUBE_API_ERROR', google => 403,
      fault => { status => 403, reason => 'quotaExceeded', match => { dimensions => 'ageGroup,gender' } } },
    { tag => 'demographics 429 rateLimitExceeded', status => 502, code => 'YOUTUBE_API_ERROR', google => 429,
      fault => { status => 429, reason => 'rateLimitExceeded', match => { dimensions => 'ageGroup,gender' } } },
    { tag => 'geography 503', status => 502, code => 'YOUTUBE_API_ERROR', google => 503,
      fault => { status => 503, match => { dimensions => 'country' } } },
    { tag => 'top videos 400', status => 502, code => 'YOUTUBE_API_ERROR', google => 400,
      fault => { status => 400, match => { dimensions => 'video' } } },
    { tag => 'demographics 200 malformed', status => 502, code => 'YOUTUBE_API_ERROR', google => 200,
      fault => { status => 200, body => '{not json', match => { dimensions => 'ageGroup,gender' } } },
    { tag => 'series 200 not a resultTable', status => 502, code => 'YOUTUBE_API_ERROR', google => 200,
      fault => { status => 200, body => '{"kind":"x"}', match => { dimensions => 'day' } } },
    { tag => 'demographics 200 not a resultTable', status => 502, code => 'YOUTUBE_API_ERROR', google => 200,
      fault => { status => 200, body => '{"kind":"x"}', match => { dimensions => 'ageGroup,gender' } } },
    { tag => 'demographics 200 empty body', status => 502, code => 'YOUTUBE_API_ERROR', google => 200,
      fault => { status => 200, body => '', match => { dimensions => 'ageGroup,gender' } } },
    # Cells that are not figures where the column type says they are
    # (docs/behaviour.md#analytics-calls): the answer is unparsable.
    (map { my ($dim, $dimval, $metric, $type, $cell) = @$_;
           { tag => "$dim: $metric $cell", status => 502, code => 'YOUTUBE_API_ERROR', google => 200,
             fault => { status => 200, match => { dimensions => $dim },
                        body => qq({"kind":"youtubeAnalytics#resultTable","columnHeaders":[)
                              . qq({"name":"$dim","columnType":"DIMENSION","dataType":"STRING"},)
                              . qq({"name":"$metric","columnType":"METRIC","dataType":"$type"}],)
                              . qq("rows":[["$dimval",1],["$dimval",$cell]]}) } } }
     [ day => '2026-01-01', views => INTEGER => '"12"' ],
     [ day => '2026-01-01', views => INTEGER => 'null' ],
     [ day => '2026-01-01', likes => INTEGER => 'true' ],
     [ day => '2026-01-01', subscribersGained => INTEGER => '-5' ],
     [ day => '2026-01-01', views => INTEGER => '1e300' ],
     [ video => 'x', views => INTEGER => '1e16' ],
     [ country => 'KR', views => INTEGER => '"many"' ]),
    { tag => 'demographics: viewerPercentage "35.2"', status => 502, code => 'YOUTUBE_API_ERROR', google => 200,
      fault => { status => 200, match => { dimensions => 'ageGroup,gender' },
                 body => '{"columnHeaders":[{"name":"ageGroup","dataType":"STRING"},'
                       . '{"name":"gender","dataType":"STRING"},{"name":"viewerPercentage","dataType":"FLOAT"}],'
                       . '"rows":[["age18-24","male","35.2"]]}' } },
    { tag => 'demographics hangs', status => 504, code => 'YOUTUBE_API_TIMEOUT', hang => 1,
      fault => { status => 500, delay_ms => 3500, match => { dimensions => 'ageGroup,gender' } } },
);

for my $f (@faults) {
    my $tag = $f->{tag};
    redis()->del($key);
    google_reset();
    google('POST', '/_control/fault', { target => 'reports', %{ $f->{fault} } });
    my ($res, $j, $took) = stats();
    is_error($res, $f->{status}, $f->{code}, $tag);
    ok !redis()->exists($key), "$tag: nothing cached";
    if (defined $f->{google}) {
        my $want = $f->{fault}{match};
        my @hit = grep { my $r = $_; $r->{path} eq '/v2/reports'
                         && !grep { ($r->{params}{$_} // '') ne $want->{$_} } keys %$want }
                  @{ requests() };
        ok @hit && !grep({ ($_->{status} // 0) != $f->{google} } @hit),
            "$tag: the faulted call was made and answered $f->{google}";
    }
    if ($f->{hang}) {
        cmp_ok $took, '>=', 1.9, sprintf('%s: waited DashboardUpstreamTimeout (%.2f s)', $tag, $took);
        cmp_ok $took, '<', time_bound(2, 1, 3.4), sprintf('%s: gave up at ~2 s, well before 3.5 s (%.2f s)', $tag, $took);
    }

    # Without the fault all is well again, and only then is it cached.
    google_reset();
    my ($ok, $j2) = stats();
    is $ok->code, 200, "$tag, then no fault: 200";
    is $ok->header('X-Dashboard-Cache'), 'miss', "$tag, then no fault: miss";
    is_deeply $j2, $base, "$tag, then no fault: the full response";
    my ($hit) = stats();
    is $hit->code, 200, "$tag, then: 200";
    is $hit->header('X-Dashboard-Cache'), 'hit', "$tag, then: hit";
}

# The connection closed without an answer.
{
    my $tag = 'demographics connection dropped';
    redis()->del($key);
    google_reset();
    google('POST', '/_control/fault', { target => 'reports', drop => JSON::PP::true,
                                        match => { dimensions => 'ageGroup,gender' } });
    my ($res, $j) = stats();
    is_error($res, 502, 'YOUTUBE_API_ERROR', $tag);
    ok !redis()->exists($key), "$tag: nothing cached";
    google_reset();
    my ($ok) = stats();
    is $ok->code, 200, "$tag, then no fault: 200";
    is $ok->header('X-Dashboard-Cache'), 'miss', "$tag, then no fault: miss";
}

# ---- a server without Redis ----------------------------------------------

{
    flush_redis();
    google_reset();
    my ($res, $j) = stats(module => 'dash_nocache');
    is $res->code, 200, 'dash_nocache: 200';
    is $res->header('X-Dashboard-Cache'), 'bypass', 'dash_nocache: bypass';
    is_deeply $j, $base, 'dash_nocache: the full response';
    ($res, $j) = stats(module => 'dash_nocache');
    is $res->header('X-Dashboard-Cache'), 'bypass', 'dash_nocache, again: bypass';
    is counters()->{reports}, 8, 'dash_nocache: every request goes to Google';
    is_deeply [ redis()->keys('*') ], [], 'dash_nocache: nothing written to Redis';
}

# ---- Redis goes away and comes back --------------------------------------

{
    flush_redis();
    my $offset = -s $log_file;
    stack('redis-stop');
    $redis_down = 1;
    google_reset();
    my ($res, $j, $took) = stats();
    is $res->code, 200, 'Redis down: stats still 200';
    is $res->header('X-Dashboard-Cache'), 'bypass', 'Redis down: bypass';
    is_deeply $j, $base, 'Redis down: the full, correct response';
    is counters()->{reports}, 4, 'Redis down: answered from Google';
    ($res, $j) = stats();
    is $res->code, 200, 'Redis down, again: 200';
    is $res->header('X-Dashboard-Cache'), 'bypass', 'Redis down, again: bypass';
    like log_since($offset), qr/\[dashboard:warn\]/, 'Redis down: a warning in the error_log';

    my $del = call('DELETE', '/dashboard/cache', user => $u);
    is $del->code, 503, 'Redis down: DELETE /dashboard/cache 503';
    is json_of($del) && json_of($del)->{code}, 'CACHE_UNAVAILABLE', 'Redis down: CACHE_UNAVAILABLE';

    stack('redis-start');
    $redis_down = 0;
    google_reset();
    ($res) = stats();
    is $res->code, 200, 'Redis back: 200';
    is $res->header('X-Dashboard-Cache'), 'miss', 'Redis back: the first request is a miss';
    ok redis()->exists($key), 'Redis back: cached again';
    ($res, $j) = stats();
    is $res->header('X-Dashboard-Cache'), 'hit', 'Redis back: then a hit';
    is_deeply $j, $base, 'Redis back: the hit is the full response';
    # Which child and thread answers each request is httpd's choice, so
    # this shows that the requests that follow succeed, not that every
    # child was visited; t/unit/test_redis.c (test_live_stop_restart)
    # takes pooled connections through a Redis restart.
    my @more = map { (stats())[0]->header('X-Dashboard-Cache') // '' } 1 .. 6;
    is_deeply \@more, [ ('hit') x 6 ], 'Redis back: 6 more requests, all hits';
    is counters()->{reports}, 4, 'Redis back: one fill only';
}

# ---- Postgres goes away and comes back (last: it breaks our own handle) --

{
    stack('pg-stop');
    $pg_down = 1;
    for my $n (1, 2) {
        my ($res, $j) = stats();
        is_error($res, 503, 'DATABASE_UNAVAILABLE', "Postgres down, stats #$n");
        ($res, $j) = get_json('/dashboard/accounts', user => $u);
        is_error($res, 503, 'DATABASE_UNAVAILABLE', "Postgres down, accounts #$n");
    }

    stack('pg-start');
    $pg_down = 0;
    my ($res, $j) = stats();
    is $res->code, 200, 'Postgres back: the first stats request succeeds';
    is_deeply $j, $base, 'Postgres back: the full response';
    ($res, $j) = get_json('/dashboard/accounts', user => $u);
    is $res->code, 200, 'Postgres back: the first accounts request succeeds';
    is_deeply [ map { $_->{platformUserId} } @{ $j->{accounts} // [] } ], [$ch],
        'Postgres back: the account is listed';
    # The requests that follow succeed too (whichever child answers them:
    # see the Redis case above).
    my @more;
    for (1 .. 10) {
        my ($s, $sj) = stats();
        my ($a, $aj) = get_json('/dashboard/accounts', user => $u);
        push @more, join ' ', $s->code, ($sj && $sj->{hasUploads} ? 'full' : $sj && $sj->{code} // '-'),
            $a->code, scalar(@{ ($aj && $aj->{accounts}) // [] });
    }
    is_deeply \@more, [ ('200 full 200 1') x 10 ],
        'Postgres back: every later stats and accounts request succeeds, with the data';
}

# ---- no child crashed ----------------------------------------------------

unlike log_since(0), qr/exit signal|Segmentation fault/, 'no httpd child crashed';

done_testing();
