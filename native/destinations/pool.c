/*
 * Connection pools of the database destinations: one per credential (keyed by its id and a digest
 * of its content), at most POOL_MAX_CONNECTIONS connections each, reused across executions, idle
 * ones closed after POOL_IDLE_MS, and a cache of the tables' columns. A connection is held by one
 * worker at a time: checked out, used without any lock, checked in. Connecting happens outside
 * every lock, so a slow server never blocks another pool. Not here: what a connection runs.
 */
#include "destinations/internal.h"

#include "plat.h"

#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

/* Lifecycle: made by pools_acquire, closed by pools_free or when evicted while unused. */
struct pool {
    char key[160];
    const struct sql_driver *driver;
    const struct dest_env *env; /* the pools' (never changes) */
    pthread_mutex_t mu;
    pthread_cond_t cv; /* a connection came back or a slot freed */
    void *idle[POOL_MAX_CONNECTIONS];
    int64_t idle_since[POOL_MAX_CONNECTIONS];
    int nidle;
    int open;       /* idle + checked out + being opened */
    cJSON *schemas; /* table -> {"at": ms, "columns": {...}} */
    /* Under the pools' lock: */
    int users; /* calls holding the pool: it is not evicted while any does */
    int64_t last_used;
};

struct pools {
    pthread_mutex_t mu;
    struct pool *items[POOLS_MAX];
    int count;
    const struct dest_env *env;
};

static int64_t now_ms(void)
{
    return plat_now_ms();
}

struct pools *pools_new(const struct dest_env *env)
{
    struct pools *p = calloc(1, sizeof *p);
    if (!p)
        return NULL;
    pthread_mutex_init(&p->mu, NULL);
    p->env = env;
    return p;
}

static void pool_close(struct pool *pool)
{
    for (int i = 0; i < pool->nidle; i++)
        pool->driver->close(pool->idle[i]);
    cJSON_Delete(pool->schemas);
    pthread_mutex_destroy(&pool->mu);
    pthread_cond_destroy(&pool->cv);
    free(pool);
}

void pools_free(struct pools *p)
{
    if (!p)
        return;
    for (int i = 0; i < p->count; i++)
        pool_close(p->items[i]);
    pthread_mutex_destroy(&p->mu);
    free(p);
}

struct pool *pools_acquire(struct pools *p, const struct sql_driver *driver, const char *key)
{
    pthread_mutex_lock(&p->mu);
    struct pool *found = NULL;
    for (int i = 0; i < p->count && !found; i++)
        if (p->items[i]->driver == driver && strcmp(p->items[i]->key, key) == 0)
            found = p->items[i];
    if (!found && p->count == POOLS_MAX) {
        /* Full: the least recently used pool nobody holds makes room. */
        int victim = -1;
        for (int i = 0; i < p->count; i++)
            if (p->items[i]->users == 0 &&
                (victim < 0 || p->items[i]->last_used < p->items[victim]->last_used))
                victim = i;
        if (victim >= 0) {
            pool_close(p->items[victim]);
            p->items[victim] = p->items[--p->count];
        }
    }
    if (!found && p->count < POOLS_MAX && (found = calloc(1, sizeof *found))) {
        snprintf(found->key, sizeof found->key, "%s", key);
        found->driver = driver;
        found->env = p->env;
        pthread_mutex_init(&found->mu, NULL);
        pthread_cond_init(&found->cv, NULL);
        found->schemas = cJSON_CreateObject();
        p->items[p->count++] = found;
    }
    if (found) {
        found->users++;
        found->last_used = now_ms();
    }
    pthread_mutex_unlock(&p->mu);
    return found;
}

void pools_release(struct pools *p, struct pool *pool)
{
    pthread_mutex_lock(&p->mu);
    pool->users--;
    pool->last_used = now_ms();
    pthread_mutex_unlock(&p->mu);
}

/* Absolute CLOCK_REALTIME deadline ms from now, for pthread_cond_timedwait. */
static struct timespec deadline_in(long ms)
{
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    ts.tv_sec += ms / 1000;
    ts.tv_nsec += (ms % 1000) * 1000000L;
    if (ts.tv_nsec >= 1000000000L) {
        ts.tv_sec++;
        ts.tv_nsec -= 1000000000L;
    }
    return ts;
}

void *pool_checkout(struct pool *pool, const cJSON *credential, bool *reused,
                    struct dest_error *err)
{
    *reused = false;
    void *stale[POOL_MAX_CONNECTIONS];
    int nstale = 0;
    void *conn = NULL;
    bool open_new = false;
    struct timespec until = deadline_in(POOL_WAIT_MS);
    pthread_mutex_lock(&pool->mu);
    for (;;) {
        int64_t now = now_ms();
        while (pool->nidle > 0 && !conn) {
            int i = --pool->nidle;
            if (now - pool->idle_since[i] > POOL_IDLE_MS) {
                stale[nstale++] = pool->idle[i];
                pool->open--;
            } else {
                conn = pool->idle[i];
            }
        }
        if (conn) {
            *reused = true;
            break;
        }
        if (pool->open < POOL_MAX_CONNECTIONS) {
            pool->open++;
            open_new = true;
            break;
        }
        if (pthread_cond_timedwait(&pool->cv, &pool->mu, &until) == ETIMEDOUT)
            break;
    }
    pthread_mutex_unlock(&pool->mu);
    for (int i = 0; i < nstale; i++)
        pool->driver->close(stale[i]);
    if (conn || !open_new) {
        if (!conn)
            dest_error_set(err, true, "all %d connections of this credential stayed busy for %d s",
                           POOL_MAX_CONNECTIONS, POOL_WAIT_MS / 1000);
        return conn;
    }
    conn = pool->driver->connect(credential, pool->env, err);
    if (!conn) {
        pthread_mutex_lock(&pool->mu);
        pool->open--;
        pthread_cond_signal(&pool->cv);
        pthread_mutex_unlock(&pool->mu);
    }
    return conn;
}

void pool_checkin(struct pool *pool, void *conn, bool broken)
{
    if (broken)
        pool->driver->close(conn);
    pthread_mutex_lock(&pool->mu);
    if (broken) {
        pool->open--;
    } else {
        pool->idle[pool->nidle] = conn;
        pool->idle_since[pool->nidle++] = now_ms();
    }
    pthread_cond_signal(&pool->cv);
    pthread_mutex_unlock(&pool->mu);
}

cJSON *pool_columns(struct pool *pool, void *conn, const char *table, bool refresh,
                    struct dest_error *err)
{
    pthread_mutex_lock(&pool->mu);
    const cJSON *cached = cJSON_GetObjectItemCaseSensitive(pool->schemas, table);
    cJSON *copy = NULL;
    if (cached && !refresh &&
        now_ms() - (int64_t)cJSON_GetObjectItem(cached, "at")->valuedouble < POOL_SCHEMA_TTL_MS)
        copy = cJSON_Duplicate(cJSON_GetObjectItem(cached, "columns"), true);
    pthread_mutex_unlock(&pool->mu);
    if (copy)
        return copy;
    char *schema, *name;
    sql_split_table(table, &schema, &name);
    cJSON *cols = NULL;
    int rc = name ? pool->driver->columns(conn, schema, name, &cols, err) : -1;
    free(schema);
    free(name);
    if (rc != 0)
        return NULL;
    if (!cols) {
        dest_error_set(err, false,
                       "table %.120s does not exist (or the credential's user cannot see it)",
                       table);
        return NULL;
    }
    cJSON *entry = cJSON_CreateObject();
    cJSON_AddNumberToObject(entry, "at", (double)now_ms());
    cJSON_AddItemToObject(entry, "columns", cJSON_Duplicate(cols, true));
    pthread_mutex_lock(&pool->mu);
    cJSON_DeleteItemFromObjectCaseSensitive(pool->schemas, table);
    cJSON_AddItemToObject(pool->schemas, table, entry);
    pthread_mutex_unlock(&pool->mu);
    return cols;
}
