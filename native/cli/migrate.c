/*
 * `solder migrate-store --from URL --to URL`: a whole installation's store copied into another
 * database (store/migrate.c), typically a SQLite file into a PostgreSQL database when an
 * installation grows to several nodes, or back. The source must be stopped: a SQLite source's lock
 * file is held exclusively for the whole copy, and a PostgreSQL source on which a node still runs
 * maintenance is refused. The target must be empty. The master key is not copied: sealed values
 * travel as they are, so the target's servers must run with the same DATA/master.key (or
 * SOLDER_MASTER_KEY). A URL is never printed whole: its password stays out of every message.
 */
#include "cli/cli.h"
#include "cli/cli_opts.h"

#include "store/migrate.h"
#include "store/store.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static const char USAGE[] = "solder migrate-store --to URL [--from URL] [--data DIR]";
static const char ABOUT[] =
    "Copies every table of the store at --from (default DIR/solder.db, DIR default ./data) into\n"
    "the empty store at --to, in one transaction: either all of it is copied or the target is\n"
    "left as it was. URLs are sqlite:PATH or postgres://USER:PASS@HOST:PORT/DB. Stop every\n"
    "server on the source first (a SQLite source is locked while it copies; a PostgreSQL source\n"
    "on which a node runs is refused). A target that already holds an account is refused.\n"
    "The master key is not copied: start the target's servers with the same DIR/master.key\n"
    "(or SOLDER_MASTER_KEY), which the sealed secrets need.\n"
    "Exit status: 0 copied, 1 refused or failed, 2 usage.";

/* What a message may say of a store: a SQLite path as it is; of a PostgreSQL URL, its scheme, host,
 * port and database, without the user, the password or the query parameters. */
static void store_name(const char *target, char *out, size_t cap)
{
    if (!store_is_postgres(target)) {
        snprintf(out, cap, "sqlite:%s", target);
        return;
    }
    const char *rest = strstr(target, "://") + 3;
    size_t authority = strcspn(rest, "/?#"), host = 0;
    for (size_t i = 0; i < authority; i++)
        if (rest[i] == '@')
            host = i + 1;
    size_t path = strcspn(rest + authority, "?#");
    snprintf(out, cap, "%.*s%.*s%.*s", (int)(rest - target), target, (int)(authority - host),
             rest + host, (int)path, rest + authority);
}

/* One side of the copy: where it is, its lock, its connection. */
struct side {
    const char *role; /* "source" or "target" */
    char path[1024];  /* what store_open takes */
    char name[512];   /* what messages say (store_name) */
    bool created;     /* a SQLite target this command made */
    int lock;
    struct store *s;
};

static bool locate(struct side *side, const char *url, const char *data)
{
    char err[512];
    if (store_locate(url, data, side->path, sizeof side->path, err, sizeof err) != STORE_OK) {
        fprintf(stderr, "solder migrate-store: the %s: %s\n", side->role, err);
        return false;
    }
    store_name(side->path, side->name, sizeof side->name);
    return true;
}

/* Locks (SQLite) and opens one side. */
static bool open_side(struct side *side)
{
    bool lite = !store_is_postgres(side->path);
    if (lite && strcmp(side->role, "source") == 0 && access(side->path, F_OK) != 0) {
        fprintf(stderr, "solder migrate-store: no store at %s (the source)\n", side->name);
        return false;
    }
    side->created = lite && access(side->path, F_OK) != 0;
    if (lite && (side->lock = cli_lock_store("migrate-store", side->path,
                                             "migrate-store copies only stopped stores")) < 0)
        return false;
    char err[512];
    side->s = store_open(side->path, err, sizeof err);
    if (!side->s) {
        fprintf(stderr, "solder migrate-store: the %s: %s\n", side->role, err);
        return false;
    }
    return true;
}

/* Removes a SQLite target this command created and did not fill. */
static void remove_created(const struct side *side)
{
    if (!side->created)
        return;
    const char *const files[] = {"", "-wal", "-shm", ".lock"};
    for (size_t i = 0; i < sizeof files / sizeof files[0]; i++) {
        char file[1100];
        snprintf(file, sizeof file, "%s%s", side->path, files[i]);
        unlink(file);
    }
}

static void print_report(const struct store_migrate_report *r, const struct side *from,
                         const struct side *to, const char *data)
{
    for (size_t i = 0; i < r->n; i++)
        printf("  %-24s %lld\n", r->tables[i].table, (long long)r->tables[i].rows);
    printf("solder migrate-store: %s -> %s: %lld rows in %zu tables\n", from->name, to->name,
           (long long)r->rows, r->n);
    printf("solder migrate-store: sealed secrets were copied as they are: run the target's servers "
           "with the same master key (%s/master.key or SOLDER_MASTER_KEY)\n",
           data);
}

int cli_migrate_store(int argc, char **argv)
{
    const char *data = "./data", *from_url = NULL, *to_url = NULL;
    const struct cli_opt opts[] = {
        {"from", "URL", "the store copied: sqlite:PATH or postgres://… (default: DIR/solder.db)",
         NULL, &from_url, NULL, NULL, NULL},
        {"to", "URL", "the empty store written: sqlite:PATH or postgres://…", NULL, &to_url, NULL,
         NULL, NULL},
        {"data", "DIR", "data directory (default ./data)", "SOLDER_DATA", &data, NULL, NULL, NULL},
        {NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL},
    };
    int npos;
    int rc = cli_parse(argc, argv, opts, USAGE, ABOUT, NULL, 0, &npos);
    if (rc)
        return rc == CLI_HELP ? 0 : rc;
    if (!to_url || !*to_url) {
        fprintf(stderr, "solder migrate-store: --to URL is required\nusage: %s\n", USAGE);
        return 2;
    }
    struct side from = {.role = "source", .lock = -1}, to = {.role = "target", .lock = -1};
    if (!locate(&from, from_url, data) || !locate(&to, to_url, data))
        return 2;
    if (strcmp(from.path, to.path) == 0) {
        fprintf(stderr, "solder migrate-store: the source and the target are the same store\n");
        return 2;
    }
    umask(077); /* a SQLite target holds what the source holds */
    int status = 1;
    struct store_migrate_report report;
    char err[512];
    if (open_side(&from) && open_side(&to)) {
        if (store_is_postgres(from.path) && !store_lead(from.s, STORE_LEAD_MAINTENANCE)) {
            fprintf(stderr,
                    "solder migrate-store: a server is running on %s (a node leads its "
                    "maintenance); stop every node first\n",
                    from.name);
        } else if (store_migrate(from.s, to.s, &report, err, sizeof err) != STORE_OK) {
            fprintf(stderr, "solder migrate-store: %s -> %s: %s\n", from.name, to.name, err);
        } else {
            print_report(&report, &from, &to, data);
            status = 0;
        }
    }
    store_close(from.s);
    store_close(to.s);
    if (status != 0)
        remove_created(&to);
    if (from.lock >= 0)
        close(from.lock);
    if (to.lock >= 0)
        close(to.lock);
    return status;
}
