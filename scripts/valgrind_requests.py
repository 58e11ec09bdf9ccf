#!/usr/bin/python3
"""Mixed requests for `make valgrind` (scripts/valgrind.sh).

Drives an httpd running mod_dashboard under memcheck through every path a
request can take: cache misses and hits, HEAD and 304, token refreshes,
purges, every error of docs/api.md#errors, Google failing and hanging, Redis and
Postgres going away and coming back, poisoned cache values and hostile
input. Each request has the status docs/api.md gives it; any other status
fails the run, so a path that stopped being reached does not pass silently.

  valgrind_requests.py --base URL --short URL --google URL --stack PATH
                       --psql 'psql -h ... -d dashboard' --redis 'redis-cli -p N'
"""

import argparse
import base64
import collections
import json
import shlex
import subprocess
import sys
import http.client
import urllib.parse

ARGS = None
counts = collections.Counter()
failures = []


def sh(cmd, stdin=None):
    subprocess.run(cmd, input=stdin, check=True, stdout=subprocess.DEVNULL,
                   stderr=subprocess.PIPE)


def sql(statement):
    sh(shlex.split(ARGS.psql) + ["-q", "-v", "ON_ERROR_STOP=1", "-c", statement])


def redis(*words):
    sh(shlex.split(ARGS.redis) + list(words))


def google(path, body):
    url = urllib.parse.urlsplit(ARGS.google)
    c = http.client.HTTPConnection(url.hostname, url.port, timeout=30)
    c.request("POST", path, json.dumps(body),
              {"Content-Type": "application/json"})
    r = c.getresponse()
    r.read()
    c.close()
    if r.status != 200:
        raise SystemExit(f"stand-in {path}: {r.status}")


def request(want, method, path, user=None, base=None, headers=None,
            raw_user=None):
    """One request; want is a status or a set of statuses."""
    url = urllib.parse.urlsplit(base or ARGS.base)
    h = dict(headers or {})
    if user is not None or raw_user is not None:
        name = raw_user if raw_user is not None else user.encode()
        h["Authorization"] = "Basic " + base64.b64encode(name + b":pw").decode()
    c = http.client.HTTPConnection(url.hostname, url.port, timeout=120)
    c.putrequest(method, path, skip_accept_encoding=True)
    for k, v in h.items():
        c.putheader(k, v)
    c.endheaders()
    r = c.getresponse()
    body = r.read()
    c.close()
    counts[r.status] += 1
    ok = r.status in want if isinstance(want, (set, tuple)) else r.status == want
    if not ok:
        failures.append(f"{method} {path} as {user!r}: {r.status}, wanted {want}: "
                        f"{body[:200]!r}")
    return r, body


def add_account(user, channel, expires="LOCALTIMESTAMP + interval '1 day'",
                refresh=True, register=True):
    access = f"ya29.vg-{user}-{channel}"
    rt = f"1//vg-{user}-{channel}" if refresh else None
    sql("INSERT INTO social_account (user_uuid, platform, platform_user_id,"
        " platform_username, platform_data, access_token, refresh_token,"
        " token_expires_at, connected_at) VALUES"
        f" ('{user}', 'youtube', '{channel}', 'name-{channel}',"
        f" '{{\"channel_title\": \"Title {channel}\"}}', '{access}',"
        f" {'NULL' if rt is None else repr(rt)}, {expires}, LOCALTIMESTAMP)")
    if register:
        google("/_control/token", {"access_token": access, "channel": channel})
        if rt:
            google("/_control/refresh_token", {"refresh_token": rt, "channel": channel})


def add_videos(user, channel, n):
    sql("INSERT INTO dashboard (user_uuid, platform, platform_user_id,"
        " platform_video_id, title, uploaded_at)"
        f" SELECT '{user}', 'youtube', '{channel}', 'vg{channel[-4:]}' || n,"
        f" 'Video ' || n, LOCALTIMESTAMP - (3 + n * 5) * interval '1 day'"
        f" FROM generate_series(1, {n}) n")


def setup():
    add_account("vg-one", "UCvgOne000000000000001")
    add_videos("vg-one", "UCvgOne000000000000001", 12)
    add_account("vg-two", "UCvgTwo000000000000001")
    add_account("vg-two", "UCvgTwo000000000000002")
    add_videos("vg-two", "UCvgTwo000000000000002", 3)
    add_account("vg-refresh", "UCvgRefresh00000000001",
                expires="LOCALTIMESTAMP - interval '1 hour'")
    add_videos("vg-refresh", "UCvgRefresh00000000001", 4)
    add_account("vg-revoked", "UCvgRevoked00000000001",
                expires="LOCALTIMESTAMP - interval '1 hour'", register=False)
    add_videos("vg-revoked", "UCvgRevoked00000000001", 2)
    add_account("vg-empty", "UCvgEmpty0000000000001")


def stats_cycles(n):
    for i in range(n):
        for mode in ("month", "day"):
            q = f"/dashboard/stats?mode={mode}"
            request(200, "DELETE", f"/dashboard/cache?mode={mode}", "vg-one")
            request(200, "GET", q, "vg-one")                       # miss
            r, _ = request(200, "GET", q, "vg-one")                # hit
            etag = r.getheader("ETag") or '"none"'
            request(200, "HEAD", q, "vg-one")
            request(304, "GET", q, "vg-one", headers={"If-None-Match": etag})
            request(200, "GET", q, "vg-one", headers={"If-None-Match": '"x", W/"y"'})
            request(200, "GET", q + "&platform_user_id=UCvgOne000000000000001", "vg-one")
        request(200, "GET", "/dashboard/accounts", "vg-one")
        request(200, "GET", "/dashboard/accounts", "vg-two")
        request(200, "GET", "/dashboard/accounts", "vg-nobody")
        r, _ = request(200, "GET", "/dashboard/accounts", "vg-one")
        request(304, "GET", "/dashboard/accounts", "vg-one",
                headers={"If-None-Match": r.getheader("ETag") or '"none"'})
        request(200, "GET", "/dashboard/stats?platform_user_id=UCvgTwo000000000000002", "vg-two")
        request(200, "GET", "/dashboard/stats", "vg-empty")         # no uploads


def refreshes(n):
    for _ in range(n):
        sql("UPDATE social_account SET token_expires_at = LOCALTIMESTAMP - interval '1 hour'"
            " WHERE user_uuid = 'vg-refresh'")
        request(200, "DELETE", "/dashboard/cache", "vg-refresh")
        request(200, "GET", "/dashboard/stats?mode=day", "vg-refresh")
    request(401, "GET", "/dashboard/stats", "vg-revoked")        # invalid_grant
    request(502, "GET", "/dashboard/stats", "vg-revoked", base=ARGS.short)  # invalid_client


def errors():
    bad = ["mode=week", "mode=", "mode=DAY", "platform_user_id=",
           "platform_user_id=" + "x" * 129, "platform_user_id=a%0Ab",
           "platform_user_id=a%00b", "platform_user_id=%7F", "mode=day%00"]
    for q in bad:
        request(400, "GET", "/dashboard/stats?" + q, "vg-one")
    request(400, "GET", "/dashboard/stats", "vg-two")
    request(404, "GET", "/dashboard/stats", "vg-nobody")
    request(404, "GET", "/dashboard/stats?platform_user_id=UCvgTwo000000000000001", "vg-one")
    for path in ("/open/stats", "/open/accounts", "/open/cache"):
        method = "DELETE" if path.endswith("cache") else "GET"
        request(401, method, path)
    for method in ("POST", "PUT", "PATCH", "OPTIONS", "DELETE"):
        request(405, method, "/dashboard/stats", "vg-one")
        request(405, method, "/dashboard/accounts", "vg-one")
    request(405, "GET", "/dashboard/cache", "vg-one")
    request(403, "DELETE", "/dashboard/cache?user_uuid=vg-two", "vg-one")
    request(400, "DELETE", "/dashboard/cache?mode=year", "vg-one")
    request(400, "DELETE", "/dashboard/cache?user_uuid=", "vg-one")
    request(200, "DELETE", "/admin/cache?user_uuid=vg-two&mode=day", "operator")
    request(200, "DELETE", "/admin/cache?user_uuid=*", "operator")
    request(200, "DELETE", "/admin/cache?user_uuid=%5B%5D%3F%5C", "operator")


def google_faults():
    q = "/dashboard/stats?mode=month"
    for status, extra in ((500, {}), (403, {"reason": "quotaExceeded"}),
                          (429, {}), (200, {"body": "{not json"}),
                          (200, {"body": '{"kind": "x"}'}),
                          (200, {"body": '{"columnHeaders": [{"name": 1}], "rows": [[1, 2]]}'}),
                          (401, {})):
        google("/_control/reset", {})
        google("/_control/fault", dict(target="reports", status=status,
                                       match={"dimensions": "ageGroup,gender"}, **extra))
        request(200, "DELETE", "/dashboard/cache", "vg-one")
        request(401 if status == 401 else 502, "GET", q, "vg-one")
    google("/_control/reset", {})
    google("/_control/fault", {"target": "reports", "drop": True,
                               "match": {"dimensions": "country"}})
    request(502, "GET", q, "vg-one")
    google("/_control/reset", {})
    google("/_control/fault", {"target": "reports", "status": 200, "delay_ms": 4000,
                               "match": {"dimensions": "country"}})
    request(504, "GET", q, "vg-one", base=ARGS.short)
    google("/_control/reset", {})
    sql("UPDATE social_account SET token_expires_at = LOCALTIMESTAMP - interval '1 hour'"
        " WHERE user_uuid = 'vg-refresh'")
    request(200, "GET", q, "vg-one")
    request(200, "GET", q, "vg-refresh")


def poisoned_cache():
    key = "dashboard:vg-one:UCvgOne000000000000001:month"
    values = ["", "{", "null", "[]", '{"response": 1}', '{"response": {}}',
              '{"response": {"contentMetrics": [1, "x"], "hasUploads": true}}',
              '{"response": {"contentMetrics": [], "monthlyData": [{"month": 1}]}}',
              '{"response": ' + '[' * 5000 + ']' * 5000 + '}',
              b'{"response": "\xff\xfe"}',
              '{"response": {"topContent": [1, "x"]}, "fetchedAt": "soon"}']
    for v in values:
        redis("SET", key, v)
        request(200, "GET", "/dashboard/stats", "vg-one")
        r, _ = request(200, "GET", "/dashboard/stats", "vg-one")
        if r.getheader("X-Dashboard-Cache") != "hit":
            failures.append("poisoned value not replaced by a good one")


def hostile():
    q = "/dashboard/stats?"
    for s in ("mode=day&mode=month", "mode=%64ay", "mode=d%61y&x=%zz",
              "%zz=1&mode=month", "mode=month&" + "a=b&" * 500,
              "mode=month&platform_user_id=UCvgOne000000000000001&platform_user_id=UCx",
              "mode=month#frag", "&&&mode=month&&", "=&=&mode=month",
              "mode=month&platform_user_id=%C0%AF", "mode=month&platform_user_id=%E2%80%AE"):
        request({200, 400, 404}, "GET", q + s, "vg-one")
    request({200, 400, 404}, "GET", q + "platform_user_id=" + "%41" * 128, "vg-one")
    for name in (b"*", b"vg-one*", b"[vg]-one", b"vg\\one", b"x" * 200,
                 "사용자".encode(), b"vg-one\x01"):
        request({200, 404}, "GET", "/dashboard/accounts", raw_user=name)
        request({200, 404}, "GET", "/dashboard/stats", raw_user=name)
        request({200, 400}, "DELETE", "/dashboard/cache", raw_user=name)
    # A user name that is not UTF-8 has nothing connected, without a query
    # (docs/behaviour.md#account-choice).
    request(200, "GET", "/dashboard/accounts", raw_user=b"caf\xe9")
    request(404, "GET", "/dashboard/stats", raw_user=b"caf\xe9")
    request(200, "DELETE", "/dashboard/cache", raw_user=b"caf\xe9")
    request({200, 304}, "GET", "/dashboard/accounts", "vg-one",
            headers={"If-None-Match": "\"" + "a" * 4000 + "\""})


def outages():
    stack = ARGS.stack
    sh([stack, "redis-stop"])
    for _ in range(4):
        r, _ = request(200, "GET", "/dashboard/stats", "vg-one")
        if r.getheader("X-Dashboard-Cache") != "bypass":
            failures.append("Redis down: not a bypass")
    request(503, "DELETE", "/dashboard/cache", "vg-one")
    sh([stack, "redis-start"])
    request(200, "GET", "/dashboard/stats", "vg-one")
    request(200, "GET", "/dashboard/stats", "vg-one")
    sh([stack, "pg-stop"])
    for _ in range(3):
        request(503, "GET", "/dashboard/stats", "vg-one")
        request(503, "GET", "/dashboard/accounts", "vg-one")
    sh([stack, "pg-start"])
    for _ in range(3):
        request(200, "GET", "/dashboard/stats", "vg-one")
        request(200, "GET", "/dashboard/accounts", "vg-one")


def main():
    global ARGS
    ap = argparse.ArgumentParser()
    for a in ("base", "short", "google", "stack", "psql", "redis"):
        ap.add_argument("--" + a, required=True)
    ap.add_argument("--cycles", type=int, default=8)
    ARGS = ap.parse_args()
    setup()
    stats_cycles(ARGS.cycles)
    refreshes(10)
    errors()
    google_faults()
    poisoned_cache()
    hostile()
    outages()
    total = sum(counts.values())
    print("requests: %d; by status: %s" % (
        total, ", ".join(f"{k}: {v}" for k, v in sorted(counts.items()))))
    for f in failures:
        print("FAIL " + f)
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
