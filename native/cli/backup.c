/*
 * `solder backup DEST` and `solder restore SRC`: a consistent copy of a data directory's store
 * taken while servers run on it (SQLite's online backup API, store/backup.c), and putting such a
 * copy back into a data directory no server is using. The master key (DATA/master.key or
 * SOLDER_MASTER_KEY) is not in a backup: it is kept apart, and a restore checks that the key it
 * will run with opens the copy's sealed secrets before anything is replaced.
 * PostgreSQL stores are backed up with pg_dump; these commands say so.
 */
#include "app.h"
#include "cli/cli.h"
#include "cli/cli_opts.h"

#include "crypto/crypto.h"
#include "crypto/secrets.h"
#include "store/store.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

static const char BACKUP_USAGE[] = "solder backup DEST [--data DIR] [--database URL] [--force]";
static const char BACKUP_ABOUT[] =
    "Writes a consistent copy of DIR's store (default ./data) to the file DEST while servers keep\n"
    "running on it: the copy is the store as of one commit, and an event answered before the\n"
    "backup began is in it. The master key is not copied: keep DIR/master.key (or\n"
    "SOLDER_MASTER_KEY) apart from the backups; a restored store opens only with it.\n"
    "Exit status: 0 copied, 1 the copy failed, 2 usage.";
static const char RESTORE_USAGE[] =
    "solder restore SRC [--data DIR] [--database URL] [--master-key FILE] [--force]";
static const char RESTORE_ABOUT[] =
    "Puts the backup SRC in place as DIR's store (default ./data). Refuses while a server runs on\n"
    "DIR, when SRC is not a sound Solder store (or is newer than this binary), when DIR already\n"
    "has a store (unless --force), and when the master key it would run with does not open SRC's\n"
    "sealed secrets. --master-key FILE installs that key as DIR/master.key when DIR has none.\n"
    "Exit status: 0 restored, 1 refused or failed, 2 usage.";

/* A store named by URL rather than a data directory: SQLite only here. */
static bool postgres_named(const char *database, const char *cmd)
{
    if (!database)
        return false;
    if (strncasecmp(database, "postgres://", 11) == 0 ||
        strncasecmp(database, "postgresql://", 13) == 0) {
        /* Not the URL: it may hold a password. */
        fprintf(stderr,
                "solder %s: the --database URL names a PostgreSQL store: back it up with pg_dump "
                "and restore it with pg_restore (solder %s copies SQLite stores)\n",
                cmd, cmd);
        return true;
    }
    return false;
}

int cli_backup(int argc, char **argv)
{
    const char *data = "./data", *database = NULL;
    int force = 0;
    const struct cli_opt opts[] = {
        {"data", "DIR", "data directory (default ./data)", "SOLDER_DATA", &data, NULL, NULL, NULL},
        {"database", "URL", "the store by URL (sqlite:PATH; postgres:// is refused: use pg_dump)",
         "SOLDER_DATABASE", &database, NULL, NULL, NULL},
        {"force", NULL, "replace DEST when it exists", NULL, NULL, &force, NULL, NULL},
        {NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL},
    };
    char *pos[1];
    int npos;
    int rc = cli_parse(argc, argv, opts, BACKUP_USAGE, BACKUP_ABOUT, pos, 1, &npos);
    if (rc)
        return rc == CLI_HELP ? 0 : rc;
    if (npos != 1) {
        fprintf(stderr, "usage: %s\n", BACKUP_USAGE);
        return 2;
    }
    if (postgres_named(database, "backup"))
        return 2;
    char src[1024], tmp[1100], err[512];
    if (store_locate(database, data, src, sizeof src, err, sizeof err) != STORE_OK) {
        fprintf(stderr, "solder backup: %s\n", err);
        return 2;
    }
    if (!force && access(pos[0], F_OK) == 0) {
        fprintf(stderr, "solder backup: %s exists (--force replaces it)\n", pos[0]);
        return 1;
    }
    snprintf(tmp, sizeof tmp, "%s.partial", pos[0]);
    unlink(tmp);
    umask(077); /* a backup holds what the store holds */
    int version;
    if (store_copy_file(src, tmp, err, sizeof err) != STORE_OK ||
        store_check_file(tmp, store_schema_latest(), &version, err, sizeof err) != STORE_OK) {
        fprintf(stderr, "solder backup: %s\n", err);
        unlink(tmp);
        return 1;
    }
    if (rename(tmp, pos[0]) != 0) {
        fprintf(stderr, "solder backup: cannot write %s: %s\n", pos[0], strerror(errno));
        unlink(tmp);
        return 1;
    }
    struct stat st;
    stat(pos[0], &st);
    printf("solder backup: %s -> %s (%lld bytes, schema version %d)\n", src, pos[0],
           (long long)st.st_size, version);
    printf("solder backup: the master key is not in the backup; keep %s/master.key (or "
           "SOLDER_MASTER_KEY) safe, apart from it\n",
           data);
    return 0;
}

int cli_lock_store(const char *cmd, const char *db, const char *why)
{
    char path[1100];
    store_lock_file(db, path, sizeof path);
    int fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0600);
    if (fd < 0) {
        fprintf(stderr, "solder %s: cannot open %s: %s\n", cmd, path, strerror(errno));
        return -1;
    }
    if (flock(fd, LOCK_EX | LOCK_NB) != 0) {
        fprintf(stderr, "solder %s: a server is running on %s (it holds %s); stop it first: %s\n",
                cmd, db, path, why);
        close(fd);
        return -1;
    }
    return fd;
}

/* Copies the key file from into DIR/master.key (mode 0600) when DIR has none. */
static bool install_key(const char *from, const char *data)
{
    char path[1100];
    snprintf(path, sizeof path, "%s/master.key", data);
    if (access(path, F_OK) == 0)
        return true;
    size_t len;
    char *text = cli_read_file(from, &len);
    if (!text) {
        fprintf(stderr, "solder restore: cannot read %s: %s\n", from, strerror(errno));
        return false;
    }
    int fd = open(path, O_WRONLY | O_CREAT | O_EXCL, 0600);
    bool ok = fd >= 0 && write(fd, text, len) == (ssize_t)len && fsync(fd) == 0;
    if (fd >= 0)
        close(fd);
    memset(text, 0, len);
    free(text);
    if (!ok)
        fprintf(stderr, "solder restore: cannot write %s: %s\n", path, strerror(errno));
    return ok;
}

/* Whether the master key DIR's server would use opens the store at path: its token signing key
 * is sealed under it. */
static bool key_opens(const char *data, const char *path)
{
    char key_path[1100], err[512];
    snprintf(key_path, sizeof key_path, "%s/master.key", data);
    const char *env = getenv("SOLDER_MASTER_KEY");
    if ((!env || !*env) && access(key_path, F_OK) != 0) {
        fprintf(stderr,
                "solder restore: no master key: put the key the backup was made with in %s, set "
                "SOLDER_MASTER_KEY, or pass --master-key FILE\n",
                key_path);
        return false;
    }
    struct secrets_key master;
    if (secrets_key_load(data, &master, err, sizeof err) != 0) {
        fprintf(stderr, "solder restore: %s\n", err);
        return false;
    }
    struct store *s = store_open(path, err, sizeof err);
    struct signing_key k = {0};
    bool ok = s && app_signing_key_ensure(s, &master, &k, err, sizeof err) == 0;
    if (!ok)
        fprintf(stderr, "solder restore: the master key does not open the backup: %s\n", err);
    store_signing_key_clear(&k);
    store_close(s);
    memset(&master, 0, sizeof master);
    return ok;
}

int cli_restore(int argc, char **argv)
{
    const char *data = "./data", *database = NULL, *master_key = NULL;
    int force = 0;
    const struct cli_opt opts[] = {
        {"data", "DIR", "data directory to restore into (default ./data)", "SOLDER_DATA", &data,
         NULL, NULL, NULL},
        {"database", "URL",
         "the store to restore into: sqlite:PATH (default DIR/solder.db; postgres:// is refused: "
         "use pg_restore)",
         "SOLDER_DATABASE", &database, NULL, NULL, NULL},
        {"master-key", "FILE",
         "the master key the backup was made with, installed when DIR has none", NULL, &master_key,
         NULL, NULL, NULL},
        {"force", NULL, "replace the store DIR has", NULL, NULL, &force, NULL, NULL},
        {NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL},
    };
    char *pos[1];
    int npos;
    int rc = cli_parse(argc, argv, opts, RESTORE_USAGE, RESTORE_ABOUT, pos, 1, &npos);
    if (rc)
        return rc == CLI_HELP ? 0 : rc;
    if (npos != 1) {
        fprintf(stderr, "usage: %s\n", RESTORE_USAGE);
        return 2;
    }
    if (postgres_named(database, "restore"))
        return 2;
    umask(077);
    if (mkdir(data, 0700) != 0 && errno != EEXIST) {
        fprintf(stderr, "solder restore: cannot create %s: %s\n", data, strerror(errno));
        return 1;
    }
    char db[1024], staged[1200], err[512];
    if (store_locate(database, data, db, sizeof db, err, sizeof err) != STORE_OK) {
        fprintf(stderr, "solder restore: %s\n", err);
        return 2;
    }
    int lock = cli_lock_store("restore", db, "a restore never replaces a running server's store");
    if (lock < 0)
        return 1;
    snprintf(staged, sizeof staged, "%s.restoring", db);
    int version, status = 1;
    if (!force && access(db, F_OK) == 0) {
        fprintf(stderr, "solder restore: %s already has a store (%s); --force replaces it\n", data,
                db);
    } else if (store_check_file(pos[0], store_schema_latest(), &version, err, sizeof err) !=
               STORE_OK) {
        fprintf(stderr, "solder restore: %s\n", err);
    } else if (master_key && !install_key(master_key, data)) {
        /* said why */
    } else if (unlink(staged), store_copy_file(pos[0], staged, err, sizeof err) != STORE_OK) {
        fprintf(stderr, "solder restore: %s\n", err);
    } else if (key_opens(data, staged)) {
        const char *const sides[] = {"-wal", "-shm"};
        for (size_t i = 0; i < 2; i++) {
            char side[1300];
            snprintf(side, sizeof side, "%s%s", db, sides[i]);
            unlink(side);
            snprintf(side, sizeof side, "%s%s", staged, sides[i]);
            unlink(side);
        }
        if (rename(staged, db) == 0) {
            printf("solder restore: %s -> %s (schema version %d)\n", pos[0], db, version);
            status = 0;
        } else {
            fprintf(stderr, "solder restore: cannot replace %s: %s\n", db, strerror(errno));
        }
    }
    if (status != 0)
        unlink(staged);
    close(lock);
    return status;
}
