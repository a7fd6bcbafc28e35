/*
 * Metrics in Prometheus' text format (version 0.0.4): requests by route, method and status with
 * latency histograms, /run/event accepted, the queue's depth by state, executions by outcome and
 * retries, outbound call latency, open websockets, store and WAL size, process CPU and memory.
 * docs/operations.md lists every series. Served at GET /metrics on the API's listener behind
 * --metrics-token, or on an address of its own (--metrics-listen) by a second libwebsockets
 * context on a thread of its own.
 * Counting costs a few relaxed atomic adds per request; everything else (two indexed counts, two
 * stat calls, /proc reads) happens when the metrics are read.
 */
#include "app.h"
#include "base/log.h"

#include "base/stats.h"
#include "http/metrics.h"
#include "http/validate.h"
#include "http/ws.h"
#include "store/runs.h"
#include "util/buf.h"

#include <libwebsockets.h>
#include <openssl/crypto.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

/* The statuses counted one by one; any other is counted as "other". */
static const int STATUSES[] = {200, 201, 204, 400, 401, 403, 404, 405,
                               409, 413, 415, 422, 429, 500, 502, 503};
#define STATUS_SLOTS (sizeof STATUSES / sizeof STATUSES[0] + 1)
#define METHODS      (HTTP_OTHER + 1)

/* Per route (http_routes' index; the last slot: requests no route served, e.g. static files) and
 * method: answers per status slot and a latency histogram. Allocated once, never freed. */
struct route_counters {
    _Atomic uint64_t status[STATUS_SLOTS];
    struct stats_histogram latency;
};
static struct route_counters (*counters)[METHODS];
static pthread_once_t counters_once = PTHREAD_ONCE_INIT;
static time_t started_at;

static void counters_init(void)
{
    counters = calloc(http_route_count + 1, sizeof *counters);
    started_at = time(NULL);
}

static size_t status_slot(int status)
{
    for (size_t i = 0; i < STATUS_SLOTS - 1; i++)
        if (STATUSES[i] == status)
            return i;
    return STATUS_SLOTS - 1;
}

void metrics_request_done(const struct request *req, int64_t micros)
{
    pthread_once(&counters_once, counters_init);
    if (!counters)
        return;
    size_t r =
        req->route && req->route >= http_routes && req->route < http_routes + http_route_count
            ? (size_t)(req->route - http_routes)
            : http_route_count;
    struct route_counters *c = &counters[r][req->method];
    atomic_fetch_add_explicit(&c->status[status_slot(req->status)], 1, memory_order_relaxed);
    stats_observe(&c->latency, micros);
}

/* ---- rendering ------------------------------------------------------------------------------ */

static void help(struct buf *out, const char *name, const char *type, const char *text)
{
    buf_printf(out, "# HELP %s %s\n# TYPE %s %s\n", name, text, name, type);
}

static void histogram(struct buf *out, const char *name, const char *labels,
                      const struct stats_histogram *h)
{
    uint64_t cumulative = 0;
    const char *sep = labels[0] ? "," : "";
    for (int b = 0; b < STATS_BUCKETS; b++) {
        cumulative += atomic_load_explicit(&h->bucket[b], memory_order_relaxed);
        if (b < STATS_BUCKETS - 1)
            buf_printf(out, "%s_bucket{%s%sle=\"%g\"} %llu\n", name, labels, sep,
                       STATS_BUCKET_BOUNDS[b], (unsigned long long)cumulative);
        else
            buf_printf(out, "%s_bucket{%s%sle=\"+Inf\"} %llu\n", name, labels, sep,
                       (unsigned long long)cumulative);
    }
    buf_printf(out, "%s_sum{%s} %.6f\n", name, labels,
               (double)atomic_load_explicit(&h->sum_us, memory_order_relaxed) / 1e6);
    buf_printf(out, "%s_count{%s} %llu\n", name, labels,
               (unsigned long long)atomic_load_explicit(&h->count, memory_order_relaxed));
}

static const char *route_label(size_t r)
{
    return r < http_route_count ? http_routes[r].pattern : "other";
}

static void requests(struct buf *out)
{
    uint64_t accepted = 0;
    help(out, "solder_http_requests_total", "counter",
         "HTTP requests answered, by route pattern, method and status");
    for (size_t r = 0; r <= http_route_count; r++)
        for (int m = 0; m < METHODS; m++)
            for (size_t s = 0; s < STATUS_SLOTS; s++) {
                uint64_t n = atomic_load_explicit(&counters[r][m].status[s], memory_order_relaxed);
                if (!n)
                    continue;
                char status[8];
                if (s < STATUS_SLOTS - 1)
                    snprintf(status, sizeof status, "%d", STATUSES[s]);
                else
                    snprintf(status, sizeof status, "other");
                buf_printf(out,
                           "solder_http_requests_total{route=\"%s\",method=\"%s\",status=\"%s\"} "
                           "%llu\n",
                           route_label(r), http_method_name((enum http_method)m), status,
                           (unsigned long long)n);
                if (r < http_route_count && strcmp(http_routes[r].pattern, "/run/event") == 0 &&
                    s < STATUS_SLOTS - 1 && STATUSES[s] == 200)
                    accepted += n;
            }
    help(out, "solder_http_request_duration_seconds", "histogram",
         "time from a request's arrival to its answer being ready, by route pattern and method");
    for (size_t r = 0; r <= http_route_count; r++)
        for (int m = 0; m < METHODS; m++) {
            const struct stats_histogram *h = &counters[r][m].latency;
            if (!atomic_load_explicit(&h->count, memory_order_relaxed))
                continue;
            char labels[600];
            snprintf(labels, sizeof labels, "route=\"%s\",method=\"%s\"", route_label(r),
                     http_method_name((enum http_method)m));
            histogram(out, "solder_http_request_duration_seconds", labels, h);
        }
    help(out, "solder_events_accepted_total", "counter",
         "events /run/event accepted (stored with their executions, answered 200)");
    buf_printf(out, "solder_events_accepted_total %llu\n", (unsigned long long)accepted);
}

static void engine(struct buf *out, struct app *app, struct store *store)
{
    int64_t queued, running;
    if (store && store_queue_depth(store, &queued, &running) == STORE_OK) {
        help(out, "solder_queue_executions", "gauge", "executions in the queue, by state");
        buf_printf(out, "solder_queue_executions{state=\"queued\"} %lld\n", (long long)queued);
        buf_printf(out, "solder_queue_executions{state=\"running\"} %lld\n", (long long)running);
    }
    help(out, "solder_executions_total", "counter",
         "execution outcomes recorded: success, error, stopped; retry and delayed requeue it");
    for (int o = 0; o < STATS_OUTCOMES; o++)
        buf_printf(out, "solder_executions_total{outcome=\"%s\"} %llu\n", STATS_OUTCOME_NAMES[o],
                   (unsigned long long)atomic_load_explicit(&ENGINE_STATS.outcomes[o],
                                                            memory_order_relaxed));
    help(out, "solder_execution_retries_total", "counter",
         "executions requeued to try again after a retryable failure");
    buf_printf(out, "solder_execution_retries_total %llu\n",
               (unsigned long long)atomic_load_explicit(&ENGINE_STATS.outcomes[STATS_RETRY],
                                                        memory_order_relaxed));
    help(out, "solder_delivery_duration_seconds", "histogram",
         "outbound calls of workflows (HTTP blocks, stream data, app actions, destinations)");
    histogram(out, "solder_delivery_duration_seconds", "", &ENGINE_STATS.delivery);
    help(out, "solder_websockets_open", "gauge", "websocket sessions open and authenticated");
    buf_printf(out, "solder_websockets_open %zu\n", ws_open_count(app));
}

static void process(struct buf *out, struct app *app, struct store *store)
{
    int64_t db = 0, log = 0;
    store_disk_usage(store, app->db_path, &db, &log);
    help(out, "solder_store_size_bytes", "gauge",
         "size of the database (the SQLite file, or PostgreSQL's database)");
    buf_printf(out, "solder_store_size_bytes %lld\n", (long long)db);
    help(out, "solder_store_wal_size_bytes", "gauge", "size of SQLite's write-ahead log (0 else)");
    buf_printf(out, "solder_store_wal_size_bytes %lld\n", (long long)log);

    long ticks = sysconf(_SC_CLK_TCK), page = sysconf(_SC_PAGESIZE);
    unsigned long utime = 0, stime = 0;
    FILE *f = fopen("/proc/self/stat", "r");
    if (f) {
        char line[1024];
        if (fgets(line, sizeof line, f)) {
            /* Fields after the command (which may hold spaces), from the last ')': state is 3rd,
             * utime the 14th and stime the 15th field of the line. */
            const char *p = strrchr(line, ')');
            if (p && sscanf(p + 2, "%*c %*d %*d %*d %*d %*d %*u %*u %*u %*u %*u %lu %lu", &utime,
                            &stime) != 2)
                utime = stime = 0;
        }
        fclose(f);
    }
    long long resident = 0;
    f = fopen("/proc/self/statm", "r");
    if (f) {
        long long size;
        if (fscanf(f, "%lld %lld", &size, &resident) != 2)
            resident = 0;
        fclose(f);
    }
    help(out, "process_cpu_seconds_total", "counter", "user and system CPU time of the process");
    buf_printf(out, "process_cpu_seconds_total %.2f\n",
               ticks > 0 ? (double)(utime + stime) / (double)ticks : 0.0);
    help(out, "process_resident_memory_bytes", "gauge", "resident set size of the process");
    buf_printf(out, "process_resident_memory_bytes %lld\n", resident * page);
    help(out, "process_start_time_seconds", "gauge", "when the process started, Unix time");
    buf_printf(out, "process_start_time_seconds %lld\n", (long long)started_at);
    help(out, "solder_build_info", "gauge", "the running version");
    buf_printf(out, "solder_build_info{version=\"%s\"} 1\n", SOLDER_VERSION);
}

char *metrics_render(struct app *app, struct store *store, size_t *len)
{
    pthread_once(&counters_once, counters_init);
    if (!counters)
        return NULL;
    struct buf out = {0};
    requests(&out);
    engine(&out, app, store);
    process(&out, app, store);
    *len = out.len;
    return buf_take(&out);
}

/* ---- on the API's listener ------------------------------------------------------------------ */

bool metrics_authenticate(struct request *req)
{
    const char *want = req->app->cfg.metrics_token;
    if (!want[0]) {
        reply_error(req, 404, "not_found",
                    "metrics are not served here: start the server with --metrics-token, or read "
                    "them on --metrics-listen");
        return false;
    }
    const char *a = req->authorization;
    size_t n = strlen(want);
    bool ok = a && strncasecmp(a, "bearer ", 7) == 0 && strlen(a + 7) == n &&
              CRYPTO_memcmp(a + 7, want, n) == 0;
    if (!ok)
        reply_error(req, 401, "unauthorized", "Unauthorized: /metrics takes the metrics token");
    return ok;
}

void http_metrics_route(struct request *req)
{
    size_t len = 0;
    char *text = metrics_render(req->app, req->app->store, &len);
    reply_raw(req, 200, "text/plain; version=0.0.4", text, text ? len : 0);
}

/* ---- on an address of its own --------------------------------------------------------------- */

/* One answer being written on the metrics listener. */
struct metrics_answer {
    int status;
    char *body;
    size_t len;
};

static struct {
    struct lws_context *ctx;
    pthread_t thread;
    _Atomic bool stop;
    struct app *app;
    struct store *store; /* the listener thread's own connection */
} listener;

static int listener_callback(struct lws *wsi, enum lws_callback_reasons reason, void *user,
                             void *in, size_t len)
{
    struct metrics_answer *a = user;
    switch (reason) {
    case LWS_CALLBACK_HTTP: {
        const char *path = in ? in : "";
        bool get = lws_hdr_total_length(wsi, WSI_TOKEN_GET_URI) > 0;
        if (get && (strcmp(path, "/metrics") == 0 || strcmp(path, "/") == 0)) {
            a->status = 200;
            a->body = metrics_render(listener.app, listener.store, &a->len);
        } else {
            a->status = 404;
            a->body = strdup("only GET /metrics is served here\n");
            a->len = a->body ? strlen(a->body) : 0;
        }
        lws_callback_on_writable(wsi);
        return 0;
    }
    case LWS_CALLBACK_HTTP_WRITEABLE: {
        if (!a->status)
            return 0;
        size_t cap = LWS_PRE + 512 + a->len;
        unsigned char *buf = malloc(cap), *start, *p, *end;
        int rc = -1;
        if (!buf)
            return -1;
        start = p = buf + LWS_PRE;
        end = buf + cap;
        const char *type = "text/plain; version=0.0.4";
        size_t len = a->len;
        bool ok = !lws_add_http_header_status(wsi, (unsigned)a->status, &p, end) &&
                  !lws_add_http_header_by_token(wsi, WSI_TOKEN_HTTP_CONTENT_TYPE,
                                                (const unsigned char *)type, (int)strlen(type), &p,
                                                end) &&
                  !lws_add_http_header_content_length(wsi, len, &p, end) &&
                  !lws_finalize_http_header(wsi, &p, end);
        if (ok && len)
            memcpy(p, a->body, len);
        /* lws may free the session's data (a) once the transaction completes. */
        free(a->body);
        memset(a, 0, sizeof *a);
        if (ok) {
            p += len;
            if (lws_write(wsi, start, (size_t)(p - start), LWS_WRITE_HTTP_FINAL) ==
                (int)(p - start))
                rc = lws_http_transaction_completed(wsi) ? -1 : 0;
        }
        free(buf);
        return rc;
    }
    case LWS_CALLBACK_CLOSED_HTTP:
        if (a) {
            free(a->body);
            memset(a, 0, sizeof *a);
        }
        return 0;
    default:
        return lws_callback_http_dummy(wsi, reason, user, in, len);
    }
}

static const struct lws_protocols LISTENER_PROTOCOLS[] = {
    {"metrics", listener_callback, sizeof(struct metrics_answer), 0, 0, NULL, 0},
    {NULL, NULL, 0, 0, 0, NULL, 0},
};

static void *listener_main(void *arg)
{
    while (!atomic_load(&listener.stop))
        if (lws_service(listener.ctx, 0) < 0)
            break;
    return NULL;
}

int metrics_listen_start(struct app *app, const char *host, int port, char *err, size_t err_len)
{
    char why[256];
    listener.app = app;
    listener.store = store_open(app->db_path, why, sizeof why);
    if (!listener.store) {
        snprintf(err, err_len, "the metrics listener cannot open the store: %s", why);
        return -1;
    }
    struct lws_context_creation_info info;
    memset(&info, 0, sizeof info);
    info.port = port;
    info.iface = host;
    info.protocols = LISTENER_PROTOCOLS;
    info.keepalive_timeout = 30;
    info.timeout_secs = 30;
    listener.ctx = lws_create_context(&info);
    if (!listener.ctx) {
        snprintf(err, err_len, "cannot listen for metrics on %s:%d", host, port);
        store_close(listener.store);
        listener.store = NULL;
        return -1;
    }
    struct lws_vhost *vh = lws_get_vhost_by_name(listener.ctx, "default");
    atomic_store(&listener.stop, false);
    if (pthread_create(&listener.thread, NULL, listener_main, NULL) != 0) {
        snprintf(err, err_len, "cannot start the metrics listener's thread");
        lws_context_destroy(listener.ctx);
        listener.ctx = NULL;
        store_close(listener.store);
        listener.store = NULL;
        return -1;
    }
    log_info("metrics    http://%s:%d/metrics\n", host, vh ? lws_get_vhost_listen_port(vh) : port);
    return 0;
}

void metrics_listen_stop(void)
{
    if (!listener.ctx)
        return;
    atomic_store(&listener.stop, true);
    lws_cancel_service(listener.ctx);
    pthread_join(listener.thread, NULL);
    lws_context_destroy(listener.ctx);
    listener.ctx = NULL;
    store_close(listener.store);
    listener.store = NULL;
}
