/*
 * TZif files (RFC 8536) read into memory, and the local date at a time in
 * them. Why not localtime_r: see dash_tz.h.
 *
 * A file has a table of transitions (UTC instants where the offset
 * changes) and, from version 2 on, a POSIX TZ string for the times after
 * the table ("PST8PDT,M3.2.0,M11.1.0"). zic's "slim" files end the table
 * where the string takes over (2007 for Los Angeles), its "fat" ones run
 * it to 2037; both are read, so the string is evaluated here too.
 */
#include <string.h>

#include <apr_file_io.h>
#include <apr_lib.h>
#include <apr_strings.h>

#include "dash_tz.h"

/* A TZif file of the tz database is a few kB; this is far past any. */
#define DASH_TZ_MAX_FILE (256 * 1024)
#define DASH_TZ_MAX_NAME 255
#define DAY 86400L
/* RFC 8536: an offset is within -25 h and +26 h; anything else is not a
 * zone of this planet, and would move a date by more than a day. */
#define DASH_TZ_MIN_OFF (-89999L)
#define DASH_TZ_MAX_OFF 93599L

/* A day of a POSIX TZ rule: Jn (1..365, Feb 29 never counted), n
 * (0..365, counted) or Mm.w.d (day d, 0 = Sunday, of week w, 5 = last,
 * of month m). */
typedef struct {
    char kind;                     /* 'J', 'N' or 'M' */
    int n, m, w, d;
} rule_day_t;

typedef struct {
    long std_off;                  /* seconds east of UTC */
    long dst_off;
    int has_dst;
    rule_day_t start, end;         /* DST from start to end */
    long start_time, end_time;     /* seconds after local midnight */
} posix_rule_t;

struct dash_tz_t {
    const char *name;
    int n;                         /* transitions */
    apr_int64_t *at;               /* their UTC instants, ascending */
    long *off;                     /* the offset from at[i] on */
    long off_before;               /* before at[0]: time type 0 */
    int has_rule;
    posix_rule_t rule;             /* after at[n - 1] */
};

static long floor_div(long a, long b)
{
    return a / b - ((a % b != 0) && ((a < 0) != (b < 0)));
}

static int is_leap(int y)
{
    return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
}

/* ---- POSIX TZ strings ------------------------------------------------- */

static const char *parse_name(const char *s)
{
    const char *b = s;

    if (*s == '<') {
        while (*++s && *s != '>') {
            if (!(apr_isalnum(*s) || *s == '+' || *s == '-')) {
                return NULL;
            }
        }
        return *s == '>' && s - b >= 4 ? s + 1 : NULL;
    }
    while (apr_isalpha(*s)) {
        s++;
    }
    return s - b >= 3 ? s : NULL;
}

/* [+-]hh[:mm[:ss]], hours up to max_h; NULL when malformed. */
static const char *parse_hms(const char *s, long *out, int max_h)
{
    long sign = 1, h = 0, m = 0, sec = 0;
    int digits = 0;

    if (*s == '+' || *s == '-') {
        sign = *s++ == '-' ? -1 : 1;
    }
    while (apr_isdigit(*s) && digits < 3) {
        h = h * 10 + (*s++ - '0');
        digits++;
    }
    if (digits == 0 || h > max_h) {
        return NULL;
    }
    if (*s == ':') {
        if (!apr_isdigit(s[1]) || !apr_isdigit(s[2])) {
            return NULL;
        }
        m = (s[1] - '0') * 10 + (s[2] - '0');
        s += 3;
        if (*s == ':') {
            if (!apr_isdigit(s[1]) || !apr_isdigit(s[2])) {
                return NULL;
            }
            sec = (s[1] - '0') * 10 + (s[2] - '0');
            s += 3;
        }
    }
    if (m > 59 || sec > 59) {
        return NULL;
    }
    *out = sign * (h * 3600 + m * 60 + sec);
    return s;
}

static const char *parse_num(const char *s, int *out, int lo, int hi)
{
    int v = 0, digits = 0;

    while (apr_isdigit(*s) && digits < 4) {
        v = v * 10 + (*s++ - '0');
        digits++;
    }
    if (digits == 0 || v < lo || v > hi) {
        return NULL;
    }
    *out = v;
    return s;
}

/* A rule day, then an optional /time (default 02:00, RFC 8536 allows
 * -167 to 167 hours). */
static const char *parse_rule_day(const char *s, rule_day_t *r, long *time)
{
    memset(r, 0, sizeof(*r));
    if (*s == 'J') {
        r->kind = 'J';
        s = parse_num(s + 1, &r->n, 1, 365);
    }
    else if (*s == 'M') {
        r->kind = 'M';
        s = parse_num(s + 1, &r->m, 1, 12);
        if (s && *s == '.') {
            s = parse_num(s + 1, &r->w, 1, 5);
        }
        else {
            s = NULL;
        }
        if (s && *s == '.') {
            s = parse_num(s + 1, &r->d, 0, 6);
        }
        else {
            s = NULL;
        }
    }
    else {
        r->kind = 'N';
        s = parse_num(s, &r->n, 0, 365);
    }
    *time = 2 * 3600;
    if (s && *s == '/') {
        s = parse_hms(s + 1, time, 167);
    }
    return s;
}

static apr_status_t parse_posix(posix_rule_t *r, const char *s)
{
    long v;

    memset(r, 0, sizeof(*r));
    if (!(s = parse_name(s)) || !(s = parse_hms(s, &v, 24))) {
        return APR_EINVAL;
    }
    /* POSIX counts west of Greenwich as positive. */
    r->std_off = -v;
    if (!*s) {
        return APR_SUCCESS;
    }
    if (!(s = parse_name(s))) {
        return APR_EINVAL;
    }
    r->has_dst = 1;
    r->dst_off = r->std_off + 3600;
    if (*s && *s != ',') {
        if (!(s = parse_hms(s, &v, 24))) {
            return APR_EINVAL;
        }
        r->dst_off = -v;
    }
    if (!*s) {
        /* No rule given: POSIX leaves it to the implementation; glibc
         * takes the US rules, and so do we. */
        r->start.kind = r->end.kind = 'M';
        r->start.m = 3, r->start.w = 2;
        r->end.m = 11, r->end.w = 1;
        r->start_time = r->end_time = 2 * 3600;
        return APR_SUCCESS;
    }
    if (*s != ',' || !(s = parse_rule_day(s + 1, &r->start, &r->start_time))
        || *s != ',' || !(s = parse_rule_day(s + 1, &r->end, &r->end_time))
        || *s) {
        return APR_EINVAL;
    }
    return APR_SUCCESS;
}

/* The day (days since 1970-01-01) a rule names in year y. */
static long rule_day(int y, const rule_day_t *r)
{
    dash_date_t jan1 = { y, 1, 1 };
    long first, last, day;
    int dow;

    switch (r->kind) {
    case 'J':
        return dash_dates_to_days(jan1) + r->n - 1
               + (is_leap(y) && r->n >= 60 ? 1 : 0);
    case 'N':
        return dash_dates_to_days(jan1) + r->n;
    default:
        {
            dash_date_t m1 = { y, r->m, 1 };

            first = dash_dates_to_days(m1);
            last = dash_dates_to_days(dash_dates_add_months(m1, 1)) - 1;
            /* 1970-01-01 was a Thursday (4). */
            dow = (int)((first % 7 + 7 + 4) % 7);
            day = first + (r->d - dow + 7) % 7 + 7L * (r->w - 1);
            while (day > last) {
                day -= 7;
            }
            return day;
        }
    }
}

static long rule_offset(const posix_rule_t *r, apr_int64_t t)
{
    apr_int64_t start, end;
    int y;

    if (!r->has_dst) {
        return r->std_off;
    }
    y = dash_dates_from_days(floor_div((long)(t + r->std_off), DAY)).y;
    /* Each change happens at the local time of the side it leaves. */
    start = (apr_int64_t)rule_day(y, &r->start) * DAY + r->start_time - r->std_off;
    end = (apr_int64_t)rule_day(y, &r->end) * DAY + r->end_time - r->dst_off;
    if (start < end) {
        return t >= start && t < end ? r->dst_off : r->std_off;
    }
    /* Southern hemisphere: summer time spans the new year. */
    return t >= end && t < start ? r->std_off : r->dst_off;
}

/* ---- TZif --------------------------------------------------------------- */

static apr_int64_t be(const unsigned char *b, int n)
{
    apr_uint64_t v = 0;
    int i;

    for (i = 0; i < n; i++) {
        v = v << 8 | b[i];
    }
    /* Sign-extend: transition times and offsets are signed. */
    if (n < 8 && (b[0] & 0x80)) {
        v |= ~(apr_uint64_t)0 << (8 * n);
    }
    return (apr_int64_t)v;
}

typedef struct {
    apr_size_t isut, isstd, leap, time, type, chars;
} counts_t;

static apr_size_t block_size(const counts_t *c, int tsize)
{
    return c->time * (tsize + 1) + c->type * 6 + c->chars
           + c->leap * (tsize + 4) + c->isstd + c->isut;
}

static apr_status_t tz_fail(const char **perr, const char *why)
{
    if (perr != NULL) {
        *perr = why;
    }
    return APR_EINVAL;
}

static int read_header(const unsigned char *d, apr_size_t len, counts_t *c)
{
    if (len < 44 || memcmp(d, "TZif", 4) != 0) {
        return 0;
    }
    c->isut = (apr_size_t)be(d + 20, 4);
    c->isstd = (apr_size_t)be(d + 24, 4);
    c->leap = (apr_size_t)be(d + 28, 4);
    c->time = (apr_size_t)be(d + 32, 4);
    c->type = (apr_size_t)be(d + 36, 4);
    c->chars = (apr_size_t)be(d + 40, 4);
    /* Bounds that also keep block_size from overflowing. */
    return c->type >= 1 && c->type <= 256 && c->time <= 100000
           && c->leap <= 100000 && c->chars <= 100000
           && c->isut <= 256 && c->isstd <= 256;
}

apr_status_t dash_tz_parse(dash_tz_t **ptz, apr_pool_t *p, const char *name,
                           const unsigned char *d, apr_size_t len,
                           const char **perr)
{
    dash_tz_t *tz;
    counts_t c;
    const unsigned char *times, *idx, *types, *end;
    apr_size_t i, off;
    int tsize = 4;

    if (!read_header(d, len, &c)) {
        return tz_fail(perr, "not a TZif file");
    }
    off = 44;
    /* Version 2 and later repeat the data with 64-bit times, then the
     * POSIX string: the only part that reaches past 2037. */
    if (d[4] >= '2') {
        off += block_size(&c, 4);
        if (off > len || !read_header(d + off, len - off, &c)) {
            return tz_fail(perr, "truncated TZif file");
        }
        off += 44;
        tsize = 8;
    }
    if (off + block_size(&c, tsize) > len) {
        return tz_fail(perr, "truncated TZif file");
    }
    times = d + off;
    idx = times + c.time * tsize;
    types = idx + c.time;
    end = d + off + block_size(&c, tsize);

    tz = apr_pcalloc(p, sizeof(*tz));
    tz->name = apr_pstrdup(p, name);
    tz->n = (int)c.time;
    tz->at = apr_palloc(p, sizeof(*tz->at) * (c.time + 1));
    tz->off = apr_palloc(p, sizeof(*tz->off) * (c.time + 1));
    for (i = 0; i < c.type; i++) {
        long o = (long)be(types + i * 6, 4);

        if (o < DASH_TZ_MIN_OFF || o > DASH_TZ_MAX_OFF) {
            return tz_fail(perr, "TZif offset out of range");
        }
    }
    tz->off_before = (long)be(types, 4);
    for (i = 0; i < c.time; i++) {
        if (idx[i] >= c.type) {
            return tz_fail(perr, "TZif transition of an unknown type");
        }
        tz->at[i] = be(times + i * tsize, tsize);
        tz->off[i] = (long)be(types + idx[i] * 6, 4);
        if (i > 0 && tz->at[i] <= tz->at[i - 1]) {
            return tz_fail(perr, "TZif transitions out of order");
        }
    }
    if (tsize == 8 && end < d + len && *end == '\n') {
        const unsigned char *nl = memchr(end + 1, '\n', (d + len) - (end + 1));
        char *footer;

        if (nl == NULL) {
            return tz_fail(perr, "TZif footer without its newline");
        }
        footer = apr_pstrmemdup(p, (const char *)end + 1, (apr_size_t)(nl - end - 1));
        if (*footer) {
            if (parse_posix(&tz->rule, footer) != APR_SUCCESS) {
                return tz_fail(perr, "TZif footer is not a TZ rule");
            }
            tz->has_rule = 1;
        }
    }
    *ptz = tz;
    return APR_SUCCESS;
}

/* A zone name as the tz database spells them: relative, no "." or ".."
 * part, letters, digits and "/_+-" only. */
static int name_ok(const char *name)
{
    const char *s, *part = name;
    apr_size_t n = strlen(name);

    if (n == 0 || n > DASH_TZ_MAX_NAME || *name == '/') {
        return 0;
    }
    for (s = name; ; s++) {
        if (*s == '/' || *s == '\0') {
            if (s == part || (*part == '.')) {
                return 0;
            }
            if (*s == '\0') {
                return 1;
            }
            part = s + 1;
        }
        else if (!apr_isalnum(*s) && !strchr("_+-.", *s)) {
            return 0;
        }
    }
}

apr_status_t dash_tz_load(dash_tz_t **ptz, apr_pool_t *p, const char *dir,
                          const char *name, const char **perr)
{
    apr_file_t *f;
    apr_status_t rv;
    unsigned char *buf;
    apr_size_t len = 0, got;
    const char *path;

    if (name == NULL || !name_ok(name)) {
        return tz_fail(perr, "not a time zone name");
    }
    path = apr_pstrcat(p, dir, "/", name, NULL);
    rv = apr_file_open(&f, path, APR_FOPEN_READ | APR_FOPEN_BINARY,
                       APR_FPROT_OS_DEFAULT, p);
    if (rv != APR_SUCCESS) {
        return tz_fail(perr, apr_psprintf(p, "no such zone in %s", dir));
    }
    buf = apr_palloc(p, DASH_TZ_MAX_FILE);
    do {
        got = DASH_TZ_MAX_FILE - len;
        rv = apr_file_read(f, buf + len, &got);
        len += rv == APR_SUCCESS ? got : 0;
    } while (rv == APR_SUCCESS && got > 0 && len < DASH_TZ_MAX_FILE);
    apr_file_close(f);
    if (rv != APR_SUCCESS && rv != APR_EOF) {
        return tz_fail(perr, apr_psprintf(p, "cannot read %s", path));
    }
    if (len >= DASH_TZ_MAX_FILE) {
        return tz_fail(perr, apr_psprintf(p, "%s is too large", path));
    }
    rv = dash_tz_parse(ptz, p, name, buf, len, perr);
    if (rv != APR_SUCCESS && perr != NULL) {
        *perr = apr_psprintf(p, "%s: %s", path, *perr);
    }
    return rv;
}

const char *dash_tz_name(const dash_tz_t *tz)
{
    return tz != NULL ? tz->name : "local";
}

long dash_tz_offset(const dash_tz_t *tz, apr_time_t t)
{
    apr_int64_t s = apr_time_sec(t);
    int lo = 0, hi;

    if (tz->n == 0 || s < tz->at[0]) {
        return tz->n == 0 && tz->has_rule ? rule_offset(&tz->rule, s)
                                          : tz->off_before;
    }
    if (tz->has_rule && s >= tz->at[tz->n - 1]) {
        return rule_offset(&tz->rule, s);
    }
    /* The last transition at or before s. */
    hi = tz->n - 1;
    while (lo < hi) {
        int mid = lo + (hi - lo + 1) / 2;

        if (tz->at[mid] <= s) {
            lo = mid;
        }
        else {
            hi = mid - 1;
        }
    }
    return tz->off[lo];
}

dash_date_t dash_tz_date(const dash_tz_t *tz, apr_time_t t)
{
    if (tz == NULL) {
        return dash_dates_local(t);
    }
    return dash_dates_from_days(floor_div((long)(apr_time_sec(t)
                                                 + dash_tz_offset(tz, t)), DAY));
}
