/*
 * A fake Redis Sentinel on 127.0.0.1 for test_redis_sentinel.c: it reads
 * RESP commands and answers SENTINEL get-master-addr-by-name with bytes
 * the test chooses (a real address, garbage, nothing at all), AUTH with
 * +OK (recording what it was given) and anything else with an error. It
 * counts the SENTINEL questions, so a test can see how many discoveries
 * ran. One thread accepts; each connection gets its own thread.
 */
#ifndef SENTINEL_STUB_H
#define SENTINEL_STUB_H

#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <poll.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <unistd.h>

#define SSTUB_MAX_CONNS 256

typedef struct {
    int fd;
    int port;
    pthread_t acceptor;
    pthread_mutex_t mu;
    int stop;
    char answer[8192];         /* raw bytes for SENTINEL; "" = never answer */
    size_t answer_len;
    int delay_ms;              /* before each SENTINEL answer */
    int asked;                 /* SENTINEL questions received */
    char auth[256];            /* the last AUTH's arguments, space-separated */
    pthread_t conns[SSTUB_MAX_CONNS];
    int nconns;
} sstub_t;

typedef struct {
    sstub_t *s;
    int fd;
} sstub_conn_t;

static inline int sstub_stopping(sstub_t *s)
{
    int v;

    pthread_mutex_lock(&s->mu);
    v = s->stop;
    pthread_mutex_unlock(&s->mu);
    return v;
}

/* One RESP command from buf[0..n): its arguments in argv (pointers into
 * buf, NUL-terminated in place), their number, and the bytes used; 0
 * when the command is not complete yet, -1 when it is not RESP. */
static inline int sstub_parse(char *buf, size_t n, char **argv, int max,
                              int *argc)
{
    char *p = buf, *end = buf + n, *nl;
    long i, cnt, len;

    if (n == 0) {
        return 0;
    }
    if (*p != '*') {
        return -1;
    }
    nl = memchr(p, '\n', (size_t)(end - p));
    if (!nl) {
        return 0;
    }
    cnt = strtol(p + 1, NULL, 10);
    if (cnt < 1 || cnt > max) {
        return -1;
    }
    p = nl + 1;
    for (i = 0; i < cnt; i++) {
        if (p >= end) {
            return 0;
        }
        if (*p != '$') {
            return -1;
        }
        nl = memchr(p, '\n', (size_t)(end - p));
        if (!nl) {
            return 0;
        }
        len = strtol(p + 1, NULL, 10);
        p = nl + 1;
        if (len < 0 || end - p < len + 2) {
            return len < 0 ? -1 : 0;
        }
        argv[i] = p;
        p[len] = '\0';
        p += len + 2;
    }
    *argc = (int)cnt;
    return (int)(p - buf);
}

static inline void sstub_send(int fd, const char *b, size_t n)
{
    while (n > 0) {
        ssize_t w = send(fd, b, n, MSG_NOSIGNAL);
        if (w <= 0) {
            return;
        }
        b += w;
        n -= (size_t)w;
    }
}

static inline void *sstub_conn_main(void *arg)
{
    sstub_conn_t *cn = arg;
    sstub_t *s = cn->s;
    char buf[16384];
    size_t have = 0;

    while (!sstub_stopping(s)) {
        struct pollfd pfd = { cn->fd, POLLIN, 0 };
        char *argv[8];
        int argc = 0, used;
        ssize_t r;

        if (poll(&pfd, 1, 50) <= 0) {
            continue;
        }
        r = recv(cn->fd, buf + have, sizeof(buf) - have - 1, 0);
        if (r <= 0) {
            break;
        }
        have += (size_t)r;
        while ((used = sstub_parse(buf, have, argv, 8, &argc)) > 0) {
            if (!strcasecmp(argv[0], "AUTH")) {
                pthread_mutex_lock(&s->mu);
                snprintf(s->auth, sizeof(s->auth), "%s%s%s", argv[1],
                         argc > 2 ? " " : "", argc > 2 ? argv[2] : "");
                pthread_mutex_unlock(&s->mu);
                sstub_send(cn->fd, "+OK\r\n", 5);
            }
            else if (!strcasecmp(argv[0], "SENTINEL")) {
                char answer[sizeof(s->answer)];
                size_t alen;
                int delay;

                pthread_mutex_lock(&s->mu);
                s->asked++;
                memcpy(answer, s->answer, s->answer_len);
                alen = s->answer_len;
                delay = s->delay_ms;
                pthread_mutex_unlock(&s->mu);
                if (delay > 0) {
                    usleep((useconds_t)delay * 1000);
                }
                if (alen) {
                    sstub_send(cn->fd, answer, alen);
                }
            }
            else {
                sstub_send(cn->fd, "-ERR unknown command\r\n", 22);
            }
            memmove(buf, buf + used, have - (size_t)used);
            have -= (size_t)used;
        }
        if (used < 0) {
            break;
        }
    }
    close(cn->fd);
    free(cn);
    return NULL;
}

static inline void *sstub_accept_main(void *arg)
{
    sstub_t *s = arg;

    while (!sstub_stopping(s)) {
        struct pollfd pfd = { s->fd, POLLIN, 0 };
        sstub_conn_t *cn;
        int fd;

        if (poll(&pfd, 1, 50) <= 0) {
            continue;
        }
        fd = accept(s->fd, NULL, NULL);
        if (fd < 0) {
            continue;
        }
        cn = calloc(1, sizeof(*cn));
        cn->s = s;
        cn->fd = fd;
        pthread_mutex_lock(&s->mu);
        if (s->nconns < SSTUB_MAX_CONNS
            && pthread_create(&s->conns[s->nconns], NULL, sstub_conn_main,
                              cn) == 0) {
            s->nconns++;
            cn = NULL;
        }
        pthread_mutex_unlock(&s->mu);
        if (cn) {
            close(fd);
            free(cn);
        }
    }
    return NULL;
}

static inline int sstub_start(sstub_t *s)
{
    struct sockaddr_in a;
    socklen_t len = sizeof(a);
    int one = 1;

    memset(s, 0, sizeof(*s));
    pthread_mutex_init(&s->mu, NULL);
    s->fd = socket(AF_INET, SOCK_STREAM, 0);
    if (s->fd < 0) {
        return -1;
    }
    setsockopt(s->fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
    memset(&a, 0, sizeof(a));
    a.sin_family = AF_INET;
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    if (bind(s->fd, (struct sockaddr *)&a, sizeof(a)) != 0
        || listen(s->fd, 64) != 0
        || getsockname(s->fd, (struct sockaddr *)&a, &len) != 0) {
        close(s->fd);
        return -1;
    }
    s->port = ntohs(a.sin_port);
    return pthread_create(&s->acceptor, NULL, sstub_accept_main, s) == 0
           ? 0 : -1;
}

static inline void sstub_stop(sstub_t *s)
{
    int i;

    pthread_mutex_lock(&s->mu);
    s->stop = 1;
    pthread_mutex_unlock(&s->mu);
    pthread_join(s->acceptor, NULL);
    for (i = 0; i < s->nconns; i++) {
        pthread_join(s->conns[i], NULL);
    }
    close(s->fd);
    pthread_mutex_destroy(&s->mu);
}

/* The raw bytes of the next SENTINEL answers ("" = none: hang). */
static inline void sstub_answer_raw(sstub_t *s, const char *bytes, size_t n)
{
    pthread_mutex_lock(&s->mu);
    if (n > sizeof(s->answer)) {
        n = sizeof(s->answer);
    }
    memcpy(s->answer, bytes, n);
    s->answer_len = n;
    pthread_mutex_unlock(&s->mu);
}

/* A well-formed answer: this host and port. */
static inline void sstub_answer(sstub_t *s, const char *host, int port)
{
    char b[512], ps[16];
    int n;

    snprintf(ps, sizeof(ps), "%d", port);
    n = snprintf(b, sizeof(b), "*2\r\n$%zu\r\n%s\r\n$%zu\r\n%s\r\n",
                 strlen(host), host, strlen(ps), ps);
    sstub_answer_raw(s, b, (size_t)n);
}

static inline void sstub_delay(sstub_t *s, int ms)
{
    pthread_mutex_lock(&s->mu);
    s->delay_ms = ms;
    pthread_mutex_unlock(&s->mu);
}

static inline int sstub_asked(sstub_t *s)
{
    int v;

    pthread_mutex_lock(&s->mu);
    v = s->asked;
    pthread_mutex_unlock(&s->mu);
    return v;
}

#endif
