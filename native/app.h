/*
 * The running server's shared state. One struct app per `solder serve` process, created by
 * app_start and torn down by app_stop; the lws thread owns it (handlers run on that thread).
 * It belongs to the http part: the API and the CLI see it, the engine and the connectors never do
 * (they are given what they need at start, docs/architecture.md). app.c, the start-up of a data
 * directory, is the CLI's.
 */
#ifndef SOLDER_APP_H
#define SOLDER_APP_H

#include <signal.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "crypto/crypto.h"
#include "http/http.h"
#include "http/ratelimit.h"
#include "store/store.h"

/* Largest request body accepted by default: bounds memory per connection. */
#define APP_DEFAULT_MAX_BODY (1024 * 1024)
/* Bytes of step inputs and outputs one execution-logs answer carries by default; past it they are
 * left out (marked truncated), so a page of logs cannot take the server's memory or the client's.
 */
#define APP_DEFAULT_MAX_LOGS_RESPONSE (4 * 1024 * 1024)
/* Bytes of request headers lws keeps per connection; larger headers are refused by lws. */
#define APP_MAX_HEADER_BYTES 16384
/* Connections open at once by default; each holds at most one lws header buffer
 * (APP_MAX_HEADER_BYTES), so this bounds that memory (about 35 MB when all are in use). */
#define APP_DEFAULT_MAX_CONNECTIONS 2048
/* Connections from one client address (an IPv6 /64) by default: one address cannot take every
 * slot. A reverse proxy in front shows every client as its own address: raise or disable it then.
 */
#define APP_DEFAULT_MAX_PER_ADDRESS 256
/* Seconds a connection may take to send a request's headers, from its first byte (or from the
 * accept): slow or silent senders give their slot back this soon. */
#define APP_HEADER_TIMEOUT_S 5
/* Seconds a kept-alive connection may wait for its next request. */
#define APP_KEEPALIVE_S 5
/* Seconds between two pieces of a request body, and to write a reply the client reads slowly. */
#define APP_IO_TIMEOUT_S 10
/* Seconds a whole request body may take to arrive (1 MiB at 35 KB/s): trickling bodies end. */
#define APP_BODY_TIMEOUT_S 30
/* Seconds an API thread may take to answer before the connection is given up (the work's own
 * bounds, such as the store's 5 s busy wait and validation budgets, stay far below it). */
#define APP_WORK_TIMEOUT_S 60
/* API threads besides the batch thread: a request that waits (the store, a long validation)
 * holds one, so a few keep the others moving. */
#define APP_API_THREADS 4
/* Milliseconds a request may spend validating data against a schema (the event's on /run/event):
 * a pathological schema or instance ends with 422 "too_complex" instead of holding a thread. */
#define APP_VALIDATION_BUDGET_MS 1000
/* Lifetime of a user token, seconds. */
#define APP_TOKEN_TTL 3600
/* Audience of user tokens. */
#define APP_TOKEN_AUDIENCE "solder-embedded"

struct app_config {
    char listen_host[128];
    int port; /* 0 picks a free port; the chosen one is printed */
    char data_dir[512];
    char database[1024];  /* --database URL; empty: DATA_DIR/solder.db (store_locate) */
    char public_url[256]; /* empty: http://HOST:PORT */
    size_t max_body;
    size_t max_logs_response; /* 0 = APP_DEFAULT_MAX_LOGS_RESPONSE */
    char web_dir[512];        /* the front end's files (web/) */
    int max_connections;
    int max_per_address; /* 0: no per-address cap */
    /* Dashboard sign-in (http/session.c, api/auth.c); 0 takes the defaults of http/session.h. */
    int64_t session_idle_ms;  /* a session unused this long ends */
    int64_t session_max_ms;   /* a session ends this long after sign-in, however much it is used */
    int64_t login_lockout_ms; /* how long too many failed sign-ins refuse an account or address */
    struct rate_limits rate_limits; /* the server's (--rate-limit); environments may set theirs */
    char metrics_token[129];        /* GET /metrics on the API's listener takes it; empty: 404 */
};

struct workflow_def;

struct app {
    struct app_config cfg;
    struct store *store;
    char db_path[1024];        /* the store (store_locate): each thread opens its own connection */
    struct secrets_key master; /* seals credentials and private keys at rest */
    struct signing_key signing_key;
    char *jwks; /* the JWKS document, built once */
    struct lws_context *lws;
    int inflight; /* requests received but not yet answered */
    struct engine *engine;
    struct ws_hub *ws;             /* live-update subscribers (http/ws.c) */
    struct connectors *connectors; /* apps, credentials, app triggers (connectors/) */
    struct api_pool *pool;         /* the API threads (http/pool.c), while serving */
    struct conns *conns;           /* connection admission (http/conns.c), while serving */
    /* Given by cli/serve_parts.c: the HTTP part knows neither the API nor the engine. */
    const struct route *routes; /* the API's route table (api/routes.c) */
    size_t route_count;
    void (*work_committed)(struct engine *engine); /* after a group commit: engine_wake */
    /* Before an installation is completed: def's database blocks against the live schema
     * (destinations_check; NULL: not checked). Appends {path, message} to errors and warnings. */
    void (*check_installation)(struct app *app, const char *env_id, const char *user_id,
                               const char *installation_id, const cJSON *credential_ids,
                               const struct workflow_def *def, cJSON *errors, cJSON *warnings);
    /* The dashboard's one-time setup token while no operator account exists, printed once when
     * the server starts listening, then wiped (app_prepare creates it; only its hash is stored). */
    char setup_token[48];
};

/*
 * Group commit, for a handler on an API thread (ROUTE_BATCH ones, http/pool.c): hands write(s, arg)
 * to the store's writer (store/writer.h), which runs it with its own connection s inside its group
 * transaction, in a savepoint kept when it returns STORE_OK and undone otherwise. Once that
 * transaction is durable, or has failed, reply(req, status, arg) runs (status: write's result, or
 * the commit's failure, in which case the answer becomes a 500) on the writer's thread or an API
 * thread; it answers and frees arg, and may not use req->app->store. The request is answered after
 * the requests committed with it, so an answer still means the data is in the store. Returns false
 * (nothing queued, arg still the caller's) when the writer refused (full or stopping).
 */
bool app_write(struct request *req, int (*write)(struct store *s, void *arg),
               void (*reply)(struct request *req, int status, void *arg), void *arg);

/* SIGINT and SIGTERM ask the server to stop (also before it runs); SIGPIPE is ignored. */
void app_install_signals(void);

/* Runs the server until SIGINT/SIGTERM; returns the exit status (http/server.c). */
int app_run_server(struct app *app);

/*
 * Prepares a data directory for serving: store migrated, account and environments, the token
 * signing key, and on first start a development API key (printed once and written to
 * DATA/dev-api-key, mode 0600); while no dashboard account exists, a new setup token in
 * app->setup_token. Fills app->store and app->signing_key.
 */
int app_prepare(struct app *app, char *err, size_t err_len);
void app_release(struct app *app);

/* Loads the current token signing key, creating an ES256 pair when the store has none. The private
 * half is stored sealed under master (a clear one left by an older version is sealed on the way).
 * Returns 0, or -1 with err set. */
int app_signing_key_ensure(struct store *s, const struct secrets_key *master,
                           struct signing_key *out, char *err, size_t err_len);

/* Opens (creating when needed) the data directory and the store database (a URL, store_locate;
 * NULL: the directory's solder.db), migrated. */
struct store *app_open_store(const char *data_dir, const char *database, char *err, size_t err_len);

#endif
