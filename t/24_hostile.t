# What a hostile review of the module found: a user name that is not UTF-8, TRACE
# on the dashboard Locations, a token endpoint answering a token that must
# not be stored, a database error that must be logged as itself, a bad mode
# logged as what it is, and an account removed while a request runs.
use strict;
use warnings FATAL => 'all';

use Apache::Test ();

use Test::More;
use Time::HiRes qw(time sleep);
use DBI ();
use JSON::PP ();
use HTTP::Request ();
use Apache::TestRequest ();
use lib 't/lib';
use Dash::Test;

my $today = today_report();
my $log_file = error_log();
# The info line of a request is written just after its answer.
sub log_wait {
    my ($offset, $re) = @_;
    for (1 .. 30) {
        my $s = log_since($offset);
        return $s if $s =~ $re;
        sleep 0.1;
    }
    return log_since($offset);
}

flush_redis();
google_reset();

# ---- a user name that is not UTF-8 ------------------------------------------

# caf\xe9: Latin-1, as an htpasswd file or another authentication module
# may hand it over. No row can belong to it (the tables are UTF-8), so it
# has nothing connected, and the database is not even asked: the answers
# are the same on a server whose database cannot be reached.
my $latin1 = "caf\xe9";
for my $module ('default', 'dash_nodb') {
    my $offset = -s $log_file;
    my ($res, $j) = get_json('/dashboard/accounts', user => $latin1, module => $module);
    is $res->code, 200, "non-UTF-8 user ($module): accounts 200";
    is_deeply $j, { accounts => [] }, "non-UTF-8 user ($module): no accounts";
    ($res, $j) = get_json('/dashboard/stats', user => $latin1, module => $module);
    is_error($res, 404, 'YOUTUBE_NOT_CONNECTED', "non-UTF-8 user ($module): stats");
    my $del = call('DELETE', '/dashboard/cache', user => $latin1, module => $module);
    is $del->code, 200, "non-UTF-8 user ($module): purge 200";
    is json_of($del) && json_of($del)->{deletedCount}, 0, "non-UTF-8 user ($module): purge deletes 0";
    unlike log_since($offset), qr/\[dashboard:(error|warn)\]|already exists/,
        "non-UTF-8 user ($module): no database error logged";
}

# ---- TRACE on the dashboard Locations --------------------------------------
# (the metrics' too: httpd's own TRACE would echo whatever the scraper sent)

for my $t (['/dashboard/accounts', 'GET, HEAD'], ['/dashboard/stats', 'GET, HEAD'],
           ['/dashboard/cache', 'DELETE'], ['/open/stats', 'GET, HEAD'],
           ['/admin/cache', 'DELETE'], ['/dashboard-metrics', 'GET, HEAD']) {
    my ($path, $allow) = @$t;
    for my $who ('with credentials', 'without credentials') {
        my %o = $who eq 'with credentials' ? (user => 'trace-user', password => 'trace-secret-pw') : ();
        my $res = call('TRACE', $path, %o);
        is_error($res, 405, 'METHOD_NOT_ALLOWED', "TRACE $path $who");
        is $res->header('Allow'), $allow, "TRACE $path $who: Allow: $allow";
        unlike $res->content, qr/Authorization|trace-secret|dHJhY2/i,
            "TRACE $path $who: nothing of the request echoed";
    }
}
# Elsewhere httpd's own TRACE handling is left alone. (Not through call():
# that records answers of the dashboard's API for docs/openapi.yaml.)
{
    Apache::TestRequest::module('default');
    my $ua = Apache::TestRequest::user_agent(reset => 1, keep_alive => 0);
    my $res = $ua->request(HTTP::Request->new(
        TRACE => Apache::TestRequest::resolve_url('/index.html')));
    is $res->code, 200, 'TRACE outside the dashboard: httpd answers it as before';
}

# ---- a refreshed token is checked before it is stored -------------------------

my $u_tok = 'hostile-token-user';
my $ch_tok = 'UChostileToken';
clear_user($u_tok);
my $old_expiry = '2001-01-01 00:00:00';
my $id_tok = add_account($u_tok, $ch_tok, access_token => 'ya29.hostile-old',
                         token_expires_at => $old_expiry);
add_video($u_tok, $ch_tok, "hostv$_", add_days($today, -3 - 9 * $_) . ' 08:00:00') for 0 .. 2;

sub token_row {
    return db()->selectrow_hashref(
        'SELECT access_token, refresh_token, token_expires_at::text AS expires_at'
        . ' FROM social_account WHERE id = ?', undef, $id_tok);
}
my $row0 = token_row();

my $long = 'ya29.' . ('a' x 5000);
my @answers = (
    [ 'access_token with CR LF',   { access_token => "ya29.x\r\nX-Evil: 1", expires_in => 3599 } ],
    [ 'access_token with a space', { access_token => 'ya29.x y', expires_in => 3599 } ],
    [ 'access_token with a quote', { access_token => 'ya29.x"y', expires_in => 3599 } ],
    [ 'access_token not ASCII',    { access_token => "ya29.\x{e9}t\x{e9}", expires_in => 3599 } ],
    [ 'access_token of 5 kB',      { access_token => $long, expires_in => 3599 } ],
    [ 'refresh_token with CR LF',  { access_token => 'ya29.fine', expires_in => 3599,
                                     refresh_token => "1//x\r\ny" } ],
    [ 'expires_in 0',              { access_token => 'ya29.fine', expires_in => 0 } ],
    [ 'expires_in negative',       { access_token => 'ya29.fine', expires_in => -3599 } ],
    [ 'expires_in a string',       { access_token => 'ya29.fine', expires_in => '3599' } ],
    [ 'expires_in of 30 years',    { access_token => 'ya29.fine', expires_in => 946080000 } ],
    [ 'expires_in 1e300',          '{"access_token": "ya29.fine", "expires_in": 1e300}' ],
);
for my $a (@answers) {
    my ($tag, $body) = @$a;
    # Each case starts from the row as it was (an expired token).
    db_do('UPDATE social_account SET access_token = ?, refresh_token = ?,'
          . ' token_expires_at = ?::timestamp WHERE id = ?', $row0->{access_token},
          $row0->{refresh_token}, $row0->{expires_at}, $id_tok);
    flush_redis();
    google_reset();
    $body = JSON::PP->new->encode($body) if ref $body;
    google('POST', '/_control/fault', { target => 'token', status => 200, body => $body });
    my ($res, $j) = get_json('/dashboard/stats', user => $u_tok);
    is_error($res, 502, 'YOUTUBE_API_ERROR', "token answer, $tag");
    is counters()->{token}, 1, "token answer, $tag: the token endpoint was asked";
    is counters()->{reports}, 0, "token answer, $tag: no Analytics call made with it";
    is_deeply token_row(), $row0, "token answer, $tag: nothing written to the row";
    unlike $res->as_string, qr/X-Evil|ya29\.fine/, "token answer, $tag: nothing of it in the answer";
}

# ---- a failing statement is logged as itself ------------------------------------

{
    my $u = 'hostile-dberror-user';
    my $ch = 'UChostileDbError';
    clear_user($u);
    add_account($u, $ch);
    add_video($u, $ch, 'hostdb0', add_days($today, -3) . ' 08:00:00');
    my ($res) = get_json('/dashboard/stats', user => $u);
    is $res->code, 200, 'statement error: 200 before';
    my $offset = -s $log_file;
    db_do('ALTER TABLE dashboard RENAME COLUMN title TO title_renamed');
    my $ok = eval {
        flush_redis();
        ($res) = get_json('/dashboard/stats', user => $u);
        is_error($res, 503, 'DATABASE_UNAVAILABLE', 'statement error: 503');
        my $log = log_wait($offset, qr/title/);
        # Ours when the statement ran on an open connection; mod_dbd's own
        # (AH00632) when the child had to open one and could not prepare.
        like $log, qr/\[(?:dashboard|dbd):error\].*column "title" does not exist/,
            'statement error: the log names the real error';
        unlike $log, qr/already exists/, 'statement error: no "already exists" in its place';
        1;
    };
    db_do('ALTER TABLE dashboard RENAME COLUMN title_renamed TO title');
    die $@ unless $ok;
    my @after = map { (get_json('/dashboard/stats', user => $u))[0]->code } 1 .. 6;
    is_deeply \@after, [ (200) x 6 ], 'statement error: every request succeeds once the column is back';
}

# ---- a bad mode is logged as such ----------------------------------------------

{
    my $offset = -s $log_file;
    my $res = call('GET', '/dashboard/stats?mode=week', user => 'hostile-mode-user');
    is_error($res, 400, 'INVALID_PARAMETER', 'mode=week');
    my $log = log_wait($offset, qr/hostile-mode-user.*status=400/);
    my ($line) = grep { /\[dashboard:info\].*stats user=hostile-mode-user/ } split /\n/, $log;
    ok defined $line, 'mode=week: the info line';
    unlike $line // '', qr/mode=(day|month)\b/, 'mode=week: not logged as day or month';
    like $line // '', qr/mode=-/, 'mode=week: logged as no mode';
}

# ---- an account removed between the two database steps ------------------------

{
    my $u = 'hostile-removed-user';
    my $ch = 'UChostileRemoved';
    clear_user($u);
    add_account($u, $ch);
    add_video($u, $ch, 'hostrm0', add_days($today, -3) . ' 08:00:00');
    flush_redis();
    google_reset();
    # The request stops in its first step (the account choice and the
    # upload counts, one statement) behind a lock; the account goes
    # meanwhile; then the request goes on. The statement takes its
    # snapshot once it holds the lock, so it finds no channel at all.
    my $lk = DBI->connect("dbi:Pg:dbname=dashboard;host=127.0.0.1;port=$ENV{DASH_PG_PORT}",
                          'dashboard', '', { RaiseError => 1, AutoCommit => 0, PrintError => 0 });
    $lk->do('LOCK TABLE dashboard IN ACCESS EXCLUSIVE MODE');
    pipe(my $r, my $w) or die "pipe: $!";
    my $pid = fork // die "fork: $!";
    if (!$pid) {
        close $r;
        my $res = call('GET', '/dashboard/stats', user => $u);
        print {$w} $res->code, "\n", $res->content;
        close $w;
        require POSIX;
        POSIX::_exit(0);
    }
    close $w;
    my $blocked = 0;
    for (1 .. 50) {
        ($blocked) = db()->selectrow_array(
            "SELECT count(*) FROM pg_stat_activity WHERE wait_event_type = 'Lock'"
            . " AND query ILIKE '%FROM dashboard%'");
        last if $blocked;
        sleep 0.05;
    }
    ok $blocked, 'account removed: the request waits in its first step';
    db_do('DELETE FROM social_account WHERE user_uuid = ?', $u);
    $lk->rollback;
    $lk->disconnect;
    my ($code, $body) = do { local $/; split /\n/, <$r>, 2 };
    waitpid $pid, 0;
    is $code, 404, 'account removed meanwhile: 404';
    is eval { JSON::PP->new->decode($body)->{code} }, 'YOUTUBE_NOT_CONNECTED',
        'account removed meanwhile: YOUTUBE_NOT_CONNECTED';
    is counters()->{reports}, 0, 'account removed meanwhile: no Analytics call';
}

done_testing();
