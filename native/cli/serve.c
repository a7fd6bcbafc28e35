/* `solder serve`: configuration from flags and SOLDER_* variables, then the server loop. */
#include "cli/cli.h"
#include "cli/cli_opts.h"

#include "app.h"
#include "cli/serve_parts.h"
#include "api/api.h"
#include "connectors/connectors.h"
#include "engine/engine.h"
#include "engine/sealed.h"
#include "http/metrics.h"
#include "http/validate.h"
#include "base/log.h"
#include "http/ws.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

static int parse_listen(const char *s, struct app_config *cfg)
{
    const char *colon = strrchr(s, ':');
    if (!colon || colon == s || (size_t)(colon - s) >= sizeof cfg->listen_host)
        return -1;
    char *end;
    long port = strtol(colon + 1, &end, 10);
    if (*end || port < 0 || port > 65535 || end == colon + 1)
        return -1;
    snprintf(cfg->listen_host, sizeof cfg->listen_host, "%.*s", (int)(colon - s), s);
    cfg->port = (int)port;
    return 0;
}

/* A whole number from min to max into *out; prints the usage error and returns false otherwise. */
static bool parse_count(const char *s, unsigned long long min, unsigned long long max,
                        const char *flag, const char *unit, unsigned long long *out)
{
    char *end;
    *out = strtoull(s, &end, 10);
    if (!*s || *s == '-' || *end || *out < min || *out > max) {
        fprintf(stderr, "solder serve: %s must be from %llu to %llu %s, got '%s'\n", flag, min, max,
                unit, s);
        return false;
    }
    return true;
}

int cli_serve(int argc, char **argv)
{
    const char *listen = "127.0.0.1:8080", *data = "./data", *public_url = "", *max_body = NULL,
               *workers = NULL, *allow_hosts = NULL, *web_dir = SOLDER_WEB_DIR,
               *connectors_dir = SOLDER_CONNECTORS_DIR, *session_idle = NULL, *session_max = NULL,
               *login_lockout = NULL, *sync = "normal", *lease_ms = NULL, *max_step_output = NULL,
               *max_logs_response = NULL, *rate_limit = NULL, *metrics_token = NULL,
               *metrics_listen = NULL, *log_format_name = "text", *max_conns = NULL,
               *max_per_addr = NULL, *database = NULL;
    int allow_private = 0, no_rsa = 0;
    const struct cli_opt opts[] = {
        {"listen", "ADDR:PORT", "address to listen on (port 0 picks a free one)", "SOLDER_LISTEN",
         &listen, NULL, NULL, NULL},
        {"data", "DIR",
         "data directory holding the master key and, by default, solder.db (default "
         "./data)",
         "SOLDER_DATA", &data, NULL, NULL, NULL},
        CLI_OPT_DATABASE(database),
        {"public-url", "URL", "URL clients reach this server at (default http://ADDR:PORT)",
         "SOLDER_PUBLIC_URL", &public_url, NULL, NULL, NULL},
        {"max-body", "BYTES", "largest request body accepted (default 1048576)", "SOLDER_MAX_BODY",
         &max_body, NULL, NULL, NULL},
        {"max-connections", "N", "connections open at once (default 2048)",
         "SOLDER_MAX_CONNECTIONS", &max_conns, NULL, NULL, NULL},
        {"max-connections-per-address", "N",
         "connections from one client address, an IPv6 /64 (default 256; 0: no cap, as behind a "
         "reverse proxy)",
         "SOLDER_MAX_CONNECTIONS_PER_ADDRESS", &max_per_addr, NULL, NULL, NULL},
        {"web-dir", "DIR", "directory of the front end's files (SDK, modal, dashboard)",
         "SOLDER_WEB_DIR", &web_dir, NULL, NULL, NULL},
        {"connectors", "DIR", "directory of the connector files (one JSON file per app)",
         "SOLDER_CONNECTORS", &connectors_dir, NULL, NULL, NULL},
        {"workers", "N",
         "worker threads running executions (default: one per core; 0 queues executions without "
         "running them)",
         "SOLDER_WORKERS", &workers, NULL, NULL, NULL},
        {"allow-private-network", NULL,
         "let workflows call private and loopback addresses (tests, local sinks)", NULL, NULL,
         &allow_private, NULL, NULL},
        {"no-alloy-signature", NULL,
         "leave X-Alloy-Signature (RSA-SHA256, ~0.3 ms of CPU per call) out of workflow calls; "
         "webhook-signature is always sent",
         NULL, NULL, &no_rsa, NULL, NULL},
        {"allow-hosts", "LIST",
         "comma-separated hosts (host or host:port) workflows may call despite the private-network "
         "guard",
         "SOLDER_ALLOW_HOSTS", &allow_hosts, NULL, NULL, NULL},
        {"session-idle", "SECONDS", "a dashboard session unused this long ends (default 7200)",
         "SOLDER_SESSION_IDLE", &session_idle, NULL, NULL, NULL},
        {"session-max", "SECONDS",
         "a dashboard session ends this long after sign-in (default 43200)", "SOLDER_SESSION_MAX",
         &session_max, NULL, NULL, NULL},
        {"login-lockout", "SECONDS",
         "how long too many failed dashboard sign-ins refuse an account or address (default 900)",
         "SOLDER_LOGIN_LOCKOUT", &login_lockout, NULL, NULL, NULL},
        {"sync", "normal|full",
         "when a commit is durable: normal survives a crash of the process, full (an fsync per "
         "commit) also a power loss (default normal)",
         "SOLDER_SYNC", &sync, NULL, NULL, NULL},
        {"max-step-output", "BYTES",
         "largest recorded input or output of one step; a larger one is stored as "
         "{truncated, bytes, preview} (default 1048576)",
         "SOLDER_MAX_STEP_OUTPUT", &max_step_output, NULL, NULL, NULL},
        {"max-logs-response", "BYTES",
         "step inputs and outputs carried by one execution-logs answer; past it they are left out "
         "and the answer is marked truncated (default 4194304)",
         "SOLDER_MAX_LOGS_RESPONSE", &max_logs_response, NULL, NULL, NULL},
        {"rate-limit", "SPEC",
         "requests per second and burst per caller: off, or KIND=RATE[/BURST],... with KIND key "
         "(API key, dashboard session), user (user token), address (unauthenticated routes) or "
         "event (/run/event per end user); default key=1000/2000,user=50/100,address=50/100,"
         "event=10000/20000",
         "SOLDER_RATE_LIMIT", &rate_limit, NULL, NULL, NULL},
        {"metrics-token", "TOKEN",
         "serve GET /metrics on the API's address to callers bearing this token (16 characters "
         "or more)",
         "SOLDER_METRICS_TOKEN", &metrics_token, NULL, NULL, NULL},
        {"metrics-listen", "ADDR:PORT",
         "serve GET /metrics, without a token, on an address of its own (e.g. 127.0.0.1:9464)",
         "SOLDER_METRICS_LISTEN", &metrics_listen, NULL, NULL, NULL},
        {"log-format", "text|json",
         "the access and server logs as text lines or one JSON object per line (default text)",
         "SOLDER_LOG_FORMAT", &log_format_name, NULL, NULL, NULL},
        {"lease-ms", "MS",
         "for tests: lease of a claimed execution, renewed every third of it (default 30000)", NULL,
         &lease_ms, NULL, NULL, NULL},
        {NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL},
    };
    char *pos[1];
    int npos;
    int rc =
        cli_parse(argc, argv, opts, "solder serve [OPTIONS]",
                  "Runs the Solder API server with its embedded SQLite store. On first start it\n"
                  "creates the account, the development and production environments and a\n"
                  "development API key, printed once and written to DATA/dev-api-key. While no\n"
                  "dashboard account exists, each start prints a one-time setup link (valid one\n"
                  "hour) that creates the first one; or use `solder admin create`.",
                  pos, 0, &npos);
    if (rc)
        return rc == CLI_HELP ? 0 : rc;

    umask(077); /* the data directory holds secrets: owner only */
    struct app app;
    memset(&app, 0, sizeof app);
    if (parse_listen(listen, &app.cfg) != 0) {
        fprintf(stderr, "solder serve: --listen must be ADDR:PORT, got '%s'\n", listen);
        return 2;
    }
    snprintf(app.cfg.data_dir, sizeof app.cfg.data_dir, "%s", data);
    snprintf(app.cfg.database, sizeof app.cfg.database, "%s", database ? database : "");
    size_t plen = strlen(public_url);
    while (plen && public_url[plen - 1] == '/')
        plen--;
    snprintf(app.cfg.public_url, sizeof app.cfg.public_url, "%.*s", (int)plen, public_url);
    app.cfg.max_body = APP_DEFAULT_MAX_BODY;
    if (strcmp(log_format_name, "text") == 0 || strcmp(log_format_name, "json") == 0) {
        log_set_format(log_format_name[0] == 'j' ? LOG_JSON : LOG_TEXT);
    } else {
        fprintf(stderr, "solder serve: --log-format must be text or json, got '%s'\n",
                log_format_name);
        return 2;
    }
    /* A shorter token could be guessed by a caller trying many. */
    if (metrics_token &&
        (strlen(metrics_token) < 16 || strlen(metrics_token) >= sizeof app.cfg.metrics_token)) {
        fprintf(stderr, "solder serve: --metrics-token must be 16 to 128 characters\n");
        return 2;
    }
    snprintf(app.cfg.metrics_token, sizeof app.cfg.metrics_token, "%s",
             metrics_token ? metrics_token : "");
    struct app_config metrics_at = {0};
    if (metrics_listen && parse_listen(metrics_listen, &metrics_at) != 0) {
        fprintf(stderr, "solder serve: --metrics-listen must be ADDR:PORT, got '%s'\n",
                metrics_listen);
        return 2;
    }
    app.cfg.rate_limits = RATE_LIMITS_DEFAULT;
    char why[320];
    if (rate_limit && !ratelimit_parse(rate_limit, &app.cfg.rate_limits, why, sizeof why)) {
        fprintf(stderr, "solder serve: %s\n", why);
        return 2;
    }
    snprintf(app.cfg.web_dir, sizeof app.cfg.web_dir, "%s", web_dir);
    if (max_body) {
        char *end;
        unsigned long long v = strtoull(max_body, &end, 10);
        if (*end || v == 0 || v > (1ull << 31)) {
            fprintf(stderr, "solder serve: --max-body must be a byte count, got '%s'\n", max_body);
            return 2;
        }
        app.cfg.max_body = (size_t)v;
    }
    unsigned long long count;
    app.cfg.max_connections = APP_DEFAULT_MAX_CONNECTIONS;
    if (max_conns &&
        !parse_count(max_conns, 1, 1000000, "--max-connections", "connections", &count))
        return 2;
    if (max_conns)
        app.cfg.max_connections = (int)count;
    app.cfg.max_per_address = APP_DEFAULT_MAX_PER_ADDRESS;
    if (max_per_addr && !parse_count(max_per_addr, 0, 1000000, "--max-connections-per-address",
                                     "connections", &count))
        return 2;
    if (max_per_addr)
        app.cfg.max_per_address = (int)count;
    const struct {
        const char *flag, *value;
        int64_t *ms;
    } durations[] = {
        {"session-idle", session_idle, &app.cfg.session_idle_ms},
        {"session-max", session_max, &app.cfg.session_max_ms},
        {"login-lockout", login_lockout, &app.cfg.login_lockout_ms},
    };
    for (size_t i = 0; i < sizeof durations / sizeof durations[0]; i++) {
        if (!durations[i].value)
            continue;
        char *end;
        long long v = strtoll(durations[i].value, &end, 10);
        /* A year at most: longer is a typo, and keeps the milliseconds far from overflow. */
        if (!*durations[i].value || *end || v < 1 || v > 366LL * 86400) {
            fprintf(stderr, "solder serve: --%s must be seconds from 1 to 31622400, got '%s'\n",
                    durations[i].flag, durations[i].value);
            return 2;
        }
        *durations[i].ms = v * 1000;
    }
    enum store_sync sync_mode;
    if (strcmp(sync, "normal") == 0) {
        sync_mode = STORE_SYNC_NORMAL;
    } else if (strcmp(sync, "full") == 0) {
        sync_mode = STORE_SYNC_FULL;
    } else {
        fprintf(stderr, "solder serve: --sync must be normal or full, got '%s'\n", sync);
        return 2;
    }
    struct engine_config engine = {.workers = -1,
                                   .allow_private = allow_private != 0,
                                   .allow_hosts = allow_hosts,
                                   .no_rsa_signature = no_rsa != 0};
    unsigned long long v;
    if (max_step_output &&
        !parse_count(max_step_output, 1024, 1ull << 30, "--max-step-output", "bytes", &v))
        return 2;
    engine.max_step_output = max_step_output ? (size_t)v : 0;
    app.cfg.max_logs_response = APP_DEFAULT_MAX_LOGS_RESPONSE;
    if (max_logs_response &&
        !parse_count(max_logs_response, 65536, 1ull << 30, "--max-logs-response", "bytes", &v))
        return 2;
    if (max_logs_response)
        app.cfg.max_logs_response = (size_t)v;
    if (lease_ms && !parse_count(lease_ms, ENGINE_LEASE_MIN_MS, 86400000, "--lease-ms", "ms", &v))
        return 2;
    engine.lease_ms = lease_ms ? (long)v : 0;
    if (workers) {
        char *end;
        long n = strtol(workers, &end, 10);
        if (!*workers || *end || n < 0 || n > 256) {
            fprintf(stderr, "solder serve: --workers must be from 0 to 256, got '%s'\n", workers);
            return 2;
        }
        engine.workers = (int)n;
    }
    const char *env_private = getenv("SOLDER_ALLOW_PRIVATE_NETWORK");
    if (env_private && strcmp(env_private, "1") == 0)
        engine.allow_private = true;
    store_set_sync(sync_mode);
    setvbuf(stdout, NULL, _IOFBF, 1 << 16); /* flushed after every service round */
    app_install_signals();

    char err[512];
    if (http_validate_start(API_ROUTES, API_ROUTE_COUNT, err, sizeof err) != 0 ||
        app_prepare(&app, err, sizeof err) != 0 ||
        sealed_upgrade(app.store, &app.master, err, sizeof err) != 0) {
        fprintf(stderr, "solder serve: %s\n", err);
        app_release(&app);
        return 1;
    }
    app.connectors = connectors_load(connectors_dir, app.cfg.data_dir, stderr, err, sizeof err);
    if (!app.connectors) {
        fprintf(stderr, "solder serve: %s\n", err);
        app_release(&app);
        return 1;
    }
    connectors_set_network(app.connectors, engine.allow_private, allow_hosts);
    if (store_checkpointer_start(app.db_path, err, sizeof err) != 0)
        fprintf(stderr, "solder serve: %s (commits will checkpoint)\n", err);
    app.ws = ws_hub_new();
    rc = 1;
    if (serve_parts_start(&app, &engine, allow_hosts) != 0) {
        fprintf(stderr, "solder serve: cannot start the engine\n");
        goto stop_checkpointer;
    }
    connectors_start(app.connectors, app.engine, app.db_path, app.cfg.public_url);
    if (metrics_listen &&
        metrics_listen_start(&app, metrics_at.listen_host, metrics_at.port, err, sizeof err) != 0)
        fprintf(stderr, "solder serve: %s\n", err);
    else
        rc = app_run_server(&app);
    metrics_listen_stop();
    connectors_stop(app.connectors);
    serve_parts_stop(&app);
stop_checkpointer:
    store_checkpointer_stop();
    connectors_free(app.connectors);
    ws_hub_free(app.ws);
    app_release(&app);
    http_validate_stop();
    ratelimit_reset();
    return rc;
}
