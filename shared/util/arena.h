/*
 * A bump allocator: many small allocations released together by arena_free, never one by one.
 * The JSONata engine keeps one per compiled expression and one per evaluation; a compiled JSON
 * Schema keeps one for everything it holds.
 *
 * Lifecycle: zero-initialise (struct arena a = {0}), optionally give it a first region (inl), a
 * byte limit and a failure callback, allocate, then arena_free (which also resets it for reuse).
 * Pointers stay valid until arena_free.
 *
 * Failure: when an allocation needs a new block that would take the total past limit (so the
 * limit holds to within one block), or malloc fails, on_limit(ctx) is called if set; it
 * may leave by longjmp (the JSONata engine does). If it returns, or is not set, the allocation
 * returns NULL and oom is set, so a caller may check once at the end.
 */
#ifndef SOLDER_ARENA_H
#define SOLDER_ARENA_H

#include <stdbool.h>
#include <stddef.h>

struct arena_block;

struct arena {
    struct arena_block *head;
    unsigned char *inl; /* optional caller-provided first region (16-byte aligned), used first */
    size_t inl_cap, inl_used;
    size_t used_total; /* bytes handed out, for the limit */
    size_t limit;      /* 0 = none */
    void (*on_limit)(void *ctx);
    void *ctx;
    bool oom;
};

/* n bytes aligned for any type, uninitialised; NULL on failure (see above). */
void *arena_alloc(struct arena *a, size_t n);
/* Like arena_alloc, zero-filled. */
void *arena_zalloc(struct arena *a, size_t n);
/* A NUL-terminated copy of n bytes of s (s need not be terminated); NULL on failure. */
char *arena_strndup(struct arena *a, const char *s, size_t n);
char *arena_strdup(struct arena *a, const char *s);
/* Releases every block; the inline region, limit and callback stay, ready for reuse. */
void arena_free(struct arena *a);

#endif
