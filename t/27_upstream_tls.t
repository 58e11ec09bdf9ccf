# Warm connections to Google (docs/behaviour.md#analytics-calls): the
# stand-in behind a TLS + HTTP/2 front (t/standin/h2_front.py) that counts
# the connections it accepts, trusted through DashboardUpstreamCA. The
# four calls of a miss share one connection, and a second miss in the
# same child opens none. One keep-alive connection keeps every request of
# this file on one child.
#
# Then Google's failure cases over TLS and HTTP/2, as production meets
# them: answers streamed in small DATA frames (complete, too slow, too
# large), a stream reset by the server, and a timed-out call; after each
# the warm connection serves the next miss correctly.
use strict;
use warnings FATAL => 'all';

use Apache::Test ();

use Test::More;
use lib 't/lib';
use Dash::Test;
use JSON::PP ();
use Time::HiRes ();

my $u = 'tls-user';
my $ch = 'UCtlsChannel';
my $key = "dashboard:$u:$ch:month";
my $today = today_report();

# The front's counters, read over the front itself with curl (HTTP/2, the
# test CA); a /_front/ request counts in "accepted" only.
sub front {
    my ($what, $body) = @_;
    my @post = defined $body ? ('-X', 'POST', '-d', JSON::PP->new->encode($body)) : ();
    my $url = "$ENV{DASH_GOOGLE_TLS_URL}/_front/" . ($what // 'stats');
    open my $fh, '-|', 'curl', '-sf', '--http2', '--cacert', $ENV{DASH_UPSTREAM_CA}, @post, $url
        or die "curl: $!\n";
    my $out = do { local $/; <$fh> };
    close $fh;
    die "front $url: curl exit $?\n" if $?;
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

# ---- Google's failures over TLS and HTTP/2 ---------------------------------

# A miss on this child, timed; the stand-in's and the front's figures.
sub miss {
    redis()->del($key);
    my $t0 = Time::HiRes::time();
    my ($r, $body) = get();
    return ($r, $body, Time::HiRes::time() - $t0);
}

# After each failure: the next miss on this child is whole and right, on
# the connection it already has (no answer of the failed call left in it).
sub then_whole {
    my ($tag) = @_;
    google_reset();
    front('trickle', { piece => 0 });
    my $before = front();
    my ($r, $body) = miss();
    is $r->code, 200, "$tag, then: 200";
    is_deeply $body, $j, "$tag, then: the same answer as before";
    my $after = front();
    is $after->{connections} - $before->{connections}, 0, "$tag, then: on the warm connection";
}

# Every answer streamed: 4 kB DATA frames, 20 ms apart (the month's daily
# series, some 70 kB from the stand-in, takes about 0.35 s).
google_reset();
front('trickle', { piece => 4096, every_ms => 20 });
my ($r, $body, $took) = miss();
front('trickle', { piece => 0 });
is $r->code, 200, 'streamed answers: 200';
is $r->header('X-Dashboard-Cache'), 'miss', 'streamed answers: a miss';
is_deeply $body, $j, 'streamed answers: the same answer as in one piece';
cmp_ok $took, '>=', 0.04, sprintf('streamed answers: they did arrive in pieces (%.2f s)', $took);

# One answer streamed that cannot end within DashboardUpstreamTimeout (2 s):
# 100 kB, under the size cap, in 1 kB pieces 50 ms apart.
google_reset();
google('POST', '/_control/fault', { target => 'reports', match => { dimensions => 'country' },
       status => 200, stream_bytes => 100_000, stream_piece => 1000, stream_every_ms => 50 });
($r, $body, $took) = miss();
is_error($r, 504, 'YOUTUBE_API_TIMEOUT', 'a streamed answer too slow');
cmp_ok $took, '<', time_bound(2, 1, 9), sprintf('a streamed answer too slow: given up at ~2 s (%.2f s)', $took);
ok !redis()->exists($key), 'a streamed answer too slow: nothing cached';
then_whole('a streamed answer too slow');

# One answer streamed past the size cap (512 KiB): refused as it arrives,
# long before its 4 MB would be through.
google_reset();
google('POST', '/_control/fault', { target => 'reports', match => { dimensions => 'country' },
       status => 200, stream_bytes => 4_000_000, stream_piece => 32768, stream_every_ms => 20 });
($r, $body, $took) = miss();
is_error($r, 502, 'YOUTUBE_API_ERROR', 'a streamed answer too large');
cmp_ok $took, '<', time_bound(0.4, 1.5, 9), sprintf('a streamed answer too large: refused early (%.2f s)', $took);
then_whole('a streamed answer too large');

# The server resets one stream (RST_STREAM): that call fails, the
# connection's other streams and the next miss do not.
google_reset();
google('POST', '/_control/fault', { target => 'reports', match => { dimensions => 'country' },
       drop => JSON::PP::true });
my $before = front();
($r, $body) = miss();
is_error($r, 502, 'YOUTUBE_API_ERROR', 'a stream reset');
is front()->{connections} - $before->{connections}, 0, 'a stream reset: on the warm connection';
then_whole('a stream reset');

# A call timed out (its stream cancelled by the module); the connection
# is reused by the next miss, which must not get the late answer.
google_reset();
google('POST', '/_control/delay', { ms => 3500 });
($r, $body, $took) = miss();
is_error($r, 504, 'YOUTUBE_API_TIMEOUT', 'a timed-out call');
cmp_ok $took, '<', time_bound(2, 1, 3.4), sprintf('a timed-out call: given up at ~2 s (%.2f s)', $took);
# The late answer lands on the connection while the next miss runs.
then_whole('a timed-out call');
sleep 2;
then_whole('a timed-out call, its late answer come and gone');

done_testing();
