/*
 * What the libFuzzer targets share (make fuzz): APR set up once, a fresh
 * pool per input, and FUZZ_CHECK for the properties a target asserts
 * beyond "does not crash" (a failed check aborts, so libFuzzer keeps the
 * input as a crash).
 */
#ifndef DASH_FUZZ_H
#define DASH_FUZZ_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

#include <apr_general.h>
#include <apr_pools.h>
#include <apr_strings.h>

#define FUZZ_CHECK(cond) do {                                            \
        if (!(cond)) {                                                   \
            fprintf(stderr, "%s:%d: property failed: %s\n",              \
                    __FILE__, __LINE__, #cond);                          \
            abort();                                                     \
        }                                                                \
    } while (0)

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* A pool for one input; APR is initialized on the first call. */
static inline apr_pool_t *fuzz_pool(void)
{
    static int ready;
    apr_pool_t *p;

    if (!ready) {
        if (apr_initialize() != APR_SUCCESS) {
            abort();
        }
        ready = 1;
    }
    if (apr_pool_create(&p, NULL) != APR_SUCCESS) {
        abort();
    }
    return p;
}

/* The input as a C string, cut at its first NUL byte (the way httpd hands
 * over a query string or a directive argument). */
static inline const char *fuzz_cstr(apr_pool_t *p, const uint8_t *data,
                                    size_t size)
{
    return apr_pstrndup(p, (const char *)data, size);
}

#endif
