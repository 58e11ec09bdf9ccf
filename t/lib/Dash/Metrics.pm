package Dash::Metrics;
# The Prometheus text exposition format (0.0.4), read strictly: what the
# metrics tests use to check the module's output, besides promtool.
#
#   my $e = Dash::Metrics::parse($text);
#   $e->{errors}     every rule broken, as text ([] when the text is valid)
#   $e->{samples}    { key(name, labels) => value }
#   $e->{families}   { name => { type => ..., help => ... } }
#   key('mod_dashboard_requests_total', endpoint => 'stats', status => 200)
#       -> 'mod_dashboard_requests_total{endpoint="stats",status="200"}'
#       (labels sorted by name: the same key however the text orders them)
use strict;
use warnings FATAL => 'all';

use Exporter 'import';
our @EXPORT_OK = qw(parse key);

my $NAME  = qr/[a-zA-Z_:][a-zA-Z0-9_:]*/;
my $LABEL = qr/[a-zA-Z_][a-zA-Z0-9_]*/;
my $VALUE = qr/[-+]?(?:[0-9]+(?:\.[0-9]*)?(?:[eE][-+]?[0-9]+)?|\.[0-9]+|Inf|NaN)/;
my %TYPES = map { $_ => 1 } qw(counter gauge histogram summary untyped);

sub key {
    my ($name, %l) = @_;
    return $name unless %l;
    return $name . '{' . join(',', map { my $v = $l{$_};
        $v =~ s/([\\"])/\\$1/g; $v =~ s/\n/\\n/g; qq{$_="$v"} } sort keys %l) . '}';
}

sub _num { my ($v) = @_; return $v =~ /^\+?Inf$/ ? 9**9**9 : $v =~ /^-Inf$/ ? -9**9**9 : $v + 0; }

# The labels of "{a="x",b="y"}" (braces excluded), or undef if malformed.
sub _labels {
    my ($s) = @_;
    my %l;
    while (length $s) {
        $s =~ s/^($LABEL)="((?:[^"\\\n]|\\[\\"n])*)"// or return undef;
        my ($k, $v) = ($1, $2);
        return undef if exists $l{$k};
        $v =~ s/\\(.)/$1 eq 'n' ? "\n" : $1/ge;
        $l{$k} = $v;
        last unless length $s;
        $s =~ s/^,// or return undef;
    }
    return \%l;
}

# The family a sample belongs to: histogram samples carry a suffix.
sub _family_of {
    my ($name, $families) = @_;
    return $name if $families->{$name};
    for my $suffix (qw(_bucket _sum _count)) {
        (my $base = $name) =~ s/\Q$suffix\E$// or next;
        return $base if $families->{$base}
            && $families->{$base}{type} =~ /^(?:histogram|summary)$/;
    }
    return $name;
}

sub parse {
    my ($text) = @_;
    my (%families, %samples, @errors, %done, $current, %hist);
    push @errors, 'the text does not end with a newline' unless $text =~ /\n\z/;
    my $n = 0;
    for my $line (split /\n/, $text) {
        $n++;
        next if $line eq '';
        if ($line =~ /^#\s*(HELP|TYPE)\s+($NAME)(?:\s+(.*))?$/) {
            my ($what, $name, $rest) = ($1, $2, $3 // '');
            my $f = $families{$name} //= { samples => 0 };
            push @errors, "line $n: $what of $name after its samples"
                if $f->{samples} || $done{$name};
            if ($what eq 'TYPE') {
                push @errors, "line $n: second TYPE for $name" if defined $f->{type};
                push @errors, "line $n: unknown type '$rest'" unless $TYPES{$rest};
                $f->{type} = $rest;
            }
            else {
                push @errors, "line $n: second HELP for $name" if defined $f->{help};
                $f->{help} = $rest;
            }
            next;
        }
        next if $line =~ /^#/;
        my ($name, $labels, $value) = $line =~ /^($NAME)(?:\{(.*)\})?[ \t]+($VALUE)(?:[ \t]+-?[0-9]+)?[ \t]*$/;
        if (!defined $name) {
            push @errors, "line $n: not a sample: $line";
            next;
        }
        my $l = _labels($labels // '');
        if (!$l) {
            push @errors, "line $n: bad labels: $line";
            next;
        }
        my $fam = _family_of($name, \%families);
        my $f = $families{$fam} //= { samples => 0 };
        if (defined $current && $current ne $fam) {
            $done{$current} = 1;
            push @errors, "line $n: samples of $fam are not together" if $done{$fam};
        }
        $current = $fam;
        $f->{samples}++;
        my $k = key($name, %$l);
        push @errors, "line $n: duplicate sample $k" if exists $samples{$k};
        $samples{$k} = $value;
        my $type = $f->{type} // 'untyped';
        if ($type eq 'counter' && _num($value) < 0) {
            push @errors, "line $n: negative counter $k";
        }
        if ($type eq 'histogram') {
            my %rest = %$l;
            my $le = delete $rest{le};
            my $set = "$fam" . key('', %rest);
            if ($name eq "${fam}_bucket") {
                if (!defined $le || $le !~ /^$VALUE$/) {
                    push @errors, "line $n: bucket without a numeric le";
                    next;
                }
                push @{ $hist{$set}{buckets} }, [ _num($le), _num($value), $le ];
            }
            elsif ($name eq "${fam}_count") { $hist{$set}{count} = _num($value); }
            elsif ($name eq "${fam}_sum")   { $hist{$set}{sum} = 1; }
            else { push @errors, "line $n: $name in histogram $fam"; }
        }
    }
    for my $set (sort keys %hist) {
        my $h = $hist{$set};
        my @b = @{ $h->{buckets} // [] };
        push @errors, "histogram $set: no buckets" unless @b;
        push @errors, "histogram $set: no _count" unless defined $h->{count};
        push @errors, "histogram $set: no _sum" unless $h->{sum};
        next unless @b;
        for my $i (1 .. $#b) {
            push @errors, "histogram $set: le $b[$i][2] not above $b[$i-1][2]"
                unless $b[$i][0] > $b[$i - 1][0];
            push @errors, "histogram $set: bucket le=$b[$i][2] below the one before"
                unless $b[$i][1] >= $b[$i - 1][1];
        }
        push @errors, "histogram $set: the last bucket is not +Inf"
            unless $b[-1][2] eq '+Inf';
        push @errors, "histogram $set: +Inf ($b[-1][1]) is not _count"
            if defined $h->{count} && $b[-1][1] != $h->{count};
    }
    for my $name (sort keys %families) {
        my $f = $families{$name};
        push @errors, "family $name: no TYPE" unless defined $f->{type};
        push @errors, "family $name: no HELP" unless defined $f->{help};
        push @errors, "family $name: a counter not named *_total"
            if ($f->{type} // '') eq 'counter' && $name !~ /_total$/;
    }
    return { samples => \%samples, families => \%families, errors => \@errors };
}

1;
