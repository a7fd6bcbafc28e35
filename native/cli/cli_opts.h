/*
 * Option parsing shared by the commands: long options only ("--name VALUE", "--name=VALUE", or a
 * flag), each optionally read from an environment variable first so that flags override it.
 */
#ifndef SOLDER_CLI_OPTS_H
#define SOLDER_CLI_OPTS_H

#include <stdio.h>

#define CLI_HELP (-1) /* cli_parse printed --help: exit 0 */

/* The option of every command that opens the store (store_locate reads its value). */
#define CLI_OPT_DATABASE(var)                                                                      \
    {                                                                                              \
        "database", "URL", "the store by URL: sqlite:PATH (default: DIR/solder.db)",               \
            "SOLDER_DATABASE", &(var), NULL, NULL, NULL                                            \
    }

struct cli_opt {
    const char *name; /* without the dashes */
    const char *arg;  /* placeholder for the value, NULL for a flag */
    const char *help;
    const char *env;    /* environment variable supplying a default, or NULL */
    const char **value; /* where a value goes */
    int *flag;          /* where a flag goes */
    void (*repeat)(const char *value, void *arg); /* for repeatable options, instead of value */
    void *repeat_arg;
};

/*
 * Parses argv[1..] against opts (terminated by an entry with name NULL). Positional arguments go to
 * positional[]; after "--" every argument is positional, even one that starts with '-'. Returns 0,
 * CLI_HELP after printing help (-h, --help), or 2 after printing a usage error.
 */
int cli_parse(int argc, char **argv, const struct cli_opt *opts, const char *usage,
              const char *about, char **positional, int max_positional, int *npositional);

void cli_usage(FILE *out, const char *usage, const char *about, const struct cli_opt *opts);

/* A subcommand of a command group ("schema validate", "connector import-openapi"). */
struct cli_subcommand {
    const char *name;
    int (*run)(int argc, char **argv);
};

/*
 * Runs the subcommand argv[1] names among cmds (n of them) of the group ("schema"), with argv[0]
 * shown as "GROUP NAME" in its messages; prints the group's help for --help or no subcommand (exit
 * 0 or 2) and a usage error for an unknown one (2).
 */
int cli_subcommands(const char *group, const struct cli_subcommand *cmds, size_t n,
                    const char *usage, const char *about, int argc, char **argv);

#endif
