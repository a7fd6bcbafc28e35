/*
 * The store: Solder's state in one database — an embedded SQLite file (WAL mode) or a PostgreSQL
 * server that several nodes share — behind functions named for what they do.
 *
 * Lifecycle: store_open opens the database (creating a SQLite file) and applies pending migrations;
 * each thread uses its own struct store (one connection with its own prepared-statement cache);
 * store_close releases it. Every SQL value is bound; no statement is built from request data.
 *
 * Return convention: 0 success, STORE_NOT_FOUND, STORE_CONFLICT (a unique key is taken), or
 * STORE_ERROR (message in store_errmsg). Out-parameters of string type are malloc'd for the caller.
 */
#ifndef SOLDER_STORE_H
#define SOLDER_STORE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "token/token.h"
#include "util/id.h"

enum { STORE_OK = 0, STORE_NOT_FOUND = 1, STORE_CONFLICT = 2, STORE_ERROR = -1 };

struct store;

/*
 * When a commit reaches the disk (SQLite's synchronous setting, for every connection store_open
 * opens after the call; call it before opening any). NORMAL: a committed transaction survives a
 * crash of the process, but a power loss or an operating-system crash may undo the last ones
 * (never corrupting the database); FULL: the WAL is synced at every commit, so a commit also
 * survives a power loss, at the cost of one fsync per commit.
 */
enum store_sync { STORE_SYNC_NORMAL, STORE_SYNC_FULL };
void store_set_sync(enum store_sync mode);

/*
 * Where the store lives, from a database URL (solder's --database, SOLDER_DATABASE): NULL or ""
 * is DATA_DIR/solder.db, "sqlite:PATH" the SQLite file PATH, postgres://USER:PASS@HOST:PORT/DB (or
 * postgresql://, with libpq's query parameters) a PostgreSQL database. Any other URL is refused.
 * Writes what store_open takes (a path or the URL) into path; returns STORE_OK, or STORE_ERROR with
 * the reason in err (which never repeats the URL: it may hold a password).
 */
int store_locate(const char *url, const char *data_dir, char *path, size_t path_len, char *err,
                 size_t err_len);

/* Whether store_open's target is a PostgreSQL URL. */
bool store_is_postgres(const char *target);

/* The lock file of the SQLite store at path (PATH.lock, beside it): every server on the store holds
 * a shared lock on it while its engine runs, so servers that share a store through --database see
 * each other whatever their data directories; `solder restore` takes it exclusively. "" for a
 * PostgreSQL store, whose nodes may run on other machines. */
void store_lock_file(const char *path, char *out, size_t out_len);

struct store *store_open(const char *path, char *err, size_t err_len);
void store_close(struct store *s);

/* How long (ms) s waits for another connection's write lock before a statement fails with
 * STORE_ERROR (SQLITE_BUSY); 0 never waits. store_open sets about 5 s. */
void store_set_busy_timeout(struct store *s, int ms);

/* A background thread of the process that checkpoints the WAL of the database at path, so that no
 * commit pays for it (checkpoint.c). Without it, the committing connection checkpoints, as SQLite
 * does by default. */
int store_checkpointer_start(const char *path, char *err, size_t err_len);
void store_checkpointer_stop(void);
/* Checkpoints of a non-empty WAL run so far by the checkpointer, and by committing connections. */
void store_checkpoint_counts(long *background, long *inline_runs);
const char *store_errmsg(struct store *s);
int store_schema_version(struct store *s);
/* The schema version this binary migrates stores to. */
int store_schema_latest(void);
/* The database engines and their versions ("SQLite 3.40.1, libpq 15.2") into out, for --version. */
void store_backend_version(char *out, size_t cap);

/*
 * Whole files (store/backup.c). store_copy_file copies the database at src into a new file dst
 * with SQLite's online backup API: the copy is src as of one commit, however much other processes
 * write meanwhile; dst is standalone (no WAL) and synced. store_check_file checks that path is a
 * sound SQLite database (quick_check) holding a Solder store of a schema version from 1 to
 * max_version (*version). Both return STORE_OK or STORE_ERROR with the reason in err.
 */
int store_copy_file(const char *src, const char *dst, char *err, size_t err_len);
int store_check_file(const char *path, int max_version, int *version, char *err, size_t err_len);

/*
 * The bus between the nodes of one PostgreSQL store (store/postgres/bus.c): a thread of the server
 * with its own connection that LISTENs for the other nodes' signals and hands them to hooks, and
 * sends this node's live updates to them. Executions queued on any node wake idle workers on every
 * node (work); a revoked key or a deleted user makes every node check its websockets again (auth);
 * a live update reaches the websockets of every node (live), but only while some node has
 * subscribers. Hooks run on the bus thread; ctx comes back to each.
 */
struct store_bus_hooks {
    void *ctx;
    void (*work)(void *ctx);
    void (*auth)(void *ctx);
    /* Another node's live update for env_id's user_id (NULL: environment-wide), as JSON text. */
    void (*live)(void *ctx, const char *env_id, const char *user_id, const char *event);
    /* Whether this node has websocket subscribers now (it tells the others every few seconds). */
    bool (*subscribers)(void *ctx);
    /* Another node changed installations (its app triggers' subscriptions may follow). */
    void (*installations)(void *ctx);
};
struct store_bus;
/* *out gets the bus of the store at target: NULL (and STORE_OK) for SQLite, whose processes share
 * one machine. STORE_ERROR with the reason in err when the bus cannot connect at start. */
int store_bus_start(const char *target, const struct store_bus_hooks *hooks, struct store_bus **out,
                    char *err, size_t err_len);
/* Stops the bus thread: no hook runs after it returns; store_bus_publish may still be called (it
 * queues for nobody) until store_bus_free. */
void store_bus_stop(struct store_bus *bus);
void store_bus_free(struct store_bus *bus);
/* Whether another node had websocket subscribers a moment ago (any thread; false without a bus). */
bool store_bus_remote_subscribers(struct store_bus *bus);
/* Hands this node's live update to the other nodes (any thread, never waits on the database): it is
 * queued for the bus thread, and dropped when the queue is full or the update too long for a
 * signal. */
void store_bus_publish(struct store_bus *bus, const char *env_id, const char *user_id,
                       const char *event);
/* Tells the other nodes that installations changed (any thread, queued as above). */
void store_bus_installations_changed(struct store_bus *bus);

/* Work that one node at a time does for all: the maintenance passes (schedules, error streaming,
 * retention) and the app triggers' hooks (subscriptions, deliveries, polls). */
enum store_lead { STORE_LEAD_MAINTENANCE, STORE_LEAD_HOOKS };
/* Whether s leads what: on PostgreSQL, one connection of all the nodes' holds each lead (an
 * advisory lock, let go when that connection ends, so a node that dies hands it on); on SQLite,
 * always. */
bool store_lead(struct store *s, enum store_lead what);

/* Milliseconds since the epoch, the unit of every stored time. */
int64_t store_now(void);

/* Transactions (BEGIN IMMEDIATE / COMMIT / ROLLBACK). One transaction writes at a time, on
 * PostgreSQL too (an advisory lock held until it ends). */
int store_begin(struct store *s);
int store_commit(struct store *s);
void store_rollback(struct store *s);
/* A nested savepoint inside the open transaction; ended by keeping or undoing its writes. */
int store_savepoint(struct store *s);
int store_savepoint_end(struct store *s, bool keep);

/* ---- account and environments ---- */
struct environment {
    char id[ID_LEN + 1];
    char account_id[ID_LEN + 1];
    char name[16]; /* "development" or "production" */
};

/* Creates the account and both environments when none exist. *created tells whether it did. */
int store_account_ensure(struct store *s, bool *created);
int store_environment_by_name(struct store *s, const char *name, struct environment *out);
int store_environment_by_id(struct store *s, const char *id, struct environment *out);

/* ---- API keys (only their SHA-256 hashes are stored) ---- */
struct api_key {
    char id[ID_LEN + 1];
    char env_id[ID_LEN + 1];
    char env_name[16];
    char prefix[24]; /* first characters of the key, shown in listings */
    int64_t created_at;
    int64_t revoked_at;   /* 0 while valid */
    int64_t last_used_at; /* 0 when never used; updated at most once a minute */
};

int store_api_key_insert(struct store *s, const struct api_key *k, const unsigned char hash[32]);
/* Records a new key of env (its text key, made by crypto_api_key_new, gives the listed prefix; only
 * its hash is kept) and fills *rec. */
int store_api_key_create(struct store *s, const struct environment *env, const char *key,
                         const unsigned char hash[32], struct api_key *rec);
/* Finds a valid (not revoked) key by hash and fills its environment; records that it was used. */
int store_api_key_lookup(struct store *s, const unsigned char hash[32], struct api_key *out);
int store_api_key_revoke(struct store *s, const char *id, int64_t now);
/* The prefix of key id (revoked or not) into out (24 bytes, as struct api_key's). */
int store_api_key_prefix(struct store *s, const char *id, char out[24]);
struct api_key_list {
    struct api_key *items;
    size_t n;
};
void store_api_key_list_free(struct api_key_list *l);
/* The valid keys of one environment, newest first. */
int store_api_keys_of(struct store *s, const char *env_id, struct api_key_list *out);
int store_api_key_count(struct store *s);
/* Calls fn for every key, newest first; stops early when fn returns non-zero. */
int store_api_key_each(struct store *s, int (*fn)(const struct api_key *, void *), void *arg);

/* ---- end users ---- */
struct user {
    char id[ID_LEN + 1];
    char env_id[ID_LEN + 1];
    char *username;  /* may be NULL */
    char *full_name; /* may be NULL */
    int64_t created_at;
    int64_t updated_at;
};

void store_user_clear(struct user *u);
int store_user_insert(struct store *s, const struct user *u);
/* Finds a user of the environment by id, or else by username. */
int store_user_find(struct store *s, const char *env_id, const char *id_or_name, struct user *out);
/* Finds a user of the environment by id only: for credentials bound to a user (tokens), which must
 * never resolve to another user whose username happens to equal a deleted user's id. */
int store_user_find_id(struct store *s, const char *env_id, const char *id, struct user *out);
/* Updates username and/or full name (NULL leaves a field as it is). */
int store_user_update(struct store *s, const char *env_id, const char *id, const char *username,
                      const char *full_name, int64_t now);
int store_user_delete(struct store *s, const char *env_id, const char *id);
int store_user_each(struct store *s, const char *env_id, int (*fn)(const struct user *, void *),
                    void *arg);
struct user_list {
    struct user *items;
    size_t n;
};
void store_user_list_free(struct user_list *l);
/*
 * One page of the environment's users, newest first, for a search box: those whose username, full
 * name or id contains search (ASCII letters in any case; NULL or "" for all). *out gets them,
 * skipping offset users and holding at most limit; *total the number of users that match.
 */
int store_users_search(struct store *s, const char *env_id, const char *search, int offset,
                       int limit, struct user_list *out, int64_t *total);

/* ---- token signing keys ---- */
void store_signing_key_clear(struct signing_key *k);
int store_signing_key_insert(struct store *s, const struct signing_key *k);
/* Replaces the stored private half of key id (sealing a key stored in clear by older versions). */
int store_signing_key_set_private(struct store *s, const char *id, const char *private_pem);
/* The newest key not retired. */
int store_signing_key_current(struct store *s, struct signing_key *out);

#endif
