#!/usr/bin/python3
"""make bench, step 5: two builds of the module side by side.

  bench_tail.py N D_MS GOOGLE AUTH URL_A URL_B

URL_A and URL_B are /dashboard/stats on two httpd instances (the previous
commit's module and this one's) sharing Redis, Postgres and the Google
stand-in. The stand-in draws every report call's delay from a log-normal
law with median D_MS and 99th percentile 5 x D_MS (its dist=lognormal).

First the report calls one cold fetch makes on each (the stand-in's
counter around one miss), then N misses on each, alternating A and B
(A first in even rounds, B first in odd ones) so that both meet the same
load of this shared machine: the key is purged through the same httpd,
then the miss is timed. Prints one line of name=value pairs per instance:
calls, n, median_ms, p90_ms, p99_ms, max_ms, mean_ms, misses.
"""

import json
import math
import sys
import time
import urllib.request


def call(method, url, headers=None, body=None):
    req = urllib.request.Request(url, method=method, headers=headers or {},
                                 data=body)
    with urllib.request.urlopen(req, timeout=60) as res:
        return res.status, dict(res.headers), res.read()


def control(google, name, obj=None):
    data = json.dumps(obj or {}).encode() if obj is not None else None
    _, _, body = call("POST" if obj is not None else "GET",
                      f"{google}/_control/{name}",
                      {"Content-Type": "application/json"}, data)
    return json.loads(body)


def miss(url, auth):
    """Purges the key through the same httpd, then times one stats GET;
    (milliseconds, whether it was a miss)."""
    purge = url.replace("/dashboard/stats", "/dashboard/cache")
    call("DELETE", purge + "?mode=month", {"Authorization": auth})
    t0 = time.perf_counter()
    status, headers, _ = call("GET", url, {"Authorization": auth})
    ms = (time.perf_counter() - t0) * 1000
    return ms, status == 200 and headers.get("X-Dashboard-Cache") == "miss"


def rank(sorted_ms, q):
    """Nearest-rank percentile."""
    return sorted_ms[max(0, math.ceil(q * len(sorted_ms)) - 1)]


def main():
    n, d_ms = int(sys.argv[1]), int(sys.argv[2])
    google, auth, urls = sys.argv[3], sys.argv[4], sys.argv[5:7]

    calls = []
    control(google, "delay", {"ms": 0})
    for url in urls:
        miss(url, auth)                      # warm the child's connections
        control(google, "reset", {})
        ms, ok = miss(url, auth)
        if not ok:
            sys.exit(f"bench_tail: {url} did not answer a miss")
        calls.append(control(google, "counters")["reports"])

    control(google, "delay", {"ms": d_ms, "dist": "lognormal", "p99_factor": 5,
                              "seed": 20261207})
    times = [[], []]
    misses = [0, 0]
    for i in range(n):
        order = (0, 1) if i % 2 == 0 else (1, 0)
        for k in order:
            ms, ok = miss(urls[k], auth)
            times[k].append(ms)
            misses[k] += ok
    control(google, "delay", {"ms": 0})

    for k in (0, 1):
        t = sorted(times[k])
        print(f"calls={calls[k]} n={len(t)} median_ms={rank(t, 0.5):.0f} "
              f"p90_ms={rank(t, 0.9):.0f} p99_ms={rank(t, 0.99):.0f} "
              f"max_ms={t[-1]:.0f} mean_ms={sum(t) / len(t):.0f} "
              f"misses={misses[k]}")


if __name__ == "__main__":
    main()
