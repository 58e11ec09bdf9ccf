package Dash::Test;
# Helpers for the mod_dashboard Apache::Test suite: HTTP calls as a user,
# JSON decoding, the database, Redis, and the Google stand-in's control
# interface. Everything talks to the stack t/stack.sh started.
use strict;
use warnings FATAL => 'all';

use Exporter 'import';
use JSON::PP ();
use MIME::Base64 qw(encode_base64);
use HTTP::Request ();
use LWP::UserAgent ();
use DBI ();
use URI ();
use Test::More ();
use Redis ();
use Apache::Test ();
use Apache::TestRequest ();
use File::Temp ();
use POSIX ();
use Time::HiRes ();

our @EXPORT = qw(
    call get_json keepalive_stats json_of db db_do add_account add_video clear_user
    redis google google_reset counters requests report_requests
    stand_in_raw stand_in_answer stack today_report add_days flush_redis
    is_error is_json_string $JSON_TYPE error_log log_since url_of simultaneous
    metrics metric_delta time_bound $TIME_FACTOR
);

my $json = JSON::PP->new->utf8->canonical;

# Timing bounds scale with the machine. DASH_TIME_FACTOR (default 1;
# scripts/test-asan.sh sets 3: sanitized code and a loaded machine are
# slower) multiplies the slack a test allows, never the time the behaviour
# itself takes (a configured timeout runs on the wall clock whatever the
# build).
our $TIME_FACTOR = $ENV{DASH_TIME_FACTOR} // 1;
die "DASH_TIME_FACTOR must be a number of at least 1, not '$TIME_FACTOR'\n"
    unless $TIME_FACTOR =~ /^\d+(?:\.\d+)?$/ && $TIME_FACTOR >= 1;

# time_bound(NOMINAL, SLACK[, CEILING]): NOMINAL seconds (what the
# behaviour takes) plus SLACK x DASH_TIME_FACTOR, but below CEILING when
# given: the time the wrong behaviour would take (waiting for a delay the
# module should have cut short), which no factor may hide.
sub time_bound {
    my ($nominal, $slack, $ceiling) = @_;
    my $b = $nominal + $slack * $TIME_FACTOR;
    return defined $ceiling && $b > $ceiling ? $ceiling : $b;
}
our $JSON_TYPE = 'application/json; charset=utf-8';

sub json_of {
    my ($res) = @_;
    my $body = $res->content;
    return undef unless defined $body && length $body;
    my $v = eval { $json->decode($body) };
    return $v;
}

# call(METHOD, PATH, user => U, headers => {...}, module => vhost)
# Returns the HTTP::Response. With no user, no Authorization is sent.
sub call {
    my ($method, $path, %o) = @_;
    Apache::TestRequest::module($o{module} // 'default');
    my $url = Apache::TestRequest::resolve_url($path);
    my $req = HTTP::Request->new($method => $url);
    if (defined $o{user}) {
        $req->header(Authorization =>
            'Basic ' . encode_base64("$o{user}:" . ($o{password} // 'pw'), ''));
    }
    while (my ($k, $v) = each %{ $o{headers} // {} }) {
        $req->header($k => $v);
    }
    my $ua = Apache::TestRequest::user_agent(reset => 1, keep_alive => 0,
                                             timeout => 30);
    my $res = $ua->request($req);
    record_response($req, $res);
    return $res;
}

# Every response call() gets is appended to $ENV{DASH_RESPONSES} (t/run.sh
# sets it) as one JSON line; after the suite scripts/check-openapi.py
# checks each against docs/openapi.yaml. One syswrite per record on an
# O_APPEND handle, so tests that fork can record side by side.
sub record_response {
    my ($req, $res) = @_;
    my $file = $ENV{DASH_RESPONSES} or return;
    # LWP's own answer when it got none from the server (refused, timeout).
    return if ($res->header('Client-Warning') // '') eq 'Internal response';
    my $uri = URI->new($req->uri);
    my %headers;
    for my $name ($res->headers->header_field_names) {
        $headers{lc $name} = scalar $res->header($name);
    }
    my $line = $json->encode({
        test    => $0,
        method  => $req->method,
        path    => $uri->path_query,
        status  => $res->code + 0,
        headers => \%headers,
        body    => encode_base64($res->content // '', ''),
    }) . "\n";
    open my $fh, '>>', $file or die "cannot append to $file: $!\n";
    binmode $fh;
    syswrite $fh, $line or die "cannot write $file: $!\n";
    close $fh;
}

# The absolute URL of PATH on the test server (or on vhost `module`).
sub url_of {
    my ($path, %o) = @_;
    Apache::TestRequest::module($o{module} // 'default');
    return Apache::TestRequest::resolve_url($path);
}

# simultaneous([URL, USER], ...) sends the GETs at the same instant, one
# process and one connection each, and returns one hash per request, in
# order: {code, cache (X-Dashboard-Cache), retry_after (Retry-After), body,
# t0, t1 (epoch seconds around the request)}. A barrier holds every process
# until all are ready, so the requests really overlap. Each response is
# recorded like call()'s.
sub simultaneous {
    my (@reqs) = @_;
    my $dir = File::Temp::tempdir(CLEANUP => 1);
    pipe(my $go_r, my $go_w) or die "pipe: $!";
    pipe(my $ready_r, my $ready_w) or die "pipe: $!";
    my @pids;
    for my $i (0 .. $#reqs) {
        my $pid = fork // die "fork: $!";
        if (!$pid) {
            close $go_w;
            close $ready_r;
            eval {
                my ($url, $user) = @{ $reqs[$i] };
                my $req = HTTP::Request->new(GET => $url);
                $req->header(Authorization => 'Basic ' . encode_base64("$user:pw", ''));
                my $ua = LWP::UserAgent->new(keep_alive => 0, timeout => 60);
                syswrite $ready_w, '.';
                sysread $go_r, my $byte, 1;      # EOF when the parent lets go
                my $t0 = Time::HiRes::time();
                my $res = $ua->request($req);
                my $t1 = Time::HiRes::time();
                record_response($req, $res);
                open my $fh, '>', "$dir/$i" or die "$dir/$i: $!";
                print $fh $json->encode({ code => $res->code, t0 => $t0, t1 => $t1,
                                          cache => scalar $res->header('X-Dashboard-Cache'),
                                          retry_after => scalar $res->header('Retry-After'),
                                          body => $res->content });
                close $fh;
            };
            print STDERR "simultaneous, request $i: $@" if $@;
            # No END blocks, no DESTROY of the parent's DBI or Redis handles.
            POSIX::_exit(0);
        }
        push @pids, $pid;
    }
    close $go_r;
    close $ready_w;
    my $ready = 0;
    while ($ready < @reqs) {
        my $n = sysread $ready_r, my $buf, 64;
        last unless $n;
        $ready += $n;
    }
    close $go_w;
    waitpid $_, 0 for @pids;
    my @out;
    for my $i (0 .. $#reqs) {
        my $r = { code => 0 };
        if (open my $fh, '<', "$dir/$i") {
            local $/;
            $r = eval { $json->decode(<$fh>) } // $r;
        }
        push @out, $r;
    }
    return @out;
}

# keepalive_stats(MODULE, USER) -> a sub answering (response, decoded body)
# for GET /dashboard/stats on one kept-alive connection to that vhost, so
# that every call reaches the same child (and, under event, its warm
# per-child state). Each answer is recorded like call()'s.
sub keepalive_stats {
    my ($module, $user) = @_;
    Apache::TestRequest::module($module);
    my $url = Apache::TestRequest::resolve_url('/dashboard/stats');
    my $ua = Apache::TestRequest::user_agent(reset => 1, keep_alive => 1,
                                             timeout => 30);
    return sub {
        my $req = HTTP::Request->new(GET => $url);
        $req->header(Authorization => 'Basic ' . encode_base64("$user:pw", ''));
        my $res = $ua->request($req);
        record_response($req, $res);
        return ($res, json_of($res));
    };
}

# get_json(PATH, user => U, ...) -> (response, decoded body)
sub get_json {
    my ($path, %o) = @_;
    my $res = call('GET', $path, %o);
    return ($res, json_of($res));
}

# ---- database ----------------------------------------------------------

my $dbh;
sub db {
    $dbh ||= DBI->connect(
        "dbi:Pg:dbname=dashboard;host=127.0.0.1;port=$ENV{DASH_PG_PORT}",
        'dashboard', '', { RaiseError => 1, AutoCommit => 1, PrintError => 0,
                           pg_enable_utf8 => 1 });
    return $dbh;
}

sub db_do { my ($sql, @bind) = @_; return db()->do($sql, undef, @bind); }

sub clear_user {
    my ($user) = @_;
    db_do('DELETE FROM social_account WHERE user_uuid = ?', $user);
    db_do('DELETE FROM dashboard WHERE user_uuid = ?', $user);
}

# add_account(user, channel, %columns) -> id. Registers the access token
# (and refresh token) with the Google stand-in unless register => 0.
sub add_account {
    my ($user, $channel, %c) = @_;
    my %row = (
        platform          => 'youtube',
        platform_username => "name-$channel",
        platform_data     => undef,
        access_token      => "ya29.test-$user-$channel",
        refresh_token     => "1//refresh-$user-$channel",
        token_expires_at  => \"LOCALTIMESTAMP + interval '1 hour'",
        is_active         => 1,
        connected_at      => '2026-01-01 00:00:00',
        %c,
    );
    my $register = delete $row{register} // 1;
    my (@cols, @vals, @bind) = ('user_uuid', 'platform_user_id');
    @vals = ('?', '?');
    @bind = ($user, $channel);
    for my $k (sort keys %row) {
        push @cols, $k;
        if (ref $row{$k} eq 'SCALAR') { push @vals, ${ $row{$k} }; }
        else { push @vals, '?'; push @bind, $row{$k}; }
    }
    my $sql = sprintf 'INSERT INTO social_account (%s) VALUES (%s) RETURNING id',
        join(',', @cols), join(',', @vals);
    my ($id) = db()->selectrow_array($sql, undef, @bind);
    if ($register) {
        google('POST', '/_control/token',
               { access_token => $row{access_token}, channel => $channel });
        google('POST', '/_control/refresh_token',
               { refresh_token => $row{refresh_token}, channel => $channel })
            if defined $row{refresh_token};
    }
    return $id;
}

sub add_video {
    my ($user, $channel, $video, $uploaded_at, $title) = @_;
    db_do('INSERT INTO dashboard (user_uuid, platform, platform_user_id,'
        . ' platform_video_id, title, uploaded_at) VALUES (?, ?, ?, ?, ?, ?)',
        $user, 'youtube', $channel, $video, $title // "Video $video", $uploaded_at);
}

# ---- dates ----------------------------------------------------------------

# "Today" as the module takes it (docs/behaviour.md#date-windows): in
# DashboardReportTimeZone, which the suite leaves at its default,
# America/Los_Angeles, whatever the machine's zone.
sub today_report {
    require POSIX;
    my $saved = $ENV{TZ};
    local $ENV{TZ} = 'America/Los_Angeles';
    POSIX::tzset();
    my @t = localtime;
    if (defined $saved) { $ENV{TZ} = $saved; } else { delete $ENV{TZ}; }
    POSIX::tzset();
    return sprintf '%04d-%02d-%02d', $t[5] + 1900, $t[4] + 1, $t[3];
}

sub _to_epoch_day {
    my ($s) = @_;
    my ($y, $m, $d) = split /-/, $s;
    require Time::Local;
    return int(Time::Local::timegm(0, 0, 12, $d, $m - 1, $y) / 86400);
}

sub add_days {
    my ($date, $n) = @_;
    my @t = gmtime((_to_epoch_day($date) + $n) * 86400 + 43200);
    return sprintf '%04d-%02d-%02d', $t[5] + 1900, $t[4] + 1, $t[3];
}

# ---- Redis -------------------------------------------------------------

my $redis;
sub redis {
    $redis ||= Redis->new(server => "127.0.0.1:$ENV{DASH_REDIS_PORT}",
                          reconnect => 2, every => 100_000);
    return $redis;
}

sub flush_redis { redis()->flushdb; }

# ---- the Google stand-in -----------------------------------------------

my $gua = LWP::UserAgent->new(timeout => 30);
sub google {
    my ($method, $path, $body) = @_;
    my $req = HTTP::Request->new($method => "$ENV{DASH_GOOGLE_URL}$path");
    if (defined $body) {
        $req->header('Content-Type' => 'application/json');
        $req->content($json->encode($body));
    }
    my $res = $gua->request($req);
    die "stand-in $method $path: " . $res->status_line . "\n"
        unless $res->is_success;
    return json_of($res);
}

sub google_reset { google('POST', '/_control/reset', {}); }
sub counters     { google('GET', '/_control/counters'); }
sub requests     { google('GET', '/_control/requests'); }
sub report_requests { return grep { $_->{path} eq '/v2/reports' } @{ requests() }; }

# The stand-in's own answer to one reports.query, asked with token.
sub stand_in_raw {
    my ($params, $token) = @_;
    my $uri = URI->new("$ENV{DASH_GOOGLE_URL}/v2/reports");
    $uri->query_form(map { ($_ => $params->{$_}) } sort keys %$params);
    my $res = $gua->get($uri, Authorization => "Bearer $token");
    die 'stand-in: ' . $res->status_line . "\n" unless $res->is_success;
    return $res;
}
sub stand_in_answer { return json_of(stand_in_raw(@_)); }

# ---- assertions ----------------------------------------------------------

# Is this decoded JSON scalar a string (not a number)?
sub is_json_string {
    my ($v) = @_;
    return 0 if !defined $v || ref $v;
    return JSON::PP->new->allow_nonref->encode($v) =~ /^"/ ? 1 : 0;
}

# docs/api.md#errors: status, content type, body exactly {code, message}.
sub is_error {
    my ($res, $status, $code, $name) = @_;
    local $Test::Builder::Level = $Test::Builder::Level + 1;
    Test::More::is($res->code, $status, "$name: status $status");
    Test::More::is($res->header('Content-Type'), $JSON_TYPE, "$name: JSON content type");
    my $j = json_of($res);
    my $h = ref $j eq 'HASH' ? $j : {};
    Test::More::is_deeply([ sort keys %$h ], [qw(code message)],
                          "$name: body is exactly {code, message}")
        or Test::More::diag($res->content);
    Test::More::is($h->{code}, $code, "$name: code $code");
    Test::More::ok(is_json_string($h->{message}) && length $h->{message},
                   "$name: message is a non-empty string");
}

# ---- the server's error_log ------------------------------------------------

sub error_log { return Apache::Test::vars('t_logs') . '/error_log'; }

# The module's counters, all children together (docs/metrics.md), as
# { key => value } with Dash::Metrics's keys; options as call()'s.
sub metrics {
    my (%o) = @_;
    require Dash::Metrics;
    my $res = call('GET', '/dashboard-metrics', %o);
    die 'GET /dashboard-metrics: ' . $res->status_line . "\n" unless $res->code == 200;
    return Dash::Metrics::parse($res->content)->{samples};
}

# metric_delta(BEFORE, AFTER, NAME, LABEL => VALUE, ...): how much one
# series grew between two metrics() readings.
sub metric_delta {
    my ($before, $after, @key) = @_;
    my $k = Dash::Metrics::key(@key);
    return ($after->{$k} // 0) - ($before->{$k} // 0);
}

# What the server logged from byte offset on (-s error_log() before).
sub log_since {
    my ($offset) = @_;
    open my $fh, '<', error_log() or die error_log() . ": $!";
    seek $fh, $offset, 0;
    local $/;
    my $s = <$fh>;
    close $fh;
    return $s // '';
}

# stack('pg-stop') etc.
sub stack {
    my ($what) = @_;
    system($ENV{DASH_STACK}, $what) == 0 or die "stack $what failed\n";
}

1;
