/*
 * The builtin function registry: the per-area tables (builtins_*.c, datetime.c, format.c) merged
 * into one lookup by name, with each signature parsed once into a static arena and each function
 * value built once and shared (immutable) by every evaluation.
 */
#include "mapping/internal.h"

#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>

static const struct builtin *const tables[] = {builtins_string, builtins_numeric, builtins_array,
                                               builtins_object, builtins_hof,     builtins_datetime,
                                               builtins_format, builtins_misc};

#define MAX_BUILTINS 96

static struct {
    const struct builtin *bi;
    val v;
    struct func f;
} registry[MAX_BUILTINS];
static int nregistry;
static struct arena sig_arena;
/* 0 not started, 1 being built by one thread, 2 ready: compiles may race at start-up */
static atomic_int init_state;

void builtins_init(void)
{
    if (atomic_load(&init_state) == 2)
        return;
    int expected = 0;
    if (!atomic_compare_exchange_strong(&init_state, &expected, 1)) {
        while (atomic_load(&init_state) != 2)
            ;
        return;
    }
    int n = 0;
    for (size_t t = 0; t < sizeof tables / sizeof tables[0]; t++) {
        for (const struct builtin *b = tables[t]; b->name && n < MAX_BUILTINS; b++, n++) {
            registry[n].bi = b;
            registry[n].f.kind = F_BUILTIN;
            registry[n].f.bi = b;
            const char *code;
            registry[n].f.sig = sig_parse(&sig_arena, b->signature, strlen(b->signature), &code);
            if (!registry[n].f.sig)
                abort(); /* a malformed builtin signature is a programming error */
            registry[n].v.t = T_FUNC;
            registry[n].v.u.f = &registry[n].f;
        }
    }
    nregistry = n;
    atomic_store(&init_state, 2);
}

const struct builtin *builtin_find(const char *name, size_t len)
{
    builtins_init();
    for (int i = 0; i < nregistry; i++) {
        const char *bn = registry[i].bi->name;
        if (strlen(bn) == len && memcmp(bn, name, len) == 0)
            return registry[i].bi;
    }
    return NULL;
}

val *builtin_val(const struct builtin *bi)
{
    for (int i = 0; i < nregistry; i++)
        if (registry[i].bi == bi)
            return &registry[i].v;
    return NULL;
}
