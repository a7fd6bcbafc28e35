/*
 * A bump allocator for compiled schemas: many small allocations released together by
 * schema_arena_free. Does not support freeing single allocations.
 */
#include "schema/internal.h"

#include <stdlib.h>
#include <string.h>

#define ARENA_BLOCK 16384

struct schema_arena_block {
    struct schema_arena_block *next;
    size_t used, size;
    max_align_t data[];
};

void *schema_arena_alloc(struct schema_arena *a, size_t n)
{
    n = (n + sizeof(max_align_t) - 1) / sizeof(max_align_t) * sizeof(max_align_t);
    if (n == 0)
        n = sizeof(max_align_t);
    struct schema_arena_block *b = a->head;
    if (!b || b->size - b->used < n) {
        size_t size = n > ARENA_BLOCK ? n : ARENA_BLOCK;
        b = malloc(sizeof *b + size);
        if (!b) {
            a->oom = true;
            return NULL;
        }
        b->size = size;
        b->used = 0;
        b->next = a->head;
        a->head = b;
    }
    void *p = (char *)b->data + b->used;
    b->used += n;
    memset(p, 0, n);
    return p;
}

char *schema_arena_strndup(struct schema_arena *a, const char *s, size_t n)
{
    char *p = schema_arena_alloc(a, n + 1);
    if (!p)
        return NULL;
    memcpy(p, s, n);
    p[n] = '\0';
    return p;
}

char *schema_arena_strdup(struct schema_arena *a, const char *s)
{
    return schema_arena_strndup(a, s, strlen(s));
}

void schema_arena_free(struct schema_arena *a)
{
    struct schema_arena_block *b = a->head;
    while (b) {
        struct schema_arena_block *next = b->next;
        free(b);
        b = next;
    }
    a->head = NULL;
}
