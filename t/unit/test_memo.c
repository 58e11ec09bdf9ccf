/* dash_memo: hits only for the exact bytes, LRU under a byte cap, the
 * key's older value replaced, threads sharing it. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdio.h>
#include <string.h>
#include <cmocka.h>

#include <apr_strings.h>
#include <apr_thread_proc.h>

#include "dash_memo.h"
#include "unit.h"

static dash_stats_tpl_t tpl_of(const char *text)
{
    dash_stats_tpl_t t;

    t.text = text;
    t.len = strlen(text);
    t.at[0] = 1;
    t.at[1] = 2;
    t.at[2] = 3;
    dash_etag_digest(t.digest, t.text, t.len, t.at, DASH_STATS_HOLES);
    return t;
}

static void test_exact_bytes(void **state)
{
    apr_pool_t *p = *state;
    dash_memo_t *m;
    dash_stats_tpl_t in = tpl_of("body-1"), out;
    char val[] = "{\"response\":1}";
    apr_int64_t stamp = 0;

    assert_int_equal(dash_memo_create(&m, p, 1 << 20), APR_SUCCESS);
    assert_false(dash_memo_get(m, p, "k", val, strlen(val), &out, NULL));
    dash_memo_put(m, "k", val, strlen(val), &in, 1764470000);
    memset(&out, 0, sizeof(out));
    assert_true(dash_memo_get(m, p, "k", val, strlen(val), &out, &stamp));
    assert_int_equal(stamp, 1764470000);
    assert_string_equal(out.text, "body-1");
    assert_ptr_not_equal(out.text, in.text);
    assert_int_equal(out.len, 6);
    assert_int_equal(out.at[2], 3);
    /* the template's digest comes with it: a hit's ETag needs no pass
     * over the body */
    assert_memory_equal(out.digest, in.digest, DASH_ETAG_DIGEST);
    /* one byte changed, same length: not this value */
    val[12] = '2';
    assert_false(dash_memo_get(m, p, "k", val, strlen(val), &out, NULL));
    /* a prefix of the value, and the value plus a byte */
    val[12] = '1';
    assert_false(dash_memo_get(m, p, "k", val, strlen(val) - 1, &out, NULL));
    assert_false(dash_memo_get(m, p, "k", "{\"response\":1}x", strlen(val) + 1, &out, NULL));
    /* the same bytes under another key */
    assert_false(dash_memo_get(m, p, "k2", val, strlen(val), &out, NULL));
}

static void test_replace(void **state)
{
    apr_pool_t *p = *state;
    dash_memo_t *m;
    dash_stats_tpl_t a = tpl_of("A"), b = tpl_of("B"), out;

    assert_int_equal(dash_memo_create(&m, p, 1 << 20), APR_SUCCESS);
    dash_memo_put(m, "k", "v1", 2, &a, 0);
    dash_memo_put(m, "k", "v2", 2, &b, 0);
    assert_false(dash_memo_get(m, p, "k", "v1", 2, &out, NULL));
    assert_true(dash_memo_get(m, p, "k", "v2", 2, &out, NULL));
    assert_string_equal(out.text, "B");
}

/* Entries of ~1 kB under a 16 kB cap: the least recently used go. */
static void test_lru_cap(void **state)
{
    apr_pool_t *p = *state;
    dash_memo_t *m;
    dash_stats_tpl_t t = tpl_of("t"), out;
    char val[1000];
    int i, kept = 0;

    memset(val, 'x', sizeof(val));
    assert_int_equal(dash_memo_create(&m, p, 16384), APR_SUCCESS);
    for (i = 0; i < 40; i++) {
        char key[16];

        snprintf(key, sizeof(key), "k%d", i);
        dash_memo_put(m, key, val, sizeof(val), &t, 0);
        /* k0 stays the most recently used */
        assert_true(dash_memo_get(m, p, "k0", val, sizeof(val), &out, NULL));
    }
    /* What is left fits the cap with its overhead: fewer than 16 of
     * ~1 kB, and the cap is used, not left mostly empty. */
    for (i = 0; i < 40; i++) {
        char key[16];

        snprintf(key, sizeof(key), "k%d", i);
        kept += dash_memo_get(m, p, key, val, sizeof(val), &out, NULL);
    }
    assert_true(kept >= 8 && kept < 16);
    assert_true(dash_memo_get(m, p, "k0", val, sizeof(val), &out, NULL));
    assert_true(dash_memo_get(m, p, "k39", val, sizeof(val), &out, NULL));
    assert_false(dash_memo_get(m, p, "k1", val, sizeof(val), &out, NULL));
    assert_false(dash_memo_get(m, p, "k30", val, sizeof(val), &out, NULL));
}

/* More than an eighth of the cap is not kept. */
static void test_too_large(void **state)
{
    apr_pool_t *p = *state;
    dash_memo_t *m;
    dash_stats_tpl_t t = tpl_of("t"), out;
    char *val = apr_pcalloc(p, 3000);

    assert_int_equal(dash_memo_create(&m, p, 16384), APR_SUCCESS);
    dash_memo_put(m, "big", val, 3000, &t, 0);
    assert_false(dash_memo_get(m, p, "big", val, 3000, &out, NULL));
    dash_memo_put(m, "small", val, 1000, &t, 0);
    assert_true(dash_memo_get(m, p, "small", val, 1000, &out, NULL));
}

typedef struct {
    dash_memo_t *m;
    int id;
    int wrong;      /* hits carrying another value's text */
    int own_hits;   /* hits on the thread's own key */
} worker_t;

/* Each thread puts and gets shared keys, which the others replace under
 * it; a hit must always carry the text put with those very bytes. Its own
 * key, put once and never replaced, must hit every time: a memo that
 * never hits would otherwise pass as one that is never wrong. */
static void *APR_THREAD_FUNC worker(apr_thread_t *th, void *data)
{
    worker_t *w = data;
    apr_pool_t *p;
    int i;

    char own_key[32], own_val[32];
    dash_stats_tpl_t own;

    apr_pool_create(&p, NULL);
    snprintf(own_key, sizeof(own_key), "own%d", w->id);
    snprintf(own_val, sizeof(own_val), "own-value-%d", w->id);
    own = tpl_of(own_val);
    dash_memo_put(w->m, own_key, own_val, strlen(own_val), &own, 0);
    for (i = 0; i < 3000; i++) {
        char key[32], val[64];
        dash_stats_tpl_t t, out;

        apr_pool_clear(p);
        if (dash_memo_get(w->m, p, own_key, own_val, strlen(own_val), &out, NULL)) {
            if (strcmp(out.text, own_val) == 0) {
                w->own_hits++;
            } else {
                w->wrong++;
            }
        }
        snprintf(key, sizeof(key), "k%d", i % 50);
        snprintf(val, sizeof(val), "v%d-%d", w->id, i % 7);
        t = tpl_of(val);
        dash_memo_put(w->m, key, val, strlen(val), &t, 0);
        if (dash_memo_get(w->m, p, key, val, strlen(val), &out, NULL)) {
            if (strcmp(out.text, val) != 0) {
                w->wrong++;
            }
        }
    }
    apr_pool_destroy(p);
    apr_thread_exit(th, APR_SUCCESS);
    return NULL;
}

static void test_threads(void **state)
{
    apr_pool_t *p = *state;
    dash_memo_t *m;
    apr_thread_t *th[4];
    worker_t w[4];
    apr_status_t rv;
    int i;

    /* Room for the 50 shared keys and the 4 own ones: nothing is evicted. */
    assert_int_equal(dash_memo_create(&m, p, 65536), APR_SUCCESS);
    for (i = 0; i < 4; i++) {
        w[i].m = m;
        w[i].id = i;
        w[i].wrong = 0;
        w[i].own_hits = 0;
        assert_int_equal(apr_thread_create(&th[i], NULL, worker, &w[i], p),
                         APR_SUCCESS);
    }
    for (i = 0; i < 4; i++) {
        apr_thread_join(&rv, th[i]);
        assert_int_equal(w[i].wrong, 0);
        assert_int_equal(w[i].own_hits, 3000);
    }
}

#define T(f) cmocka_unit_test_setup_teardown(f, unit_pool_setup, unit_pool_teardown)

int main(void)
{
    const struct CMUnitTest tests[] = {
        T(test_exact_bytes),
        T(test_replace),
        T(test_lru_cap),
        T(test_too_large),
        T(test_threads),
    };

    return cmocka_run_group_tests(tests, unit_group_setup, unit_group_teardown);
}
