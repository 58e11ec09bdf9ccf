#!/usr/bin/python3
"""`make bench`, single flight (docs/behaviour.md#stale-answers-and-single-flight),
client side.

  bench_flight.py cold N DELAY_MS GOOGLE AUTH URL [URL ...]
      N simultaneous cold GETs of one key, spread over the URLs (one per
      httpd instance) round robin, every report call held DELAY_MS by the
      stand-in. Prints one line: "calls=C max_in_flight=M ok=K miss=A
      hit=B other=O wall_ms=W".
  bench_flight.py waiter ROUNDS DELAY_MS GOOGLE AUTH URL
      ROUNDS times: a holder's cold GET, and once its report calls are at
      the stand-in a second GET of the same key; the waiter's end minus the
      holder's end. Prints "median_ms=… p90_ms=… max_ms=… hits=H/ROUNDS".

GOOGLE is the stand-in's base URL, AUTH the Authorization header value,
URL the stats URL (…/dashboard/stats). The cache is emptied before each
round with DELETE on the stats URL's …/dashboard/cache sibling.
"""

import http.client
import json
import statistics
import sys
import threading
import time
import urllib.parse


def request(method, url, auth=None, body=None):
    """(status, headers dict with lower-case names, body bytes)."""
    u = urllib.parse.urlsplit(url)
    conn = http.client.HTTPConnection(u.hostname, u.port, timeout=60)
    headers = {"Authorization": auth} if auth else {}
    if body is not None:
        headers["Content-Type"] = "application/json"
    try:
        conn.request(method, u.path + ("?" + u.query if u.query else ""),
                     body=body, headers=headers)
        res = conn.getresponse()
        data = res.read()
        return res.status, {k.lower(): v for k, v in res.getheaders()}, data
    finally:
        conn.close()


def control(google, name, spec=None):
    if spec is None:
        status, _, data = request("GET", f"{google}/_control/{name}")
    else:
        status, _, data = request("POST", f"{google}/_control/{name}",
                                  body=json.dumps(spec))
    if status != 200:
        raise SystemExit(f"stand-in /_control/{name}: {status}")
    return json.loads(data)


def cold(google, auth, url, delay_ms):
    """Empties the cache and readies the stand-in for a cold round."""
    purge = url.replace("/dashboard/stats", "/dashboard/cache")
    status, _, _ = request("DELETE", purge, auth)
    if status != 200:
        raise SystemExit(f"DELETE {purge}: {status}")
    control(google, "reset", {})
    control(google, "delay", {"ms": delay_ms})


def cold_burst(n, delay_ms, google, auth, urls):
    cold(google, auth, urls[0], delay_ms)
    results = [None] * n
    barrier = threading.Barrier(n)

    def one(i):
        barrier.wait()
        try:
            status, headers, _ = request("GET", urls[i % len(urls)], auth)
            results[i] = (status, headers.get("x-dashboard-cache", "-"))
        except OSError as e:
            results[i] = (0, str(e))

    threads = [threading.Thread(target=one, args=(i,)) for i in range(n)]
    t0 = time.monotonic()
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    wall = (time.monotonic() - t0) * 1000
    c = control(google, "counters")
    ok = sum(1 for s, _ in results if s == 200)
    miss = sum(1 for s, h in results if s == 200 and h == "miss")
    hit = sum(1 for s, h in results if s == 200 and h == "hit")
    print(f"calls={c['reports']} max_in_flight={c['max_in_flight']} ok={ok} "
          f"miss={miss} hit={hit} other={n - miss - hit} wall_ms={wall:.0f}")


def waiter(rounds, delay_ms, google, auth, url):
    extra, hits = [], 0
    for _ in range(rounds):
        cold(google, auth, url, delay_ms)
        ends = {}

        def get(name):
            status, headers, _ = request("GET", url, auth)
            ends[name] = (time.monotonic(), status,
                          headers.get("x-dashboard-cache", "-"))

        holder = threading.Thread(target=get, args=("holder",))
        holder.start()
        # The holder has the lock once its report calls reach the stand-in.
        deadline = time.monotonic() + 10
        while control(google, "counters")["in_flight"] == 0:
            if time.monotonic() > deadline:
                raise SystemExit("the holder never called the stand-in")
            time.sleep(0.002)
        w = threading.Thread(target=get, args=("waiter",))
        w.start()
        holder.join()
        w.join()
        (h_end, h_status, h_cache), (w_end, w_status, w_cache) = \
            ends["holder"], ends["waiter"]
        if (h_status, h_cache) != (200, "miss") or w_status != 200:
            raise SystemExit(f"holder {h_status} {h_cache}, "
                             f"waiter {w_status} {w_cache}")
        hits += w_cache == "hit"
        extra.append((w_end - h_end) * 1000)
    extra.sort()
    p90 = extra[min(len(extra) - 1, int(len(extra) * 0.9))]
    print(f"median_ms={statistics.median(extra):.1f} p90_ms={p90:.1f} "
          f"max_ms={extra[-1]:.1f} hits={hits}/{rounds}")


def main(argv):
    if len(argv) >= 6 and argv[0] == "cold":
        cold_burst(int(argv[1]), int(argv[2]), argv[3], argv[4], argv[5:])
    elif len(argv) == 6 and argv[0] == "waiter":
        waiter(int(argv[1]), int(argv[2]), argv[3], argv[4], argv[5])
    else:
        raise SystemExit(__doc__)


if __name__ == "__main__":
    main(sys.argv[1:])
