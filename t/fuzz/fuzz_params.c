/*
 * The query-string parser (docs/api.md#errors): any bytes parse or are
 * refused with a reason; what parses survives a round trip through the
 * encoder (so the decoder and the encoder agree), and the identifier rule
 * accepts only 1 to 128 bytes without control characters.
 */
#include <string.h>

#include <apr_tables.h>

#include "dash_params.h"
#include "dash_text.h"
#include "fuzz.h"

static void check_id(const char *v)
{
    const char *why = dash_params_check_id(v);
    size_t i, n = strlen(v);

    if (why != NULL) {
        return;
    }
    FUZZ_CHECK(n >= 1 && n <= DASH_MAX_ID_BYTES);
    for (i = 0; i < n; i++) {
        unsigned char c = (unsigned char)v[i];
        FUZZ_CHECK(c >= 0x20 && c != 0x7f);
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    apr_pool_t *p = fuzz_pool();
    const char *args = fuzz_cstr(p, data, size);
    const char *err = NULL, *again_err = NULL;
    apr_table_t *params, *again;
    const apr_array_header_t *a;
    const apr_table_entry_t *e;
    char *joined = "";
    int i;

    if (dash_params_parse(&params, p, args, &err) != APR_SUCCESS) {
        FUZZ_CHECK(err != NULL && *err);
        apr_pool_destroy(p);
        return 0;
    }
    a = apr_table_elts(params);
    e = (const apr_table_entry_t *)a->elts;
    for (i = 0; i < a->nelts; i++) {
        FUZZ_CHECK(e[i].key != NULL && e[i].val != NULL);
        check_id(e[i].val);
        joined = apr_pstrcat(p, joined, i ? "&" : "",
                             dash_text_pct_encode(p, e[i].key), "=",
                             dash_text_pct_encode(p, e[i].val), NULL);
    }
    FUZZ_CHECK(dash_params_parse(&again, p, joined, &again_err) == APR_SUCCESS);
    FUZZ_CHECK(apr_table_elts(again)->nelts == a->nelts);
    for (i = 0; i < a->nelts; i++) {
        const char *v = apr_table_get(again, e[i].key);
        FUZZ_CHECK(v != NULL && strcmp(v, e[i].val) == 0);
    }
    apr_pool_destroy(p);
    return 0;
}
