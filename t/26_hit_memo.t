# The per-child memo of cache hits (docs/behaviour.md#cache): a hit on bytes
# the child has seen is served without parsing them again, but any change
# of the stored bytes, by anyone, is a different value: it is validated in
# full and never answered from the memo. One keep-alive connection keeps
# every request of this file on one child, the one whose memo is tested.
use strict;
use warnings FATAL => 'all';

use Apache::Test ();

use Test::More;
use lib 't/lib';
use Dash::Test;
use JSON::PP ();

my $u = 'memo-user';
my $ch = 'UCmemoChannel';
my $key = "dashboard:$u:$ch:month";
my $today = today_report();
my $codec = JSON::PP->new->utf8->canonical;

clear_user($u);
add_account($u, $ch);
add_video($u, $ch, "memoVid$_", add_days($today, -3 - 7 * $_) . ' 10:00:00') for 0 .. 5;
flush_redis();

my $get = keepalive_stats('default', $u);
sub get { return $get->(); }

google_reset();
my ($res, $j) = get();
is $res->code, 200, 'first request: 200' or diag $res->content;
is $res->header('X-Dashboard-Cache'), 'miss', 'first request: a miss';
my $stored = redis()->get($key);
ok defined $stored, 'the response is stored';

# The same bytes again, on the same connection: a hit, the same body.
($res, my $j2) = get();
is $res->header('X-Dashboard-Cache'), 'hit', 'second request: a hit';
is_deeply $j2, $j, 'second request: the same response';
my $body2 = $res->content;
is counters()->{reports}, 4, 'only the miss called Google';

# One digit of the stored value changed, same length: a different value,
# served as it now is, not as the memo had it.
my $views = $j->{contentMetrics}[0]{value};
my $changed = $stored;
my $new_views = $views =~ /9$/ ? $views - 1 : $views + 1;
ok $changed =~ s/("id":"total-views","label":"[^"]+","value":)\Q$views\E,/$1$new_views,/,
    'changed one number in the stored value (self-check)';
is length($changed), length($stored), 'same length (self-check)';
redis()->set($key, $changed, 'EX', 600);
($res, my $j3) = get();
is $res->header('X-Dashboard-Cache'), 'hit', 'changed value: still a hit';
is $j3->{contentMetrics}[0]{value}, $new_views, 'changed value: the new number is served';
isnt $res->content, $body2, 'changed value: not the memo\'s body';

# The same response written by another writer (other key order, a float
# in an integer field, a member the response does not define): valid, so
# a hit, and what it says is served.
my $foreign = $codec->decode($stored);
$foreign->{response}{contentMetrics}[0]{value} = $views + 5;
$foreign->{writer} = 'someone else';
my $foreign_raw = JSON::PP->new->utf8->canonical->encode($foreign);
redis()->set($key, $foreign_raw, 'EX', 600);
($res, my $j4) = get();
is $res->header('X-Dashboard-Cache'), 'hit', 'foreign value: a hit';
is $j4->{contentMetrics}[0]{value}, $views + 5, 'foreign value: its number is served';

# A foreign value that does not validate, after the memo held a good one
# for this key: a miss, and Google is asked again.
my $bad = $codec->decode($stored);
splice @{ $bad->{response}{contentMetrics} }, 3, 1;
redis()->set($key, $codec->encode($bad), 'EX', 600);
google_reset();
($res, my $j5) = get();
is $res->code, 200, 'invalid value: 200';
is $res->header('X-Dashboard-Cache'), 'miss', 'invalid value: a miss';
is counters()->{reports}, 4, 'invalid value: Google asked again';
is_deeply $j5, $j, 'invalid value: the full response again';

# Back to bytes the memo has seen: a hit with the counts of now, not of
# when the memo was made (the counts are never cached).
add_video($u, $ch, 'memoVidNEW', add_days($today, -2) . ' 12:00:00');
google_reset();
($res, my $j6) = get();
is $res->header('X-Dashboard-Cache'), 'hit', 'after an upload: a hit';
is $j6->{contentMetrics}[7]{value}, $j->{contentMetrics}[7]{value} + 1,
    'after an upload: the fresh count';
is counters()->{reports}, 0, 'after an upload: no Google call';

done_testing();
