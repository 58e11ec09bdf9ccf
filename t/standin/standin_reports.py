"""reports.query (GET /v2/reports): Google's rules applied to the query,
the resultTable built from the synthetic data, and the handler part that
logs, delays, faults and answers each call.
"""

import datetime
import hashlib
import math
import re
import time
import urllib.parse

from standin_data import (DIMENSIONS, METRICS, NSLOTS, ZERO, avg_view_duration,
                          month_spans)
from standin_errors import ApiError, bad_param, forbidden, not_supported, unauthorized


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


# Top-video sort must be descending by a metric (Google's top-video rules, ANALYTIX
# "descending_only"), and maxResults must be given and <= 200.
TOP_VIDEOS_MAX_RESULTS = 200
FILTER_MAX_IDS = 500                           # Google's filters rule


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


class ReportsMixin:
    """GET /v2/reports for the stand-in's request handler."""

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
