"""What the stand-in's handlers share: registered tokens and client, faults,
delays, counters, the request log, per-channel options, and the seed file.
"""

import collections
import datetime
import itertools
import json
import random
import secrets
import threading
import time

from standin_data import Data
from standin_reports import RE_DATE, RE_VIDEO_ID


REQUEST_LOG_SIZE = 500


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
