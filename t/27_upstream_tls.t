# Warm connections to Google (docs/behaviour.md#analytics-calls): the
# stand-in behind a TLS + HTTP/2 front (t/standin/h2_front.py) that counts
# the connections it accepts, trusted through DashboardUpstreamCA. The
# four calls of a miss share one connection, and a second miss in the
# same child opens none. One keep-alive connection keeps every request of
# this file on one child.
use strict;
use warnings FATAL => 'all';

use Apache::Test ();

use Test::More;
use lib 't/lib';
use Dash::Test;
use JSON::PP ();

my $u = 'tls-user';
my $ch = 'UCtlsChannel';
my $key = "dashboard:$u:$ch:month";
my $today = today_local();

# The front's counters, read over the front itself with curl (HTTP/2, the
# test CA); a /_front/ request counts in "accepted" only.
sub front {
    my $out = `curl -sf --http2 --cacert "$ENV{DASH_UPSTREAM_CA}" "$ENV{DASH_GOOGLE_TLS_URL}/_front/stats"`;
    die "front stats: curl exit $?\n" if $?;
    return JSON::PP->new->decode($out);
}

clear_user($u);
add_account($u, $ch);
add_video($u, $ch, "tlsVid$_", add_days($today, -3 - 7 * $_) . ' 10:00:00') for 0 .. 5;
redis()->del($key);

my $get = keepalive_stats('dash_tls', $u);
sub get { return $get->(); }

# The first miss of this child to the front: one connection for the four.
google_reset();
my $f0 = front();
my ($res, $j) = get();
is $res->code, 200, 'cold miss over TLS: 200' or diag $res->content;
is $res->header('X-Dashboard-Cache'), 'miss', 'cold miss: a miss';
is counters()->{reports}, 4, 'cold miss: 4 Analytics calls reached the stand-in';
my $f1 = front();
is $f1->{streams} - $f0->{streams}, 4, 'cold miss: 4 HTTP/2 streams';
is $f1->{connections} - $f0->{connections}, 1, 'cold miss: all on one new connection';
cmp_ok $f1->{max_streams}, '>=', 2, "cold miss: streams multiplexed ($f1->{max_streams} at once)";

# The same data over plain HTTP/1.1 (the default vhost): the transport
# changes nothing in the answer.
redis()->del($key);
Apache::TestRequest::module('default');
my ($res_plain, $j_plain) = get_json('/dashboard/stats', user => $u);
is_deeply $j, $j_plain, 'the answer over TLS is the answer over plain HTTP';
Apache::TestRequest::module('dash_tls');

# A second miss on the same child: the connection is still open.
redis()->del($key);
google_reset();
($res, my $j2) = get();
is $res->code, 200, 'warm miss: 200';
is $res->header('X-Dashboard-Cache'), 'miss', 'warm miss: a miss';
is counters()->{reports}, 4, 'warm miss: 4 Analytics calls';
my $f2 = front();
is $f2->{streams} - $f1->{streams}, 4, 'warm miss: 4 streams';
is $f2->{connections} - $f1->{connections}, 0, 'warm miss: no new connection';
is_deeply $j2, $j, 'warm miss: the same answer';

done_testing();
