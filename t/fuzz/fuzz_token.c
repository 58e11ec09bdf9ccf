/*
 * The token endpoint's answer (docs/behaviour.md#tokens): the first byte
 * picks the HTTP status, the rest is the body. Whatever Google (or
 * something in its place) answers, a token is accepted only when it could
 * go into an Authorization header and a database row as it is, with a
 * lifetime of at most a day; and no refusal quotes a token of the body
 * back (it would reach the log). Google's own error reason is quoted on
 * purpose, so answers with an "error" member are not held to that.
 */
#include <string.h>

#include "dash_google.h"
#include "dash_http.h"
#include "dash_json.h"
#include "fuzz.h"

static const int statuses[] = { 200, 200, 200, 201, 204, 400, 401, 403, 500, 503 };

static int b64token(const char *t)
{
    size_t i, n = strlen(t);

    if (n == 0 || n > 4096 || t[0] == '=') {
        return 0;
    }
    i = strspn(t, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
                  "0123456789-._~+/");
    while (i < n && t[i] == '=') {
        i++;
    }
    return i == n;
}

/* The body's own string member, when it can be told from the words of a
 * message: 6 bytes or more with one of the token characters ". / ~ +"
 * that no message uses (Google's are "ya29." and "1//"). */
static const char *secret_in(apr_pool_t *p, const char *body, size_t len,
                             const char *name)
{
    json_t *j;
    const char *err, *s;

    if (dash_json_parse(&j, p, body, len, &err) != APR_SUCCESS
        || json_object_get(j, "error") != NULL
        || (s = dash_json_str(j, name)) == NULL || strlen(s) < 6
        || strpbrk(s, "./~+") == NULL) {
        return NULL;
    }
    return s;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    apr_pool_t *p;
    dash_http_req_t req;
    dash_token_t tok;
    const char *err = NULL, *access, *refresh;
    dash_err_e e;

    if (size < 1) {
        return 0;
    }
    p = fuzz_pool();
    memset(&req, 0, sizeof(req));
    req.rv = APR_SUCCESS;
    req.status = statuses[data[0] % (sizeof(statuses) / sizeof(statuses[0]))];
    req.body = apr_pstrmemdup(p, (const char *)data + 1, size - 1);
    req.body_len = size - 1;

    e = dash_google_token_answer(&tok, p, &req, &err);
    if (e == DASH_OK) {
        FUZZ_CHECK(req.status >= 200 && req.status <= 299);
        FUZZ_CHECK(tok.access_token != NULL && b64token(tok.access_token));
        FUZZ_CHECK(tok.expires_in >= 1 && tok.expires_in <= 86400);
        FUZZ_CHECK(tok.refresh_token == NULL || b64token(tok.refresh_token));
    }
    else {
        FUZZ_CHECK(err != NULL && *err);
        access = secret_in(p, req.body, req.body_len, "access_token");
        refresh = secret_in(p, req.body, req.body_len, "refresh_token");
        FUZZ_CHECK(access == NULL || strstr(err, access) == NULL);
        FUZZ_CHECK(refresh == NULL || strstr(err, refresh) == NULL);
    }
    apr_pool_destroy(p);
    return 0;
}
