# GET /dashboard/stats: the rules around the numbers (docs/behaviour.md,
# docs/api.md#errors, docs/behaviour.md#logging,
# docs/differences.md#differences-from-the-original-service): account choice,
# parameters, errors, the no-uploads answer, the upload-count windows, bad
# cache values, the video filter, top content with foreign videos, a channel
# without data, floats in INTEGER columns, and the info line of the log.
use strict;
use warnings FATAL => 'all';

use Apache::Test ();

use Test::More;
use lib 't/lib';
use Dash::Test;
use Dash::Expect;
use JSON::PP ();
use URI ();
use URI::Escape qw(uri_escape);
use LWP::UserAgent ();

my $today = today_report();
my $codec = JSON::PP->new->utf8->canonical;

# docs/behaviour.md#response: the 8 metrics, in order (id, label, unit).
my @METRICS = (
    ['total-views',       "\x{c870}\x{d68c}\x{c218}",                   'count'],
    ['total-watch-time',  "\x{c2dc}\x{ccad}\x{c2dc}\x{ac04}",           'hours'],
    ['avg-view-duration', "\x{d3c9}\x{ade0} \x{c2dc}\x{ccad}\x{c2dc}\x{ac04}", 'minutes'],
    ['new-subscribers',   "\x{c2e0}\x{addc} \x{ad6c}\x{b3c5}\x{c790}",  'count'],
    ['likes',             "\x{c88b}\x{c544}\x{c694}",                   'count'],
    ['comments',          "\x{b313}\x{ae00}",                           'count'],
    ['shares',            "\x{acf5}\x{c720}",                           'count'],
    ['uploaded-videos',   "\x{c5c5}\x{b85c}\x{b4dc} \x{c601}\x{c0c1}",  'count'],
);

# ---- helpers ------------------------------------------------------------

sub stats {
    my ($user, $query, %o) = @_;
    my $path = '/dashboard/stats' . (defined $query && length $query ? "?$query" : '');
    return get_json($path, user => $user, %o);
}

sub cache_of {
    my ($user, $ch, $mode) = @_;
    return redis()->get("dashboard:$user:$ch:$mode");
}

# N uploads of a channel, one every 9 days from today - 3, newest first.
sub add_uploads {
    my ($user, $ch, $prefix, $n) = @_;
    my @v;
    for my $i (0 .. $n - 1) {
        my $date = add_days($today, -3 - 9 * $i);
        my $id = sprintf '%s%03d', $prefix, $i;
        add_video($user, $ch, $id, "$date 08:00:00", "Title $id");
        push @v, { id => $id, title => "Title $id", date => join('.', split /-/, $date) };
    }
    return @v;
}



# docs/behaviour.md#upload-counts from a list of 'YYYY-MM-DD hh:mm:ss' upload times.
sub counts_of {
    my ($w, @times) = @_;
    my ($cur, $prev) = (0, 0);
    for my $t (@times) {
        my $d = substr $t, 0, 10;
        $cur++  if $d ge $w->{start}      && $d le $w->{kpi_end};
        $prev++ if $d ge $w->{prev_start} && $d le $w->{prev_kpi_end};
    }
    return ($cur, $prev);
}

sub direction { my ($t) = @_; return $t > 0 ? 'up' : $t < 0 ? 'down' : '-'; }

# The response expected for tables from the stand-in (by the queries of
# docs/behaviour.md#analytics-calls).
sub expected_from_standin {
    my (%a) = @_;
    my $w = windows($today, $a{mode});
    my $q = four_queries($w, $a{mode}, map { $_->{id} } @{ $a{videos} });
    my %tables = map { ($_ => stand_in_answer($q->{$_}, $a{token})) } keys %$q;
    return (expected_response(tables => \%tables, windows => $w, mode => $a{mode},
                              videos => $a{videos}, current => $a{current},
                              previous => $a{previous}), \%tables, $q);
}

flush_redis();
google_reset();

# ---- docs/behaviour.md#account-choice account choice -------------------------

my $u_none = 'rules-none';
my $u_inact = 'rules-inactive';
my $u_one = 'rules-one';
my $u_other = 'rules-other';
my $u_two = 'rules-two';
my $u_dup = 'rules-dup';
clear_user($_) for $u_none, $u_inact, $u_one, $u_other, $u_two, $u_dup;

my ($res, $j);
($res, $j) = stats($u_none, '');
is_error($res, 404, 'YOUTUBE_NOT_CONNECTED', 'no account at all');

add_account($u_inact, 'UCrulesInactive', is_active => 0, register => 0);
add_account($u_inact, 'UCrulesInsta', platform => 'instagram', register => 0);
add_video($u_inact, 'UCrulesInactive', 'inact001', "$today 00:00:00");
($res, $j) = stats($u_inact, '');
is_error($res, 404, 'YOUTUBE_NOT_CONNECTED', 'only inactive and instagram rows');
($res, $j) = stats($u_inact, 'platform_user_id=UCrulesInactive');
is_error($res, 404, 'YOUTUBE_NOT_CONNECTED', 'only inactive rows, inactive channel named');
($res, $j) = stats($u_inact, 'mode=day');
is_error($res, 404, 'YOUTUBE_NOT_CONNECTED', 'only inactive rows, day mode');

add_account($u_one, 'UCrulesOne');
add_account($u_one, 'UCrulesOneOff', is_active => 0, register => 0);
add_account($u_one, 'UCrulesOneIg', platform => 'instagram', register => 0);
add_account($u_other, 'UCrulesOthers');
($res, $j) = stats($u_one, 'platform_user_id=UCnoSuchChannel');
is_error($res, 404, 'YOUTUBE_ACCOUNT_NOT_FOUND', 'unknown platform_user_id');
($res, $j) = stats($u_one, 'platform_user_id=UCrulesOthers');
is_error($res, 404, 'YOUTUBE_ACCOUNT_NOT_FOUND', "another user's channel");
($res, $j) = stats($u_one, 'platform_user_id=UCrulesOneOff');
is_error($res, 404, 'YOUTUBE_ACCOUNT_NOT_FOUND', 'own inactive channel');
($res, $j) = stats($u_one, 'platform_user_id=UCrulesOneIg');
is_error($res, 404, 'YOUTUBE_ACCOUNT_NOT_FOUND', 'own instagram account');
($res, $j) = stats($u_one, 'platform_user_id=ucrulesone');
is_error($res, 404, 'YOUTUBE_ACCOUNT_NOT_FOUND', 'channel ids compare case-sensitively');
($res, $j) = stats($u_one, '');
is $res->code, 200, 'one active channel (plus inactive/instagram rows): no selection needed';

add_account($u_two, 'UCrulesTwoA');
add_account($u_two, 'UCrulesTwoB');
($res, $j) = stats($u_two, '');
is_error($res, 400, 'YOUTUBE_ACCOUNT_SELECTION_REQUIRED', 'two channels, no platform_user_id');
($res, $j) = stats($u_two, 'mode=day');
is_error($res, 400, 'YOUTUBE_ACCOUNT_SELECTION_REQUIRED', 'two channels, no platform_user_id, day mode');

# Two rows of one channel count as one channel; the newest row is the one (docs/api.md#accounts).
add_account($u_dup, 'UCrulesDup', connected_at => '2026-01-01 00:00:00',
            access_token => 'ya29.test-rules-dup-older');
add_account($u_dup, 'UCrulesDup', connected_at => '2026-03-01 00:00:00',
            access_token => 'ya29.test-rules-dup-newer');
($res, $j) = stats($u_dup, '');
is $res->code, 200, 'two rows of one channel: no selection required (no uploads)';
add_uploads($u_dup, 'UCrulesDup', 'dupvid', 2);
google_reset();
($res, $j) = stats($u_dup, '');
is $res->code, 200, 'two rows of one channel: 200 with uploads';
my @reqs = report_requests();
is scalar(@reqs), 4, 'two rows of one channel: 4 Analytics calls';
is_deeply [ sort { $a cmp $b } keys %{{ map { ($_->{authorization} // '') => 1 } @reqs }} ],
    ['Bearer ya29.test-rules-dup-newer'],
    "two rows of one channel: the newest row's token is used";

# Filter active youtube rows first, then keep one per channel: a newer
# inactive (or instagram) row of a channel does not hide its active row.
my $u_mixed = 'rules-mixed';
clear_user($u_mixed);
add_account($u_mixed, 'UCrulesMixed', connected_at => '2026-01-01 00:00:00',
            access_token => 'ya29.test-rules-mixed-active');
add_account($u_mixed, 'UCrulesMixed', connected_at => '2026-04-01 00:00:00',
            access_token => 'ya29.test-rules-mixed-inactive', is_active => 0);
add_account($u_mixed, 'UCrulesMixed', connected_at => '2026-05-01 00:00:00',
            access_token => 'ya29.test-rules-mixed-insta', platform => 'instagram');
add_uploads($u_mixed, 'UCrulesMixed', 'mixvid', 2);
google_reset();
($res, $j) = stats($u_mixed, 'platform_user_id=UCrulesMixed');
is $res->code, 200, 'newer inactive/instagram rows of a channel: 200';
@reqs = report_requests();
is scalar(@reqs), 4, 'newer inactive/instagram rows of a channel: 4 calls';
is_deeply [ sort { $a cmp $b } keys %{{ map { ($_->{authorization} // '') => 1 } @reqs }} ],
    ['Bearer ya29.test-rules-mixed-active'],
    "newer inactive/instagram rows of a channel: the active youtube row's token is used";

# platform_user_id picks the channel: its row's token, its videos, its cache key.
clear_user($u_two);
add_account($u_two, 'UCrulesTwoA', access_token => 'ya29.test-rules-two-A');
add_account($u_two, 'UCrulesTwoB', access_token => 'ya29.test-rules-two-B');
add_uploads($u_two, 'UCrulesTwoA', 'twoA', 2);
my @twoB = add_uploads($u_two, 'UCrulesTwoB', 'twoB', 2);
for my $pick (['UCrulesTwoA', 'ya29.test-rules-two-A', 'twoA'],
              ['UCrulesTwoB', 'ya29.test-rules-two-B', 'twoB']) {
    my ($ch, $tok, $prefix) = @$pick;
    google_reset();
    ($res, $j) = stats($u_two, "platform_user_id=$ch");
    is $res->code, 200, "platform_user_id=$ch: 200";
    is $res->header('X-Dashboard-Cache'), 'miss', "platform_user_id=$ch: miss";
    @reqs = report_requests();
    is scalar(@reqs), 4, "platform_user_id=$ch: 4 Analytics calls";
    is scalar(grep { ($_->{authorization} // '') eq "Bearer $tok" } @reqs), 4,
        "platform_user_id=$ch: every call carries that channel's token";
    is scalar(grep { ($_->{params}{filters} // '') eq "video==${prefix}000,${prefix}001" } @reqs), 4,
        "platform_user_id=$ch: every call filters that channel's videos";
    ok defined cache_of($u_two, $ch, 'month'), "platform_user_id=$ch: cached under its key";
}
# Both of its videos have views at the stand-in: exactly those two, none
# of the other channel's (an empty list would not show which channel).
is_deeply [ sort map { $_->{id} } @{ $j->{topContent} // [] } ],
    [ sort map { $_->{id} } @twoB ],
    'platform_user_id=UCrulesTwoB: top content is that channel\'s videos only';

# ---- docs/api.md#stats parameters, docs/api.md#errors errors -----------------

for my $q ('mode=week', 'mode=', 'mode=DAY', 'mode=Month', 'mode=day%00', 'mode=month%00x', 'mode=%20day', 'mode=day%20') {
    ($res, $j) = stats($u_one, $q);
    is_error($res, 400, 'INVALID_PARAMETER', "?$q");
}
my $long128 = 'U' x 128;
my $long129 = 'U' x 129;
for my $case (['platform_user_id=', 'empty platform_user_id'],
              ["platform_user_id=$long129", '129-byte platform_user_id'],
              ['platform_user_id=UC%01x', 'platform_user_id with %01'],
              ['platform_user_id=UC%0Ax', 'platform_user_id with %0A'],
              ['platform_user_id=UC%7Fx', 'platform_user_id with %7F'],
              ['platform_user_id=UC%1Fx', 'platform_user_id with %1F'],
              ['platform_user_id=UCrulesOne%00x', 'platform_user_id: a real channel, %00, more'],
              ['platform_user_id=UCrulesOne%0A', 'platform_user_id: a real channel and %0A']) {
    ($res, $j) = stats($u_one, $case->[0]);
    is_error($res, 400, 'INVALID_PARAMETER', $case->[1]);
}
($res, $j) = stats($u_one, "platform_user_id=$long128");
is_error($res, 404, 'YOUTUBE_ACCOUNT_NOT_FOUND', '128-byte platform_user_id is valid (unknown: 404)');
($res, $j) = stats($u_one, 'mode=day&platform_user_id=' . ('%C3%A9' x 64));
is_error($res, 404, 'YOUTUBE_ACCOUNT_NOT_FOUND', '128-byte UTF-8 platform_user_id is valid (unknown: 404)');

($res, $j) = get_json('/open/stats');
is_error($res, 401, 'UNAUTHENTICATED', 'no r->user');
($res, $j) = get_json('/open/stats?mode=day&platform_user_id=UCrulesOne');
is_error($res, 401, 'UNAUTHENTICATED', 'no r->user, with parameters');

for my $m (qw(POST PUT DELETE)) {
    $res = call($m, '/dashboard/stats', user => $u_one);
    is_error($res, 405, 'METHOD_NOT_ALLOWED', "$m /dashboard/stats");
    is $res->header('Allow'), 'GET, HEAD', "$m /dashboard/stats: Allow header";
}

# ---- docs/behaviour.md#no-uploads no uploads -----------------------------------------------------

sub zero_response {
    return {
        contentMetrics => [ map { { id => $_->[0], label => $_->[1], value => 0,
                                    unit => $_->[2], trend => 0, trendDirection => '-' } }
                            @METRICS ],
        monthlyData => [],
        dailyData => [],
        topContent => [],
        audienceData => { ageGroups => [], gender => { male => 0, female => 0 },
                          topRegions => [] },
        hasUploads => JSON::PP::false,
    };
}

my $u_zero = 'rules-zero';
my $ch_zero = 'UCrulesZero';
clear_user($u_zero);
# An expired token: answering would need a refresh, so any upstream call shows.
add_account($u_zero, $ch_zero, token_expires_at => '2001-01-01 00:00:00');
add_account($u_zero, 'UCrulesZeroBusy');
add_uploads($u_zero, 'UCrulesZeroBusy', 'busy', 2);      # another channel's uploads
add_video('rules-zero-else', $ch_zero, 'elsevid01', "$today 00:00:00");  # another user's
db_do("INSERT INTO dashboard (user_uuid, platform, platform_user_id, platform_video_id,"
    . " uploaded_at) VALUES (?, 'instagram', ?, 'igvid0001', LOCALTIMESTAMP)", $u_zero, $ch_zero);
flush_redis();
for my $mode (qw(month day)) {
    google_reset();
    ($res, $j) = stats($u_zero, "mode=$mode&platform_user_id=$ch_zero");
    is $res->code, 200, "no uploads ($mode): 200";
    is $res->header('Content-Type'), $JSON_TYPE, "no uploads ($mode): JSON";
    is $res->header('Cache-Control'), 'private, no-store', "no uploads ($mode): not cacheable";
    is $res->header('X-Dashboard-Cache'), 'miss', "no uploads ($mode): X-Dashboard-Cache miss";
    is_deeply $j, zero_response(), "no uploads ($mode): the zero response exactly"
        or diag $res->content;
    ok JSON::PP::is_bool($j->{hasUploads}), "no uploads ($mode): hasUploads is a boolean";
    my $c = counters();
    is $c->{reports}, 0, "no uploads ($mode): no Analytics call";
    is $c->{token}, 0, "no uploads ($mode): no token call";
    is_deeply [ grep { !/:lock$/ } redis()->keys("dashboard:$u_zero:*") ], [],
        "no uploads ($mode): nothing cached";

    google_reset();
    my ($res2, $j2) = stats($u_zero, "mode=$mode&platform_user_id=$ch_zero",
                            module => 'dash_nocache');
    is $res2->code, 200, "no uploads ($mode), no Redis: 200";
    is $res2->header('X-Dashboard-Cache'), 'bypass', "no uploads ($mode), no Redis: bypass";
    is_deeply $j2, zero_response(), "no uploads ($mode), no Redis: the zero response";
    is counters()->{reports} + counters()->{token}, 0, "no uploads ($mode), no Redis: no upstream call";
}
# A channel whose uploads are gone answers docs/behaviour.md#no-uploads even with a cached response.
my $u_gone = 'rules-gone';
my $ch_gone = 'UCrulesGone';
clear_user($u_gone);
add_account($u_gone, $ch_gone);
add_uploads($u_gone, $ch_gone, 'gone', 2);
for my $mode (qw(month day)) {
    ($res, $j) = stats($u_gone, "mode=$mode");
    is $res->code, 200, "uploads deleted later ($mode): first 200";
    ok defined cache_of($u_gone, $ch_gone, $mode), "uploads deleted later ($mode): cached";
}
db_do('DELETE FROM dashboard WHERE user_uuid = ?', $u_gone);
for my $mode (qw(month day)) {
    google_reset();
    ($res, $j) = stats($u_gone, "mode=$mode");
    is $res->code, 200, "uploads deleted later ($mode): 200";
    is_deeply $j, zero_response(), "uploads deleted later ($mode): the zero response for no uploads"
        or diag $res->content;
    is $res->header('X-Dashboard-Cache'), 'miss', "uploads deleted later ($mode): says miss";
    is counters()->{reports}, 0, "uploads deleted later ($mode): no Analytics call";
}

my $raw_zero = call('GET', "/dashboard/stats?platform_user_id=$ch_zero", user => $u_zero)->content;
like $raw_zero, qr/"hasUploads":false/, 'no uploads: hasUploads is the literal false';

# ---- docs/behaviour.md#upload-counts upload counts at the window edges -------

for my $mode (qw(month day)) {
    my $u = "rules-edge-$mode";
    my $ch = 'UCrulesEdge' . ucfirst $mode;
    clear_user($u);
    clear_user("rules-edge-$mode-x");
    add_account($u, $ch);
    add_account($u, "${ch}Other");
    my $w = windows($today, $mode);
    my $plus1 = sub { add_days($_[0], 1) };
    my $minus1 = sub { add_days($_[0], -1) };
    my @cases = (
        ["$w->{start} 00:00:00",                    'start 00:00:00'],
        ["$w->{kpi_end} 23:59:59",                  'kpi_end 23:59:59'],
        ["$w->{kpi_end} 23:59:59.999999",           'kpi_end 23:59:59.999999'],
        [$plus1->($w->{kpi_end}) . ' 00:00:00',     'kpi_end + 1 day 00:00:00'],
        [$minus1->($w->{start}) . ' 23:59:59.999999', 'start - 1 day 23:59:59.999999'],
        ["$w->{prev_start} 00:00:00",               'prev_start 00:00:00'],
        ["$w->{prev_kpi_end} 23:59:59",             'prev_kpi_end 23:59:59'],
        [$plus1->($w->{prev_kpi_end}) . ' 00:00:00', 'prev_kpi_end + 1 day 00:00:00'],
        [$minus1->($w->{prev_start}) . ' 23:59:59.999999', 'prev_start - 1 day 23:59:59.999999'],
        ["$w->{prev_start} 12:00:00",               'prev_start noon'],
        ["$w->{prev_kpi_end} 00:00:00",             'prev_kpi_end 00:00:00'],
        ["$w->{prev_start} 23:00:00",               'prev_start 23:00'],
        ["$w->{prev_kpi_end} 06:00:00",             'prev_kpi_end 06:00'],
    );
    # The fixed expectations of the edges (day mode: prev_kpi_end + 1 = start).
    my %fixed = (
        'start 00:00:00' => [1, 0], 'kpi_end 23:59:59' => [1, 0],
        'kpi_end 23:59:59.999999' => [1, 0], 'kpi_end + 1 day 00:00:00' => [0, 0],
        'prev_start 00:00:00' => [0, 1], 'prev_kpi_end 23:59:59' => [0, 1],
        'prev_start - 1 day 23:59:59.999999' => [0, 0],
        'start - 1 day 23:59:59.999999' => $mode eq 'day' ? [0, 1] : [0, 0],
        'prev_kpi_end + 1 day 00:00:00' => $mode eq 'day' ? [1, 0] : [0, 0],
    );
    my @times;
    my %seen_dir;
    my $n = 0;
    for my $case (@cases) {
        my ($ts, $label) = @$case;
        my ($c0, $p0) = counts_of($w, @times);
        push @times, $ts;
        add_video($u, $ch, sprintf('edge%s%03d', $mode, $n++), $ts);
        my ($cur, $prev) = counts_of($w, @times);
        if (my $f = $fixed{$label}) {
            is_deeply [$cur - $c0, $prev - $p0], $f, "$mode: $label belongs where the windows say (self-check)";
        }
        ($res, $j) = stats($u, "mode=$mode&platform_user_id=$ch");
        is $res->code, 200, "$mode: after an upload at $label: 200";
        my $m = $j->{contentMetrics}[7] // {};
        is $m->{id}, 'uploaded-videos', "$mode: after $label: 8th metric is uploaded-videos";
        is $m->{value}, $cur, "$mode: after $label: value = current ($cur)";
        is $m->{trend}, $cur - $prev, "$mode: after $label: trend = current - previous (" . ($cur - $prev) . ')';
        is $m->{trendDirection}, direction($cur - $prev), "$mode: after $label: direction";
        $seen_dir{ direction($cur - $prev) } = 1;
    }
    is_deeply [ sort keys %seen_dir ], [ sort qw(up down -) ], "$mode: all three directions were exercised";

    # Rows that are not the caller's channel's youtube uploads never count.
    my ($cur, $prev) = counts_of($w, @times);
    add_video("rules-edge-$mode-x", $ch, 'edgeXuser', "$w->{kpi_end} 12:00:00");
    add_video($u, "${ch}Other", 'edgeXchan', "$w->{kpi_end} 12:00:00");
    db_do("INSERT INTO dashboard (user_uuid, platform, platform_user_id, platform_video_id,"
        . " uploaded_at) VALUES (?, 'instagram', ?, 'edgeXig', ?)", $u, $ch, "$w->{kpi_end} 12:00:00");
    ($res, $j) = stats($u, "mode=$mode&platform_user_id=$ch");
    is $j->{contentMetrics}[7]{value}, $cur,
        "$mode: another user's, another channel's and instagram rows are not counted";
    is $j->{contentMetrics}[7]{trend}, $cur - $prev, "$mode: ... nor in the trend";
}

# ---- docs/behaviour.md#cache bad cache values are misses ------------------------------------

my $u_bad = 'rules-badcache';
my $ch_bad = 'UCrulesBadCache';
clear_user($u_bad);
add_account($u_bad, $ch_bad);
add_uploads($u_bad, $ch_bad, 'bad', 3);
flush_redis();
google_reset();
my ($good_res, $good) = stats($u_bad, '');
is $good_res->header('X-Dashboard-Cache'), 'miss', 'bad cache: first request is a miss';
my $good_raw = cache_of($u_bad, $ch_bad, 'month');
my $good_val = eval { $codec->decode($good_raw // '') } || {};

sub mutate {
    my ($f) = @_;
    my $v = $codec->decode($codec->encode($good_val));
    $f->($v);
    return $codec->encode($v);
}

my @bad = (
    ['not JSON',                 'this is not json'],
    ['truncated JSON',           substr($good_raw // '{"response":{', 0, 40)],
    ['empty string',             ''],
    ['JSON array',               '[]'],
    ['JSON string',              '"response"'],
    ['JSON null',                'null'],
    ['no "response"',            '{"foo": {}}'],
    ['response is a string',     '{"response": "x"}'],
    ['response is empty',        '{"response": {}}'],
    ['response is null',         '{"response": null}'],
    ['response without contentMetrics', mutate(sub { delete $_[0]{response}{contentMetrics} })],
    ['response without monthlyData',    mutate(sub { delete $_[0]{response}{monthlyData} })],
    ['response without dailyData',      mutate(sub { delete $_[0]{response}{dailyData} })],
    ['response without topContent',     mutate(sub { delete $_[0]{response}{topContent} })],
    ['response without audienceData',   mutate(sub { delete $_[0]{response}{audienceData} })],
    ['response without hasUploads',     mutate(sub { delete $_[0]{response}{hasUploads} })],
    ['a metric id renamed',             mutate(sub { $_[0]{response}{contentMetrics}[4]{id} = 'like' })],
    ['a metric missing (7)',            mutate(sub { splice @{ $_[0]{response}{contentMetrics} }, 6, 1 })],
    ['contentMetrics not a list',       mutate(sub { $_[0]{response}{contentMetrics} = {} })],
);
for my $b (@bad) {
    my ($label, $value) = @$b;
    redis()->set("dashboard:$u_bad:$ch_bad:month", $value);
    google_reset();
    ($res, $j) = stats($u_bad, '');
    is $res->code, 200, "bad cache ($label): 200";
    is $res->header('X-Dashboard-Cache'), 'miss', "bad cache ($label): a miss";
    is counters()->{reports}, 4, "bad cache ($label): 4 Analytics calls";
    is_deeply $j, $good, "bad cache ($label): the full response";
    my $now = eval { $codec->decode(cache_of($u_bad, $ch_bad, 'month') // '') };
    ok ref $now eq 'HASH' && exists $now->{response}, "bad cache ($label): the key holds a value with a response";
    # The upload counts are never cached (docs/behaviour.md#upload-counts):
    # compare all but that metric.
    my %resp = %{ ref $now eq 'HASH' && ref $now->{response} eq 'HASH' ? $now->{response} : {} };
    my @cm = @{ ref $resp{contentMetrics} eq 'ARRAY' ? $resp{contentMetrics} : [] };
    is_deeply [ map { ref $_ eq 'HASH' ? $_->{id} : undef } @cm ], [ map { $_->[0] } @METRICS ],
        "bad cache ($label): the key holds the 8 metrics";
    $resp{contentMetrics} = [ @cm[0 .. 6] ];
    is_deeply \%resp, { %$j, contentMetrics => [ @{ $j->{contentMetrics} }[0 .. 6] ] },
        "bad cache ($label): the key holds the new response";
    cmp_ok redis()->ttl("dashboard:$u_bad:$ch_bad:month"), '>', 0, "bad cache ($label): with a TTL";
}

# ---- docs/behaviour.md#analytics-calls the video filter ----------------------

my $u_small = 'rules-small';
my $ch_small = 'UCrulesSmall';
clear_user($u_small);
# Fresh token: dash_small's OAuth client is wrong, so no refresh may be needed.
add_account($u_small, $ch_small, token_expires_at => \"LOCALTIMESTAMP + interval '1 day'");
my @small;
for my $i (0 .. 5) {
    my $date = add_days($today, -3 - 10 * $i);
    push @small, ["small$i", $date];
    add_video($u_small, $ch_small, "small$i", "$date 09:00:00");
}
# Duplicate rows of the two newest videos, older than the originals.
add_video($u_small, $ch_small, 'small0', add_days($today, -4) . ' 09:00:00');
add_video($u_small, $ch_small, 'small1', add_days($today, -14) . ' 09:00:00');
add_video($u_small, $ch_small, 'small1', add_days($today, -15) . ' 09:00:00');
flush_redis();
for my $mode (qw(month day)) {
    google_reset();
    ($res, $j) = stats($u_small, "mode=$mode", module => 'dash_small');
    is $res->code, 200, "DashboardMaxVideos 3 ($mode): 200" or diag $res->content;
    my $c = counters();
    is $c->{token}, 0, "DashboardMaxVideos 3 ($mode): no token refresh";
    @reqs = report_requests();
    is scalar(@reqs), 4, "DashboardMaxVideos 3 ($mode): 4 calls";
    is_deeply [ sort { $a cmp $b } keys %{{ map { ($_->{params}{filters} // '') => 1 } @reqs }} ],
        ['video==small0,small1,small2'],
        "DashboardMaxVideos 3 ($mode): the 3 newest distinct ids, newest first, duplicates once";
    is_deeply [ grep { !/^small[012]$/ } map { $_->{id} } @{ $j->{topContent} } ], [],
        "DashboardMaxVideos 3 ($mode): top content only among the videos passed";
}
# With the default 30: every distinct id once, newest first.
redis()->del("dashboard:$u_small:$ch_small:month");
google_reset();
($res, $j) = stats($u_small, '');
is $res->code, 200, 'default DashboardMaxVideos: 200';
@reqs = report_requests();
is_deeply [ sort { $a cmp $b } keys %{{ map { ($_->{params}{filters} // '') => 1 } @reqs }} ],
    ['video==' . join(',', map { $_->[0] } @small)],
    'default DashboardMaxVideos: all six distinct ids, newest first, duplicates sent once';

# ---- docs/differences.md#differences-from-the-original-service top content
# keeps our ids, then takes 4 --------------------------

my $u_fgn = 'rules-foreign';
my $ch_fgn = 'UCrulesForeign';
my $tok_fgn = "ya29.test-$u_fgn-$ch_fgn";
clear_user($u_fgn);
add_account($u_fgn, $ch_fgn, access_token => $tok_fgn);
my @fgn_videos = add_uploads($u_fgn, $ch_fgn, 'ours', 6);
my @foreign = qw(foreignAAA foreignBBB foreignCCC);
flush_redis();
for my $mode (qw(month day)) {
    google_reset();
    google('POST', '/_control/channel', { channel => $ch_fgn, foreign_top => \@foreign });
    ($res, $j) = stats($u_fgn, "mode=$mode");
    is $res->code, 200, "foreign top videos ($mode): 200";
    my ($top_req) = grep { ($_->{params}{dimensions} // '') eq 'video' } report_requests();
    my $answer = stand_in_answer($top_req->{params}, $tok_fgn);
    my @rows = map { $_->{video} } @{ report_of($answer) };
    is_deeply [ sort { $a cmp $b } grep { defined } @rows[0 .. 2] ], [ sort { $a cmp $b } @foreign ],
        "foreign top videos ($mode): the stand-in puts the foreign ids first (self-check)";
    my @ours = grep { !/^foreign/ } @rows;
    cmp_ok scalar(@ours), '>=', 4, "foreign top videos ($mode): the stand-in has 4+ of ours (self-check)";
    my @got = map { $_->{id} } @{ $j->{topContent} };
    is scalar(@got), 4, "foreign top videos ($mode): still 4 entries";
    is_deeply [ grep { /^foreign/ } @got ], [], "foreign top videos ($mode): no foreign id";
    is_deeply \@got, [ @ours[0 .. 3] ], "foreign top videos ($mode): in the stand-in's order";
}

# ---- a channel without Analytics data ------------------------------------

my $u_empty = 'rules-empty';
my $ch_empty = 'UCrulesEmpty';
clear_user($u_empty);
add_account($u_empty, $ch_empty);
# One upload long before both windows: hasUploads, but counts 0/0.
add_video($u_empty, $ch_empty, 'emptyold01', add_days($today, -1200) . ' 12:00:00');
flush_redis();
for my $mode (qw(month day)) {
    google_reset();
    google('POST', '/_control/channel', { channel => $ch_empty, empty => JSON::PP::true });
    ($res, $j) = stats($u_empty, "mode=$mode");
    is $res->code, 200, "no Analytics data ($mode): 200";
    is counters()->{reports}, 4, "no Analytics data ($mode): 4 calls";
    my $w = windows($today, $mode);
    my (@monthly, @daily);
    if ($mode eq 'month') {
        my ($y, $m) = split /-/, $w->{start};
        for (1 .. 12) {
            push @monthly, { month => sprintf('%04d-%02d', $y, $m), thisYear => 0, lastYear => 0 };
            if (++$m > 12) { $m = 1; $y++; }
        }
    }
    else {
        @daily = map { { date => add_days($w->{start}, $_), thisPeriod => 0, lastPeriod => 0 } } 0 .. 29;
    }
    my $want = zero_response();
    $want->{monthlyData} = \@monthly;
    $want->{dailyData} = \@daily;
    $want->{hasUploads} = JSON::PP::true;
    # No series row in the window: no day Google has data through.
    $want->{dataThrough} = undef;
    is_deeply $j, $want, "no Analytics data ($mode): zeros everywhere, full series"
        or diag $res->content;
    is scalar(@{ $mode eq 'month' ? $j->{monthlyData} : $j->{dailyData} }),
        $mode eq 'month' ? 12 : 30, "no Analytics data ($mode): series length";
    like $res->content, qr/"hasUploads":true/, "no Analytics data ($mode): hasUploads true";
}

# ---- INTEGER columns sent as 12.0 ----------------------------------------

my $u_flt = 'rules-float';
my $ch_flt = 'UCrulesFloat';
my $tok_flt = "ya29.test-$u_flt-$ch_flt";
clear_user($u_flt);
add_account($u_flt, $ch_flt, access_token => $tok_flt);
my @flt_videos = add_uploads($u_flt, $ch_flt, 'flt', 8);
flush_redis();
for my $mode (qw(month day)) {
    google_reset();
    google('POST', '/_control/channel', { channel => $ch_flt, float_ints => JSON::PP::true });
    ($res, $j) = stats($u_flt, "mode=$mode");
    is $res->code, 200, "float INTEGERs ($mode): 200";
    my $body = $res->content;
    my ($top_req) = grep { ($_->{params}{dimensions} // '') eq 'video' } report_requests();
    my $raw_answer = stand_in_raw($top_req->{params}, $tok_flt)->content;
    like $raw_answer, qr/\b\d+\.0\s*[,\]]/,
        "float INTEGERs ($mode): the stand-in does send floats (self-check)";
    my $ntop = scalar @{ $j->{topContent} };
    cmp_ok $ntop, '>', 0, "float INTEGERs ($mode): there is top content";
    my @views = $body =~ /"views":(-?[0-9][0-9.eE+-]*)/g;
    is scalar(@views), $ntop, "float INTEGERs ($mode): one views per top video";
    is_deeply [ grep { !/^\d+$/ } @views ], [], "float INTEGERs ($mode): topContent views are integers in the text";
    for my $id (qw(total-views new-subscribers likes comments shares uploaded-videos)) {
        my ($obj) = $body =~ /(\{"id":"\Q$id\E"[^{}]*\})/;
        ok defined $obj, "float INTEGERs ($mode): $id present";
        like $obj // '', qr/"value":\d+[,}]/, "float INTEGERs ($mode): $id value is an integer in the text";
    }
    my $w = windows($today, $mode);
    my ($cur, $prev) = counts_of($w, map { (join('-', split /\./, $_->{date})) . ' 08:00:00' } @flt_videos);
    my ($want) = expected_from_standin(mode => $mode, videos => \@flt_videos, token => $tok_flt,
                                       current => $cur, previous => $prev);
    is_deeply $j, $want, "float INTEGERs ($mode): every number as docs/behaviour.md says"
        or diag explain { got => $j, expected => $want };
}

# ---- docs/behaviour.md#logging the info line ----------------------------------------------------

my $u_log = 'rules-logline-7c1';
my $ch_log = 'UCrulesLogChan7c1';
my $tok_log = 'ya29.test-rules-logline-secret-token-7c1';
my $u_ref = 'rules-logref-7c1';
my $ch_ref = 'UCrulesLogRefresh7c1';
my $rt_ref = '1//refresh-rules-logref-7c1-secret';
clear_user($_) for $u_log, $u_ref;
add_account($u_log, $ch_log, access_token => $tok_log);
add_uploads($u_log, $ch_log, 'logv', 2);
add_account($u_ref, $ch_ref, access_token => 'ya29.test-rules-logref-old-7c1',
            refresh_token => $rt_ref, token_expires_at => '2001-01-01 00:00:00');
add_uploads($u_ref, $ch_ref, 'refv', 2);
flush_redis();
google_reset();
($res, $j) = stats($u_log, '');
is $res->header('X-Dashboard-Cache'), 'miss', 'log: first request a miss';
my ($res_hit) = stats($u_log, '');
is $res_hit->header('X-Dashboard-Cache'), 'hit', 'log: second request a hit';
($res, $j) = stats($u_ref, 'mode=day');
is $res->code, 200, 'log: a request with a token refresh: 200';
is counters()->{token}, 1, 'log: the token was refreshed once';
my ($new_token) = db()->selectrow_array(
    'SELECT access_token FROM social_account WHERE user_uuid = ?', undef, $u_ref);
isnt $new_token, 'ya29.test-rules-logref-old-7c1', 'log: a new access token was stored';

my $log_file = Apache::Test::vars('t_logs') . '/error_log';
my @lines;
for (1 .. 30) {        # the line may be written just after the answer
    open my $fh, '<', $log_file or die "$log_file: $!";
    @lines = grep { /\Q$u_log\E/ && /\[dashboard:info\]/ } <$fh>;
    close $fh;
    last if @lines >= 2;
    select undef, undef, undef, 0.1;
}
is scalar(@lines), 2, 'log: one info line per stats request (2 requests)'
    or diag @lines;
like $lines[0] // '', qr/\Q$ch_log\E/, 'log: the line names the channel';
like $lines[0] // '', qr/\bmonth\b/, 'log: the line names the mode';
like $lines[0] // '', qr/\bmiss\b/, 'log: the first line says miss';
like $lines[1] // '', qr/\bhit\b/, 'log: the second line says hit';
my @ref_lines;
for (1 .. 30) {
    open my $fh, '<', $log_file or die "$log_file: $!";
    @ref_lines = grep { /\Q$u_ref\E/ && /\[dashboard:info\]/ } <$fh>;
    close $fh;
    last if @ref_lines;
    select undef, undef, undef, 0.1;
}
is scalar(@ref_lines), 1, 'log: one info line for the refreshing request';
like $ref_lines[0] // '', qr/\Q$ch_ref\E.*\bday\b|\bday\b.*\Q$ch_ref\E/, 'log: it names channel and mode';

open my $lfh, '<', $log_file or die "$log_file: $!";
my $log = do { local $/; <$lfh> };
close $lfh;
for my $secret ([$tok_log, 'the access token'],
                ['ya29.test-rules-logref-old-7c1', 'the expired access token'],
                [$new_token // 'no-token', 'the refreshed access token'],
                [$rt_ref, 'the refresh token'],
                [$ENV{DASH_CLIENT_SECRET}, 'the OAuth client secret']) {
    unlike $log, qr/\Q$secret->[0]\E/, "log: $secret->[1] never appears";
}
unlike $log, qr/ya29\./, 'log: no access token of any request appears';

done_testing();
