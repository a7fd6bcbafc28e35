/*
 * The `solder` binary: dispatches to the command table. Exit status of every command: 0 success,
 * 1 the operation failed (or was refused), 2 usage error (docs/deployment.md lists them).
 */
#include "cli/cli.h"
#include "store/store.h"

#include <libwebsockets.h>
#include <stdio.h>
#include <string.h>

struct command {
    const char *name;
    int (*run)(int argc, char **argv);
    const char *summary;
};

static const struct command COMMANDS[] = {
    {"serve", cli_serve, "run the API server (HTTP, websocket, workers)"},
    {"key", cli_key, "create, list and revoke API keys"},
    {"admin", cli_admin, "create, list, delete dashboard accounts and reset their passwords"},
    {"import", cli_import, "load events, integrations and workflows from a JSON document"},
    {"export", cli_export, "write an environment's events, integrations and workflows as JSON"},
    {"map", cli_map, "evaluate a JSONata mapping against JSON input"},
    {"schema", cli_schema, "validate JSON against a JSON Schema; convert sample schemas"},
    {"connector", cli_connector, "connector files: import-openapi makes one from an OpenAPI spec"},
    {"backup", cli_backup, "write a consistent copy of the store while servers run"},
    {"restore", cli_restore, "put a backup in place of a stopped data directory's store"},
    {"migrate-store", cli_migrate_store, "copy a stopped store into another database (PostgreSQL)"},
};

#define COMMAND_COUNT (sizeof COMMANDS / sizeof COMMANDS[0])

static void usage(FILE *out)
{
    fprintf(out, "usage: solder COMMAND [OPTIONS]\n\n"
                 "Solder, the embedded integration platform.\n\ncommands:\n");
    for (size_t i = 0; i < COMMAND_COUNT; i++)
        fprintf(out, "  %-13s %s\n", COMMANDS[i].name, COMMANDS[i].summary);
    fprintf(out,
            "\nRun 'solder COMMAND --help' for a command's options; 'solder --version' for the\n"
            "version. Exit status: 0 success, 1 failure, 2 usage error.\n");
}

static int version(void)
{
    char backend[64];
    store_backend_version(backend, sizeof backend);
    printf("solder %s (store schema %d, %s, libwebsockets %s)\n", SOLDER_VERSION,
           store_schema_latest(), backend, lws_get_library_version());
    return 0;
}

int main(int argc, char **argv)
{
    if (argc < 2) {
        usage(stderr);
        return 2;
    }
    if (strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0 ||
        strcmp(argv[1], "help") == 0) {
        usage(stdout);
        return 0;
    }
    if (strcmp(argv[1], "--version") == 0 || strcmp(argv[1], "-V") == 0 ||
        strcmp(argv[1], "version") == 0)
        return version();
    for (size_t i = 0; i < COMMAND_COUNT; i++)
        if (strcmp(argv[1], COMMANDS[i].name) == 0)
            return COMMANDS[i].run(argc - 1, argv + 1);
    fprintf(stderr, "solder: unknown command '%s'\n\n", argv[1]);
    usage(stderr);
    return 2;
}
