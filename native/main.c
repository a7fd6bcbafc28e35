/* The `solder` binary: dispatches to the command table. */
#include "cli/cli.h"

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
};

#define COMMAND_COUNT (sizeof COMMANDS / sizeof COMMANDS[0])

static void usage(FILE *out)
{
    fprintf(out, "usage: solder COMMAND [OPTIONS]\n\n"
                 "Solder, the embedded integration platform.\n\ncommands:\n");
    for (size_t i = 0; i < COMMAND_COUNT; i++)
        fprintf(out, "  %-10s %s\n", COMMANDS[i].name, COMMANDS[i].summary);
    fprintf(out, "\nRun 'solder COMMAND --help' for a command's options.\n");
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
    for (size_t i = 0; i < COMMAND_COUNT; i++)
        if (strcmp(argv[1], COMMANDS[i].name) == 0)
            return COMMANDS[i].run(argc - 1, argv + 1);
    fprintf(stderr, "solder: unknown command '%s'\n\n", argv[1]);
    usage(stderr);
    return 2;
}
