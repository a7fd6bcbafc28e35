/*
 * Copies and checks whole database files, for `solder backup` and `solder restore`: a copy made
 * with SQLite's online backup API while servers keep writing (one read transaction, so the copy is
 * the database as of one commit), and the checks a file must pass before it replaces a store.
 * It does not copy the master key, which lives outside the database (crypto/secrets.h).
 */
#include "store/store.h"

#include <errno.h>
#include <fcntl.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* How long a copy waits for a source that another process holds locked (a checkpoint
 * truncating the WAL, an exclusive transaction). */
#define BACKUP_BUSY_MS 10000

static int open_db(const char *path, int flags, sqlite3 **db, char *err, size_t err_len)
{
    int rc = sqlite3_open_v2(path, db, flags | SQLITE_OPEN_NOMUTEX, NULL);
    if (rc != SQLITE_OK) {
        snprintf(err, err_len, "cannot open %s: %s", path,
                 *db ? sqlite3_errmsg(*db) : sqlite3_errstr(rc));
        sqlite3_close(*db);
        *db = NULL;
        return STORE_ERROR;
    }
    sqlite3_busy_timeout(*db, BACKUP_BUSY_MS);
    return STORE_OK;
}

int store_copy_file(const char *src, const char *dst, char *err, size_t err_len)
{
    err[0] = '\0';
    if (access(src, R_OK) != 0) {
        snprintf(err, err_len, "cannot read %s: %s", src, strerror(errno));
        return STORE_ERROR;
    }
    sqlite3 *from = NULL, *to = NULL;
    if (open_db(src, SQLITE_OPEN_READWRITE, &from, err, err_len) != STORE_OK)
        return STORE_ERROR;
    if (open_db(dst, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE, &to, err, err_len) != STORE_OK) {
        sqlite3_close(from);
        return STORE_ERROR;
    }
    int rc = SQLITE_NOMEM;
    sqlite3_backup *b = sqlite3_backup_init(to, "main", from, "main");
    if (b) {
        /* All pages in one step: one read transaction on the source, so one consistent state. */
        int waited = 0;
        while ((rc = sqlite3_backup_step(b, -1)) == SQLITE_BUSY || rc == SQLITE_LOCKED) {
            if ((waited += 10) > BACKUP_BUSY_MS)
                break;
            sqlite3_sleep(10);
        }
        sqlite3_backup_finish(b);
    }
    if (rc != SQLITE_DONE)
        snprintf(err, err_len, "cannot copy %s: %s", src,
                 b ? sqlite3_errstr(rc) : sqlite3_errmsg(to));
    else if (sqlite3_exec(to, "PRAGMA journal_mode=DELETE", NULL, NULL, NULL) != SQLITE_OK)
        snprintf(err, err_len, "cannot finish %s: %s", dst, sqlite3_errmsg(to));
    bool ok = rc == SQLITE_DONE && !err[0];
    sqlite3_close(from);
    if (sqlite3_close(to) != SQLITE_OK && ok) {
        snprintf(err, err_len, "cannot close %s", dst);
        ok = false;
    }
    int fd = ok ? open(dst, O_RDONLY) : -1;
    if (fd >= 0) {
        ok = fsync(fd) == 0;
        close(fd);
        if (!ok)
            snprintf(err, err_len, "cannot sync %s: %s", dst, strerror(errno));
    }
    return ok ? STORE_OK : STORE_ERROR;
}

int store_check_file(const char *path, int max_version, int *version, char *err, size_t err_len)
{
    sqlite3 *db = NULL;
    if (open_db(path, SQLITE_OPEN_READONLY, &db, err, err_len) != STORE_OK)
        return STORE_ERROR;
    sqlite3_stmt *st = NULL;
    char result[256] = "";
    *version = -1;
    if (sqlite3_prepare_v2(db, "PRAGMA quick_check", -1, &st, NULL) == SQLITE_OK &&
        sqlite3_step(st) == SQLITE_ROW)
        snprintf(result, sizeof result, "%s", (const char *)sqlite3_column_text(st, 0));
    sqlite3_finalize(st);
    if (sqlite3_prepare_v2(db, "PRAGMA user_version", -1, &st, NULL) == SQLITE_OK &&
        sqlite3_step(st) == SQLITE_ROW)
        *version = sqlite3_column_int(st, 0);
    sqlite3_finalize(st);
    int rc = STORE_ERROR;
    if (strcmp(result, "ok") != 0)
        snprintf(err, err_len, "%s is not a sound SQLite database: %s", path,
                 result[0] ? result : sqlite3_errmsg(db));
    else if (*version < 1)
        snprintf(err, err_len, "%s is not a Solder store (schema version %d)", path, *version);
    else if (*version > max_version)
        snprintf(err, err_len,
                 "%s has schema version %d, newer than this binary's %d: use a newer solder", path,
                 *version, max_version);
    else
        rc = STORE_OK;
    sqlite3_close(db);
    return rc;
}
