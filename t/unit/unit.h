/*
 * What the core's unit tests share: APR set up once per group, a fresh
 * pool per test (cmocka's state), and a loopback port nothing listens on.
 */
#ifndef DASH_UNIT_H
#define DASH_UNIT_H

#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <cmocka.h>

#include <apr_general.h>
#include <apr_pools.h>
#include <apr_time.h>

/* Exact equality of doubles, printing both in full when they differ. */
#define assert_double_eq(a, b) do {                                   \
        double a_ = (a), b_ = (b);                                    \
        if (!(a_ == b_)) {                                            \
            fail_msg("%s is %.17g, want %.17g", #a, a_, b_);          \
        }                                                             \
    } while (0)

static inline int unit_group_setup(void **state)
{
    (void)state;
    return apr_initialize() == APR_SUCCESS ? 0 : -1;
}

static inline int unit_group_teardown(void **state)
{
    (void)state;
    apr_terminate();
    return 0;
}

static inline int unit_pool_setup(void **state)
{
    apr_pool_t *p;

    if (apr_pool_create(&p, NULL) != APR_SUCCESS) {
        return -1;
    }
    *state = p;
    return 0;
}

static inline int unit_pool_teardown(void **state)
{
    apr_pool_destroy(*state);
    return 0;
}

/* Timing bounds scale with the machine, as in t/lib/Dash/Test.pm:
 * DASH_TIME_FACTOR (default 1; scripts/test-asan.sh sets 3) multiplies the
 * slack past what the behaviour itself takes, and the bound stays below
 * CEILING_MS (the time the wrong behaviour would take; 0 = none). */
static inline apr_interval_time_t unit_time_bound(long nominal_ms, long slack_ms,
                                                  long ceiling_ms)
{
    const char *f = getenv("DASH_TIME_FACTOR");
    double factor = f ? strtod(f, NULL) : 1;
    double ms;

    if (!(factor >= 1)) {
        factor = 1;
    }
    ms = (double)nominal_ms + (double)slack_ms * factor;
    if (ceiling_ms > 0 && ms > (double)ceiling_ms) {
        ms = (double)ceiling_ms;
    }
    return apr_time_from_msec((apr_int64_t)ms);
}

/* A loopback port that nothing listens on (bound, then closed), or -1. */
static inline int unit_free_port(void)
{
    struct sockaddr_in a;
    socklen_t len = sizeof(a);
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    int port = -1;

    memset(&a, 0, sizeof(a));
    a.sin_family = AF_INET;
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    if (fd >= 0 && bind(fd, (struct sockaddr *)&a, sizeof(a)) == 0
        && getsockname(fd, (struct sockaddr *)&a, &len) == 0) {
        port = ntohs(a.sin_port);
    }
    if (fd >= 0) {
        close(fd);
    }
    return port;
}

#endif
