# Security headers (docs/api.md#headers, docs/configuration.md#dashboardpage):
# every API answer, errors included, has X-Content-Type-Options: nosniff, a
# Content-Security-Policy that forbids everything (JSON is never a document)
# and Referrer-Policy; the page's files have a policy that allows only its own
# scripts and styles, no framing, and Cache-Control; a site's own policy wins;
# TRACE on the page's Location is 405 like the API, echoing nothing.
use strict;
use warnings FATAL => 'all';

use Apache::Test ();

use Test::More;
use HTTP::Request ();
use MIME::Base64 qw(encode_base64);
use lib 't/lib';
use Dash::Test;

my $today = today_report();
my $u = 'headers-user-0001';
my $ch = 'UCheaders000000000001';
clear_user($u);
add_account($u, $ch);
add_video($u, $ch, 'headers0', add_days($today, -4) . ' 10:00:00');
google_reset();

sub api_headers_ok {
    my ($res, $tag) = @_;
    is $res->header('X-Content-Type-Options'), 'nosniff', "$tag: nosniff";
    my $csp = $res->header('Content-Security-Policy') // '';
    like $csp, qr/default-src 'none'/, "$tag: CSP default-src 'none'";
    like $csp, qr/frame-ancestors 'none'/, "$tag: CSP frame-ancestors 'none'";
    is $res->header('Referrer-Policy'), 'no-referrer', "$tag: Referrer-Policy";
}

api_headers_ok(call('GET', '/dashboard/stats', user => $u), 'stats 200');
api_headers_ok(call('GET', '/dashboard/stats?mode=year', user => $u), 'stats 400');
api_headers_ok(call('GET', '/open/stats'), 'stats 401');
api_headers_ok(call('POST', '/dashboard/stats', user => $u), 'stats 405');
api_headers_ok(call('GET', '/dashboard/accounts', user => $u), 'accounts 200');
api_headers_ok(call('DELETE', '/dashboard/cache', user => $u), 'purge 200');
api_headers_ok(call('DELETE', '/dashboard/cache?user_uuid=else', user => $u), 'purge 403');
api_headers_ok(call('TRACE', '/dashboard/stats', user => $u), 'stats TRACE 405');
api_headers_ok(call('GET', '/dashboard-metrics'), 'metrics');

# ---- the page ---------------------------------------------------------------------

# Not through call(): that records the API's answers for docs/openapi.yaml.
sub page {
    my ($method, $path, %o) = @_;
    Apache::TestRequest::module($o{module} // 'default');
    my $req = HTTP::Request->new($method => Apache::TestRequest::resolve_url($path));
    $req->header(Authorization => 'Basic ' . encode_base64("$u:page-secret-pw", ''));
    return Apache::TestRequest::user_agent(reset => 1, keep_alive => 0)->request($req);
}

for my $path ('/dashboard/ui/', '/dashboard/ui/index.html', '/dashboard/ui/dashboard.js',
              '/dashboard/ui/dashboard.css', '/dashboard/ui/vendor/chart.js/chart.min.js') {
    my $res = page('GET', $path);
    is $res->code, 200, "$path: 200";
    is $res->header('X-Content-Type-Options'), 'nosniff', "$path: nosniff";
    my $csp = $res->header('Content-Security-Policy') // '';
    like $csp, qr/script-src 'self'(;|$)/, "$path: CSP scripts from the page's own origin only";
    like $csp, qr/style-src 'self'(;|$)/, "$path: CSP styles from the page's own origin only";
    unlike $csp, qr/unsafe-inline|unsafe-eval/, "$path: no inline code, no eval";
    like $csp, qr/frame-ancestors 'none'/, "$path: CSP no framing";
    is $res->header('Referrer-Policy'), 'no-referrer', "$path: Referrer-Policy";
    is $res->header('Cache-Control'), 'private, no-cache', "$path: Cache-Control";
}

# A site's own policy (here: framed by its intranet) wins.
{
    my $res = page('GET', '/dashboard/ui/index.html', module => 'dash_pageframe');
    is $res->code, 200, "site's policy: 200";
    my @csp = $res->header('Content-Security-Policy');
    is scalar(@csp), 1, "site's policy: one Content-Security-Policy";
    like $csp[0], qr{frame-ancestors https://intranet\.example}, "site's policy: the site's";
    is $res->header('X-Content-Type-Options'), 'nosniff', "site's policy: still nosniff";
}

# TRACE on the page's Location: 405, nothing of the request echoed.
for my $path ('/dashboard/ui/', '/dashboard/ui/index.html', '/dashboard/ui/vendor/chart.js/chart.min.js') {
    my $res = page('TRACE', $path);
    is $res->code, 405, "TRACE $path: 405";
    is $res->header('Allow'), 'GET, HEAD', "TRACE $path: Allow: GET, HEAD";
    unlike $res->content, qr/Authorization|page-secret|cGFnZS1zZWNyZXQ/i, "TRACE $path: nothing echoed";
}

done_testing();
