# The stats ETag (docs/api.md#conditional-get): made from the template's
# digest and the two upload counts, not from the body's bytes, so these
# check that it changes exactly when the body does: a new upload in a
# window, a refetch that brings other figures and a purge followed by
# one each change it; a hit, an upload outside both windows and a refetch
# of the same figures keep it. Requests go to any child: a child that
# validated the stored bytes itself and one that found them in its memo
# must give the same tag.
use strict;
use warnings FATAL => 'all';

use Apache::Test ();

use Test::More;
use lib 't/lib';
use Dash::Test;
use Dash::Expect qw(windows);

my $u = 'etag-user';
my $ch = 'UCetagChannel';
my $key = "dashboard:$u:$ch:month";
my $today = today_report();

clear_user($u);
add_account($u, $ch);
add_video($u, $ch, "etagVid$_", add_days($today, -3 - 7 * $_) . ' 10:00:00') for 0 .. 5;
flush_redis();
google_reset();

sub stats {
    my (%h) = @_;
    my $res = call('GET', '/dashboard/stats', user => $u, headers => \%h);
    return ($res, $res->header('ETag'));
}

# Each step: the state, the body and the tag, and what a client holding
# the previous tag is told.
my ($res, $tag) = stats();
is $res->code, 200, 'first request: 200';
is $res->header('X-Dashboard-Cache'), 'miss', 'first request: a miss';
like $tag, qr/^"[0-9a-f]{32}"$/, 'a strong ETag: 32 hex digits, quoted';
my $body = $res->content;

sub step {
    my ($what, $state, $changes) = @_;
    my ($r, $t) = stats();
    is $r->code, 200, "$what: 200";
    is $r->header('X-Dashboard-Cache'), $state, "$what: $state";
    if ($changes) {
        isnt $r->content, $body, "$what: another body (self-check)";
        isnt $t, $tag, "$what: another ETag";
        my ($old) = stats('If-None-Match' => $tag);
        is $old->code, 200, "$what: the previous ETag no longer gets 304";
    }
    else {
        is $r->content, $body, "$what: the same body (self-check)";
        is $t, $tag, "$what: the same ETag";
    }
    ($body, $tag) = ($r->content, $t);
    my ($nm) = stats('If-None-Match' => $tag);
    is $nm->code, 304, "$what: If-None-Match with the ETag: 304";
    is $nm->content, '', "$what: 304 without a body";
    is $nm->header('ETag'), $tag, "$what: 304 with the same ETag";
    is $nm->header('X-Dashboard-Cache'), 'hit', "$what: 304 says hit";
}

step('a hit', 'hit', 0);
step('another hit', 'hit', 0);

# A refetch (the stored value gone, as when it expires) of the same
# figures: new stored bytes, the same body.
google_reset();
redis()->del($key);
step('refetch, same figures', 'miss', 0);
is counters()->{reports} > 0, 1, 'refetch, same figures: Google was asked';

# A refetch that brings other figures.
google('POST', '/_control/channel', { channel => $ch, since => add_days($today, -10) });
redis()->del($key);
step('refetch, other figures', 'miss', 1);

# A purge, then the figures of before.
google('POST', '/_control/channel', { channel => $ch, since => undef });
$res = call('DELETE', '/dashboard/cache?mode=all', user => $u);
is $res->code, 200, 'purge: 200';
step('after a purge', 'miss', 1);
step('a hit after the purge', 'hit', 0);

# An upload on the current window's last day changes the count, so the
# body, while the stored value stays.
add_video($u, $ch, 'etagVidNEW', windows($today, 'month')->{kpi_end} . ' 12:00:00');
step('after an upload', 'hit', 1);

# An upload older than both windows changes no count shown.
add_video($u, $ch, 'etagVidOLD', '2001-01-01 12:00:00');
step('after an old upload', 'hit', 0);

done_testing();
