# The access token of a stats request (docs/behaviour.md#tokens): used as is while it has
# more than 10 minutes to live, otherwise refreshed at DashboardTokenURL and
# written back; every way the refresh or the token can fail, with the status
# and code of docs/api.md#errors; and tokens never showing in the error_log
# (docs/behaviour.md#logging).
use strict;
use warnings FATAL => 'all';

use Apache::Test ();

use Test::More;
use Time::HiRes qw(time);
use lib 't/lib';
use Dash::Test;

my $today = today_report();
my $client_id = $ENV{DASH_CLIENT_ID};
my $client_secret = $ENV{DASH_CLIENT_SECRET};
my $small_id = 'wrong-client.apps.googleusercontent.com';   # dash_small's client
my $small_secret = 'wrong-secret';

flush_redis();
google_reset();

# ---- helpers (local to this file) ---------------------------------------

# Every token and secret this file sees; none may reach the error_log or a
# response body.
my %secret = map { ($_ => 1) } $client_secret, $small_secret;
my @bodies;
sub remember { $secret{$_} = 1 for grep { defined && length } @_; }

sub stats {
    my ($u, %o) = @_;
    my $t0 = time;
    my ($res, $j) = get_json('/dashboard/stats', user => $u, %o);
    push @bodies, $res->content;
    return ($res, $j, time - $t0);
}

sub token_calls  { return grep { $_->{path} eq '/token' } @{ requests() }; }
sub report_calls {
    my @r = report_requests();
    remember(map { ($_->{authorization} // '') =~ /^Bearer (.+)$/ ? $1 : () } @r);
    return @r;
}

sub row {
    my ($id) = @_;
    my $r = db()->selectrow_hashref(
        'SELECT access_token, refresh_token, token_expires_at::text AS expires_at'
        . ' FROM social_account WHERE id = ?', undef, $id);
    remember($r->{access_token}, $r->{refresh_token});
    return $r;
}

# Seconds from now (the database's LOCALTIMESTAMP) to token_expires_at.
sub expires_in {
    my ($id) = @_;
    my ($s) = db()->selectrow_array(
        'SELECT EXTRACT(EPOCH FROM token_expires_at - LOCALTIMESTAMP)'
        . ' FROM social_account WHERE id = ?', undef, $id);
    return $s;
}

# A user with one channel and one upload (so that upstream calls happen).
sub setup {
    my ($u, $ch, %acc) = @_;
    clear_user($u);
    my $id = add_account($u, $ch, %acc);
    add_video($u, $ch, "v$ch", add_days($today, -3) . ' 10:00:00', "Upload of $u");
    remember(map { $_->{access_token}, $_->{refresh_token} } row($id));
    return $id;
}

sub key_of { my ($u, $ch) = @_; return "dashboard:$u:$ch:month"; }

my $log_file = Apache::Test::vars('t_logs') . '/error_log';

# The form of one refresh request, as docs/behaviour.md#tokens wants it.
sub check_form {
    my ($name, $call, $refresh_token, $id, $secret) = @_;
    is $call->{method}, 'POST', "$name: the token call is a POST";
    is $call->{form}{grant_type}, 'refresh_token', "$name: grant_type=refresh_token";
    is $call->{form}{refresh_token}, $refresh_token, "$name: the row's refresh token";
    is $call->{form}{client_id}, $id, "$name: client_id is the configured client";
    is $call->{form}{client_secret}, $secret, "$name: client_secret is the configured secret";
}

# A failed stats request: status, code, the error body, nothing cached and
# the row's tokens untouched.
sub check_failure {
    my ($name, $res, $j, $status, $code, $key, $id, $before) = @_;
    is $res->code, $status, "$name: $status";
    is $j && $j->{code}, $code, "$name: $code";
    is_deeply [ sort keys %{ $j // {} } ], [qw(code message)], "$name: body is {code, message}";
    is $res->header('Content-Type'), 'application/json; charset=utf-8', "$name: JSON";
    ok !redis()->exists($key), "$name: nothing cached";
    is_deeply row($id), $before, "$name: the row's tokens are unchanged";
}

# ---- a token with more than 10 minutes to live is used as is -------------

for my $case (['fresh-1h', "LOCALTIMESTAMP + interval '1 hour'"],
              ['fresh-15m', "LOCALTIMESTAMP + interval '15 minutes'"]) {
    my ($tag, $expr) = @$case;
    my ($u, $ch) = ("tok-$tag", "UCtok\u$tag");
    $ch =~ s/-//g;
    my $id = setup($u, $ch, token_expires_at => \$expr);
    my $before = row($id);
    google_reset();
    my ($res, $j) = stats($u);
    is $res->code, 200, "$tag: 200";
    is $res->header('X-Dashboard-Cache'), 'miss', "$tag: miss";
    is scalar(token_calls()), 0, "$tag: no /token call";
    my @r = report_calls();
    is scalar(@r), 4, "$tag: 4 Analytics calls";
    is_deeply [ map { $_->{authorization} } @r ], [ ("Bearer $before->{access_token}") x 4 ],
        "$tag: the stored token is the Bearer of all 4";
    is_deeply [ map { $_->{status} } @r ], [ (200) x 4 ], "$tag: Google accepted all 4";
    is_deeply row($id), $before, "$tag: the row is untouched";
}

# A fresh token needs no refresh token.
{
    my ($u, $ch) = ('tok-fresh-norefresh', 'UCtokFreshNoRefresh');
    my $id = setup($u, $ch, refresh_token => undef);
    google_reset();
    my ($res) = stats($u);
    is $res->code, 200, 'fresh token without a refresh token: 200';
    is scalar(token_calls()), 0, 'fresh token without a refresh token: no /token call';
    is scalar(report_calls()), 4, 'fresh token without a refresh token: 4 Analytics calls';
}

# ---- expiring soon, expired or unknown: refreshed and written back -------

sub refresh_case {
    my ($tag, $expires, %o) = @_;
    my ($u, $ch) = ("tok-$tag", "UCtok$tag");
    $ch =~ s/-//g;
    my $id = setup($u, $ch, token_expires_at => $expires);
    my $old = row($id);
    if ($o{rotate}) {
        google('POST', '/_control/refresh_token', { refresh_token => $old->{refresh_token},
               channel => $ch, rotate => JSON::PP::true });
    }
    google_reset();
    my ($res, $j) = stats($u);
    is $res->code, 200, "$tag: 200";
    is $res->header('X-Dashboard-Cache'), 'miss', "$tag: miss";
    is $j && $j->{hasUploads}, JSON::PP::true, "$tag: a full response";

    my @t = token_calls();
    is scalar(@t), 1, "$tag: exactly one /token call";
    check_form($tag, $t[0] // {}, $old->{refresh_token}, $client_id, $client_secret);
    is $t[0] && $t[0]{status}, 200, "$tag: Google granted a new token";

    my $new = row($id);
    like $new->{access_token}, qr/^ya29\.standin-/, "$tag: the row holds the new access token";
    isnt $new->{access_token}, $old->{access_token}, "$tag: the access token changed";
    my @r = report_calls();
    is scalar(@r), 4, "$tag: 4 Analytics calls";
    is_deeply [ map { $_->{authorization} } @r ], [ ("Bearer $new->{access_token}") x 4 ],
        "$tag: the NEW token is the Bearer of all 4";
    is_deeply [ map { $_->{status} } @r ], [ (200) x 4 ], "$tag: Google accepted all 4";

    my $left = expires_in($id);
    ok defined $left && $left > 3599 - 10 && $left <= 3599 + 1,
        "$tag: token_expires_at is now + expires_in (" . ($left // 'NULL') . ' s left)';
    if ($o{rotate}) {
        like $new->{refresh_token}, qr/^1\/\/standin-rotated-/,
            "$tag: the rotated refresh token is stored";
    }
    else {
        is $new->{refresh_token}, $old->{refresh_token}, "$tag: the refresh token is unchanged";
    }

    # The next request (cache purged) uses the stored new token as is.
    my $del = call('DELETE', '/dashboard/cache', user => $u);
    is $del->code, 200, "$tag: cache purged";
    google_reset();
    my ($res2) = stats($u);
    is $res2->code, 200, "$tag, again: 200";
    is $res2->header('X-Dashboard-Cache'), 'miss', "$tag, again: miss";
    is scalar(token_calls()), 0, "$tag, again: no /token call";
    @r = report_calls();
    is_deeply [ map { $_->{authorization} } @r ], [ ("Bearer $new->{access_token}") x 4 ],
        "$tag, again: the stored new token is the Bearer of all 4";
    is_deeply row($id), $new, "$tag, again: the row is unchanged";
    return ($id, $u, $ch, $new);
}

refresh_case('soon-5m', \"LOCALTIMESTAMP + interval '5 minutes'");
refresh_case('past', \"LOCALTIMESTAMP - interval '1 hour'");
refresh_case('null', undef);

# Google rotates the refresh token: the new one is stored, and it is the one
# sent (and accepted) on the next refresh.
{
    my ($id, $u, $ch, $new) = refresh_case('rotate', \"LOCALTIMESTAMP - interval '1 day'",
                                           rotate => 1);
    db_do("UPDATE social_account SET token_expires_at = LOCALTIMESTAMP - interval '1 minute'"
          . ' WHERE id = ?', $id);
    redis()->del(key_of($u, $ch));
    google_reset();
    my ($res) = stats($u);
    is $res->code, 200, 'rotate, next refresh: 200';
    my @t = token_calls();
    is scalar(@t), 1, 'rotate, next refresh: one /token call';
    is $t[0] && $t[0]{form}{refresh_token}, $new->{refresh_token},
        'rotate, next refresh: the stored rotated refresh token is sent';
    is $t[0] && $t[0]{status}, 200, 'rotate, next refresh: Google accepts it';
    my $now = row($id);
    isnt $now->{refresh_token}, $new->{refresh_token}, 'rotate, next refresh: rotated again';
    is_deeply [ map { $_->{authorization} } report_calls() ],
        [ ("Bearer $now->{access_token}") x 4 ], 'rotate, next refresh: the newest token is used';
}

# ---- failures ------------------------------------------------------------

# No refresh token and an expired (or unknown) token: 401 without any call.
for my $case (['norefresh-past', \"LOCALTIMESTAMP - interval '1 hour'"],
              ['norefresh-null', undef]) {
    my ($tag, $expires) = @$case;
    my ($u, $ch) = ("tok-$tag", "UCtok$tag");
    $ch =~ s/-//g;
    my $id = setup($u, $ch, refresh_token => undef, token_expires_at => $expires);
    my $before = row($id);
    google_reset();
    my ($res, $j) = stats($u);
    check_failure($tag, $res, $j, 401, 'YOUTUBE_TOKEN_EXPIRED', key_of($u, $ch), $id, $before);
    my $c = counters();
    is $c->{token}, 0, "$tag: no /token call";
    is $c->{reports}, 0, "$tag: no Analytics call";
}

# The token endpoint refuses or fails. Each case: what to arrange at the
# stand-in, the expected status and code, the token call's status there.
my @token_failures = (
    { tag => 'revoked', status => 401, code => 'YOUTUBE_TOKEN_EXPIRED', google => 400,
      arrange => sub { my ($rt) = @_;
          my $r = google('POST', '/_control/revoke', { refresh_token => $rt });
          ok $r->{revoked}, 'revoked: the refresh token was revoked at Google'; } },
    { tag => 'grant-fault', status => 401, code => 'YOUTUBE_TOKEN_EXPIRED', google => 400,
      arrange => sub { google('POST', '/_control/fault',
          { target => 'token', status => 400, reason => 'invalid_grant' }); } },
    { tag => 'wrong-client', status => 502, code => 'YOUTUBE_API_ERROR', google => 401,
      module => 'dash_small', client => [ $small_id, $small_secret ] },
    { tag => 'token-500', status => 502, code => 'YOUTUBE_API_ERROR', google => 500,
      arrange => sub { google('POST', '/_control/fault',
          { target => 'token', status => 500 }); } },
    { tag => 'token-invalid-request', status => 502, code => 'YOUTUBE_API_ERROR', google => 400,
      arrange => sub { google('POST', '/_control/fault',
          { target => 'token', status => 400, reason => 'invalid_request' }); } },
    { tag => 'token-not-json', status => 502, code => 'YOUTUBE_API_ERROR', google => 200,
      arrange => sub { google('POST', '/_control/fault',
          { target => 'token', status => 200, body => '{not json' }); } },
    { tag => 'token-no-access-token', status => 502, code => 'YOUTUBE_API_ERROR', google => 200,
      arrange => sub { google('POST', '/_control/fault',
          { target => 'token', status => 200,
            body => '{"expires_in": 3599, "token_type": "Bearer"}' }); } },
    { tag => 'token-hang', status => 504, code => 'YOUTUBE_API_TIMEOUT', hang => 1,
      arrange => sub { google('POST', '/_control/fault',
          { target => 'token', status => 500, delay_ms => 3500 }); } },
);

for my $f (@token_failures) {
    my $tag = $f->{tag};
    my ($u, $ch) = ("tok-$tag", "UCtok$tag");
    $ch =~ s/-//g;
    my $id = setup($u, $ch, token_expires_at => \"LOCALTIMESTAMP - interval '1 hour'");
    my $before = row($id);
    google_reset();
    $f->{arrange}->($before->{refresh_token}) if $f->{arrange};
    my ($res, $j, $took) = stats($u, $f->{module} ? (module => $f->{module}) : ());
    check_failure($tag, $res, $j, $f->{status}, $f->{code}, key_of($u, $ch), $id, $before);
    my @t = token_calls();
    is scalar(@t), 1, "$tag: one /token call";
    my ($cid, $csecret) = @{ $f->{client} // [ $client_id, $client_secret ] };
    check_form($tag, $t[0] // {}, $before->{refresh_token}, $cid, $csecret);
    is $t[0] && $t[0]{status}, $f->{google}, "$tag: Google answered $f->{google}"
        if defined $f->{google};
    is counters()->{reports}, 0, "$tag: no Analytics call";
    if ($f->{hang}) {
        cmp_ok $took, '>=', 1.9, sprintf('%s: waited DashboardUpstreamTimeout (%.2f s)', $tag, $took);
        cmp_ok $took, '<', time_bound(2, 1, 3.4), sprintf('%s: gave up at ~2 s, not 3.5 (%.2f s)', $tag, $took);
    }
}

# The Analytics API answers 401 for a token the module believes fresh.
{
    my ($u, $ch) = ('tok-api-revoked', 'UCtokApiRevoked');
    my $id = setup($u, $ch);
    my $before = row($id);
    google_reset();
    my $r = google('POST', '/_control/revoke', { access_token => $before->{access_token} });
    ok $r->{revoked}, 'api-revoked: the access token was revoked at Google';
    my ($res, $j) = stats($u);
    check_failure('api-revoked', $res, $j, 401, 'YOUTUBE_TOKEN_EXPIRED', key_of($u, $ch), $id, $before);
    my @r = report_calls();
    ok scalar(@r) >= 1, 'api-revoked: the Analytics API was called';
    ok !grep({ ($_->{status} // 0) != 401 } @r), 'api-revoked: and answered 401';
}

# One of the four answers 401 (the others succeed).
{
    my ($u, $ch) = ('tok-api-401-one', 'UCtokApi401One');
    my $id = setup($u, $ch);
    my $before = row($id);
    google_reset();
    google('POST', '/_control/fault', { target => 'reports', status => 401,
                                        match => { dimensions => 'ageGroup,gender' } });
    my ($res, $j) = stats($u);
    check_failure('api-401-one', $res, $j, 401, 'YOUTUBE_TOKEN_EXPIRED', key_of($u, $ch), $id, $before);
    ok grep({ ($_->{params}{dimensions} // '') eq 'ageGroup,gender' && ($_->{status} // 0) == 401 }
            report_calls()), 'api-401-one: the demographics call got the 401';
}

# ---- the write-back fails (docs/behaviour.md#tokens) ------------------------
# The request still uses the new token and the failure is logged; the row
# keeps the old token, so the next request refreshes again. Two ways:
# the role lost its UPDATE grant (the "permission denied" of
# docs/operations.md), and a constraint refusing the row, whose message
# from Postgres quotes the failing row, new token included (which the
# check at the end of this file must not find in the error_log).
my $module_role = $ENV{DASH_PG_MODULE_USER};
for my $case (
    [ 'writeback-grant',
      sub { db_do("REVOKE UPDATE ON social_account FROM $module_role") },
      sub { db_do("GRANT UPDATE (access_token, token_expires_at, refresh_token)"
                  . " ON social_account TO $module_role") },
      qr/permission denied/ ],
    [ 'writeback-check',
      sub { db_do("ALTER TABLE social_account ADD CONSTRAINT dash_test_refuse"
                  . " CHECK (user_uuid <> 'tok-writeback-check' OR access_token NOT LIKE 'ya29.standin-%')"
                  . " NOT VALID") },
      sub { db_do('ALTER TABLE social_account DROP CONSTRAINT IF EXISTS dash_test_refuse') },
      qr/dash_test_refuse/ ],
) {
    my ($tag, $break, $repair, $why) = @$case;
    my ($u, $ch) = ("tok-$tag", 'UCtok' . join '', map { ucfirst } split /-/, $tag);
    my $id = setup($u, $ch, token_expires_at => \"LOCALTIMESTAMP - interval '1 minute'");
    my $before = row($id);
    google_reset();
    my $offset = -s $log_file;
    $break->();
    my ($res, $j) = eval { stats($u) };
    my $err = $@;
    $repair->();
    die $err if $err;
    is $res->code, 200, "$tag: 200 although the new token could not be stored";
    is $j && $j->{hasUploads}, JSON::PP::true, "$tag: a full response";
    my @t = token_calls();
    is scalar(@t), 1, "$tag: one /token call";
    my @r = report_calls();
    my %bearer = map { ($_->{authorization} // '') => 1 } @r;
    is scalar(keys %bearer), 1, "$tag: one token for every Analytics call";
    my ($used) = map { /^Bearer (.+)$/ ? $1 : () } keys %bearer;
    like $used // '', qr/^ya29\.standin-/, "$tag: the new token, from Google";
    is_deeply row($id), $before, "$tag: the row keeps the old token";
    like log_since($offset), qr/DASH0203: database unavailable: .*$why/,
        "$tag: the failed write is logged";
    # Not cached answers: the next request needs the token again.
    flush_redis();
    google_reset();
    ($res) = stats($u);
    is $res->code, 200, "$tag, again: 200";
    is scalar(token_calls()), 1, "$tag, again: the token is refreshed again";
    like row($id)->{access_token}, qr/^ya29\.standin-/, "$tag, again: now it is stored";
}

# ---- no token or secret in the error_log or a response ----------------------
# (docs/behaviour.md#tokens, docs/behaviour.md#logging)

open my $fh, '<', $log_file or die "$log_file: $!";
my $log = do { local $/; <$fh> };
close $fh;
like $log, qr/tok-past/, 'the error_log has this file\'s requests (docs/behaviour.md#logging info line)';
my @secrets = sort grep { length > 6 } keys %secret;
cmp_ok scalar(@secrets), '>', 20, scalar(@secrets) . ' tokens and secrets collected';
my @leaked = grep { index($log, $_) >= 0 } @secrets;
is_deeply \@leaked, [], 'no access token, refresh token or client secret in the error_log';
my @in_body = grep { my $s = $_; grep { index($_, $s) >= 0 } @bodies } @secrets;
is_deeply \@in_body, [], 'no token or secret in a response body';
unlike $log, qr/exit signal|Segmentation fault/, 'no httpd child crashed';

done_testing();
