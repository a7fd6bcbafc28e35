/*
 * Function signatures ("<s-nn?:s>"): parsing, and validating an argument list against one the way
 * JSONata does — each argument reduced to a type symbol, matched greedily against the parameter
 * list, missing '-' parameters taken from the context, non-array values wrapped for array
 * parameters, array element types checked. Return types are parsed but not enforced.
 */
#include "mapping/internal.h"

#include <string.h>

#define SIG_MAX_PARAMS 16 /* no builtin has more than 5; bounds hostile lambda signatures */

struct sigparam {
    char accept[12]; /* type symbols accepted, 'm' (missing) always among them */
    char type;       /* the declared symbol ('(' for a choice) */
    char mod;        /* 0, '?', '+', '-' */
    char subtype;    /* element type for a<x>, 0 when none */
};

struct sig {
    struct sigparam p[SIG_MAX_PARAMS];
    int n;
};

int sig_arity(const struct sig *s)
{
    /* optional trailing parameters do not count, like defaulted parameters in JavaScript */
    int n = s->n;
    while (n > 1 && s->p[n - 1].mod == '?')
        n--;
    return n;
}

const struct sig *sig_parse(struct arena *a, const char *t, size_t len, const char **code)
{
    *code = "S0402";
    struct sig *s = arena_alloc(a, sizeof *s);
    memset(s, 0, sizeof *s);
    size_t i = 0;
    if (i >= len || t[i] != '<')
        return NULL;
    i++;
    while (i < len && t[i] != ':' && t[i] != '>') {
        char c = t[i];
        struct sigparam *p;
        if (strchr("?+-", c)) {
            if (s->n == 0)
                return NULL;
            s->p[s->n - 1].mod = c;
            i++;
            continue;
        }
        if (c == '<') {
            *code = "S0401"; /* a type parameter on something other than a or f */
            return NULL;
        }
        if (s->n >= SIG_MAX_PARAMS)
            return NULL;
        p = &s->p[s->n++];
        p->type = c;
        switch (c) {
        case 'b':
        case 'n':
        case 's':
        case 'l':
        case 'o':
            p->accept[0] = c;
            p->accept[1] = 'm';
            i++;
            break;
        case 'f':
            strcpy(p->accept, "fm");
            i++;
            if (i < len && t[i] == '<') {
                int depth = 0;
                while (i < len) {
                    if (t[i] == '<')
                        depth++;
                    else if (t[i] == '>' && --depth == 0)
                        break;
                    i++;
                }
                if (i >= len)
                    return NULL;
                i++;
            }
            break;
        case 'a':
            strcpy(p->accept, "asnblfom");
            i++;
            if (i < len && t[i] == '<') {
                if (i + 2 >= len || t[i + 2] != '>') {
                    /* nested or choice subtypes: accept any element type */
                    int depth = 0;
                    while (i < len) {
                        if (t[i] == '<')
                            depth++;
                        else if (t[i] == '>' && --depth == 0)
                            break;
                        i++;
                    }
                    if (i >= len)
                        return NULL;
                    i++;
                } else {
                    p->subtype = t[i + 1];
                    i += 3;
                }
            }
            break;
        case 'x':
            strcpy(p->accept, "asnblfom");
            i++;
            break;
        case 'j':
            strcpy(p->accept, "asnblom");
            i++;
            break;
        case 'u':
            strcpy(p->accept, "snblm");
            i++;
            break;
        case '(': {
            i++;
            int k = 0;
            while (i < len && t[i] != ')') {
                if (t[i] == '<')
                    return NULL; /* parameterised types inside a choice are not supported */
                if (k < 10 && strchr("bnsloafjx", t[i]))
                    p->accept[k++] = t[i];
                i++;
            }
            if (i >= len)
                return NULL;
            p->accept[k++] = 'm';
            i++;
            break;
        }
        default:
            return NULL;
        }
    }
    if (i < len && t[i] == ':') {
        while (i < len && t[i] != '>') {
            if (t[i] == '<') {
                int depth = 0;
                while (i < len) {
                    if (t[i] == '<')
                        depth++;
                    else if (t[i] == '>' && --depth == 0)
                        break;
                    i++;
                }
            }
            i++;
        }
    }
    if (i >= len || t[i] != '>')
        return NULL;
    return s;
}

static char symbol(const val *v)
{
    if (!v)
        return 'm';
    switch (v->t) {
    case T_FUNC:
        return 'f';
    case T_STR:
        return 's';
    case T_NUM:
        return 'n';
    case T_BOOL:
        return 'b';
    case T_NULL:
        return 'l';
    case T_ARR:
        return 'a';
    case T_OBJ:
        return 'o';
    default:
        return 'm';
    }
}

/* Greedy backtracking match of symbols sym[ai..] against params p[pi..]; counts[pi] gets the
 * number of arguments each parameter took. */
static bool match(const struct sig *s, int pi, const char *sym, int ai, int nargs, int *counts)
{
    if (pi == s->n)
        return ai == nargs;
    const struct sigparam *p = &s->p[pi];
    int max = (p->mod == '+') ? nargs - ai : 1;
    int min = (p->mod == '?' || p->mod == '-') ? 0 : 1;
    int k = 0;
    while (k < max && ai + k < nargs && strchr(p->accept, sym[ai + k]))
        k++;
    for (; k >= min; k--) {
        counts[pi] = k;
        if (match(s, pi + 1, sym, ai + k, nargs, counts))
            return true;
    }
    return false;
}

int sig_validate(struct ev *e, const struct sig *s, val **args, int nargs, val ***out, val *input,
                 int pos)
{
    char sym[64];
    int counts[SIG_MAX_PARAMS];
    if (nargs > 60)
        ev_fail(e, "T0410", pos, "Too many arguments");
    for (int i = 0; i < nargs; i++)
        sym[i] = symbol(args[i]);
    sym[nargs] = 0;
    if (!match(s, 0, sym, 0, nargs, counts)) {
        /* find the first argument that cannot be matched for the message */
        int bad = 1;
        for (int i = 0; i < nargs && i < s->n; i++) {
            if (!strchr(s->p[i].accept, sym[i])) {
                bad = i + 1;
                break;
            }
            bad = i + 2;
        }
        ev_fail(e, "T0410", pos, "Argument %d of function does not match function signature", bad);
    }
    int total = 0;
    for (int i = 0; i < s->n; i++)
        total += counts[i] ? counts[i] : 1;
    val **v = arena_alloc(&e->arena, (size_t)(total + 1) * sizeof(val *));
    int ai = 0, o = 0;
    for (int i = 0; i < s->n; i++) {
        const struct sigparam *p = &s->p[i];
        if (counts[i] == 0) {
            if (p->mod == '-') {
                if (!strchr(p->accept, symbol(input)))
                    ev_fail(e, "T0411", pos,
                            "Context value is not a compatible type with "
                            "argument %d of function",
                            i + 1);
                v[o++] = input;
            } else {
                v[o++] = ai < nargs ? args[ai] : NULL;
                ai++;
            }
            continue;
        }
        for (int k = 0; k < counts[i]; k++, ai++) {
            val *arg = args[ai];
            if (p->type == 'a' && arg) {
                bool ok = true;
                if (p->subtype) {
                    if (arg->t != T_ARR) {
                        ok = symbol(arg) == p->subtype;
                    } else if (arg->u.a.len > 0) {
                        char first = symbol(arg->u.a.items[0]);
                        if (first != p->subtype)
                            ok = false;
                        for (uint32_t m = 1; ok && m < arg->u.a.len; m++)
                            if (symbol(arg->u.a.items[m]) != first)
                                ok = false;
                    }
                }
                if (!ok)
                    ev_fail(e, "T0412", pos, "Argument %d of function must be an array of %c",
                            ai + 1, p->subtype);
                if (arg->t != T_ARR) {
                    val *w = v_arr(e, 0);
                    arr_push(e, w, arg);
                    arg = w;
                }
            }
            v[o++] = arg;
        }
    }
    *out = v;
    return o;
}
