/*
 * Connection admission (see conns.h): counts per client address and in all, and two lists of idle
 * connections, oldest first (the server's and each address's), so the connection to close for a
 * newcomer is found at once. Does not read or time anything itself: lws's timeouts close idle
 * connections that stay idle too long; this file only decides who gives way when a cap is hit.
 */
#include "http/conns.h"

#include <arpa/inet.h>
#include <libwebsockets.h>
#include <netinet/in.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

/* Buckets of the address table: a few thousand connections spread over them. */
#define PEER_BUCKETS 1024

enum { ALL, PEER }; /* the two idle lists a record can be on */

/* One open connection, from its acceptance until lws destroys it. */
struct conn_rec {
    struct lws *wsi;
    struct peer *peer;
    char address[INET6_ADDRSTRLEN];
    bool idle;    /* on both idle lists */
    bool leaving; /* closed for a newcomer, not destroyed yet */
    struct {
        struct conn_rec *prev, *next;
    } link[2];
};

struct idle_list {
    struct conn_rec *head, *tail; /* oldest first */
};

/* One client address (an IPv6 /64) while it has connections open. */
struct peer {
    struct peer *next; /* in its bucket */
    unsigned char key[16];
    int open;    /* connections counted, the leaving ones included */
    int leaving; /* of those, closed for a newcomer */
    struct idle_list idle;
};

struct conns {
    int max_total, max_per_address;
    int open, leaving;
    struct idle_list idle;
    struct peer *buckets[PEER_BUCKETS];
};

struct conns *conns_new(int max_total, int max_per_address)
{
    struct conns *c = calloc(1, sizeof *c);
    if (c) {
        c->max_total = max_total;
        c->max_per_address = max_per_address;
    }
    return c;
}

void conns_free(struct conns *c)
{
    if (!c)
        return;
    for (int i = 0; i < PEER_BUCKETS; i++)
        while (c->buckets[i]) {
            struct peer *p = c->buckets[i];
            c->buckets[i] = p->next;
            free(p);
        }
    free(c);
}

static void list_push(struct idle_list *l, struct conn_rec *r, int k)
{
    r->link[k].prev = l->tail;
    r->link[k].next = NULL;
    if (l->tail)
        l->tail->link[k].next = r;
    else
        l->head = r;
    l->tail = r;
}

static void list_remove(struct idle_list *l, struct conn_rec *r, int k)
{
    if (r->link[k].prev)
        r->link[k].prev->link[k].next = r->link[k].next;
    else
        l->head = r->link[k].next;
    if (r->link[k].next)
        r->link[k].next->link[k].prev = r->link[k].prev;
    else
        l->tail = r->link[k].prev;
    r->link[k].prev = r->link[k].next = NULL;
}

static void set_idle(struct conns *c, struct conn_rec *r, bool idle)
{
    if (r->idle == idle)
        return;
    r->idle = idle;
    if (idle) {
        list_push(&c->idle, r, ALL);
        list_push(&r->peer->idle, r, PEER);
    } else {
        list_remove(&c->idle, r, ALL);
        list_remove(&r->peer->idle, r, PEER);
    }
}

/* IPv4 as its IPv4-mapped IPv6 form; IPv6 cut to its /64 unless it is IPv4-mapped. */
static void address_key(const struct sockaddr *sa, unsigned char key[16])
{
    memset(key, 0, 16);
    if (sa->sa_family == AF_INET) {
        key[10] = key[11] = 0xff;
        memcpy(key + 12, &((const struct sockaddr_in *)sa)->sin_addr, 4);
    } else if (sa->sa_family == AF_INET6) {
        const unsigned char *a = ((const struct sockaddr_in6 *)sa)->sin6_addr.s6_addr;
        static const unsigned char V4_MAPPED[12] = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff};
        memcpy(key, a, memcmp(a, V4_MAPPED, 12) == 0 ? 16 : 8);
    }
}

static struct peer **bucket(struct conns *c, const unsigned char key[16])
{
    uint32_t h = 2166136261u;
    for (int i = 0; i < 16; i++)
        h = (h ^ key[i]) * 16777619u;
    return &c->buckets[h % PEER_BUCKETS];
}

static struct peer *peer_find(struct conns *c, const unsigned char key[16])
{
    for (struct peer *p = *bucket(c, key); p; p = p->next)
        if (memcmp(p->key, key, 16) == 0)
            return p;
    return NULL;
}

/* Closes idle r for a newcomer; it stays counted (as leaving) until lws destroys it. */
static void evict(struct conns *c, struct conn_rec *r)
{
    set_idle(c, r, false);
    r->leaving = true;
    r->peer->leaving++;
    c->leaving++;
    lws_set_timeout(r->wsi, PENDING_TIMEOUT_USER_OK, LWS_TO_KILL_ASYNC);
}

bool conns_admit(struct conns *c, const struct sockaddr *addr)
{
    unsigned char key[16];
    address_key(addr, key);
    struct peer *p = peer_find(c, key);
    if (p && c->max_per_address > 0 && p->open - p->leaving >= c->max_per_address) {
        if (!p->idle.head)
            return false;
        evict(c, p->idle.head);
    }
    if (c->open - c->leaving >= c->max_total) {
        if (!c->idle.head)
            return false;
        evict(c, c->idle.head);
    }
    return true;
}

bool conns_opened(struct conns *c, struct lws *wsi)
{
    struct sockaddr_storage ss;
    socklen_t len = sizeof ss;
    memset(&ss, 0, sizeof ss);
    if (getpeername(lws_get_socket_fd(wsi), (struct sockaddr *)&ss, &len) != 0)
        ss.ss_family = AF_UNSPEC;
    unsigned char key[16];
    address_key((const struct sockaddr *)&ss, key);
    struct peer *p = peer_find(c, key);
    if (!p) {
        p = calloc(1, sizeof *p);
        if (!p)
            return false;
        memcpy(p->key, key, 16);
        struct peer **b = bucket(c, key);
        p->next = *b;
        *b = p;
    }
    struct conn_rec *r = calloc(1, sizeof *r);
    if (!r) {
        if (p->open == 0) {
            struct peer **b = bucket(c, key);
            *b = p->next;
            free(p);
        }
        return false;
    }
    r->wsi = wsi;
    r->peer = p;
    if (ss.ss_family == AF_INET)
        inet_ntop(AF_INET, &((struct sockaddr_in *)&ss)->sin_addr, r->address, sizeof r->address);
    else if (ss.ss_family == AF_INET6)
        inet_ntop(AF_INET6, &((struct sockaddr_in6 *)&ss)->sin6_addr, r->address,
                  sizeof r->address);
    p->open++;
    c->open++;
    set_idle(c, r, true);
    lws_set_opaque_user_data(wsi, r);
    return true;
}

void conns_busy(struct conns *c, struct lws *wsi)
{
    struct conn_rec *r = lws_get_opaque_user_data(wsi);
    if (!r)
        return;
    if (r->leaving) { /* it started a request before it could be closed: it stays */
        r->leaving = false;
        r->peer->leaving--;
        c->leaving--;
    }
    set_idle(c, r, false);
}

void conns_idle(struct conns *c, struct lws *wsi)
{
    struct conn_rec *r = lws_get_opaque_user_data(wsi);
    if (r && !r->leaving)
        set_idle(c, r, true);
}

const char *conns_address(struct lws *wsi)
{
    const struct conn_rec *r = lws_get_opaque_user_data(wsi);
    return r ? r->address : "";
}

void conns_closed(struct conns *c, struct lws *wsi)
{
    struct conn_rec *r = lws_get_opaque_user_data(wsi);
    if (!r)
        return;
    lws_set_opaque_user_data(wsi, NULL);
    set_idle(c, r, false);
    struct peer *p = r->peer;
    if (r->leaving) {
        p->leaving--;
        c->leaving--;
    }
    p->open--;
    c->open--;
    if (p->open == 0) {
        for (struct peer **q = bucket(c, p->key); *q; q = &(*q)->next)
            if (*q == p) {
                *q = p->next;
                break;
            }
        free(p);
    }
    free(r);
}
