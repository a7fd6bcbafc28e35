/*
 * Rate limits: one token bucket per caller, refilled continuously at the limit's rate up to its
 * burst; a request takes one token or is answered 429 with Retry-After (the seconds until a token
 * is back) and the RateLimit-Limit / -Remaining / -Reset headers every limited answer carries.
 * Callers: an API key, a dashboard session's account, a user token's end user, the client address
 * of an unauthenticated request; /run/event and /run/workflow count against the end user their
 * body names instead, so one tenant's flood of events leaves the account's other calls alone.
 * Limits: the server's (--rate-limit), replaced kind by kind by an environment's own (/settings),
 * read from the store at most every ENV_TTL_MS.
 * It does not share buckets between servers: each process counts its own requests.
 *
 * Threading: the pipeline runs on the API threads (and on the service thread for ROUTE_INLINE
 * routes): one mutex guards the buckets and the cached limits, never held across a store read.
 */
#include "app.h"

#include "http/ratelimit.h"
#include "json/json.h"
#include "plat.h"
#include "store/catalog.h"

#include <math.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

/* Buckets kept: bounds the memory a flood of distinct callers (user ids, addresses) can take.
 * When a probe finds no room, the bucket idle longest among those probed is reused: idle long, it
 * was full again, so forgetting it changes nothing. */
#define BUCKETS (1u << 16)
#define PROBES  16
/* How long an environment's limits are trusted before being read again (other servers sharing
 * the store may have changed them). */
#define ENV_TTL_MS 10000
/* Environments whose limits are kept (an account has two; more only in tests). */
#define ENV_CACHE 16

struct bucket {
    uint64_t key; /* 0: free */
    double tokens;
    int64_t last_ms;
};

static pthread_mutex_t mu = PTHREAD_MUTEX_INITIALIZER;
static struct bucket *buckets;
static uint64_t seed;

static struct {
    char env_id[ID_LEN + 1];
    int64_t loaded_ms;
    bool set[RATE_KINDS]; /* the environment sets this kind itself */
    struct rate_bucket limit[RATE_KINDS];
} envs[ENV_CACHE];
static int env_count;

static int64_t now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* FNV-1a over a seeded start: the seed keeps callers from choosing colliding names. */
static uint64_t hash_parts(enum rate_kind kind, const char *a, const char *b)
{
    pthread_mutex_lock(&mu);
    if (!seed) {
        plat_random(&seed, sizeof seed);
        seed |= 1;
    }
    uint64_t h = 1469598103934665603ull ^ seed ^ (uint64_t)kind;
    pthread_mutex_unlock(&mu);
    for (const char *s = a; s && *s; s++)
        h = (h ^ (unsigned char)*s) * 1099511628211ull;
    h = (h ^ 0xff) * 1099511628211ull;
    for (const char *s = b; s && *s; s++)
        h = (h ^ (unsigned char)*s) * 1099511628211ull;
    return h ? h : 1;
}

/* Finds env_id's cache slot (mu held); -1 when it has none. */
static int env_slot(const char *env_id)
{
    for (int i = 0; i < env_count; i++)
        if (strcmp(envs[i].env_id, env_id) == 0)
            return i;
    return -1;
}

/* The environment's limits into limit[] and set[] (read again from the store when older than
 * ENV_TTL_MS). */
static void environment_limits(struct app *app, const char *env_id,
                               struct rate_bucket limit[RATE_KINDS], bool set[RATE_KINDS])
{
    int64_t now = now_ms();
    pthread_mutex_lock(&mu);
    int slot = env_slot(env_id);
    if (slot >= 0 && now - envs[slot].loaded_ms < ENV_TTL_MS) {
        memcpy(set, envs[slot].set, sizeof envs[slot].set);
        memcpy(limit, envs[slot].limit, sizeof envs[slot].limit);
        pthread_mutex_unlock(&mu);
        return;
    }
    pthread_mutex_unlock(&mu);
    struct settings st;
    cJSON *own = NULL;
    if (store_settings(app->store, env_id, &st) == STORE_OK && st.rate_limits)
        own = cJSON_Parse(st.rate_limits);
    for (int k = 0; k < RATE_KINDS; k++) {
        const cJSON *b = cJSON_GetObjectItem(own, RATE_KIND_NAMES[k]);
        const cJSON *rate = cJSON_GetObjectItem(b, "rate"),
                    *burst = cJSON_GetObjectItem(b, "burst");
        set[k] = cJSON_IsNumber(rate) && cJSON_IsNumber(burst);
        limit[k] = set[k] ? (struct rate_bucket){rate->valuedouble, burst->valuedouble}
                          : app->cfg.rate_limits.kind[k];
    }
    cJSON_Delete(own);
    store_settings_clear(&st);
    pthread_mutex_lock(&mu);
    slot = env_slot(env_id);
    if (slot < 0)
        slot = env_count < ENV_CACHE ? env_count++ : (int)(now % ENV_CACHE);
    snprintf(envs[slot].env_id, sizeof envs[slot].env_id, "%s", env_id);
    envs[slot].loaded_ms = now;
    memcpy(envs[slot].set, set, sizeof envs[slot].set);
    memcpy(envs[slot].limit, limit, sizeof envs[slot].limit);
    pthread_mutex_unlock(&mu);
}

void ratelimit_environment_changed(const char *env_id)
{
    pthread_mutex_lock(&mu);
    int slot = env_slot(env_id);
    if (slot >= 0)
        envs[slot].loaded_ms = INT64_MIN / 2;
    pthread_mutex_unlock(&mu);
}

void ratelimit_reset(void)
{
    pthread_mutex_lock(&mu);
    free(buckets);
    buckets = NULL;
    env_count = 0;
    pthread_mutex_unlock(&mu);
}

static struct bucket *bucket_for(uint64_t key, int64_t now, double burst)
{
    if (!buckets && !(buckets = calloc(BUCKETS, sizeof *buckets)))
        return NULL;
    struct bucket *oldest = NULL;
    for (unsigned i = 0; i < PROBES; i++) {
        struct bucket *b = &buckets[(key + i) & (BUCKETS - 1)];
        if (b->key == key)
            return b;
        if (!b->key || !oldest || b->last_ms < oldest->last_ms)
            oldest = b;
        if (!b->key)
            break;
    }
    *oldest = (struct bucket){key, burst, now};
    return oldest;
}

static void put_header(struct request *req, const char *name, double value)
{
    char text[32];
    snprintf(text, sizeof text, "%.0f", value);
    reply_header(req, name, text);
}

/* Takes a token from the bucket of key under limit; replies 429 and returns false when none is
 * left. */
static bool take(struct request *req, enum rate_kind kind, const struct rate_bucket *limit,
                 uint64_t key)
{
    if (limit->rate <= 0)
        return true;
    int64_t now = now_ms();
    pthread_mutex_lock(&mu);
    struct bucket *b = bucket_for(key, now, limit->burst);
    if (!b) {
        pthread_mutex_unlock(&mu);
        return true;
    }
    b->tokens += (double)(now - b->last_ms) * limit->rate / 1000.0;
    if (b->tokens > limit->burst)
        b->tokens = limit->burst;
    b->last_ms = now;
    bool ok = b->tokens >= 1;
    if (ok)
        b->tokens -= 1;
    double tokens = b->tokens;
    pthread_mutex_unlock(&mu);
    put_header(req, "ratelimit-limit", limit->burst);
    put_header(req, "ratelimit-remaining", floor(tokens));
    put_header(req, "ratelimit-reset", ceil((limit->burst - tokens) / limit->rate));
    if (ok)
        return true;
    double wait = ceil((1 - tokens) / limit->rate);
    put_header(req, "retry-after", wait < 1 ? 1 : wait);
    reply_error(req, 429, "rate_limited",
                "too many requests: the %s limit is %g per second (burst %g); retry in %.0f s",
                RATE_KIND_NAMES[kind], limit->rate, limit->burst, wait < 1 ? 1 : wait);
    return false;
}

bool ratelimit_check(struct request *req)
{
    unsigned flags = req->route->flags;
    if (flags & (ROUTE_NO_LIMIT | ROUTE_PER_USER_LIMIT))
        return true;
    struct app *app = req->app;
    bool set[RATE_KINDS];
    struct rate_bucket limit[RATE_KINDS];
    if (req->who.kind != IDENTITY_NONE)
        environment_limits(app, req->who.env.id, limit, set);
    switch (req->who.kind) {
    case IDENTITY_API_KEY:
        return take(req, RATE_KEY, &limit[RATE_KEY], hash_parts(RATE_KEY, "key", req->who.key_id));
    case IDENTITY_SESSION:
        return take(req, RATE_KEY, &limit[RATE_KEY],
                    hash_parts(RATE_KEY, "account", req->who.account));
    case IDENTITY_USER_TOKEN:
        return take(req, RATE_USER, &limit[RATE_USER],
                    hash_parts(RATE_USER, req->who.env.id, req->who.user_id));
    case IDENTITY_NONE:
        break;
    }
    return take(req, RATE_ADDRESS, &app->cfg.rate_limits.kind[RATE_ADDRESS],
                hash_parts(RATE_ADDRESS, "address", req->peer));
}

bool ratelimit_check_user(struct request *req)
{
    if (!(req->route->flags & ROUTE_PER_USER_LIMIT))
        return true;
    const char *user = req->who.kind == IDENTITY_USER_TOKEN ? req->who.user_id : NULL;
    char *query = user ? NULL : request_query(req, "userId");
    if (!user)
        user = query ? query : json_get_str(req->json, "userId");
    bool ok = true;
    if (user) {
        bool set[RATE_KINDS];
        struct rate_bucket limit[RATE_KINDS];
        environment_limits(req->app, req->who.env.id, limit, set);
        ok = take(req, RATE_EVENT, &limit[RATE_EVENT],
                  hash_parts(RATE_EVENT, req->who.env.id, user));
    }
    free(query);
    return ok;
}

cJSON *ratelimit_environment_json(struct request *req)
{
    bool set[RATE_KINDS];
    struct rate_bucket limits[RATE_KINDS];
    ratelimit_environment_changed(req->who.env.id);
    environment_limits(req->app, req->who.env.id, limits, set);
    cJSON *out = cJSON_CreateObject();
    for (int k = 0; k < RATE_KINDS; k++) {
        if (k == RATE_ADDRESS)
            continue; /* not an environment's: unauthenticated requests have none */
        if (limits[k].rate <= 0) {
            cJSON_AddNullToObject(out, RATE_KIND_NAMES[k]);
            continue;
        }
        cJSON *b = cJSON_AddObjectToObject(out, RATE_KIND_NAMES[k]);
        cJSON_AddNumberToObject(b, "rate", limits[k].rate);
        cJSON_AddNumberToObject(b, "burst", limits[k].burst);
        cJSON_AddStringToObject(b, "source", set[k] ? "environment" : "server");
    }
    return out;
}
