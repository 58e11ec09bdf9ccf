/*
 * The cached-value validator (docs/behaviour.md#cache): any bytes found
 * in Redis go through dash_cache_value_decode, as a stats request does.
 * Anything but {"response": <a whole response>} is a miss, never a crash;
 * a hit is a response that validates, still does with the fresh upload
 * counts patched in, and written back to the cache decodes to itself. The
 * per-child memo's template of it (dash_stats_template, dash_stats_fill)
 * gives byte for byte the body that patching and serializing gives.
 */
#include <string.h>

#include "dash_cache.h"
#include "dash_json.h"
#include "dash_shape.h"
#include "dash_stats.h"
#include "fuzz.h"
#include "../unit/uploads.h"

static const long counts[][2] = { { 12, 4 }, { 0, 0 }, { 7, 123456789 } };

static void check_template(apr_pool_t *p, const json_t *resp)
{
    json_t *work = dash_json_pool(p, json_deep_copy(resp));
    dash_stats_tpl_t t;
    size_t i;

    FUZZ_CHECK(work != NULL);
    FUZZ_CHECK(dash_stats_template(&t, p, work) == APR_SUCCESS);
    for (i = 0; i < sizeof(counts) / sizeof(counts[0]); i++) {
        json_t *patched = dash_json_pool(p, json_deep_copy(resp));
        apr_size_t flen = 0, plen = 0;
        char *filled, *want;

        FUZZ_CHECK(patched != NULL);
        set_uploads(patched, counts[i][0], counts[i][1]);
        want = dash_json_dump(p, patched, &plen);
        filled = dash_stats_fill(p, &t, counts[i][0], counts[i][1], &flen);
        FUZZ_CHECK(want != NULL && filled != NULL);
        FUZZ_CHECK(flen == plen && memcmp(filled, want, plen) == 0);
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    apr_pool_t *p = fuzz_pool();
    json_t *resp, *again;
    char *stored, *first, *second;
    apr_size_t len;
    apr_int64_t at, at2;

    resp = dash_cache_value_decode(p, (const char *)data, size, &at);
    if (resp != NULL) {
        FUZZ_CHECK(dash_shape_copy(p, resp) != NULL);
        first = dash_json_dump(p, resp, NULL);
        FUZZ_CHECK(first != NULL);

        /* fetchedAt survives the round trip (a value without one gets 0). */
        FUZZ_CHECK(at >= -1);
        stored = dash_cache_value_encode(p, resp, at < 0 ? 0 : at, &len);
        FUZZ_CHECK(stored != NULL);
        again = dash_cache_value_decode(p, stored, len, &at2);
        FUZZ_CHECK(again != NULL && at2 == (at < 0 ? 0 : at));
        second = dash_json_dump(p, again, NULL);
        FUZZ_CHECK(second != NULL && strcmp(first, second) == 0);

        check_template(p, resp);
        set_uploads(resp, 12, 4);
        FUZZ_CHECK(dash_shape_copy(p, resp) != NULL);
    }
    apr_pool_destroy(p);
    return 0;
}
