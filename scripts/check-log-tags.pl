#!/usr/bin/perl
# make check: every log call of the glue starts its message with its own
# DASHLOGNO(nnnn) tag, no two calls share a number, no message carries a
# text prefix ("dashboard: "; httpd already prints [dashboard:level]), and
# docs/log-messages.md lists exactly the tags the code uses.
use strict;
use warnings;

my $doc = 'docs/log-messages.md';
my (%where, @problems);

for my $file (sort glob 'mod_dashboard.c src/mod_dashboard_*.c') {
    open my $fh, '<', $file or die "$file: $!";
    my $src = do { local $/; <$fh> };
    close $fh;
    while ($src =~ /\bap_log_[a-z]*error\s*\((.*?)\)\s*;/gs) {
        my $args = $1;
        my $line = 1 + (substr($src, 0, $-[0]) =~ tr/\n//);
        my ($before) = $args =~ /^([^"]*)/;
        if ($before !~ /DASHLOGNO\((\d{4})\)\s*$/) {
            push @problems, "$file:$line: the message does not start with DASHLOGNO(nnnn)";
            next;
        }
        my $tag = "DASH$1";
        push @problems, "$file:$line: $tag is also used at $where{$tag}" if $where{$tag};
        $where{$tag} //= "$file:$line";
        push @problems, "$file:$line: $tag: drop the text prefix, httpd prints [dashboard:level]"
            if $args =~ /DASHLOGNO\(\d{4}\)\s*"(?:mod_)?dashboard: /;
    }
}

open my $dh, '<', $doc or die "$doc: $!";
my %listed;
while (<$dh>) {
    $listed{$1}++ while /\b(DASH\d{4})\b/g;
}
close $dh;
for my $tag (sort keys %where) {
    push @problems, "$where{$tag}: $tag is not listed in $doc" unless $listed{$tag};
}
for my $tag (sort keys %listed) {
    push @problems, "$doc: $tag is listed but no message uses it" unless $where{$tag};
}

if (@problems) {
    print STDERR "$_\n" for @problems;
    exit 1;
}
printf "log tags: %d, unique, all in %s\n", scalar(keys %where), $doc;
