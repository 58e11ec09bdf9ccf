/*
 * What a sentinel or a data node may answer (docs/operations.md#redis-through-sentinel):
 * any bytes, read by hiredis's reader as the pool reads them, then handed
 * to the parsers of the master's address, of ROLE and of the errors that
 * mean "no longer the master". Nothing crashes, hangs or leaks; an address
 * that parses is one a connect may use (a host of address characters, a
 * port from 1 to 65535).
 *
 * Left out: inputs announcing an array of more than AGGREGATE_MAX
 * elements. hiredis 0.14's reader allocates the element array from the
 * announced count before any element arrives ("*999999999" reserves 8 GB
 * of address space; found by this target); the module does not parse
 * that, and on a connection such a reply never completes, so the command
 * ends at DashboardRedisTimeout and the connection, with its allocation,
 * is freed.
 */
#include <string.h>

#include <hiredis/hiredis.h>

#include "dash_redis_sentinel.h"
#include "fuzz.h"

static int addr_char(char c)
{
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z')
           || (c >= '0' && c <= '9') || strchr(".-_:%", c) != NULL;
}

static void check(const redisReply *r)
{
    dash_redis_sentinel_addr_t a;
    const char *why = NULL;
    apr_status_t rv;
    size_t i, n;

    rv = dash_redis_sentinel_parse_addr(r, &a, &why);
    if (rv == APR_SUCCESS) {
        n = strlen(a.host);
        FUZZ_CHECK(n > 0 && n < sizeof(a.host));
        for (i = 0; i < n; i++) {
            FUZZ_CHECK(addr_char(a.host[i]));
        }
        FUZZ_CHECK(a.port >= 1 && a.port <= 65535);
    }
    else {
        FUZZ_CHECK(why && *why && a.host[0] == '\0');
    }
    why = NULL;
    if (dash_redis_sentinel_parse_role(r, &why) != APR_SUCCESS) {
        FUZZ_CHECK(why && *why);
    }
    else {
        FUZZ_CHECK(r->type == REDIS_REPLY_ARRAY && r->elements >= 1);
    }
    if (r->type == REDIS_REPLY_ERROR || r->type == REDIS_REPLY_STATUS
        || r->type == REDIS_REPLY_STRING) {
        (void)dash_redis_sentinel_is_lost(r->str, r->len);
    }
}

#define AGGREGATE_MAX 100000

/* Whether some "*N" in the input announces more than AGGREGATE_MAX. */
static int announces_huge_array(const uint8_t *data, size_t size)
{
    size_t i, j;

    for (i = 0; i < size; i++) {
        unsigned long n = 0;

        if (data[i] != '*') {
            continue;
        }
        for (j = i + 1; j < size && data[j] >= '0' && data[j] <= '9'; j++) {
            n = n * 10 + (unsigned long)(data[j] - '0');
            if (n > AGGREGATE_MAX) {
                return 1;
            }
        }
    }
    return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    redisReader *rd;
    void *reply;
    int i;

    if (announces_huge_array(data, size)) {
        return 0;
    }
    rd = redisReaderCreate();
    FUZZ_CHECK(rd != NULL);
    if (redisReaderFeed(rd, (const char *)data, size) == REDIS_OK) {
        /* Several replies may follow each other, as on a connection. */
        for (i = 0; i < 64; i++) {
            reply = NULL;
            if (redisReaderGetReply(rd, &reply) != REDIS_OK || !reply) {
                break;
            }
            check(reply);
            freeReplyObject(reply);
        }
    }
    redisReaderFree(rd);
    return 0;
}
