/*
 * The bus between the nodes of one PostgreSQL store (store.h, store_bus_start): one thread per
 * server with its own connection. It LISTENs on the store's channels (driver.h) and hands what it
 * hears to the server's hooks, sends the live updates other threads queue for it with pg_notify,
 * and tells the other nodes every few seconds while this one has websocket subscribers, so that
 * nodes build live updates only while somebody anywhere listens. A lost connection is reopened;
 * after that every hook that might have missed a signal is called once.
 *
 * Not here: who queues work or revokes keys (their statements signal in their own transactions:
 * runs.c, account.c, users.c), and what a live update holds.
 */
#include "store/postgres/postgres.h"

#include "base/log.h"
#include "plat.h"

#include <libpq-fe.h>

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* Updates waiting for the bus thread; more are dropped so a lost database cannot eat memory. */
#define BUS_QUEUE_MAX 4096
/* PostgreSQL refuses a signal's payload of 8000 bytes or more; a longer update is not sent. */
#define BUS_PAYLOAD_MAX 7900
/* How often a node with subscribers says so, and how long the others believe it. */
#define BUS_SUBSCRIBERS_EVERY_MS 2000
#define BUS_SUBSCRIBERS_FOR_MS   6000
/* Wait between attempts to reopen a lost connection. */
#define BUS_RECONNECT_MS 1000

struct bus_msg {
    struct bus_msg *next;
    const char *channel;
    char text[]; /* live: "NODE ENV USER EVENT", USER "-" for none; else NODE */
};

struct store_bus {
    char *url;
    struct store_bus_hooks hooks;
    char node[17]; /* this process's name on the bus: random hex */
    PGconn *db;    /* the bus thread's only */
    pthread_t thread;
    bool running; /* thread was started and not yet joined */
    int wake[2];  /* a pipe: other threads wake the bus thread by writing a byte */
    atomic_bool stopping;
    atomic_llong remote_until; /* ms: another node had subscribers until then */
    pthread_mutex_t mu;
    struct bus_msg *head, *tail;
    size_t queued;
};

static void wake(struct store_bus *b)
{
    char c = 1;
    ssize_t n = write(b->wake[1], &c, 1);
    (void)n; /* a full pipe is already a pending wake-up */
}

/* Opens the connection and listens on every channel; NULL with the reason in err. */
static PGconn *bus_connect(const char *url, char *err, size_t err_len)
{
    const char *keys[] = {"dbname", "connect_timeout", "application_name", NULL};
    const char *values[] = {url, "10", "solder-bus", NULL};
    PGconn *db = PQconnectdbParams(keys, values, 1);
    if (!db || PQstatus(db) != CONNECTION_OK) {
        const char *why = db ? PQerrorMessage(db) : "out of memory";
        snprintf(err, err_len, "cannot connect to PostgreSQL: %.*s", (int)strcspn(why, "\n"), why);
        PQfinish(db);
        return NULL;
    }
    PGresult *res = PQexec(db, "LISTEN " STORE_CHANNEL_WORK "; LISTEN " STORE_CHANNEL_AUTH
                               "; LISTEN " STORE_CHANNEL_LIVE "; LISTEN " STORE_CHANNEL_SUBS
                               "; LISTEN " STORE_CHANNEL_INSTALLATIONS);
    bool ok = PQresultStatus(res) == PGRES_COMMAND_OK;
    if (!ok)
        snprintf(err, err_len, "LISTEN: %.*s", (int)strcspn(PQerrorMessage(db), "\n"),
                 PQerrorMessage(db));
    PQclear(res);
    if (!ok) {
        PQfinish(db);
        return NULL;
    }
    PQsetnonblocking(db, 0);
    return db;
}

static bool notify(PGconn *db, const char *channel, const char *payload)
{
    const char *values[] = {channel, payload};
    PGresult *res = PQexecParams(db, "SELECT pg_notify($1, $2)", 2, NULL, values, NULL, NULL, 0);
    bool ok = PQresultStatus(res) == PGRES_TUPLES_OK;
    PQclear(res);
    return ok;
}

/* "NODE ENV USER EVENT" from another node to the live hook. */
static void heard_live(struct store_bus *b, const char *payload)
{
    if (strncmp(payload, b->node, 16) == 0 || !b->hooks.live)
        return;
    char env[ID_LEN + 1], user[ID_LEN + 1];
    const char *p = strchr(payload, ' ');
    if (!p || sscanf(p, " %24s %24s", env, user) != 2)
        return;
    for (int i = 0; i < 2 && p; i++) /* p is at the space before ENV: past ENV and USER */
        p = strchr(p + 1, ' ');
    if (!p)
        return;
    b->hooks.live(b->hooks.ctx, env, strcmp(user, "-") == 0 ? NULL : user, p + 1);
}

static void dispatch(struct store_bus *b)
{
    PGnotify *n;
    while ((n = PQnotifies(b->db))) {
        const char *ch = n->relname;
        if (strcmp(ch, STORE_CHANNEL_WORK) == 0 && b->hooks.work)
            b->hooks.work(b->hooks.ctx);
        else if (strcmp(ch, STORE_CHANNEL_AUTH) == 0 && b->hooks.auth)
            b->hooks.auth(b->hooks.ctx);
        else if (strcmp(ch, STORE_CHANNEL_LIVE) == 0)
            heard_live(b, n->extra);
        else if (strcmp(ch, STORE_CHANNEL_INSTALLATIONS) == 0 && strcmp(n->extra, b->node) != 0 &&
                 b->hooks.installations)
            b->hooks.installations(b->hooks.ctx);
        else if (strcmp(ch, STORE_CHANNEL_SUBS) == 0 && strcmp(n->extra, b->node) != 0)
            atomic_store(&b->remote_until, (long long)(plat_now_ms() + BUS_SUBSCRIBERS_FOR_MS));
        PQfreemem(n);
    }
}

/* Sends the queued updates; false when the connection failed (the rest stay queued). */
static bool send_queued(struct store_bus *b)
{
    for (;;) {
        pthread_mutex_lock(&b->mu);
        struct bus_msg *m = b->head;
        if (m) {
            b->head = m->next;
            if (!b->head)
                b->tail = NULL;
            b->queued--;
        }
        pthread_mutex_unlock(&b->mu);
        if (!m)
            return true;
        bool ok = notify(b->db, m->channel, m->text);
        free(m);
        if (!ok)
            return false;
    }
}

static void *bus_main(void *arg)
{
    struct store_bus *b = arg;
    pthread_setname_np(pthread_self(), "store-bus");
    int64_t told = 0;
    bool reopened = false;
    while (!atomic_load(&b->stopping)) {
        if (!b->db) {
            char err[256];
            b->db = bus_connect(b->url, err, sizeof err);
            if (!b->db) {
                struct pollfd w = {b->wake[0], POLLIN, 0};
                poll(&w, 1, BUS_RECONNECT_MS);
                continue;
            }
            if (reopened) { /* signals sent while it was away are lost: look once */
                log_info("store bus: connection reopened\n");
                if (b->hooks.work)
                    b->hooks.work(b->hooks.ctx);
                if (b->hooks.auth)
                    b->hooks.auth(b->hooks.ctx);
            }
        }
        struct pollfd fds[2] = {{PQsocket(b->db), POLLIN, 0}, {b->wake[0], POLLIN, 0}};
        poll(fds, 2, 500);
        if (fds[1].revents & POLLIN) {
            char drain[64];
            while (read(b->wake[0], drain, sizeof drain) > 0)
                ;
        }
        bool ok = send_queued(b);
        int64_t now = plat_now_ms();
        if (ok && b->hooks.subscribers && now - told >= BUS_SUBSCRIBERS_EVERY_MS &&
            b->hooks.subscribers(b->hooks.ctx)) {
            ok = notify(b->db, STORE_CHANNEL_SUBS, b->node);
            told = now;
        }
        if (ok)
            ok = PQconsumeInput(b->db) == 1;
        if (ok)
            dispatch(b);
        if (!ok || PQstatus(b->db) != CONNECTION_OK) {
            log_error("store bus: connection lost: %.*s\n",
                      (int)strcspn(PQerrorMessage(b->db), "\n"), PQerrorMessage(b->db));
            PQfinish(b->db);
            b->db = NULL;
            reopened = true;
        }
    }
    PQfinish(b->db);
    b->db = NULL;
    return NULL;
}

int store_bus_start(const char *target, const struct store_bus_hooks *hooks, struct store_bus **out,
                    char *err, size_t err_len)
{
    *out = NULL;
    if (!store_is_postgres(target))
        return STORE_OK;
    struct store_bus *b = calloc(1, sizeof *b);
    if (!b || !(b->url = strdup(target))) {
        free(b);
        snprintf(err, err_len, "out of memory");
        return STORE_ERROR;
    }
    b->hooks = *hooks;
    b->wake[0] = b->wake[1] = -1;
    pthread_mutex_init(&b->mu, NULL);
    unsigned char r[8];
    if (plat_random(r, sizeof r) != 0) {
        snprintf(err, err_len, "no randomness for the bus's node name");
        store_bus_free(b);
        return STORE_ERROR;
    }
    for (int i = 0; i < 8; i++)
        snprintf(b->node + 2 * i, 3, "%02x", r[i]);
    if (pipe2(b->wake, O_NONBLOCK | O_CLOEXEC) != 0) {
        snprintf(err, err_len, "cannot make the bus's pipe: %s", strerror(errno));
        store_bus_free(b);
        return STORE_ERROR;
    }
    b->db = bus_connect(target, err, err_len);
    if (!b->db || pthread_create(&b->thread, NULL, bus_main, b) != 0) {
        if (b->db)
            snprintf(err, err_len, "cannot start the bus thread");
        PQfinish(b->db);
        b->db = NULL;
        store_bus_free(b);
        return STORE_ERROR;
    }
    b->running = true;
    *out = b;
    return STORE_OK;
}

void store_bus_stop(struct store_bus *b)
{
    if (!b || !b->running)
        return;
    atomic_store(&b->stopping, true);
    wake(b);
    pthread_join(b->thread, NULL);
    b->running = false;
}

void store_bus_free(struct store_bus *b)
{
    if (!b)
        return;
    store_bus_stop(b);
    for (struct bus_msg *m = b->head, *next; m; m = next) {
        next = m->next;
        free(m);
    }
    if (b->wake[0] >= 0)
        close(b->wake[0]);
    if (b->wake[1] >= 0)
        close(b->wake[1]);
    pthread_mutex_destroy(&b->mu);
    if (b->url)
        explicit_bzero(b->url, strlen(b->url)); /* it holds the password */
    free(b->url);
    free(b);
}

bool store_bus_remote_subscribers(struct store_bus *b)
{
    return b && plat_now_ms() < atomic_load(&b->remote_until);
}

/* Queues the text for channel; drops it when the queue is full or the text too long. */
static void enqueue(struct store_bus *b, const char *channel, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static void enqueue(struct store_bus *b, const char *channel, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    int len = vsnprintf(NULL, 0, fmt, ap);
    va_end(ap);
    if (len < 0 || len > BUS_PAYLOAD_MAX)
        return;
    struct bus_msg *m = malloc(sizeof *m + (size_t)len + 1);
    if (!m)
        return;
    m->next = NULL;
    m->channel = channel;
    va_start(ap, fmt);
    vsnprintf(m->text, (size_t)len + 1, fmt, ap);
    va_end(ap);
    pthread_mutex_lock(&b->mu);
    bool room = b->queued < BUS_QUEUE_MAX;
    if (room) {
        if (b->tail)
            b->tail->next = m;
        else
            b->head = m;
        b->tail = m;
        b->queued++;
    }
    pthread_mutex_unlock(&b->mu);
    if (room)
        wake(b);
    else
        free(m);
}

void store_bus_publish(struct store_bus *b, const char *env_id, const char *user_id,
                       const char *event)
{
    if (b && env_id && event)
        enqueue(b, STORE_CHANNEL_LIVE, "%s %s %s %s", b->node, env_id, user_id ? user_id : "-",
                event);
}

void store_bus_installations_changed(struct store_bus *b)
{
    if (b)
        enqueue(b, STORE_CHANNEL_INSTALLATIONS, "%s", b->node);
}
