/*
 * The cached-value validator (docs/behaviour.md#cache): any bytes found
 * in Redis are a hit only when they are {"response": <a whole response>};
 * anything else is a miss, never a crash.
 */
#include <string.h>

#include "dash_json.h"
#include "dash_stats.h"
#include "fuzz.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    apr_pool_t *p = fuzz_pool();
    const char *err = NULL;
    json_t *doc, *resp;

    if (dash_json_parse(&doc, p, (const char *)data, size, &err) != APR_SUCCESS) {
        FUZZ_CHECK(err != NULL);
        apr_pool_destroy(p);
        return 0;
    }
    resp = json_is_object(doc) ? json_object_get(doc, "response") : NULL;
    if (resp != NULL && dash_stats_valid(resp)) {
        /* A hit is served: with the fresh upload counts patched in, it
         * still validates and serializes. */
        json_t *copy = dash_json_pool(p, json_deep_copy(resp));
        FUZZ_CHECK(copy != NULL);
        dash_stats_set_uploads(copy, 12, 4);
        FUZZ_CHECK(dash_stats_valid(copy));
        FUZZ_CHECK(dash_json_dump(p, copy, NULL) != NULL);
    }
    apr_pool_destroy(p);
    return 0;
}
