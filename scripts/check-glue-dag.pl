#!/usr/bin/perl
# make boundary: the glue's calls form a DAG (docs/architecture.md). From
# the built objects, which glue file calls a function another defines;
# the module record (dashboard_module) that every file refers to is not a
# call. Includes count too, the way a structure map draws them: a file
# that includes mod_dashboard_X.h depends on mod_dashboard_X.c (when there
# is one: src/mod_dashboard_private.h and the handlers' declarations
# belong to no file). Fails, naming the files, on any cycle.
use strict;
use warnings;

my @objs = @ARGV or die "usage: $0 .libs/mod_dashboard*.o\n";
my (%owner, %uses);
sub name { my ($o) = @_; $o =~ s{.*/}{}; $o =~ s{\.o$}{.c}; $o }
for my $o (@objs) {
    for (`nm -g --defined-only $o`) {
        my $sym = (split)[2] // next;
        $owner{$sym} = name($o) if $sym =~ /^dashboard_/;
    }
}
for my $o (@objs) {
    my $me = name($o);
    $uses{$me} //= {};
    for (`nm -u $o`) {
        my $sym = (split)[-1];
        next if $sym eq 'dashboard_module' || !$owner{$sym} || $owner{$sym} eq $me;
        $uses{$me}{ $owner{$sym} } = $sym;
    }
}

# Includes: name.c -> the .c of each glue header it includes.
for my $me (keys %uses) {
    my ($src) = grep { -f } ($me, "src/$me");
    next unless $src;
    open my $fh, '<', $src or die "$src: $!";
    while (<$fh>) {
        next unless /^\s*#\s*include\s+"(mod_dashboard[a-z_]*)\.h"/;
        my $c = "$1.c";
        next if $c eq $me || !exists $uses{$c};
        $uses{$me}{$c} //= "#include \"$1.h\"";
    }
}

# Depth-first search; a file met again while on the path closes a cycle.
my (%state, @path, @cycles);
sub visit {
    my ($f) = @_;
    $state{$f} = 1;
    push @path, $f;
    for my $g (sort keys %{ $uses{$f} }) {
        if (($state{$g} // 0) == 1) {
            my @loop = (@path[ (grep { $path[$_] eq $g } 0 .. $#path)[0] .. $#path ], $g);
            push @cycles, join(' -> ', map {
                my $i = $_; $i < $#loop ? "$loop[$i] ($uses{$loop[$i]}{$loop[$i + 1]})" : $loop[$i]
            } 0 .. $#loop);
        }
        visit($g) unless $state{$g};
    }
    pop @path;
    $state{$f} = 2;
}
visit($_) for grep { !$state{$_} } sort keys %uses;

if (@cycles) {
    print STDERR "glue files calling each other in a circle (docs/architecture.md):\n";
    print STDERR "  $_\n" for @cycles;
    exit 1;
}
printf "glue: %d files, calls form a DAG\n", scalar(keys %uses);
