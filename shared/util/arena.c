/*
 * The bump allocator of arena.h: blocks that double from 16 KiB up to 4 MiB (an allocation larger
 * than that gets a block of its own), after an optional caller-provided first region. Does not
 * free single allocations, and is not safe to share between threads.
 */
#include "util/arena.h"

#include <stdalign.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

/* Every allocation is rounded to this, enough for any scalar type on the targets we build for. */
#define ARENA_ALIGN 16
_Static_assert(ARENA_ALIGN >= alignof(max_align_t), "arena alignment too small");

#define ARENA_BLOCK_MIN 16384
/* Bounds how much one block can leave unused at the end of an evaluation. */
#define ARENA_BLOCK_MAX ((size_t)1 << 22)

struct arena_block {
    struct arena_block *next;
    size_t cap, used;
    _Alignas(ARENA_ALIGN) unsigned char data[];
};

static void *fail(struct arena *a)
{
    if (a->on_limit)
        a->on_limit(a->ctx);
    a->oom = true;
    return NULL;
}

void *arena_alloc(struct arena *a, size_t n)
{
    if (n > SIZE_MAX - ARENA_ALIGN)
        return fail(a);
    n = (n + ARENA_ALIGN - 1) & ~(size_t)(ARENA_ALIGN - 1);
    if (a->inl && a->inl_used + n <= a->inl_cap) {
        void *p = a->inl + a->inl_used;
        a->inl_used += n;
        a->used_total += n;
        return p;
    }
    struct arena_block *b = a->head;
    if (!b || b->used + n > b->cap) {
        if (a->limit && a->used_total + n > a->limit)
            return fail(a);
        size_t cap = b ? b->cap * 2 : ARENA_BLOCK_MIN;
        if (cap > ARENA_BLOCK_MAX)
            cap = ARENA_BLOCK_MAX;
        if (cap < n)
            cap = n;
        struct arena_block *nb = malloc(sizeof *nb + cap);
        if (!nb)
            return fail(a);
        nb->cap = cap;
        nb->used = 0;
        nb->next = b;
        a->head = b = nb;
    }
    void *p = b->data + b->used;
    b->used += n;
    a->used_total += n;
    return p;
}

void *arena_zalloc(struct arena *a, size_t n)
{
    void *p = arena_alloc(a, n);
    if (p && n)
        memset(p, 0, n);
    return p;
}

char *arena_strndup(struct arena *a, const char *s, size_t n)
{
    char *p = arena_alloc(a, n + 1);
    if (!p)
        return NULL;
    if (n)
        memcpy(p, s, n);
    p[n] = '\0';
    return p;
}

char *arena_strdup(struct arena *a, const char *s)
{
    return arena_strndup(a, s, strlen(s));
}

void arena_free(struct arena *a)
{
    struct arena_block *b = a->head;
    while (b) {
        struct arena_block *next = b->next;
        free(b);
        b = next;
    }
    a->head = NULL;
    a->inl_used = 0;
    a->used_total = 0;
    a->oom = false;
}
