# The start-up line of docs/log-messages.md (DASH0001): the module's
# version and the versions of hiredis, jansson and libcurl, once per start,
# and no message of the module without its tag.
use strict;
use warnings FATAL => 'all';

use Apache::Test ();
use Test::More;

my $log_file = Apache::Test::vars('t_logs') . '/error_log';
open my $fh, '<', $log_file or die "$log_file: $!";
my @log = <$fh>;
close $fh;

my @starts = grep { /resuming normal operations/ } @log;
my @ours = grep { /\[dashboard:notice\].*DASH0001: / } @log;
ok scalar(@starts) >= 1, 'httpd has started' or diag @log;
is scalar(@ours), scalar(@starts), 'one DASH0001 line per start'
    or diag @ours;
like $ours[-1] // '',
    qr{DASH0001: mod_dashboard/\d+\.\d+\.\d+ \(hiredis \d+\.\d+\.\d+, jansson \d+\.\d+(?:\.\d+)?, libcurl \d+\.\d+\.\d+\) configured$},
    'it names the module version and hiredis, jansson and libcurl versions';

my @untagged = grep { /\[dashboard:/ && !/\] DASH\d{4}: / } @log;
is_deeply \@untagged, [], 'every message of the module starts with its tag';

done_testing;
