/*
 * What a sentinel or a data node may answer (docs/operations.md#redis-through-sentinel):
 * any bytes, read by hiredis's reader as the pool reads them, then handed
 * to the parsers of the master's address, of ROLE and of the errors that
 * mean "no longer the master". Nothing crashes, hangs or leaks; an address
 * that parses is one a connect may use (a host of address characters, a
 * port from 1 to 65535).
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

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    redisReader *rd = redisReaderCreate();
    void *reply;
    int i;

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
