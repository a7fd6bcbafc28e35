/* The command table and the small option parser every command uses (see cli_opts.h). */
#include "cli/cli.h"
#include "cli/cli_opts.h"

#include "json/json.h"
#include "util/buf.h"

#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

char *cli_read_file(const char *path, size_t *len)
{
    FILE *f = strcmp(path, "-") == 0 ? stdin : fopen(path, "rb");
    if (!f)
        return NULL;
    size_t cap = 4096, n = 0;
    char *data = malloc(cap);
    while (data) {
        if (n + 1 >= cap) {
            char *p = realloc(data, cap *= 2);
            if (!p) {
                free(data);
                data = NULL;
                break;
            }
            data = p;
        }
        size_t got = fread(data + n, 1, cap - n - 1, f);
        n += got;
        if (got == 0)
            break;
    }
    int failed = ferror(f);
    if (f != stdin)
        fclose(f);
    if (!data || failed) {
        free(data);
        errno = failed ? EIO : ENOMEM;
        return NULL;
    }
    data[n] = '\0';
    if (len)
        *len = n;
    return data;
}

void cli_usage(FILE *out, const char *usage, const char *about, const struct cli_opt *opts)
{
    fprintf(out, "usage: %s\n\n%s\n", usage, about);
    if (!opts || !opts->name)
        return;
    fprintf(out, "\noptions:\n");
    for (const struct cli_opt *o = opts; o->name; o++) {
        char left[64];
        snprintf(left, sizeof left, "--%s%s%s", o->name, o->arg ? " " : "", o->arg ? o->arg : "");
        fprintf(out, "  %-24s %s", left, o->help);
        if (o->env)
            fprintf(out, " [env %s]", o->env);
        fprintf(out, "\n");
    }
}

int cli_parse(int argc, char **argv, const struct cli_opt *opts, const char *usage,
              const char *about, char **positional, int max_positional, int *npositional)
{
    *npositional = 0;
    for (const struct cli_opt *o = opts; o && o->name; o++) {
        const char *v = o->env ? getenv(o->env) : NULL;
        if (v && *v && o->value)
            *o->value = v;
    }
    bool options_ended = false;
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        if (!options_ended && strcmp(a, "--") == 0) {
            options_ended = true;
            continue;
        }
        if (!options_ended && (strcmp(a, "--help") == 0 || strcmp(a, "-h") == 0)) {
            cli_usage(stdout, usage, about, opts);
            return CLI_HELP;
        }
        if (!options_ended && strncmp(a, "--", 2) == 0 && a[2]) {
            const char *name = a + 2;
            const char *eq = strchr(name, '=');
            size_t nlen = eq ? (size_t)(eq - name) : strlen(name);
            const struct cli_opt *o = opts;
            while (o && o->name && (strlen(o->name) != nlen || strncmp(o->name, name, nlen) != 0))
                o++;
            if (!o || !o->name) {
                fprintf(stderr, "solder %s: unknown option --%.*s (see solder %s --help)\n",
                        argv[0], (int)nlen, name, argv[0]);
                return 2;
            }
            if (!o->arg) {
                if (eq) {
                    fprintf(stderr, "solder %s: --%s takes no value\n", argv[0], o->name);
                    return 2;
                }
                if (o->flag)
                    *o->flag = 1;
                continue;
            }
            const char *v = eq ? eq + 1 : (i + 1 < argc ? argv[++i] : NULL);
            if (!v) {
                fprintf(stderr, "solder %s: --%s needs a value (%s)\n", argv[0], o->name, o->arg);
                return 2;
            }
            if (o->repeat)
                o->repeat(v, o->repeat_arg);
            else
                *o->value = v;
            continue;
        }
        if (!options_ended && a[0] == '-' && a[1] && strcmp(a, "-") != 0) {
            fprintf(stderr, "solder %s: unknown option %s (see solder %s --help)\n", argv[0], a,
                    argv[0]);
            return 2;
        }
        if (*npositional >= max_positional) {
            fprintf(stderr, "solder %s: unexpected argument '%s' (see solder %s --help)\n", argv[0],
                    a, argv[0]);
            return 2;
        }
        positional[(*npositional)++] = argv[i];
    }
    return 0;
}

int cli_subcommands(const char *group, const struct cli_subcommand *cmds, size_t n,
                    const char *usage, const char *about, int argc, char **argv)
{
    if (argc < 2 || strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0) {
        cli_usage(argc < 2 ? stderr : stdout, usage, about, NULL);
        return argc < 2 ? 2 : 0;
    }
    for (size_t i = 0; i < n; i++) {
        if (strcmp(argv[1], cmds[i].name) != 0)
            continue;
        char name[64];
        snprintf(name, sizeof name, "%s %s", group, cmds[i].name);
        char *saved = argv[1];
        argv[1] = name;
        int rc = cmds[i].run(argc - 1, argv + 1);
        argv[1] = saved;
        return rc;
    }
    fprintf(stderr, "solder %s: unknown command '%s' (see solder %s --help)\n", group, argv[1],
            group);
    return 2;
}

cJSON *cli_read_json(const char *path)
{
    size_t len;
    char *text = cli_read_file(path, &len);
    cJSON *doc = text ? json_parse(text, len, JSON_MAX_DEPTH, NULL) : NULL;
    free(text);
    return doc;
}

/* ---- printing JSON as the project's files are written ---- */

#define PRINT_WIDTH 100

/* v on one line, a space after each ':' and ',' (as the hand-written connectors read). */
static void put_compact(struct buf *out, const cJSON *v)
{
    bool obj = cJSON_IsObject(v);
    if (!obj && !cJSON_IsArray(v)) {
        json_write(out, v);
        return;
    }
    buf_putc(out, obj ? '{' : '[');
    for (const cJSON *c = v->child; c; c = c->next) {
        if (obj) {
            json_write_string(out, c->string);
            buf_puts(out, ": ");
        }
        put_compact(out, c);
        if (c->next)
            buf_puts(out, ", ");
    }
    buf_putc(out, obj ? '}' : ']');
}

/* v at the given indent, after `used` columns of its line are taken (indent and key): on one line
 * when it fits in PRINT_WIDTH, else one member per line. */
static void put_json(struct buf *out, const cJSON *v, int indent, size_t used)
{
    struct buf line = {0};
    put_compact(&line, v);
    bool container = (cJSON_IsObject(v) || cJSON_IsArray(v)) && v->child;
    if (!container || (line.data && used + line.len <= PRINT_WIDTH)) {
        buf_puts(out, line.data ? line.data : "null");
        buf_free(&line);
        return;
    }
    buf_free(&line);
    bool obj = cJSON_IsObject(v);
    buf_putc(out, obj ? '{' : '[');
    for (const cJSON *c = v->child; c; c = c->next) {
        buf_printf(out, "\n%*s", indent + 2, "");
        size_t before = out->len;
        if (obj) {
            json_write_string(out, c->string);
            buf_puts(out, ": ");
        }
        put_json(out, c, indent + 2, (size_t)indent + 2 + (out->len - before));
        if (c->next)
            buf_putc(out, ',');
    }
    buf_printf(out, "\n%*s%c", indent, "", obj ? '}' : ']');
}

void cli_json_text(struct buf *out, const cJSON *v)
{
    put_json(out, v, 0, 0);
    buf_putc(out, '\n');
}
