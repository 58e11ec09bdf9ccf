# GET /dashboard/accounts — docs/api.md#accounts, and the docs/api.md#errors rows that apply to it.
use strict;
use warnings FATAL => 'all';

use Apache::Test ();

use Test::More;
use lib 't/lib';
use Dash::Test;

my $u = 'acc-user-0001';
my $other = 'acc-user-0002';
clear_user($_) for $u, $other, 'acc-user-none';

# Accounts of one user, covering every rule of docs/api.md#accounts.
my %id;
$id{uc1_old} = add_account($u, 'UC1', connected_at => '2026-01-01 10:00:00',
    platform_data => '{"channel_title": "Old title"}', register => 0);
$id{uc1_new} = add_account($u, 'UC1', connected_at => '2026-03-01 09:15:00',
    platform_data => '{"channel_title": "Han\'s kitchen", "x": 1}',
    platform_username => 'han', register => 0);
$id{uc3} = add_account($u, 'UC3', connected_at => '2026-02-01 00:00:00',
    platform_data => '"just a string"', register => 0);
$id{uc5} = add_account($u, 'UC5', connected_at => '2026-02-01 00:00:00',
    platform_data => '[1, 2]', platform_username => undef, register => 0);
$id{uc2_a} = add_account($u, 'UC2', connected_at => undef,
    platform_data => '{"other": "no title"}', register => 0);
$id{uc2_b} = add_account($u, 'UC2', connected_at => undef,
    platform_data => undef, register => 0);
$id{uc6} = add_account($u, 'UC6', connected_at => '2025-12-31 23:59:59.25',
    platform_data => '{"channel_title": null}', register => 0);
# Not listed: inactive, another platform, another user.
add_account($u, 'UC4', is_active => 0, connected_at => '2026-05-01 00:00:00', register => 0);
add_account($u, 'ig', platform => 'instagram', connected_at => '2026-05-01 00:00:00', register => 0);
add_account($other, 'UC9', connected_at => '2026-05-01 00:00:00', register => 0);

my ($res, $j) = get_json('/dashboard/accounts', user => $u);
is $res->code, 200, 'accounts: 200';
is $res->header('Content-Type'), 'application/json; charset=utf-8', 'JSON content type';
is $res->header('Cache-Control'), 'private, no-store', 'not cacheable';
is_deeply [ map { $_->{platformUserId} } @{ $j->{accounts} } ],
    [qw(UC1 UC5 UC3 UC6 UC2)],
    'newest connected_at first, ties by id descending, NULL last, one row per channel';

my %by = map { $_->{platformUserId} => $_ } @{ $j->{accounts} };
is_deeply $by{UC1}, {
    id => $id{uc1_new}, platform => 'youtube', platformUsername => 'han',
    platformUserId => 'UC1', channelTitle => "Han's kitchen",
    connectedAt => '2026-03-01T09:15:00', isActive => JSON::PP::true,
}, 'the newest row of a channel, every field';
is $by{UC2}{id}, $id{uc2_b}, 'NULL connected_at: the higher id wins';
is $by{UC2}{connectedAt}, undef, 'connectedAt null when unknown';
is $by{UC2}{channelTitle}, undef, 'channelTitle null when platform_data is NULL';
is $by{UC3}{channelTitle}, undef, 'channelTitle null when platform_data is a string';
is $by{UC5}{channelTitle}, undef, 'channelTitle null when platform_data is an array';
is $by{UC5}{platformUsername}, undef, 'platformUsername null when NULL';
is $by{UC6}{channelTitle}, undef, 'channelTitle null when the member is null';
is $by{UC6}{connectedAt}, '2025-12-31T23:59:59.250000', 'fractional seconds kept';
ok JSON::PP::is_bool($by{UC1}{isActive}), 'isActive is a JSON boolean';
like $res->content, qr/"id":\d+,/, 'id is a JSON number';

# No channel at all.
($res, $j) = get_json('/dashboard/accounts', user => 'acc-user-none');
is $res->code, 200, 'no accounts: 200';
is_deeply $j, { accounts => [] }, 'no accounts: empty list';

# Only the caller's rows.
($res, $j) = get_json('/dashboard/accounts', user => $other);
is_deeply [ map { $_->{platformUserId} } @{ $j->{accounts} } ], ['UC9'],
    'another user sees only their own channel';

# HEAD is GET without a body.
my $get = call('GET', '/dashboard/accounts', user => $u);
my $head = call('HEAD', '/dashboard/accounts', user => $u);
is $head->code, 200, 'HEAD: 200';
is $head->content, '', 'HEAD: no body';
is $head->header('Content-Length'), length($get->content), 'HEAD: same Content-Length';
is $head->header('Content-Type'), 'application/json; charset=utf-8', 'HEAD: same type';

# Conditional GET (docs/api.md#conditional-get).
my $etag = $get->header('ETag');
like $etag, qr/^"[0-9a-f]{32}"$/, 'strong ETag';
$res = call('GET', '/dashboard/accounts', user => $u, headers => { 'If-None-Match' => $etag });
is $res->code, 304, 'If-None-Match with the ETag: 304';
is $res->content, '', '304 has no body';
$res = call('GET', '/dashboard/accounts', user => $u, headers => { 'If-None-Match' => '"nope"' });
is $res->code, 200, 'another ETag: 200';
my $bare = substr $etag, 1, -1;
for my $case (["W/$etag", 304, 'the weak form of the ETag (weak comparison)'],
              [qq{"nope", $etag}, 304, 'a list holding the ETag'],
              [qq{W/"nope" ,$etag , "x"}, 304, 'a list with odd spacing'],
              ['*', 304, '*'],
              [qq{"nope", W/"x"}, 200, 'a list without it'],
              [qq{"$bare}, 200, 'the ETag without its closing quote'],
              [qq{"${bare}0"}, 200, 'a longer tag that starts like it'],
              [$bare, 200, 'the ETag unquoted']) {
    my ($inm, $want, $what) = @$case;
    $res = call('GET', '/dashboard/accounts', user => $u, headers => { 'If-None-Match' => $inm });
    is $res->code, $want, "If-None-Match, $what: $want";
}
$res = call('HEAD', '/dashboard/accounts', user => $u, headers => { 'If-None-Match' => $etag });
is $res->code, 304, 'HEAD with If-None-Match: 304';
$res = call('GET', '/dashboard/accounts', user => $u,
            headers => { 'If-None-Match' => $etag, 'If-Match' => '"other"' });
is $res->code, 200, 'a failed If-Match: the full answer (no 412, not an error of docs/api.md)';
$res = call('GET', '/dashboard/accounts', user => $u,
            headers => { 'If-Modified-Since' => 'Sun, 06 Nov 2095 08:49:37 GMT' });
is $res->code, 200, 'If-Modified-Since alone: 200 (the answers have no date)';

# Errors (docs/api.md#errors).
for my $m (qw(POST PUT DELETE PATCH OPTIONS)) {
    ($res, $j) = (call($m, '/dashboard/accounts', user => $u));
    $j = json_of($res);
    is $res->code, 405, "$m: 405";
    is $res->header('Allow'), 'GET, HEAD', "$m: Allow header";
    is_deeply [ sort keys %$j ], [qw(code message)], "$m: error body has code and message";
    is $j->{code}, 'METHOD_NOT_ALLOWED', "$m: code";
    is $res->header('Content-Type'), 'application/json; charset=utf-8', "$m: JSON";
}

($res, $j) = get_json('/open/accounts');
is $res->code, 401, 'no r->user: 401';
is $j->{code}, 'UNAUTHENTICATED', 'no r->user: code';

($res, $j) = get_json('/dashboard/accounts', user => $u, module => 'dash_nodb');
is $res->code, 503, 'database down: 503';
is $j->{code}, 'DATABASE_UNAVAILABLE', 'database down: code';
is $res->header('Content-Type'), 'application/json; charset=utf-8', 'database down: JSON';

done_testing();
