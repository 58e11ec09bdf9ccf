/*
 * The cache rules (docs/behaviour.md#cache): one key codec, used to build
 * a key, to build the SCAN pattern of a purge and to check each key the
 * SCAN returns; the stored value's shape.
 */
#include <string.h>

#include <apr_strings.h>

#include "dash_cache.h"
#include "dash_json.h"
#include "dash_shape.h"
#include "dash_stats.h"

#define KEY_PREFIX "dashboard:"
#define KEY_PREFIX_LEN (sizeof(KEY_PREFIX) - 1)

/* The parts of a key, in the order they are written. */
static const char *key_join(apr_pool_t *p, const char *user,
                            const char *channel, const char *mode)
{
    return apr_pstrcat(p, KEY_PREFIX, user, ":", channel, ":", mode, NULL);
}

typedef struct {
    const char *user, *channel, *mode;
    apr_size_t user_len, channel_len, mode_len;
} key_parts_t;

/*
 * key_join's inverse. {mode} is after the last ':' and {channel} before
 * it, neither holding a ':'; {user} is the rest and may hold any.
 * 0 when k does not have the layout or the channel is empty.
 */
static int key_split(const char *k, apr_size_t n, key_parts_t *kp)
{
    const char *end = k + n, *mode, *chan;

    if (n < KEY_PREFIX_LEN || memcmp(k, KEY_PREFIX, KEY_PREFIX_LEN) != 0) {
        return 0;
    }
    k += KEY_PREFIX_LEN;
    mode = end;
    while (mode > k && mode[-1] != ':') {
        mode--;
    }
    if (mode == k) {
        return 0;
    }
    chan = mode - 1;
    while (chan > k && chan[-1] != ':') {
        chan--;
    }
    if (chan == k || chan == mode - 1) {
        return 0;              /* no user part, or an empty channel */
    }
    kp->user = k;
    kp->user_len = (apr_size_t)(chan - 1 - k);
    kp->channel = chan;
    kp->channel_len = (apr_size_t)(mode - 1 - chan);
    kp->mode = mode;
    kp->mode_len = (apr_size_t)(end - mode);
    return 1;
}

const char *dash_cache_key(apr_pool_t *p, const char *user,
                           const char *channel, dash_mode_e mode)
{
    return key_join(p, user, channel, dash_mode_name(mode));
}

apr_status_t dash_cache_purge_mode(const char *word, int *all,
                                   dash_mode_e *mode)
{
    if (!word || strcmp(word, "all") == 0) {
        *all = 1;
        return APR_SUCCESS;
    }
    *all = 0;
    return dash_mode_parse(mode, word, strlen(word));
}

typedef struct {
    const char *user;          /* NULL = every user */
    int all;
    dash_mode_e mode;
} purge_t;

/*
 * Whether a key SCAN returned is really one of ours to delete. MATCH is a
 * glob and '*' crosses ':', so "dashboard:u:*:day" also matches user
 * "u:x", and lock keys like "dashboard:u:ch:day:lock" would match a "*"
 * mode; this keeps the purge to exactly the documented keys.
 */
static int purge_match(void *baton, const char *k, apr_size_t n)
{
    const purge_t *pg = baton;
    key_parts_t kp;
    dash_mode_e m;

    if (!key_split(k, n, &kp)
        || dash_mode_parse(&m, kp.mode, kp.mode_len) != APR_SUCCESS
        || (!pg->all && m != pg->mode)) {
        return 0;
    }
    return !pg->user || (kp.user_len == strlen(pg->user)
                         && memcmp(kp.user, pg->user, kp.user_len) == 0);
}

apr_status_t dash_cache_purge(dash_redis_t *r, apr_pool_t *p,
                              const char *user, const char *mode_word,
                              long *deleted, const char **perr)
{
    purge_t pg;
    const char *pattern;

    *deleted = 0;
    if (perr) {
        *perr = NULL;
    }
    if (dash_cache_purge_mode(mode_word, &pg.all, &pg.mode) != APR_SUCCESS) {
        if (perr) {
            *perr = "purge: bad mode";
        }
        return APR_EINVAL;
    }
    pg.user = user;
    pattern = key_join(p, user ? dash_redis_glob_escape(p, user) : "*", "*",
                       pg.all ? "*" : dash_mode_name(pg.mode));
    return dash_redis_scan_delete(r, p, pattern, purge_match, &pg, deleted,
                                  perr);
}

const char *dash_cache_lock_key(apr_pool_t *p, const char *key)
{
    return apr_pstrcat(p, key, ":lock", NULL);
}

const char *dash_cache_budget_key(apr_pool_t *p, const char *user)
{
    /* key_split finds no {channel}:{mode} in it for a user without ':',
     * and a mode "fetches" for one with ':': no purge ever matches. */
    return apr_pstrcat(p, KEY_PREFIX, user, ":fetches", NULL);
}

char *dash_cache_value_encode(apr_pool_t *p, json_t *resp,
                              apr_int64_t fetched_at, apr_size_t *len)
{
    json_t *doc = dash_json_pool(p, json_pack("{s:O,s:I}", "response", resp,
                                              "fetchedAt",
                                              (json_int_t)fetched_at));

    return doc ? dash_json_dump(p, doc, len) : NULL;
}

/* fetchedAt: Unix seconds, an integer; another writer's 1764470000.0 is
 * the same integer. -1 when absent; 0 when it is something else. */
static int fetched_at_of(json_t *doc, apr_int64_t *fetched_at)
{
    json_t *v = json_object_get(doc, "fetchedAt");
    double d;

    *fetched_at = -1;
    if (!v) {
        return 1;
    }
    if (json_is_integer(v) && json_integer_value(v) >= 0) {
        *fetched_at = (apr_int64_t)json_integer_value(v);
        return 1;
    }
    if (json_is_real(v) && (d = json_real_value(v)) >= 0 && d < 1e15
        && d == (double)(apr_int64_t)d) {
        *fetched_at = (apr_int64_t)d;
        return 1;
    }
    return 0;
}

json_t *dash_cache_value_decode(apr_pool_t *p, const char *val,
                                apr_size_t len, apr_int64_t *fetched_at)
{
    const char *err = NULL;
    json_t *doc, *resp;

    *fetched_at = -1;
    if (dash_json_parse(&doc, p, val, len, &err) != APR_SUCCESS
        || !json_is_object(doc) || !fetched_at_of(doc, fetched_at)) {
        return NULL;
    }
    resp = json_object_get(doc, "response");
    return dash_shape_copy(p, resp);
}
