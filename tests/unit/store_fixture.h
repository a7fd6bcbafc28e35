/*
 * A store for a C unit test: a fresh temporary directory holding it, its account and its two
 * environments. store_fixture_open, the checks, then store_fixture_close, which removes the
 * directory. With SOLDER_TEST_POSTGRES set to a PostgreSQL administrator's URL (the test runs under
 * tests/store/with-postgres.mjs), the store is a fresh database on that server instead, made with
 * psql and dropped at the end.
 */
#ifndef SOLDER_STORE_FIXTURE_H
#define SOLDER_STORE_FIXTURE_H

#include "check.h"

#include "store/store.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

struct store_fixture {
    char dir[64];       /* /tmp/solder-NAME-XXXXXX */
    char path[512];     /* the database file in dir, or the PostgreSQL database's URL */
    char pg_admin[256]; /* SOLDER_TEST_POSTGRES, or "" */
    char pg_db[64];     /* the database made there */
    struct store *s;
    struct environment dev, prod;
};

/* Opens a store in a new /tmp/solder-NAME-XXXXXX and ensures its account: f->s, or NULL (after a
 * failed check) when it cannot be opened. */
static inline struct store *store_fixture_open(struct store_fixture *f, const char *name)
{
    memset(f, 0, sizeof *f);
    snprintf(f->dir, sizeof f->dir, "/tmp/solder-%s-XXXXXX", name);
    CHECK(mkdtemp(f->dir) != NULL);
    snprintf(f->path, sizeof f->path, "%s/solder.db", f->dir);
    const char *pg = getenv("SOLDER_TEST_POSTGRES");
    if (pg && *pg) {
        char cmd[800];
        snprintf(f->pg_admin, sizeof f->pg_admin, "%s", pg);
        snprintf(f->pg_db, sizeof f->pg_db, "solder_unit_%s_%d", name, (int)getpid());
        snprintf(cmd, sizeof cmd, "psql -qX '%s/postgres' -c 'CREATE DATABASE %s'", f->pg_admin,
                 f->pg_db);
        CHECK_INT(system(cmd), 0);
        snprintf(f->path, sizeof f->path, "%s/%s", f->pg_admin, f->pg_db);
    }
    char err[256];
    f->s = store_open(f->path, err, sizeof err);
    CHECK(f->s != NULL);
    if (!f->s) {
        fprintf(stderr, "store_open: %s\n", err);
        return NULL;
    }
    bool created;
    CHECK_INT(store_account_ensure(f->s, &created), STORE_OK);
    CHECK_INT(store_environment_by_name(f->s, "development", &f->dev), STORE_OK);
    CHECK_INT(store_environment_by_name(f->s, "production", &f->prod), STORE_OK);
    return f->s;
}

/* Closes the store (unless the test closed it and set f->s to NULL) and removes its directory. */
static inline void store_fixture_close(struct store_fixture *f)
{
    if (f->s)
        store_close(f->s);
    f->s = NULL;
    char cmd[800];
    snprintf(cmd, sizeof cmd, "rm -rf %s", f->dir);
    CHECK_INT(system(cmd), 0);
    if (f->pg_db[0]) {
        snprintf(cmd, sizeof cmd, "psql -qX '%s/postgres' -c 'DROP DATABASE %s WITH (FORCE)'",
                 f->pg_admin, f->pg_db);
        CHECK_INT(system(cmd), 0);
    }
}

#endif
