# docs/behaviour.md#cache: a cached value is validated element by element (every item of
# monthlyData, dailyData, topContent, ageGroups, topRegions with its fields
# and their types); one that fails is a miss. A valid value written by
# another writer is served in the form of docs/behaviour.md#response:
# integers as integers (17422.0 -> 17422), fields it does not define dropped.
use strict;
use warnings FATAL => 'all';

use Apache::Test ();

use Test::More;
use JSON::PP ();
use lib 't/lib';
use Dash::Test;

my $today = today_report();
my $codec = JSON::PP->new->canonical;

sub stats {
    my ($user, $mode) = @_;
    return get_json("/dashboard/stats?mode=$mode", user => $user);
}

my $u = 'cachevals-user';
my $ch = 'UCcacheVals';
clear_user($u);
add_account($u, $ch);
add_video($u, $ch, sprintf('cval%03d', $_), add_days($today, -3 - 9 * $_) . ' 08:00:00', "Title $_")
    for 0 .. 5;

# The real answers, and the values the module caches for them.
my (%good, %good_val);
for my $mode ('month', 'day') {
    flush_redis();
    google_reset();
    my ($res, $j) = stats($u, $mode);
    is $res->header('X-Dashboard-Cache'), 'miss', "$mode: first a miss";
    $good{$mode} = $j;
    $good_val{$mode} = $codec->decode(redis()->get("dashboard:$u:$ch:$mode") // '{}');
}
ok @{ $good{month}{monthlyData} } && @{ $good{day}{dailyData} }
    && @{ $good{month}{topContent} } && @{ $good{month}{audienceData}{ageGroups} }
    && @{ $good{month}{audienceData}{topRegions} }, 'the channel has data in every list';

sub mutate {
    my ($mode, $f) = @_;
    my $v = $codec->decode($codec->encode($good_val{$mode}));
    $f->($v->{response});
    return $codec->encode($v);
}

# ---- invalid elements: a miss ------------------------------------------------

my @bad = (
    [ month => 'topContent [1, "x"]',        sub { $_[0]{topContent} = [1, 'x'] } ],
    [ month => 'a topContent item without views', sub { delete $_[0]{topContent}[0]{views} } ],
    [ month => 'topContent views a string',  sub { $_[0]{topContent}[0]{views} = '900' } ],
    [ month => 'topContent views 1.5',       sub { $_[0]{topContent}[0]{views} = 1.5 } ],
    [ month => 'topContent id a number',     sub { $_[0]{topContent}[0]{id} = 7 } ],
    [ month => 'topContent engagement a number', sub { $_[0]{topContent}[0]{engagement} = 5.4 } ],
    [ month => 'monthlyData item without thisYear', sub { delete $_[0]{monthlyData}[3]{thisYear} } ],
    [ month => 'monthlyData lastYear null',  sub { $_[0]{monthlyData}[0]{lastYear} = undef } ],
    [ month => 'monthlyData month a number', sub { $_[0]{monthlyData}[0]{month} = 202601 } ],
    [ month => 'monthlyData item a list',    sub { $_[0]{monthlyData}[0] = [1, 2] } ],
    [ day   => 'dailyData item without date', sub { delete $_[0]{dailyData}[5]{date} } ],
    [ day   => 'dailyData thisPeriod a string', sub { $_[0]{dailyData}[0]{thisPeriod} = '52' } ],
    [ month => 'ageGroups percentage a string', sub { $_[0]{audienceData}{ageGroups}[0]{percentage} = '35.2' } ],
    [ month => 'ageGroups item without label', sub { delete $_[0]{audienceData}{ageGroups}[0]{label} } ],
    [ month => 'topRegions percentage a string', sub { $_[0]{audienceData}{topRegions}[0]{percentage} = '71.4' } ],
    [ month => 'topRegions region null',     sub { $_[0]{audienceData}{topRegions}[0]{region} = undef } ],
    [ month => 'gender male a string',       sub { $_[0]{audienceData}{gender}{male} = '58.1' } ],
    [ month => 'a metric value a string',    sub { $_[0]{contentMetrics}[0]{value} = '1520' } ],
    [ month => 'a metric trendDirection "sideways"', sub { $_[0]{contentMetrics}[1]{trendDirection} = 'sideways' } ],
    [ month => 'hasUploads 1',               sub { $_[0]{hasUploads} = 1 } ],
    [ month => 'dataThrough not a day',      sub { $_[0]{dataThrough} = '2026-13-01' } ],
    [ day   => 'dataThrough a number',       sub { $_[0]{dataThrough} = 20260218 } ],
);
for my $b (@bad) {
    my ($mode, $tag, $f) = @$b;
    redis()->set("dashboard:$u:$ch:$mode", mutate($mode, $f));
    google_reset();
    my ($res, $j) = stats($u, $mode);
    is $res->code, 200, "$tag: 200";
    is $res->header('X-Dashboard-Cache'), 'miss', "$tag: a miss";
    is counters()->{reports}, 4, "$tag: answered from Google";
    is_deeply $j, $good{$mode}, "$tag: the full, correct response";
}

# ---- valid values from another writer: served in the response's form -----------

# Integers written as reals, and fields the response does not have.
my $other = $codec->encode($good_val{month});
$other =~ s/("(?:value|views|thisYear|lastYear)":)(-?\d+)(?=[,}])/$1$2.0/g;
my $reals = () = $other =~ /"(?:value|views|thisYear|lastYear)":-?\d+\.0[,}]/g;
ok $reals >= 20, "another writer's value: $reals integers written as reals";
my $extra = $codec->decode($other);
$extra->{response}{writer} = 'python';
$extra->{response}{contentMetrics}[0]{note} = 'x';
$extra->{response}{monthlyData}[0]{comment} = 'x';
$extra->{response}{topContent}[0]{channel} = 'x';
$extra->{response}{audienceData}{source} = 'x';
$extra->{response}{audienceData}{gender}{other} = 1.5;
$extra->{response}{audienceData}{ageGroups}[0]{raw} = [1];
$extra->{response}{audienceData}{topRegions}[0]{name} = 'Korea';
$extra = $codec->encode($extra);
$extra =~ s/("(?:value|views|thisYear|lastYear)":)(-?\d+)(?=[,}])/$1$2.0/g;
redis()->set("dashboard:$u:$ch:month", $extra);
google_reset();
my ($res, $j) = stats($u, 'month');
is $res->code, 200, "another writer's value: 200";
is $res->header('X-Dashboard-Cache'), 'hit', "another writer's value: a hit";
is counters()->{reports}, 0, "another writer's value: Google not called";
is_deeply $j, $good{month}, "another writer's value: exactly the response of docs/behaviour.md, extra fields dropped";
my $body = $res->content;
unlike $body, qr/"(?:value|views|thisYear|lastYear)":-?\d+\.0[,}]/,
    "another writer's value: integers served as integers";
like $body, qr/"views":\d+[,}]/, "another writer's value: views as a JSON integer";
unlike $body, qr/"(?:writer|note|comment|channel|source|other|raw)"|Korea/,
    "another writer's value: no field the response does not define";

# ---- a value stored before responses had dataThrough ------------------------

# Served as it is, with dataThrough null, while it is fresh ...
for my $mode ('month', 'day') {
    like $good{$mode}{dataThrough} // '', qr/^\d{4}-\d{2}-\d{2}$/, "$mode: a fresh answer has dataThrough";
    my $old = $codec->decode($codec->encode($good_val{$mode}));
    delete $old->{response}{dataThrough};
    $old->{fetchedAt} = time - 60;
    redis()->set("dashboard:$u:$ch:$mode", $codec->encode($old));
    google_reset();
    ($res, $j) = stats($u, $mode);
    is $res->header('X-Dashboard-Cache'), 'hit', "$mode, value without dataThrough: a hit";
    is counters()->{reports}, 0, "$mode, value without dataThrough: Google not called";
    ok exists $j->{dataThrough} && !defined $j->{dataThrough},
        "$mode, value without dataThrough: served with dataThrough null";
    is_deeply $j, { %{ $good{$mode} }, dataThrough => undef },
        "$mode, value without dataThrough: otherwise the stored response";

    # ... and refreshed like any value once DashboardCacheTTL (600 s) is past.
    $old->{fetchedAt} = time - 601;
    redis()->set("dashboard:$u:$ch:$mode", $codec->encode($old));
    google_reset();
    ($res, $j) = stats($u, $mode);
    is $res->header('X-Dashboard-Cache'), 'miss', "$mode, expired value without dataThrough: refreshed";
    is counters()->{reports}, 4, "$mode, expired value without dataThrough: one fetch";
    is_deeply $j, $good{$mode}, "$mode, expired value without dataThrough: now with dataThrough";
    my $stored = $codec->decode(redis()->get("dashboard:$u:$ch:$mode") // '{}');
    is $stored->{response}{dataThrough}, $good{$mode}{dataThrough},
        "$mode, expired value without dataThrough: the new value stores it";
}

done_testing();
