#!/usr/bin/python3
"""Local stand-in for the two Google endpoints mod_dashboard calls.

  POST /token       Google OAuth 2.0 refresh (oauth2.googleapis.com/token)
  GET  /v2/reports  YouTube Analytics reports.query
                    (youtubeanalytics.googleapis.com/v2/reports)
  /_control/...     JSON control interface for tests (faults, delays,
                    counters, request log)

It speaks Google's wire formats and rejects requests as strictly as Google
does: the comments below name the rule of Google's published reference
each check follows (reports.query parameters, filters, month rules, top
videos, demographics, resultTable, error answers, data latency, OAuth
refresh, dimension values). Report data is
synthetic but deterministic: a pure function of (channel, video id, day).

Python 3 standard library only.

  /usr/bin/python3 t/standin/google_standin.py --port N [--host 127.0.0.1]
      [--client-id ID --client-secret S] [--seed FILE] [--log FILE]
"""

import argparse
import os
import calendar
import collections
import datetime
import hashlib
import http.server
import itertools
import json
import math
import random
import re
import secrets
import signal
import socket
import sys
import threading
import time
import urllib.parse

# ---------------------------------------------------------------------------
# Google constants
# ---------------------------------------------------------------------------

TOKEN_SCOPE = ("https://www.googleapis.com/auth/yt-analytics.readonly "
               "https://www.googleapis.com/auth/youtube.readonly")
TOKEN_LIFETIME = 3599

# Google's error answers: 401 bodies. A token that is unknown/expired/revoked gets the
# "invalid authentication credentials" variant; no Authorization at all
# gets the "missing required authentication credential" variant.
MSG_401_INVALID = (
    "Request had invalid authentication credentials. Expected OAuth 2 access "
    "token, login cookie or other valid authentication credential. See "
    "https://developers.google.com/identity/sign-in/web/devconsole-project.")
MSG_401_MISSING = (
    "Request is missing required authentication credential. Expected OAuth 2 "
    "access token, login cookie or other valid authentication credential. See "
    "https://developers.google.com/identity/sign-in/web/devconsole-project.")

# Google's month rules, top-video rules, error answers: reason badRequest for an
# unsupported combination.
MSG_NOT_SUPPORTED = (
    "The query is not supported. Check the documentation at "
    "https://developers.google.com/youtube/analytics/v2/available_reports "
    "for a list of supported queries.")

# Google's parameter table (DISCOVERY patterns).
RE_IDS = re.compile(r"[a-zA-Z]+==[a-zA-Z0-9_+-]+")
RE_DATE = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")
RE_LIST = re.compile(r"[0-9a-zA-Z,]+")        # metrics, dimensions
RE_SORT = re.compile(r"[-0-9a-zA-Z,]+")
RE_CURRENCY = re.compile(r"[A-Z]{3}")
RE_INT = re.compile(r"[+-]?[0-9]+")
RE_VIDEO_ID = re.compile(r"[A-Za-z0-9_-]+")
INT32_MAX = 2147483647

# Parameters reports.query accepts (Google's parameters). Anything else is a 400.
# startIndex, currency and includeHistoricalChannelData are real Google
# parameters that mod_dashboard never sends; they are accepted (and
# startIndex honoured) so the stand-in is no stricter than Google.
REPORT_PARAMS = ("ids", "startDate", "endDate", "metrics", "dimensions",
                 "filters", "sort", "maxResults", "startIndex", "currency",
                 "includeHistoricalChannelData")
REQUIRED_PARAMS = ("ids", "startDate", "endDate", "metrics")

# Metrics the stand-in knows, with their dataType and their slot in the
# per-day data (Data.month); None = derived from other slots.
METRICS = {
    "views": ("INTEGER", 0),
    "estimatedMinutesWatched": ("INTEGER", 1),
    "likes": ("INTEGER", 2),
    "comments": ("INTEGER", 3),
    "shares": ("INTEGER", 4),
    "subscribersGained": ("INTEGER", 5),
    "averageViewDuration": ("INTEGER", None),
    "viewerPercentage": ("FLOAT", None),
}
NSLOTS = 6
ZERO = (0,) * NSLOTS
DIMENSIONS = ("day", "month", "video", "ageGroup", "gender", "country")

# Google's dimension values.
AGE_GROUPS = ("age13-17", "age18-24", "age25-34", "age35-44", "age45-54",
              "age55-64", "age65-")
GENDERS = ("female", "male", "user_specified")
COUNTRIES = ("KR", "US", "JP", "VN", "TH", "ID", "PH", "GB", "DE", "FR")

# Top-video sort must be descending by a metric (Google's top-video rules, ANALYTIX
# "descending_only"), and maxResults must be given and <= 200.
TOP_VIDEOS_MAX_RESULTS = 200
FILTER_MAX_IDS = 500                           # Google's filters rule

REQUEST_LOG_SIZE = 500
MAX_BODY = 1 << 20

JSON_TYPE = "application/json; charset=utf-8"


# ---------------------------------------------------------------------------
# Error bodies
# ---------------------------------------------------------------------------

class ApiError(Exception):
    """A Google JSON error answer of reports.query (Google's error answers)."""

    def __init__(self, status, reason, message, domain="global", extra=None):
        super().__init__(message)
        self.status = status
        self.reason = reason
        self.message = message
        self.domain = domain
        self.extra = extra or {}

    def body(self):
        return google_error_body(self.status, self.reason, self.message,
                                 self.domain, self.extra)


def google_error_body(status, reason, message, domain="global", extra=None):
    """{"error": {"code", "message", "errors": [{...}]}} (Google's error answers)."""
    item = {"message": message, "domain": domain, "reason": reason}
    err = {"code": status, "message": message, "errors": [item]}
    if status == 401:
        # Google's error answers: the 401 item names the header, and the body has a status.
        if reason == "required":
            item["message"] = "Login Required."
        elif message == MSG_401_INVALID:
            item["message"] = "Invalid Credentials"
        item["location"] = "Authorization"
        item["locationType"] = "header"
        err["status"] = "UNAUTHENTICATED"
    elif status == 429:
        err["status"] = "RESOURCE_EXHAUSTED"
    if extra:
        item.update(extra)
    return {"error": err}


def bad_param(name, message, reason="invalidParameter"):
    """A 400 about one query parameter (location as in Google's parameters example)."""
    return ApiError(400, reason, message,
                    extra={"location": name, "locationType": "parameter"})


def not_supported():
    return ApiError(400, "badRequest", MSG_NOT_SUPPORTED)


def unauthorized(missing=False):
    if missing:
        return ApiError(401, "required", MSG_401_MISSING)
    return ApiError(401, "authError", MSG_401_INVALID)


def forbidden():
    # Google's error answers: 403 on reports.query for a channel the token does not own.
    return ApiError(403, "forbidden", "Forbidden")


# Defaults used by /_control/fault when reason/message are not given.
FAULT_DEFAULTS = {
    400: ("badRequest", "Bad Request"),
    401: ("authError", MSG_401_INVALID),
    403: ("forbidden", "Forbidden"),
    404: ("notFound", "Not Found"),
    429: ("rateLimitExceeded", "Rate Limit Exceeded"),
    500: ("backendError", "Backend Error"),
    502: ("backendError", "Bad Gateway"),
    503: ("backendError", "The service is currently unavailable."),
    504: ("backendError", "Deadline Exceeded"),
}
QUOTA_MESSAGE = ("The request cannot be completed because you have exceeded "
                 "your quota.")

# OAuth error descriptions (Google's OAuth refresh) used when a token fault gives none.
OAUTH_DEFAULTS = {
    "invalid_grant": "Token has been expired or revoked.",
    "invalid_client": "The OAuth client was not found.",
    "invalid_request": "Bad Request",
    "unauthorized_client": "Unauthorized",
    "internal_failure": "Internal failure",
}


class OAuthError(Exception):
    """An OAuth token endpoint error {"error", "error_description"}
    (Google's OAuth refresh)."""

    def __init__(self, status, error, description):
        super().__init__(description)
        self.status = status
        self.error = error
        self.description = description

    def body(self):
        return {"error": self.error, "error_description": self.description}


# ---------------------------------------------------------------------------
# Deterministic data
# ---------------------------------------------------------------------------

class Data:
    """Synthetic analytics. Values for (channel, video, day) come from
    sha256(f"{channel}|{video}|{day}"); they are computed a month at a time
    and cached, together with the month's totals, so long ranges cost one
    dict lookup per (video, month)."""

    CACHE_LIMIT = 20000    # cached (channel, video, month)s, ~2.5 kB each

    def __init__(self):
        self._months = {}
        self._isos = {}
        self._channels = {}

    # -- per day / per month ------------------------------------------------

    def month(self, channel, video, year, mon):
        """(iso days, columns, totals) for one video and month: columns[s][i]
        is slot s (views, minutes, likes, comments, shares, subscribers) of
        day i + 1; totals[s] its sum over the month."""
        key = (channel, video, year, mon)
        entry = self._months.get(key)
        if entry is None:
            isos, isob = self._days(year, mon)
            prefix = f"{channel}|{video}|".encode()
            sha = hashlib.sha256
            # Column-wise comprehensions: faster than a loop building a
            # tuple per day (the sha256 calls are half the cost).
            digs = [sha(prefix + day).digest() for day in isob]
            views = [0 if b[0] % 6 == 0 else b[1] % 120 + 1 for b in digs]
            cols = (views,
                    [v * (1 + b[2] % 5) for v, b in zip(views, digs)],
                    [v * (b[3] % 10) // 100 for v, b in zip(views, digs)],
                    [v * (b[4] % 5) // 100 for v, b in zip(views, digs)],
                    [v * (b[5] % 4) // 100 for v, b in zip(views, digs)],
                    [v * (b[6] % 6) // 100 for v, b in zip(views, digs)])
            entry = (isos, cols, tuple(map(sum, cols)))
            if len(self._months) >= self.CACHE_LIMIT:
                self._months = {}
            self._months[key] = entry
        return entry

    def _days(self, year, mon):
        """The month's days as "YYYY-MM-DD" strings and bytes (cached)."""
        entry = self._isos.get((year, mon))
        if entry is None:
            ndays = calendar.monthrange(year, mon)[1]
            isos = ["%04d-%02d-%02d" % (year, mon, d)
                    for d in range(1, ndays + 1)]
            entry = (isos, [i.encode() for i in isos])
            self._isos[(year, mon)] = entry
        return entry

    # -- per channel --------------------------------------------------------

    def channel(self, channel):
        """Fixed demographics and country weights from sha256(channel)."""
        entry = self._channels.get(channel)
        if entry is None:
            h = hashlib.sha256(channel.encode()).digest()
            # Demographics: bytes 0..20, one per (age, gender) cell.
            base = (2, 10, 14, 9, 5, 3, 2)   # a plausible age profile
            weights = {}
            for i, age in enumerate(AGE_GROUPS):
                for j, gender in enumerate(GENDERS):
                    b = h[i * 3 + j]
                    if gender == "user_specified":
                        w = base[i] * (b % 4) if b % 3 == 0 else 0
                    else:
                        w = 0 if b % 13 == 0 else base[i] * (b % 40 + 10)
                    if w:
                        weights[(age, gender)] = w
            total = sum(weights.values())
            demo = {cell: round(w * 100.0 / total, 2)
                    for cell, w in weights.items()}
            # Countries: bytes 21..30 are weights (KR, the home market, gets
            # a head start), byte 31 the share of views they cover (80-99 %).
            raw = [h[21 + i] + 1 for i in range(len(COUNTRIES))]
            raw[0] += 400
            cover = 80 + h[31] % 20
            den = sum(raw) * 100
            countries = [(c, raw[i] * cover, den)
                         for i, c in enumerate(COUNTRIES)]
            entry = (demo, countries)
            self._channels[channel] = entry
        return entry


def month_spans(start, end):
    """(year, month, first day, last day) for each month touched by
    [start, end] (datetime.date, inclusive)."""
    y, m = start.year, start.month
    while (y, m) <= (end.year, end.month):
        d0 = start.day if (y, m) == (start.year, start.month) else 1
        d1 = (end.day if (y, m) == (end.year, end.month)
              else calendar.monthrange(y, m)[1])
        yield y, m, d0, d1
        m += 1
        if m == 13:
            y, m = y + 1, 1


def avg_view_duration(minutes, views):
    """round(minutes * 60 / views), half up, in exact integer arithmetic."""
    if views <= 0:
        return 0
    return (minutes * 120 + views) // (2 * views)


# ---------------------------------------------------------------------------
# Shared state
# ---------------------------------------------------------------------------

class Fault:
    def __init__(self, spec):
        if not isinstance(spec, dict):
            raise ValueError("fault must be an object")
        self.target = spec.get("target")
        if self.target not in ("reports", "token"):
            raise ValueError('target must be "reports" or "token"')
        default_status = 500 if self.target == "reports" else 400
        self.status = int_field(spec, "status", default_status, 100, 599)
        self.reason = opt_str(spec, "reason")
        self.message = opt_str(spec, "message")
        self.body = opt_str(spec, "body")
        self.content_type = opt_str(spec, "content_type") or JSON_TYPE
        self.delay_ms = int_field(spec, "delay_ms", 0, 0, 3600 * 1000)
        self.drop = bool(spec.get("drop", False))
        # A body sent slowly: stream_bytes of it (announced in
        # Content-Length, or chunked with stream_chunked) in pieces of
        # stream_piece bytes, stream_every_ms apart; the connection is
        # closed when the client stops reading.
        self.stream_bytes = int_field(spec, "stream_bytes", 0, 0, 1 << 34)
        self.stream_piece = int_field(spec, "stream_piece", 16384, 1, 1 << 24)
        self.stream_every_ms = int_field(spec, "stream_every_ms", 10, 0,
                                         3600 * 1000)
        self.stream_chunked = bool(spec.get("stream_chunked", False))
        # With stream_valid the streamed body is a well-formed resultTable
        # (one row per ~20 bytes) instead of one that never ends in time.
        self.stream_valid = bool(spec.get("stream_valid", False))
        times = spec.get("times")
        self.times = None if times is None else int_field(spec, "times",
                                                          None, 1, 10 ** 9)
        match = spec.get("match") or {}
        if not isinstance(match, dict) or not all(
                isinstance(v, str) for v in match.values()):
            raise ValueError("match must map parameter names to strings")
        self.match = match

    def matches(self, target, params):
        if target != self.target:
            return False
        for name, want in self.match.items():
            got = params.get(name, "")
            if isinstance(got, list):
                got = ",".join(got)
            if got != want:
                return False
        return True

    def describe(self):
        d = {"target": self.target, "status": self.status,
             "reason": self.reason, "message": self.message,
             "body": self.body, "delay_ms": self.delay_ms,
             "times": self.times, "match": self.match}
        if self.drop:
            d["drop"] = True
        if self.stream_bytes:
            d.update(stream_bytes=self.stream_bytes,
                     stream_piece=self.stream_piece,
                     stream_every_ms=self.stream_every_ms,
                     stream_chunked=self.stream_chunked,
                     stream_valid=self.stream_valid)
        return d


def opt_str(spec, name):
    v = spec.get(name)
    if v is not None and not isinstance(v, str):
        raise ValueError(f"{name} must be a string")
    return v


def int_field(spec, name, default, lo, hi):
    v = spec.get(name)
    if v is None:
        return default
    if isinstance(v, bool) or not isinstance(v, int) or not lo <= v <= hi:
        raise ValueError(f"{name} must be an integer in [{lo}, {hi}]")
    return v


class State:
    """Everything the handlers share. One lock guards it all; no handler
    holds it while sleeping or doing I/O."""

    def __init__(self):
        self.lock = threading.Lock()
        self.client = None                 # (client_id, client_secret)
        self.access = {}                   # token -> (channel, expires_at)
        self.refresh = {}                  # token -> (channel, rotate)
        self.seed_channels = {}            # channel -> options from --seed
        self.data = Data()
        self._serial = itertools.count(1)
        self.reset()

    def reset(self):
        with self.lock:
            self.faults = []
            self.delay_ms = 0
            # "fixed": every report call waits delay_ms; "lognormal": each
            # draws its wait from a log-normal law with median delay_ms and
            # 99th percentile p99_factor x delay_ms (a heavy tail, as real
            # APIs have), so a fan-out waits for the slowest of its draws.
            self.delay_dist = "fixed"
            self.delay_p99_factor = 5.0
            self.rng = random.Random()
            self.n_reports = 0
            self.n_token = 0
            # in_flight is a live gauge: requests being handled across a
            # reset still finish (and decrement it).
            self.in_flight = getattr(self, "in_flight", 0)
            self.max_in_flight = self.in_flight
            self.log = collections.deque(maxlen=REQUEST_LOG_SIZE)
            self.channels = {c: dict(o) for c, o in self.seed_channels.items()}

    def unique(self):
        return "%d-%s" % (next(self._serial), secrets.token_hex(8))

    # -- registrations ------------------------------------------------------

    def add_access(self, token, channel, expires_in):
        expires_at = None if expires_in is None else time.time() + expires_in
        with self.lock:
            self.access[token] = (channel, expires_at)

    def add_refresh(self, token, channel, rotate):
        with self.lock:
            self.refresh[token] = (channel, bool(rotate))

    def access_channel(self, token):
        """The channel of a live access token, or None."""
        with self.lock:
            entry = self.access.get(token)
        if entry is None:
            return None
        channel, expires_at = entry
        if expires_at is not None and time.time() >= expires_at:
            return None
        return channel

    def set_channel(self, channel, opts):
        with self.lock:
            cur = self.channels.setdefault(channel, {})
            cur.update(opts)

    def channel_opts(self, channel):
        with self.lock:
            return dict(self.channels.get(channel, {}))

    # -- faults -------------------------------------------------------------

    def take_fault(self, target, params):
        """The first active fault matching this request, consuming one of
        its `times`; None if none applies."""
        with self.lock:
            for i, f in enumerate(self.faults):
                if f.matches(target, params):
                    if f.times is not None:
                        f.times -= 1
                        if f.times <= 0:
                            del self.faults[i]
                    return f
        return None

    # -- request log --------------------------------------------------------

    def log_request(self, entry):
        with self.lock:
            self.log.append(entry)

    def set_status(self, entry, status):
        with self.lock:
            entry["status"] = status

    def log_snapshot(self):
        with self.lock:
            return [dict(e) for e in self.log]

    # -- seed ---------------------------------------------------------------

    def load_seed(self, path):
        with open(path, encoding="utf-8") as fh:
            seed = json.load(fh)
        client = seed.get("client")
        if client:
            self.client = (client["client_id"], client["client_secret"])
        for t in seed.get("tokens", []):
            self.add_access(t["access_token"], t["channel"],
                            t.get("expires_in"))
        for t in seed.get("refresh_tokens", []):
            self.add_refresh(t["refresh_token"], t["channel"],
                             t.get("rotate", False))
        for c in seed.get("channels", []):
            self.seed_channels[c["channel"]] = channel_options(c)


def channel_options(spec):
    """Validated options of /_control/channel and the seed's channels."""
    opts = {}
    if "empty" in spec:
        opts["empty"] = bool(spec["empty"])
    if "since" in spec:
        since = spec["since"]
        if since is not None:
            if not isinstance(since, str) or not RE_DATE.fullmatch(since):
                raise ValueError("since must be YYYY-MM-DD or null")
            since = datetime.date.fromisoformat(since)
        opts["since"] = since
    if "foreign_top" in spec:
        ids = spec["foreign_top"] or []
        if not isinstance(ids, list) or not all(
                isinstance(v, str) and RE_VIDEO_ID.fullmatch(v) for v in ids):
            raise ValueError("foreign_top must be a list of video ids")
        opts["foreign_top"] = list(ids)
    if "float_ints" in spec:
        opts["float_ints"] = bool(spec["float_ints"])
    return opts


# ---------------------------------------------------------------------------
# reports.query: validation
# ---------------------------------------------------------------------------

class Query:
    """A validated reports.query request."""
    ids = start = end = None
    metrics = dimensions = sort = video_ids = ()
    max_results = start_index = None


def parse_query_string(qs):
    """Decoded (name, value) pairs, in order. Raises ApiError on bad
    percent-encoding."""
    try:
        return urllib.parse.parse_qsl(qs, keep_blank_values=True,
                                      errors="strict")
    except (UnicodeDecodeError, ValueError):
        raise ApiError(400, "invalidParameter",
                       "Invalid query string: bad percent-encoding.")


def check_pattern(name, value, regex, pattern_text):
    if not regex.fullmatch(value):
        raise bad_param(name, f"Invalid value '{value}'. Values must match "
                              f"the following regular expression: "
                              f"'{pattern_text}'")


def check_int(name, value):
    if not RE_INT.fullmatch(value):
        raise bad_param(name, f"Invalid value '{value}'. Values must be "
                              f"integers.")
    n = int(value)
    if not 1 <= n <= INT32_MAX:
        raise bad_param(name, f"Invalid value '{value}'. Values must be "
                              f"within the range: [1, {INT32_MAX}]")
    return n


def check_date(name, value):
    check_pattern(name, value, RE_DATE, "[0-9]{4}-[0-9]{2}-[0-9]{2}")
    try:
        return datetime.date.fromisoformat(value)
    except ValueError:
        raise bad_param(name, f"Invalid value '{value}' given in field "
                              f"parameters.{name}: not a valid date.")


def split_names(name, value, known):
    """A comma list of known identifiers, no empty item, no repeat."""
    items = value.split(",")
    for item in items:
        if item == "" or item not in known:
            raise bad_param(name, f"Unknown identifier ({item}) given in "
                                  f"field parameters.{name}.")
    seen = set()
    for item in items:
        if item in seen:
            raise bad_param(name, f"Duplicate identifier ({item}) given in "
                                  f"field parameters.{name}.")
        seen.add(item)
    return tuple(items)


def validate(pairs):
    """Apply Google's rules to the decoded query (Google's parameters,
    filters rule, month rules, top-video rules, demographics rules). Returns a
    Query; raises ApiError (400) on the first violation."""
    params = {}
    for name, value in pairs:
        if name not in REPORT_PARAMS:
            # Google's front end for an unknown query parameter.
            raise bad_param(name, f'Invalid JSON payload received. Unknown '
                                  f'name "{name}": Cannot bind query '
                                  f'parameter. Field \'{name}\' could not be '
                                  f'found in request message.')
        if name in params:
            raise bad_param(name, f"Parameter '{name}' given more than once.")
        params[name] = value

    # Google's parameters: ids, startDate, endDate, metrics are required.
    for name in REQUIRED_PARAMS:
        if params.get(name, "") == "":
            raise bad_param(name, f"Required parameter: {name}",
                            reason="required")

    q = Query()
    # Google's parameters patterns (DISCOVERY).
    check_pattern("ids", params["ids"], RE_IDS, "[a-zA-Z]+==[a-zA-Z0-9_+-]+")
    q.ids = params["ids"]
    q.start = check_date("startDate", params["startDate"])
    q.end = check_date("endDate", params["endDate"])
    check_pattern("metrics", params["metrics"], RE_LIST, "[0-9a-zA-Z,]+")
    if "dimensions" in params:
        check_pattern("dimensions", params["dimensions"], RE_LIST,
                      "[0-9a-zA-Z,]+")
    if "sort" in params:
        check_pattern("sort", params["sort"], RE_SORT, "[-0-9a-zA-Z,]+")
    if "maxResults" in params:
        q.max_results = check_int("maxResults", params["maxResults"])
    if "startIndex" in params:
        q.start_index = check_int("startIndex", params["startIndex"])
    if "currency" in params:
        check_pattern("currency", params["currency"], RE_CURRENCY, "[A-Z]{3}")
    if "includeHistoricalChannelData" in params:
        if params["includeHistoricalChannelData"] not in ("true", "false"):
            raise bad_param("includeHistoricalChannelData",
                            "Invalid value '%s'. Values must be true or "
                            "false." % params["includeHistoricalChannelData"])

    if q.start > q.end:
        raise bad_param("startDate", "The start date must be before or equal "
                                     "to the end date.")

    # Known identifiers ("Unknown identifier (X) given in field ...").
    q.metrics = split_names("metrics", params["metrics"], METRICS)
    if "dimensions" in params:
        q.dimensions = split_names("dimensions", params["dimensions"],
                                   DIMENSIONS)

    # Google's filters rule: filters — the stand-in supports video==ID1,ID2,... only,
    # at most 500 ids.
    if "filters" in params:
        f = params["filters"]
        if not f.startswith("video=="):
            raise bad_param("filters", f"Invalid value '{f}'. The stand-in "
                                       f"supports only video==ID1,ID2,...")
        ids = f[len("video=="):].split(",")
        for vid in ids:
            if not RE_VIDEO_ID.fullmatch(vid):
                raise bad_param("filters", f"Invalid value '{f}': bad video "
                                           f"id '{vid}'.")
        if len(ids) > FILTER_MAX_IDS:
            raise bad_param("filters", f"Invalid value for filters: the "
                                       f"parameter value can specify up to "
                                       f"{FILTER_MAX_IDS} IDs.")
        q.video_ids = tuple(dict.fromkeys(ids))    # dedupe, keep order

    # Sort keys: known identifiers first (pattern already checked).
    if "sort" in params:
        keys = params["sort"].split(",")
        for key in keys:
            name = sort_name(key)
            if name not in METRICS and name not in DIMENSIONS:
                raise bad_param("sort", f"Unknown identifier ({key}) given "
                                        f"in field parameters.sort.")
        q.sort = tuple(keys)

    check_supported(q)
    return q


def sort_name(key):
    """The identifier of a sort key ("-views" -> "views")."""
    return key[1:] if key.startswith("-") else key


def check_supported(q):
    """Report-shape rules; a violation is 400 badRequest "The query is not
    supported" (Google's month rules, top-video rules, demographics rules)."""
    dims = set(q.dimensions)
    demographic = bool(dims & {"ageGroup", "gender"})
    # Supported dimension sets: none, day, month, video, country, and
    # ageGroup and/or gender. Anything else (video,day; day,month;
    # country,day ...) is rejected (Google's month rules: day/month exclusive, video,day
    # rejected).
    if len(dims) > 1 and dims != {"ageGroup", "gender"}:
        raise not_supported()
    # Google's month rules: with month, both dates are the first day of a month.
    if "month" in dims and (q.start.day != 1 or q.end.day != 1):
        raise not_supported()
    # Google's demographics rules: viewer demographics take viewerPercentage and only it.
    if demographic != ("viewerPercentage" in q.metrics):
        raise not_supported()
    if demographic and len(q.metrics) != 1:
        raise not_supported()
    # Sort keys must name a dimension or metric of this request.
    requested = dims | set(q.metrics)
    for key in q.sort:
        if sort_name(key) not in requested:
            raise not_supported()
    # Google's top-video rules: top videos need sort (descending, by a metric) and
    # maxResults <= 200.
    if "video" in dims:
        if q.max_results is None or q.max_results > TOP_VIDEOS_MAX_RESULTS:
            raise not_supported()
        if not q.sort or not all(k.startswith("-") and k[1:] in METRICS
                                 for k in q.sort):
            raise not_supported()


# ---------------------------------------------------------------------------
# reports.query: answering
# ---------------------------------------------------------------------------

def build_table(data, channel, opts, q, today):
    """The resultTable for a validated query."""
    dims = q.dimensions
    headers = [{"name": d, "columnType": "DIMENSION", "dataType": "STRING"}
               for d in dims]
    headers += [{"name": m, "columnType": "METRIC", "dataType": METRICS[m][0]}
                for m in q.metrics]
    table = {"kind": "youtubeAnalytics#resultTable", "columnHeaders": headers}

    # Data exists up to today - 2 (Google's data latency) and from the channel's `since`.
    start, end = q.start, q.end
    last = today - datetime.timedelta(days=2)
    if end > last:
        end = last
    since = opts.get("since")
    if since is not None and start < since:
        start = since
    if opts.get("empty") or start > end or not q.video_ids:
        return table                        # Google's resultTable: no data -> no "rows"

    kind = dims[0] if dims else None
    if kind in ("ageGroup", "gender"):
        rows = demographic_rows(data, channel, q, start, end)
    elif kind == "country":
        rows = country_rows(data, channel, q, start, end)
    else:
        rows = grouped_rows(data, channel, q, start, end, kind)

    rows = sort_rows(rows, q)
    if kind == "video":
        rows = foreign_rows(q, opts) + rows
    first = (q.start_index or 1) - 1
    rows = rows[first:]
    if q.max_results is not None:
        rows = rows[:q.max_results]

    if opts.get("float_ints"):
        # Google's resultTable Sample A: Google may send 12.0 in an INTEGER column.
        ints = [len(dims) + i for i, m in enumerate(q.metrics)
                if METRICS[m][0] == "INTEGER"]
        for row in rows:
            for i in ints:
                row[i] = float(row[i])
    if rows:
        table["rows"] = rows
    return table


def metric_values(q, sums):
    """The request's metrics, in request order, from slot sums."""
    out = []
    for m in q.metrics:
        if m == "averageViewDuration":
            out.append(avg_view_duration(sums[1], sums[0]))
        else:
            out.append(sums[METRICS[m][1]])
    return out


def month_part(entry, d0, d1):
    """Slot sums of one month entry over days d0..d1."""
    _, cols, totals = entry
    if d0 == 1 and d1 == len(cols[0]):
        return totals
    return tuple(sum(c[d0 - 1:d1]) for c in cols)


def grouped_rows(data, channel, q, start, end, kind):
    """Rows for no dimension, day, month or video: sums over the filtered
    videos and the range, grouped by the dimension; groups without views
    are left out."""
    groups = {}
    for y, m, d0, d1 in month_spans(start, end):
        months = [data.month(channel, video, y, m) for video in q.video_ids]
        if kind == "day":
            # Per slot, per day: the sum over all videos.
            isos = months[0][0][d0 - 1:d1]
            slots = [list(map(sum, zip(*[e[1][s][d0 - 1:d1] for e in months])))
                     for s in range(NSLOTS)]
            for i, sums in enumerate(zip(*slots)):
                if sums[0]:
                    groups[isos[i]] = sums
            continue
        for video, entry in zip(q.video_ids, months):
            part = month_part(entry, d0, d1)
            if not part[0]:
                continue
            k = (None if kind is None else
                 "%04d-%02d" % (y, m) if kind == "month" else video)
            prev = groups.get(k)
            groups[k] = part if prev is None else tuple(map(sum, zip(prev,
                                                                     part)))

    rows = []
    for k, sums in groups.items():
        if not sums[0]:
            continue
        row = [] if kind is None else [k]
        rows.append(row + metric_values(q, sums))
    return rows


def total_sums(data, channel, q, start, end):
    """Slot sums over the filtered videos and the whole range."""
    sums = ZERO
    for y, m, d0, d1 in month_spans(start, end):
        for video in q.video_ids:
            part = month_part(data.month(channel, video, y, m), d0, d1)
            sums = tuple(map(sum, zip(sums, part)))
    return sums


def demographic_rows(data, channel, q, start, end):
    """viewerPercentage by ageGroup and/or gender: a fixed per-channel
    distribution; no rows when the range has no views."""
    if not total_sums(data, channel, q, start, end)[0]:
        return []
    demo, _ = data.channel(channel)
    cells = {}
    for (age, gender), pct in demo.items():
        key = tuple(age if d == "ageGroup" else gender for d in q.dimensions)
        cells[key] = cells.get(key, 0.0) + pct
    return [list(k) + [round(v, 2)] for k, v in sorted(cells.items())]


def country_rows(data, channel, q, start, end):
    """Per-country shares of the range's totals: floor(total x weight)."""
    sums = total_sums(data, channel, q, start, end)
    if not sums[0]:
        return []
    _, countries = data.channel(channel)
    rows = []
    for code, num, den in countries:
        part = tuple(s * num // den for s in sums)
        if part[0] > 0:
            rows.append([code] + metric_values(q, part))
    return rows


def foreign_rows(q, opts):
    """Videos of the channel that are not among the request's filter ids,
    with large view counts, to go on top of a dimensions=video answer."""
    rows = []
    wanted = set(q.video_ids)
    for vid in opts.get("foreign_top") or ():
        if vid in wanted:
            continue
        b = hashlib.sha256(f"foreign|{vid}".encode()).digest()
        views = 100000 + (b[0] << 8 | b[1])
        sums = (views, views * 3, views * 5 // 100, views // 100,
                views // 200, views // 100)
        rows.append([vid] + metric_values(q, sums))
    if "views" in q.metrics:
        i = 1 + q.metrics.index("views")
        rows.sort(key=lambda r: -r[i])
    return rows


def sort_rows(rows, q):
    """Default order: by the dimension values ascending (the time order for
    day/month). Then the request's sort keys, last key first, so the first
    key decides (stable sorts; '-' = descending)."""
    ndims = len(q.dimensions)
    rows.sort(key=lambda r: r[:ndims])
    names = list(q.dimensions) + list(q.metrics)
    for key in reversed(q.sort):
        desc = key.startswith("-")
        idx = names.index(sort_name(key))
        rows.sort(key=lambda r: r[idx], reverse=desc)
    return rows


# ---------------------------------------------------------------------------
# HTTP
# ---------------------------------------------------------------------------

class Handler(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server_version = "ESF"                  # Google front end's Server header
    sys_version = ""

    def version_string(self):
        return self.server_version

    # -- plumbing -----------------------------------------------------------

    @property
    def state(self):
        return self.server.state

    def log_message(self, fmt, *args):
        self.server.write_log("%s %s" % (self.address_string(), fmt % args))

    def read_body(self):
        """The request body (Content-Length or chunked); b"" if none."""
        if "chunked" in (self.headers.get("Transfer-Encoding") or "").lower():
            chunks = []
            size = 0
            while True:
                line = self.rfile.readline(1024)
                n = int(line.split(b";")[0].strip() or b"0", 16)
                if n == 0:
                    while self.rfile.readline(1024) not in (b"\r\n", b"\n",
                                                            b""):
                        pass
                    break
                size += n
                if size > MAX_BODY:
                    raise ValueError("body too large")
                chunks.append(self.rfile.read(n))
                self.rfile.readline(1024)
            return b"".join(chunks)
        length = self.headers.get("Content-Length")
        if not length:
            return b""
        n = int(length)
        if n < 0 or n > MAX_BODY:
            raise ValueError("bad Content-Length")
        return self.rfile.read(n)

    def send(self, status, body, content_type=JSON_TYPE, headers=()):
        """One complete answer with a correct Content-Length."""
        if not isinstance(body, bytes):
            body = body.encode("utf-8")
        try:
            self.send_response(status)
            self.send_header("Content-Type", content_type)
            self.send_header("Content-Length", str(len(body)))
            for name, value in headers:
                self.send_header(name, value)
            if self.close_connection:
                self.send_header("Connection", "close")
            self.end_headers()
            if self.command != "HEAD":
                self.wfile.write(body)
            self.wfile.flush()
        except OSError:
            # The client went away (e.g. it timed out during a delay).
            self.close_connection = True
        return status

    def send_json(self, status, obj, pretty=False, headers=()):
        # Google's endpoints pretty-print their JSON with two spaces.
        text = json.dumps(obj, indent=2 if pretty else None,
                          ensure_ascii=False)
        return self.send(status, text + ("\n" if pretty else ""),
                         headers=headers)

    def drop(self):
        """Close the connection without an answer."""
        self.close_connection = True
        try:
            self.connection.shutdown(socket.SHUT_RDWR)
        except OSError:
            pass
        return 0

    # -- dispatch -----------------------------------------------------------

    def handle_any(self):
        url = urllib.parse.urlsplit(self.path)
        path = url.path
        try:
            body = self.read_body()
        except (ValueError, OSError):
            self.close_connection = True
            self.send_json(400, {"error": "bad request body"})
            return
        if path == "/v2/reports":
            if self.command in ("GET", "HEAD"):
                self.reports(url.query)
            else:
                self.send_json(405, google_error_body(
                    405, "httpMethodNotAllowed", "Method Not Allowed"), True,
                    headers=[("Allow", "GET")])
        elif path == "/token":
            if self.command == "POST":
                self.token(body)
            else:
                self.send_json(405, {"error": "invalid_request",
                                     "error_description":
                                         "Method not allowed."}, True,
                               headers=[("Allow", "POST")])
        elif path.startswith("/_control/"):
            self.control(path[len("/_control/"):], body)
        else:
            self.send_json(404, google_error_body(404, "notFound",
                                                  "Not Found"), True)

    do_GET = do_POST = do_HEAD = do_PUT = do_DELETE = do_PATCH = \
        do_OPTIONS = handle_any

    # -- POST /token --------------------------------------------------------

    def token(self, body):
        st = self.state
        entry = {"path": "/token", "method": self.command, "params": {},
                 "authorization": self.headers.get("Authorization"),
                 "form": {}, "status": None}
        with st.lock:
            st.n_token += 1
        st.log_request(entry)
        status = 500
        try:
            status = self.token_answer(body, entry)
        finally:
            st.set_status(entry, status)

    def token_answer(self, body, entry):
        st = self.state
        ctype = (self.headers.get("Content-Type") or "").split(";")[0]
        form = {}
        pairs = []
        if ctype.strip().lower() == "application/x-www-form-urlencoded":
            try:
                pairs = urllib.parse.parse_qsl(body.decode("utf-8"),
                                               keep_blank_values=True,
                                               errors="strict")
            except (UnicodeDecodeError, ValueError):
                pairs = None
            for name, value in pairs or ():
                form.setdefault(name, []).append(value)
            entry["form"] = {k: v[0] if len(v) == 1 else v
                             for k, v in form.items()}

        fault = st.take_fault("token", entry["form"])
        if fault is not None:
            return self.answer_fault(fault, token=True)

        try:
            result = self.refresh(ctype, pairs, form)
        except OAuthError as e:
            return self.send_json(e.status, e.body(), True,
                                  headers=NO_STORE)
        return self.send_json(200, result, True, headers=NO_STORE)

    def refresh(self, ctype, pairs, form):
        """Google's refresh-token grant."""
        st = self.state
        if ctype.strip().lower() != "application/x-www-form-urlencoded":
            raise OAuthError(400, "invalid_request",
                             "Invalid Content-Type: expected "
                             "application/x-www-form-urlencoded.")
        if pairs is None:
            raise OAuthError(400, "invalid_request",
                             "Malformed form body.")
        for name, values in form.items():
            if len(values) > 1:
                raise OAuthError(400, "invalid_request",
                                 f"Duplicate parameter: {name}")
        f = {k: v[0] for k, v in form.items()}
        grant = f.get("grant_type", "")
        if not grant:
            raise OAuthError(400, "invalid_request",
                             "Missing required parameter: grant_type")
        if grant != "refresh_token":
            raise OAuthError(400, "unsupported_grant_type",
                             f"Invalid grant_type: {grant}")
        if not f.get("client_id"):
            raise OAuthError(400, "invalid_request",
                             "Could not determine client ID from request.")
        with st.lock:
            client = st.client
        if client is None or f["client_id"] != client[0] \
                or f.get("client_secret") != client[1]:
            # Google's OAuth refresh: 401 invalid_client.
            raise OAuthError(401, "invalid_client",
                             "The OAuth client was not found.")
        rt = f.get("refresh_token", "")
        if not rt:
            raise OAuthError(400, "invalid_request",
                             "Missing required parameter: refresh_token")
        with st.lock:
            reg = st.refresh.get(rt)
        if reg is None:
            # Google's OAuth refresh: 400 invalid_grant, "Token has been expired or revoked."
            raise OAuthError(400, "invalid_grant",
                             "Token has been expired or revoked.")
        channel, rotate = reg
        access = "ya29.standin-" + st.unique()
        st.add_access(access, channel, TOKEN_LIFETIME)
        # Google's OAuth refresh sample response; scope and lifetime as Google sends them.
        result = {"access_token": access, "expires_in": TOKEN_LIFETIME,
                  "scope": TOKEN_SCOPE, "token_type": "Bearer"}
        if rotate:
            new_rt = "1//standin-rotated-" + st.unique()
            st.add_refresh(new_rt, channel, True)
            result["refresh_token"] = new_rt
        return result

    # -- GET /v2/reports ----------------------------------------------------

    def reports(self, qs):
        st = self.state
        auth = self.headers.get("Authorization")
        entry = {"path": "/v2/reports", "method": self.command, "params": {},
                 "authorization": auth, "status": None}
        try:
            pairs = parse_query_string(qs)
            pair_error = None
        except ApiError as e:
            pairs, pair_error = [], e
        for name, value in pairs:
            if name in entry["params"]:
                prev = entry["params"][name]
                entry["params"][name] = (prev if isinstance(prev, list)
                                         else [prev]) + [value]
            else:
                entry["params"][name] = value
        with st.lock:
            st.n_reports += 1
            st.in_flight += 1
            if st.in_flight > st.max_in_flight:
                st.max_in_flight = st.in_flight
            delay = st.delay_ms
            if delay and st.delay_dist == "lognormal":
                # sigma so that median x exp(z99 x sigma) = p99: z99 = 2.3263.
                sigma = math.log(st.delay_p99_factor) / 2.3263478740408408
                delay = st.rng.lognormvariate(math.log(delay), sigma)
        st.log_request(entry)
        status = 500
        try:
            if delay:
                time.sleep(delay / 1000.0)
            fault = st.take_fault("reports", entry["params"])
            if fault is not None:
                status = self.answer_fault(fault, token=False)
            else:
                status = self.report_answer(pairs, pair_error, auth)
        finally:
            with st.lock:
                st.in_flight -= 1
            st.set_status(entry, status)

    def report_answer(self, pairs, pair_error, auth):
        st = self.state
        try:
            # Authentication first, like Google's front end.
            if not auth:
                raise unauthorized(missing=True)
            scheme, _, token = auth.partition(" ")
            channel = (st.access_channel(token.strip())
                       if scheme.lower() == "bearer" else None)
            if channel is None:
                raise unauthorized()
            if pair_error is not None:
                raise pair_error
            q = validate(pairs)
            # Google's parameters: only channel==MINE or the token owner's own channel.
            if q.ids not in ("channel==MINE", "channel==" + channel):
                raise forbidden()
            table = build_table(st.data, channel, st.channel_opts(channel),
                                q, datetime.date.today())
        except ApiError as e:
            headers = ()
            if e.status == 401:
                headers = [("WWW-Authenticate",
                            'Bearer realm="https://accounts.google.com/"')]
            return self.send_json(e.status, e.body(), True, headers=headers)
        return self.send_json(200, table, True)

    # -- faults -------------------------------------------------------------

    def answer_fault(self, fault, token):
        if fault.delay_ms:
            time.sleep(fault.delay_ms / 1000.0)
        if fault.drop:
            return self.drop()
        if fault.stream_bytes:
            return self.stream(fault)
        if fault.body is not None:
            return self.send(fault.status, fault.body, fault.content_type)
        if token:
            error = fault.reason or {401: "invalid_client"}.get(
                fault.status, "invalid_grant" if fault.status == 400
                else "internal_failure")
            desc = fault.message or OAUTH_DEFAULTS.get(error, "Error")
            return self.send_json(fault.status, {"error": error,
                                                 "error_description": desc},
                                  True, headers=NO_STORE)
        reason, message = FAULT_DEFAULTS.get(fault.status,
                                             ("backendError", "Error"))
        reason = fault.reason or reason
        if fault.message:
            message = fault.message
        elif reason == "quotaExceeded":
            message = QUOTA_MESSAGE
        # Google's error answers: quotaExceeded carries domain youtube.quota.
        domain = "youtube.quota" if reason == "quotaExceeded" else "global"
        body = google_error_body(fault.status, reason, message, domain)
        return self.send_json(fault.status, body, True)

    def stream(self, fault):
        """A 200 whose body of fault.stream_bytes arrives piece by piece:
        by default a JSON document that opens like a resultTable and is
        padded with blanks (it cannot end in time); with stream_valid a
        complete resultTable made of that many bytes of rows."""
        body = self.stream_body(fault)
        self.close_connection = True
        try:
            self.send_response(fault.status)
            self.send_header("Content-Type", JSON_TYPE)
            if fault.stream_chunked:
                self.send_header("Transfer-Encoding", "chunked")
            else:
                self.send_header("Content-Length", str(fault.stream_bytes))
            self.send_header("Connection", "close")
            self.end_headers()
            sent = 0
            while sent < fault.stream_bytes:
                n = min(fault.stream_piece, fault.stream_bytes - sent)
                piece = body(sent, n)
                if fault.stream_chunked:
                    piece = b"%x\r\n%s\r\n" % (len(piece), piece)
                self.wfile.write(piece)
                self.wfile.flush()
                sent += n
                if fault.stream_every_ms:
                    time.sleep(fault.stream_every_ms / 1000.0)
            if fault.stream_chunked:
                self.wfile.write(b"0\r\n\r\n")
                self.wfile.flush()
        except OSError:
            pass
        return fault.status

    @staticmethod
    def stream_body(fault):
        """piece(offset, n) of the streamed body, built lazily: the body
        may be far larger than anything worth holding in memory."""
        total = fault.stream_bytes
        if not fault.stream_valid:
            head = b'{"kind": "youtubeAnalytics#resultTable", "rows": ['
            return lambda off, n: (head[off:off + n]
                                   + b" " * max(0, n - max(0, len(head) - off)))
        head = (b'{"kind": "youtubeAnalytics#resultTable", "columnHeaders": ['
                b'{"name": "views", "columnType": "METRIC", '
                b'"dataType": "INTEGER"}], "rows": [[1]')
        tail = b"]}"
        row = b", [1]"
        nrows = max(0, (total - len(head) - len(tail)) // len(row))
        pad = total - len(head) - len(tail) - nrows * len(row)
        middle_end = len(head) + nrows * len(row)

        def piece(off, n):
            out = bytearray()
            while n > 0:
                if off < len(head):
                    chunk = head[off:off + n]
                elif off < middle_end:
                    k = (off - len(head)) % len(row)
                    chunk = (row * (n // len(row) + 2))[k:k + n]
                    chunk = chunk[:middle_end - off]
                elif off < middle_end + pad:
                    chunk = b" " * min(n, middle_end + pad - off)
                else:
                    i = off - middle_end - pad
                    chunk = tail[i:i + n]
                if not chunk:
                    break
                out += chunk
                off += len(chunk)
                n -= len(chunk)
            return bytes(out)
        return piece

    # -- /_control ----------------------------------------------------------

    def control(self, name, body):
        st = self.state
        try:
            if self.command == "GET":
                if name == "health":
                    return self.send_json(200, {"ok": True, "pid": os.getpid()})
                if name == "counters":
                    with st.lock:
                        c = {"reports": st.n_reports, "token": st.n_token,
                             "in_flight": st.in_flight,
                             "max_in_flight": st.max_in_flight}
                    return self.send_json(200, c)
                if name == "requests":
                    return self.send_json(200, st.log_snapshot())
                if name == "faults":
                    with st.lock:
                        fl = [f.describe() for f in st.faults]
                    return self.send_json(200, fl)
                return self.send_json(404, {"error": "unknown control"})
            if self.command != "POST":
                return self.send_json(405, {"error": "use GET or POST"},
                                      headers=[("Allow", "GET, POST")])
            try:
                spec = json.loads(body.decode("utf-8") or "{}")
            except (UnicodeDecodeError, ValueError):
                raise ValueError("body is not JSON")
            if not isinstance(spec, dict):
                raise ValueError("body must be a JSON object")
            return self.control_post(name, spec)
        except (ValueError, KeyError, TypeError) as e:
            msg = "missing field %s" % e if isinstance(e, KeyError) else str(e)
            return self.send_json(400, {"error": msg})

    def control_post(self, name, spec):
        st = self.state
        ok = {"ok": True}
        if name == "reset":
            st.reset()
        elif name == "token":
            st.add_access(req_str(spec, "access_token"),
                          req_str(spec, "channel"),
                          int_field(spec, "expires_in", None, -10 ** 9,
                                    10 ** 9))
        elif name == "refresh_token":
            st.add_refresh(req_str(spec, "refresh_token"),
                           req_str(spec, "channel"),
                           bool(spec.get("rotate", False)))
        elif name == "revoke":
            found = False
            with st.lock:
                if "refresh_token" in spec:
                    found |= st.refresh.pop(spec["refresh_token"],
                                            None) is not None
                if "access_token" in spec:
                    found |= st.access.pop(spec["access_token"],
                                           None) is not None
            ok["revoked"] = found
        elif name == "client":
            client = (req_str(spec, "client_id"),
                      req_str(spec, "client_secret"))
            with st.lock:
                st.client = client
        elif name == "delay":
            ms = int_field(spec, "ms", 0, 0, 3600 * 1000)
            dist = spec.get("dist", "fixed")
            if dist not in ("fixed", "lognormal"):
                raise ValueError('dist must be "fixed" or "lognormal"')
            factor = spec.get("p99_factor", 5)
            if isinstance(factor, bool) or not isinstance(factor, (int, float)) \
                    or not 1 < factor <= 100:
                raise ValueError("p99_factor must be a number in (1, 100]")
            seed = spec.get("seed")
            with st.lock:
                st.delay_ms = ms
                st.delay_dist = dist
                st.delay_p99_factor = float(factor)
                if seed is not None:
                    st.rng.seed(seed)
        elif name == "fault":
            fault = Fault(spec)
            with st.lock:
                st.faults.append(fault)
                ok["active"] = len(st.faults)
        elif name == "channel":
            st.set_channel(req_str(spec, "channel"), channel_options(spec))
        else:
            return self.send_json(404, {"error": "unknown control"})
        return self.send_json(200, ok)


# Headers of Google's token answers.
NO_STORE = [("Cache-Control",
             "no-cache, no-store, max-age=0, must-revalidate"),
            ("Pragma", "no-cache")]


def req_str(spec, name):
    v = spec.get(name)
    if not isinstance(v, str) or v == "":
        raise ValueError(f"{name} must be a non-empty string")
    return v


class Server(http.server.ThreadingHTTPServer):
    daemon_threads = True
    request_queue_size = 256
    allow_reuse_address = True

    def __init__(self, addr, state, log_path):
        self.state = state
        self._log = open(log_path, "a", encoding="utf-8") if log_path else None
        self._log_lock = threading.Lock()
        super().__init__(addr, Handler)

    def write_log(self, line):
        if self._log is None:
            return
        stamp = time.strftime("%Y-%m-%d %H:%M:%S")
        with self._log_lock:
            self._log.write(f"[{stamp}] {line}\n")
            self._log.flush()

    def handle_error(self, request, client_address):
        # Quiet unless --log: a test harness should not see tracebacks on
        # stderr for a client that hung up.
        import traceback
        self.write_log("error serving %s:\n%s" % (client_address,
                                                 traceback.format_exc()))


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--port", type=int, required=True)
    ap.add_argument("--host", default="127.0.0.1")
    ap.add_argument("--client-id")
    ap.add_argument("--client-secret")
    ap.add_argument("--seed")
    ap.add_argument("--log")
    args = ap.parse_args(argv)
    if (args.client_id is None) != (args.client_secret is None):
        ap.error("--client-id and --client-secret go together")

    state = State()
    if args.seed:
        state.load_seed(args.seed)
    if args.client_id is not None:
        state.client = (args.client_id, args.client_secret)
    state.reset()                         # apply the seed's channel options

    server = Server((args.host, args.port), state, args.log)
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))
    host, port = server.server_address[:2]
    server.write_log(f"listening on {host}:{port}")
    print(f"google_standin listening on http://{host}:{port}", flush=True)
    try:
        server.serve_forever(poll_interval=0.2)
    except (KeyboardInterrupt, SystemExit):
        pass
    finally:
        server.server_close()


if __name__ == "__main__":
    main()
