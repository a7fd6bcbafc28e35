/*
 * The `solder` command line: one table row per command (cli.c), one file per command family.
 * Each command's entry point gets argv with argv[0] being the command name and returns the process
 * exit status: 0 success, 1 failure of the operation, 2 usage error (unknown flag, missing
 * argument).
 */
#ifndef SOLDER_CLI_H
#define SOLDER_CLI_H

#include <stddef.h>

#include <cJSON.h>

#include "util/buf.h"

int cli_serve(int argc, char **argv);     /* cli/serve.c */
int cli_key(int argc, char **argv);       /* cli/key.c */
int cli_admin(int argc, char **argv);     /* cli/admin.c: dashboard operator accounts */
int cli_import(int argc, char **argv);    /* cli/catalog.c */
int cli_export(int argc, char **argv);    /* cli/catalog.c */
int cli_map(int argc, char **argv);       /* cli/map.c: JSONata evaluation */
int cli_schema(int argc, char **argv);    /* cli/schema.c: JSON Schema validation, from-sample */
int cli_connector(int argc, char **argv); /* cli/connector.c: import-openapi */
int cli_backup(int argc, char **argv);    /* cli/backup.c: a consistent copy of the store */
int cli_restore(int argc, char **argv);   /* cli/backup.c: a copy put back */
int cli_migrate_store(int argc, char **argv); /* cli/migrate.c: a store copied to another */

/* Holds the lock file of the SQLite store at db exclusively, as no server does while it runs
 * (cli/backup.c): its descriptor, or -1 after printing why not (a server runs: why says what the
 * command cmd never does to it). */
int cli_lock_store(const char *cmd, const char *db, const char *why);

/* Reads a whole file ("-" = stdin) into a malloc'd NUL-terminated buffer; NULL with errno on
 * failure. */
char *cli_read_file(const char *path, size_t *len);
/* A JSON file ("-": stdin) parsed with the project's depth bound; NULL when unreadable or not
 * JSON. */
cJSON *cli_read_json(const char *path);

/* Appends v as JSON and a newline, indented by two spaces: a value that fits in 100 columns stays
 * on one line (with a space after ':' and ','), a longer container has one member per line. */
void cli_json_text(struct buf *out, const cJSON *v);

#endif
