/*
 * A tiny HTTP/1.1 server on 127.0.0.1 for the unit tests of dash_http.c and
 * dash_google.c: it serves canned answers chosen by request target,
 * optionally after a delay, and records what each request carried (method,
 * headers that matter, body) so a test can check what curl really sent.
 *
 * One thread accepts; each connection gets its own thread, so parallel
 * requests and slow answers overlap like real ones. Every answer closes
 * its connection. Header-only: each test binary is one .c file.
 */
#ifndef STUB_SERVER_H
#define STUB_SERVER_H

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
#include <sys/types.h>
#include <unistd.h>

#define STUB_MAX_ROUTES 32
#define STUB_MAX_HITS   64
#define STUB_MAX_CONNS  512

typedef struct {
    char target[4096];     /* exact "/path?query", or a path matching any query */
    int status;
    const char *body;      /* NULL: empty; not copied, must outlive the test */
    int delay_ms;          /* wait this long before answering */
    int no_length;         /* no Content-Length: the body ends at close */
    const char *extra;     /* extra header lines, each ending in \r\n */
} stub_route_t;

typedef struct {
    char method[16];
    char target[4096];
    char auth[1024];
    char ctype[256];
    char accept[256];
    char ua[256];
    char body[2048];
} stub_hit_t;

typedef struct {
    int fd;
    int port;
    pthread_t acceptor;
    pthread_mutex_t mu;
    int stop;
    stub_route_t routes[STUB_MAX_ROUTES];
    int nroutes;
    stub_hit_t hits[STUB_MAX_HITS];
    int nhits;
    pthread_t conns[STUB_MAX_CONNS];
    int nconns;
} stub_server_t;

typedef struct {
    stub_server_t *s;
    int fd;
} stub_conn_t;

static inline int stub_stopping(stub_server_t *s)
{
    int v;
    pthread_mutex_lock(&s->mu);
    v = s->stop;
    pthread_mutex_unlock(&s->mu);
    return v;
}

/* Copies the value of header name (case-insensitive) from the head. */
static inline void stub_header(const char *head, const char *name, char *out, size_t outsz)
{
    size_t nl = strlen(name);
    const char *line = strstr(head, "\r\n");

    out[0] = '\0';
    while (line && line[2]) {
        const char *l = line + 2;
        const char *end = strstr(l, "\r\n");
        if (end == NULL || end == l) {
            return;
        }
        if (strncasecmp(l, name, nl) == 0 && l[nl] == ':') {
            const char *v = l + nl + 1;
            size_t n;
            while (*v == ' ') {
                v++;
            }
            n = (size_t)(end - v);
            if (n >= outsz) {
                n = outsz - 1;
            }
            memcpy(out, v, n);
            out[n] = '\0';
            return;
        }
        line = end;
    }
}

static inline void stub_send_all(int fd, const char *buf, size_t len)
{
    while (len > 0) {
        ssize_t w = send(fd, buf, len, MSG_NOSIGNAL);
        if (w <= 0) {
            if (w < 0 && errno == EINTR) {
                continue;
            }
            return;  /* the client went away: nothing to do */
        }
        buf += w;
        len -= (size_t)w;
    }
}

/* Sleeps ms, but returns 0 early when the client hangs up or we stop. */
static inline int stub_delay(stub_server_t *s, int fd, int ms)
{
    while (ms > 0 && !stub_stopping(s)) {
        struct pollfd pf = { fd, POLLIN, 0 };
        int step = ms < 20 ? ms : 20;
        int r = poll(&pf, 1, step);
        if (r > 0) {
            char c;
            if (recv(fd, &c, 1, MSG_PEEK | MSG_DONTWAIT) <= 0) {
                return 0;
            }
        }
        ms -= step;
    }
    return !stub_stopping(s);
}

static inline void *stub_conn_main(void *arg)
{
    stub_conn_t *c = arg;
    stub_server_t *s = c->s;
    int fd = c->fd;
    char *buf = malloc(65536);
    size_t len = 0, head_len, clen = 0;
    char *eoh = NULL;
    stub_hit_t hit;
    stub_route_t route;
    char path[4096], cl[32];
    int i, found = 0;

    free(c);
    if (buf == NULL) {
        close(fd);
        return NULL;
    }
    memset(&hit, 0, sizeof(hit));
    /* The head, then Content-Length bytes of body. */
    while (eoh == NULL && len < 65535) {
        ssize_t r = recv(fd, buf + len, 65535 - len, 0);
        if (r <= 0) {
            goto done;
        }
        len += (size_t)r;
        buf[len] = '\0';
        eoh = strstr(buf, "\r\n\r\n");
    }
    if (eoh == NULL) {
        goto done;
    }
    head_len = (size_t)(eoh - buf) + 4;
    eoh[2] = '\0';                          /* head ends after its last CRLF */
    stub_header(buf, "Content-Length", cl, sizeof(cl));
    clen = cl[0] ? (size_t)strtoul(cl, NULL, 10) : 0;
    if (clen > 65535 - head_len) {
        clen = 65535 - head_len;
    }
    while (len < head_len + clen) {
        ssize_t r = recv(fd, buf + len, 65535 - len, 0);
        if (r <= 0) {
            goto done;
        }
        len += (size_t)r;
    }
    if (sscanf(buf, "%15s %4095s", hit.method, hit.target) != 2) {
        goto done;
    }
    stub_header(buf, "Authorization", hit.auth, sizeof(hit.auth));
    stub_header(buf, "Content-Type", hit.ctype, sizeof(hit.ctype));
    stub_header(buf, "Accept", hit.accept, sizeof(hit.accept));
    stub_header(buf, "User-Agent", hit.ua, sizeof(hit.ua));
    if (clen >= sizeof(hit.body)) {
        clen = sizeof(hit.body) - 1;
    }
    memcpy(hit.body, buf + head_len, clen);
    hit.body[clen] = '\0';

    snprintf(path, sizeof(path), "%s", hit.target);
    path[strcspn(path, "?")] = '\0';

    pthread_mutex_lock(&s->mu);
    if (s->nhits < STUB_MAX_HITS) {
        s->hits[s->nhits++] = hit;
    }
    for (i = 0; i < s->nroutes && !found; i++) {
        if (strcmp(s->routes[i].target, hit.target) == 0) {
            route = s->routes[i];
            found = 1;
        }
    }
    for (i = 0; i < s->nroutes && !found; i++) {
        if (strcmp(s->routes[i].target, path) == 0) {
            route = s->routes[i];
            found = 1;
        }
    }
    pthread_mutex_unlock(&s->mu);
    if (!found) {
        memset(&route, 0, sizeof(route));
        route.status = 404;
        route.body = "{\"error\": {\"code\": 404, \"status\": \"NOT_FOUND\"}}";
    }

    if (route.delay_ms > 0 && !stub_delay(s, fd, route.delay_ms)) {
        goto done;
    }
    {
        const char *body = route.body ? route.body : "";
        size_t blen = strlen(body);
        char head[1024];
        int hl;
        if (route.no_length) {
            hl = snprintf(head, sizeof(head),
                          "HTTP/1.1 %d Stub\r\nContent-Type: application/json\r\n"
                          "%sConnection: close\r\n\r\n",
                          route.status, route.extra ? route.extra : "");
        }
        else {
            hl = snprintf(head, sizeof(head),
                          "HTTP/1.1 %d Stub\r\nContent-Type: application/json\r\n"
                          "Content-Length: %zu\r\n%sConnection: close\r\n\r\n",
                          route.status, blen, route.extra ? route.extra : "");
        }
        stub_send_all(fd, head, (size_t)hl);
        stub_send_all(fd, body, blen);
    }
done:
    shutdown(fd, SHUT_WR);
    close(fd);
    free(buf);
    return NULL;
}

static inline void *stub_accept_main(void *arg)
{
    stub_server_t *s = arg;

    while (!stub_stopping(s)) {
        struct pollfd pf = { s->fd, POLLIN, 0 };
        stub_conn_t *c;
        pthread_t t;
        int fd;

        if (poll(&pf, 1, 50) <= 0) {
            continue;
        }
        fd = accept(s->fd, NULL, NULL);
        if (fd < 0) {
            continue;
        }
        c = malloc(sizeof(*c));
        if (c == NULL) {
            close(fd);
            continue;
        }
        c->s = s;
        c->fd = fd;
        pthread_mutex_lock(&s->mu);
        if (s->nconns < STUB_MAX_CONNS
            && pthread_create(&t, NULL, stub_conn_main, c) == 0) {
            s->conns[s->nconns++] = t;
            pthread_mutex_unlock(&s->mu);
        }
        else {
            pthread_mutex_unlock(&s->mu);
            stub_conn_main(c);   /* out of slots: answer inline */
        }
    }
    return NULL;
}

/* Joins the connection threads that have finished so far (keeps slots free). */
static inline void stub_reap(stub_server_t *s)
{
    int i, n;
    pthread_t conns[STUB_MAX_CONNS];

    pthread_mutex_lock(&s->mu);
    n = s->nconns;
    memcpy(conns, s->conns, sizeof(pthread_t) * (size_t)n);
    s->nconns = 0;
    pthread_mutex_unlock(&s->mu);
    for (i = 0; i < n; i++) {
        pthread_join(conns[i], NULL);
    }
}

static inline int stub_start(stub_server_t *s)
{
    struct sockaddr_in a;
    socklen_t alen = sizeof(a);
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
    a.sin_port = 0;
    if (bind(s->fd, (struct sockaddr *)&a, sizeof(a)) != 0
        || listen(s->fd, 128) != 0
        || getsockname(s->fd, (struct sockaddr *)&a, &alen) != 0) {
        close(s->fd);
        return -1;
    }
    s->port = ntohs(a.sin_port);
    if (pthread_create(&s->acceptor, NULL, stub_accept_main, s) != 0) {
        close(s->fd);
        return -1;
    }
    return 0;
}

static inline void stub_stop(stub_server_t *s)
{
    pthread_mutex_lock(&s->mu);
    s->stop = 1;
    pthread_mutex_unlock(&s->mu);
    pthread_join(s->acceptor, NULL);
    stub_reap(s);
    close(s->fd);
    pthread_mutex_destroy(&s->mu);
}

/* Forgets routes and hits; waits for connections of the last test to end
 * so a slow answer from it cannot be counted in the next one. */
static inline void stub_reset(stub_server_t *s)
{
    /* Abandoned slow answers notice their client left within 20 ms. */
    stub_reap(s);
    pthread_mutex_lock(&s->mu);
    s->nroutes = 0;
    s->nhits = 0;
    pthread_mutex_unlock(&s->mu);
}

/* Adds a route; returns its index for the stub_set_* functions, which
 * (like this) take the lock, so connection threads see whole routes. */
static inline int stub_route(stub_server_t *s, const char *target, int status,
                      const char *body)
{
    stub_route_t *r;
    int i;

    pthread_mutex_lock(&s->mu);
    if (s->nroutes >= STUB_MAX_ROUTES) {
        pthread_mutex_unlock(&s->mu);
        abort();
    }
    i = s->nroutes++;
    r = &s->routes[i];
    memset(r, 0, sizeof(*r));
    snprintf(r->target, sizeof(r->target), "%s", target);
    r->status = status;
    r->body = body;
    pthread_mutex_unlock(&s->mu);
    return i;
}

static inline void stub_set_answer(stub_server_t *s, int i, int status, const char *body)
{
    pthread_mutex_lock(&s->mu);
    s->routes[i].status = status;
    s->routes[i].body = body;
    pthread_mutex_unlock(&s->mu);
}

static inline void stub_set_delay(stub_server_t *s, int i, int delay_ms)
{
    pthread_mutex_lock(&s->mu);
    s->routes[i].delay_ms = delay_ms;
    pthread_mutex_unlock(&s->mu);
}

static inline void stub_set_no_length(stub_server_t *s, int i)
{
    pthread_mutex_lock(&s->mu);
    s->routes[i].no_length = 1;
    pthread_mutex_unlock(&s->mu);
}

static inline void stub_set_extra(stub_server_t *s, int i, const char *extra)
{
    pthread_mutex_lock(&s->mu);
    s->routes[i].extra = extra;
    pthread_mutex_unlock(&s->mu);
}

static inline int stub_nhits(stub_server_t *s)
{
    int n;
    pthread_mutex_lock(&s->mu);
    n = s->nhits;
    pthread_mutex_unlock(&s->mu);
    return n;
}

/* A copy of the last hit whose target starts with prefix; 0 if none. */
static inline int stub_find_hit(stub_server_t *s, const char *prefix, stub_hit_t *out)
{
    int i, found = 0;
    size_t n = strlen(prefix);

    pthread_mutex_lock(&s->mu);
    for (i = s->nhits - 1; i >= 0; i--) {
        if (strncmp(s->hits[i].target, prefix, n) == 0) {
            *out = s->hits[i];
            found = 1;
            break;
        }
    }
    pthread_mutex_unlock(&s->mu);
    return found;
}

#endif
