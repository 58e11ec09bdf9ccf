/*
 * The per-child memo of cache hits (docs/behaviour.md#cache): what a
 * stored value validated into, keyed by the exact bytes Redis returned.
 *
 * An entry answers only for the very bytes it was made from (a memcmp of
 * the whole value), so a value that changed in any byte, whoever wrote
 * it, is a different value and goes through the full validation again:
 * nothing stale can come out of here. Entries live in sub-pools of the
 * memo's own pool and allocator, so an evicted entry gives its memory
 * back; the least recently used go first once the bytes held pass the
 * cap. One mutex guards everything: the event and worker MPMs' threads
 * share the memo, and a lookup holds it only for a hash probe, a memcmp
 * and a copy.
 */
#include <string.h>

#include <apr_hash.h>
#include <apr_strings.h>
#include <apr_thread_mutex.h>

#include "dash_memo.h"

/* What an entry costs beyond its bytes: the pool, the entry, the hash
 * slot. Charged so that a cap counts many tiny entries honestly. */
#define ENTRY_OVERHEAD 512

typedef struct entry_t entry_t;
struct entry_t {
    apr_pool_t *pool;
    entry_t *prev, *next;          /* LRU list: head = most recent */
    const char *key;
    apr_size_t key_len;
    char *val;
    apr_size_t val_len;
    dash_stats_tpl_t tpl;
    apr_int64_t stamp;
    apr_size_t charge;
};

struct dash_memo_t {
    apr_pool_t *pool;              /* the entries' parent, own allocator */
    apr_thread_mutex_t *lock;
    apr_hash_t *index;             /* key -> entry_t */
    entry_t *head, *tail;
    apr_size_t cap, bytes;
};

apr_status_t dash_memo_create(dash_memo_t **pm, apr_pool_t *p,
                              apr_size_t cap)
{
    apr_allocator_t *alloc;
    dash_memo_t *m;
    apr_status_t rv;

    m = apr_pcalloc(p, sizeof(*m));
    m->cap = cap;
    rv = apr_allocator_create(&alloc);
    if (rv != APR_SUCCESS) {
        return rv;
    }
    /* Freed entries go back to the system past this, so the child's
     * resident size follows what the memo holds. */
    apr_allocator_max_free_set(alloc, cap / 4 > 65536 ? cap / 4 : 65536);
    rv = apr_pool_create_ex(&m->pool, p, NULL, alloc);
    if (rv != APR_SUCCESS) {
        apr_allocator_destroy(alloc);
        return rv;
    }
    /* Destroyed with its pool. */
    apr_allocator_owner_set(alloc, m->pool);
    apr_pool_tag(m->pool, "dash_memo");
    rv = apr_thread_mutex_create(&m->lock, APR_THREAD_MUTEX_DEFAULT, p);
    if (rv != APR_SUCCESS) {
        return rv;
    }
    m->index = apr_hash_make(m->pool);
    *pm = m;
    return APR_SUCCESS;
}

static void unlink_entry(dash_memo_t *m, entry_t *e)
{
    if (e->prev) {
        e->prev->next = e->next;
    }
    else {
        m->head = e->next;
    }
    if (e->next) {
        e->next->prev = e->prev;
    }
    else {
        m->tail = e->prev;
    }
    e->prev = e->next = NULL;
}

static void push_front(dash_memo_t *m, entry_t *e)
{
    e->prev = NULL;
    e->next = m->head;
    if (m->head) {
        m->head->prev = e;
    }
    m->head = e;
    if (!m->tail) {
        m->tail = e;
    }
}

static void drop(dash_memo_t *m, entry_t *e)
{
    unlink_entry(m, e);
    apr_hash_set(m->index, e->key, e->key_len, NULL);
    m->bytes -= e->charge;
    apr_pool_destroy(e->pool);
}

int dash_memo_get(dash_memo_t *m, apr_pool_t *p, const char *key,
                  const char *val, apr_size_t len, dash_stats_tpl_t *tpl,
                  apr_int64_t *stamp)
{
    entry_t *e;
    int found = 0;

    if (apr_thread_mutex_lock(m->lock) != APR_SUCCESS) {
        return 0;
    }
    e = apr_hash_get(m->index, key, APR_HASH_KEY_STRING);
    if (e && e->val_len == len && memcmp(e->val, val, len) == 0) {
        *tpl = e->tpl;
        /* A copy: once the lock is gone the entry may be evicted. */
        tpl->text = apr_pmemdup(p, e->tpl.text, e->tpl.len + 1);
        if (stamp) {
            *stamp = e->stamp;
        }
        if (e != m->head) {
            unlink_entry(m, e);
            push_front(m, e);
        }
        found = 1;
    }
    apr_thread_mutex_unlock(m->lock);
    return found;
}

void dash_memo_put(dash_memo_t *m, const char *key, const char *val,
                   apr_size_t len, const dash_stats_tpl_t *tpl,
                   apr_int64_t stamp)
{
    apr_size_t key_len = strlen(key);
    apr_size_t charge = key_len + len + tpl->len + ENTRY_OVERHEAD;
    apr_pool_t *ep;
    entry_t *e;

    /* An entry that would take more than an eighth of the memo would
     * flush most of it for one channel: such a value is not kept. */
    if (charge > m->cap / 8 || apr_thread_mutex_lock(m->lock) != APR_SUCCESS) {
        return;
    }
    e = apr_hash_get(m->index, key, key_len);
    if (e) {
        drop(m, e);             /* the key's older value */
    }
    while (m->tail && m->bytes + charge > m->cap) {
        drop(m, m->tail);
    }
    if (apr_pool_create(&ep, m->pool) == APR_SUCCESS) {
        e = apr_pcalloc(ep, sizeof(*e));
        e->pool = ep;
        e->key = apr_pstrmemdup(ep, key, key_len);
        e->key_len = key_len;
        e->val = apr_pmemdup(ep, val, len);
        e->val_len = len;
        e->tpl = *tpl;
        e->tpl.text = apr_pstrmemdup(ep, tpl->text, tpl->len);
        e->stamp = stamp;
        e->charge = charge;
        apr_hash_set(m->index, e->key, key_len, e);
        push_front(m, e);
        m->bytes += charge;
    }
    apr_thread_mutex_unlock(m->lock);
}

