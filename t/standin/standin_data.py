"""The stand-in's synthetic report data: deterministic, a pure function of
(channel, video id, day), and the metrics and dimension values it covers.
"""

import calendar
import hashlib


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
