package Dash::Expect;
# docs/behaviour.md#date-windows and docs/behaviour.md#response written again in
# Perl, independently of the C code,
# so the tests can trace every number of a stats response to the Google
# stand-in's answers.
use strict;
use warnings FATAL => 'all';

use Exporter 'import';
use Time::Local qw(timegm);

our @EXPORT = qw(windows four_queries expected_response round1 report_of);

sub _ymd { my ($s) = @_; return split /-/, $s; }
sub _fmt { return sprintf '%04d-%02d-%02d', @_; }

sub _days {
    my ($s, $n) = @_;
    my ($y, $m, $d) = _ymd($s);
    my @t = gmtime(timegm(0, 0, 12, $d, $m - 1, $y) + $n * 86400);
    return _fmt($t[5] + 1900, $t[4] + 1, $t[3]);
}

sub _minus_year {
    my ($s) = @_;
    my ($y, $m, $d) = _ymd($s);
    $d = 28 if $m == 2 && $d == 29;
    return _fmt($y - 1, $m, $d);
}

# docs/behaviour.md#date-windows
sub windows {
    my ($today, $mode) = @_;
    my %w;
    if ($mode eq 'day') {
        $w{end} = $w{kpi_end} = _days($today, -2);
        $w{start} = _days($w{end}, -29);
        $w{prev_start} = _days($w{start}, -30);
        $w{prev_kpi_end} = _days($w{kpi_end}, -30);
        $w{prev_end} = _days($w{end}, -30);
    }
    else {
        my ($y, $m) = _ymd($today);
        $w{end} = _fmt($y, $m, 1);
        $w{kpi_end} = _days($today, -2);
        my $sm = $m - 11;
        my $sy = $y;
        if ($sm <= 0) { $sm += 12; $sy--; }
        $w{start} = _fmt($sy, $sm, 1);
        $w{prev_start} = _minus_year($w{start});
        $w{prev_kpi_end} = _minus_year($w{kpi_end});
        $w{prev_end} = _minus_year($w{end});
    }
    return \%w;
}

my $SERIES = 'views,estimatedMinutesWatched,subscribersGained,likes,comments,shares';

# docs/behaviour.md#analytics-calls: name => decoded query parameters.
sub four_queries {
    my ($w, $mode, @ids) = @_;
    my $f = 'video==' . join(',', @ids);
    my %base = (ids => 'channel==MINE', filters => $f);
    return {
        series => { %base, startDate => $w->{prev_start}, endDate => $w->{kpi_end},
                    dimensions => 'day', metrics => $SERIES, sort => 'day' },
        top_videos => { %base, startDate => $w->{start}, endDate => $w->{kpi_end},
                        dimensions => 'video', metrics => 'views,likes,comments',
                        sort => '-views', maxResults => '10' },
        demographics => { %base, startDate => $w->{start}, endDate => $w->{kpi_end},
                          dimensions => 'ageGroup,gender', metrics => 'viewerPercentage' },
        geography => { %base, startDate => $w->{start}, endDate => $w->{kpi_end},
                       dimensions => 'country', metrics => 'views', sort => '-views',
                       maxResults => '5' },
    };
}

# Half to even on the exact binary value, as printf does: the rounding
# docs/behaviour.md's "1 decimal" means (Python's round() agrees).
sub round1 {
    my $v = sprintf '%.1f', $_[0];
    $v = 0 if $v == 0;
    return $v + 0;
}

# A resultTable as a list of { column => value } rows.
sub report_of {
    my ($t) = @_;
    my @names = map { $_->{name} } @{ $t->{columnHeaders} };
    my @rows;
    for my $r (@{ $t->{rows} // [] }) {
        my %h;
        @h{@names} = @$r;
        push @rows, \%h;
    }
    return \@rows;
}

sub _trend {
    my ($cur, $prev) = @_;
    my $t = $prev != 0 ? round1((($cur - $prev) / $prev) * 100)
                       : ($cur > 0 ? 100 : 0);
    return ($t, $t > 0 ? 'up' : $t < 0 ? 'down' : '-');
}

sub _metric {
    my ($id, $label, $value, $unit, $trend, $dir) = @_;
    return { id => $id, label => $label, value => $value, unit => $unit,
             trend => $trend, trendDirection => $dir };
}

# docs/behaviour.md#analytics-calls: the series' rows summed over the days
# of [from, to] (dates compare as strings), averageViewDuration from the sums.
sub _window {
    my ($rows, $from, $to) = @_;
    my %s;
    for my $r (@$rows) {
        next if $r->{day} lt $from || $r->{day} gt $to;
        $s{$_} += $r->{$_} // 0
            for qw(views estimatedMinutesWatched subscribersGained likes comments shares);
    }
    $s{averageViewDuration} = ($s{views} // 0) > 0
        ? $s{estimatedMinutesWatched} * 60 / $s{views} : 0;
    return \%s;
}

# docs/behaviour.md#response from the four tables (name => decoded resultTable), the uploads
# passed (list of { id, title, date }), and the docs/behaviour.md#upload-counts counts.
sub expected_response {
    my (%a) = @_;
    my ($t, $w, $mode) = @a{qw(tables windows mode)};
    my $series = report_of($t->{series});
    my $kpi = _window($series, $w->{start}, $w->{kpi_end});
    my $prev = _window($series, $w->{prev_start}, $w->{prev_kpi_end});
    my $v = sub { my ($h, $k) = @_; return $h->{$k} // 0; };

    my @metrics;
    for my $m (['total-views', "\x{c870}\x{d68c}\x{c218}", 'views', 'count'],
               ['total-watch-time', "\x{c2dc}\x{ccad}\x{c2dc}\x{ac04}", 'estimatedMinutesWatched', 'hours'],
               ['avg-view-duration', "\x{d3c9}\x{ade0} \x{c2dc}\x{ccad}\x{c2dc}\x{ac04}", 'averageViewDuration', 'minutes'],
               ['new-subscribers', "\x{c2e0}\x{addc} \x{ad6c}\x{b3c5}\x{c790}", 'subscribersGained', 'count'],
               ['likes', "\x{c88b}\x{c544}\x{c694}", 'likes', 'count'],
               ['comments', "\x{b313}\x{ae00}", 'comments', 'count'],
               ['shares', "\x{acf5}\x{c720}", 'shares', 'count']) {
        my ($id, $label, $col, $unit) = @$m;
        my $cur = $v->($kpi, $col);
        my $value = $unit eq 'count' ? $cur + 0 : round1($cur / 60);
        push @metrics, _metric($id, $label, $value, $unit,
                               _trend($cur, $v->($prev, $col)));
    }
    my $up = $a{current} - $a{previous};
    push @metrics, _metric('uploaded-videos', "\x{c5c5}\x{b85c}\x{b4dc} \x{c601}\x{c0c1}",
                           $a{current}, 'count', $up,
                           $up > 0 ? 'up' : $up < 0 ? 'down' : '-');

    # Day mode: views by day. Month mode: views by month of the days in
    # each kpi window, so the last month is month to date on both sides.
    my (%chart, %chartp);
    for my $r (@$series) {
        if ($mode eq 'day') {
            $chart{ $r->{day} } += $r->{views};
            $chartp{ $r->{day} } += $r->{views};
            next;
        }
        my $month = substr $r->{day}, 0, 7;
        $chart{$month} += $r->{views}
            if $r->{day} ge $w->{start} && $r->{day} le $w->{kpi_end};
        $chartp{$month} += $r->{views}
            if $r->{day} ge $w->{prev_start} && $r->{day} le $w->{prev_kpi_end};
    }
    my (@monthly, @daily);
    if ($mode eq 'month') {
        my ($y, $m) = _ymd($w->{start});
        for (1 .. 12) {
            my $key = sprintf '%04d-%02d', $y, $m;
            my $last = sprintf '%04d-%02d', $y - 1, $m;
            push @monthly, { month => $key, thisYear => ($chart{$key} // 0) + 0,
                             lastYear => ($chartp{$last} // 0) + 0 };
            if (++$m > 12) { $m = 1; $y++; }
        }
    }
    else {
        for my $i (0 .. 29) {
            my $d = _days($w->{start}, $i);
            push @daily, { date => $d, thisPeriod => ($chart{$d} // 0) + 0,
                           lastPeriod => ($chartp{_days($d, -30)} // 0) + 0 };
        }
    }

    my %video = map { ($_->{id} => $_) } @{ $a{videos} };
    my @top;
    for my $r (@{ report_of($t->{top_videos}) }) {
        my $vid = $video{ $r->{video} } or next;
        my $eng = $r->{views} > 0
            ? sprintf('%.1f%%', ($r->{likes} + $r->{comments}) / $r->{views} * 100)
            : '0.0%';
        push @top, { id => $r->{video}, title => $vid->{title},
                     thumbnail => "https://i.ytimg.com/vi/$r->{video}/mqdefault.jpg",
                     platform => 'youtube', views => int($r->{views}),
                     engagement => $eng, date => $vid->{date} };
        last if @top == 4;
    }

    my (%age, %gender);
    for my $r (@{ report_of($t->{demographics}) }) {
        $age{ $r->{ageGroup} } += $r->{viewerPercentage};
        $gender{ $r->{gender} } += $r->{viewerPercentage};
    }
    my @ages = map { (my $l = $_) =~ s/^age//; { label => $l, percentage => round1($age{$_}) } }
               sort keys %age;
    my $kviews = $v->($kpi, 'views');
    my @regions = map {
        { region => $_->{country},
          percentage => $kviews ? round1($_->{views} / $kviews * 100) : 0 }
    } @{ report_of($t->{geography}) };

    return {
        contentMetrics => \@metrics,
        monthlyData => \@monthly,
        dailyData => \@daily,
        topContent => \@top,
        audienceData => {
            ageGroups => \@ages,
            gender => { male => round1($gender{male} // 0),
                        female => round1($gender{female} // 0) },
            topRegions => \@regions,
        },
        hasUploads => JSON::PP::true,
        dataThrough => (sort { $b cmp $a } grep { $_ ge $w->{start} && $_ le $w->{kpi_end} }
                        map { $_->{day} } @$series)[0],
    };
}

1;
