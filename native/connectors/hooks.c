/*
 * App triggers. The hooks thread reconciles subscriptions with installations (subscribe for every
 * active app-triggered installation with the credential it uses, unsubscribe and forget the rest;
 * a subscription that fails is recorded where the ISV sees it — the installation's subscriptions,
 * the workflow's errors, the error stream — and tried again with backoff, or at once when the
 * user's credentials change), turns verified webhook deliveries into executions (filter, enrich,
 * shape the payload, enqueue) and runs due polls of polling triggers. Verification itself runs on
 * the API thread (connectors_hook_accept) so a forged delivery is refused before it is stored.
 *
 * Not here: without --public-url, subscriptions are reconciled from the first installation change
 * on (the URL deliveries go to is only known once the server listens).
 */
#include "connectors/hooks.h"
#include "base/log.h"
#include "connectors/internal.h"

#include "crypto/crypto.h"
#include "engine/engine.h"
#include "engine/definitions.h"
#include "engine/http_client.h"
#include "engine/retry.h"
#include "json/json.h"
#include "plat.h"
#include "store/credentials.h"
#include "store/runs.h"
#include "util/base64.h"
#include "util/hex.h"

#include <openssl/crypto.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

/* Expression budget on the hooks thread, as for actions and workflows. */
static const struct mapping_limits HOOK_LIMITS = ENGINE_EXPRESSION_LIMITS;

/* {id, url, secret, remote} of a subscription, for templates. */
static cJSON *subscription_scope(struct connectors *c, const struct subscription *sub)
{
    cJSON *o = cJSON_CreateObject();
    const char *id = sub->id;
    cJSON_AddStringToObject(o, "id", id);
    struct buf url = {0};
    buf_printf(&url, "%s/hooks/%s", c->public_url, id);
    char *u = buf_take(&url);
    cJSON_AddStringToObject(o, "url", u ? u : "");
    free(u);
    char *secret = secrets_open(&c->key, sub->sealed_secret, NULL);
    if (secret)
        cJSON_AddStringToObject(o, "secret", secret);
    free(secret);
    if (sub->remote)
        cJSON_AddItemToObject(o, "remote", cJSON_Duplicate(sub->remote, true));
    return o;
}

/* The credential a subscription uses: its recorded one, else the user's newest for the app. */
static cJSON *subscription_credential(struct connectors *c, struct store *s,
                                      const struct subscription *sub, char id[ID_LEN + 1])
{
    const char *env = sub->env_id, *user = sub->user_id, *cid = sub->credential_id;
    struct credential cred;
    cJSON *data = NULL;
    id[0] = '\0';
    if (cid[0] && store_credential_find(s, env, user, cid, &cred) == STORE_OK) {
        snprintf(id, ID_LEN + 1, "%s", cid);
        data = connectors_credential_open(c, cred.sealed);
        store_credential_clear(&cred);
        const struct connector *conn = connectors_find(c, sub->app);
        if (data && conn)
            connector_credential_defaults(conn, data);
        return data;
    }
    char err[128];
    if (connectors_credential_for(c, s, env, user, sub->app, NULL, &data, id, err, sizeof err) !=
        STORE_OK)
        return NULL;
    return data;
}

/* Renders and sends r. Returns the response status (0 when none) and the parsed body in *body. */
static long call(struct http_client *http, const struct connector *conn,
                 const struct connector_request *r, const cJSON *scope, const cJSON *cred,
                 cJSON **body, char *err, size_t n)
{
    *body = NULL;
    struct connector_http h;
    if (connector_render(conn, r, scope, json_get_str(cred, "baseUrl"), &HOOK_LIMITS, &h, err, n) !=
        0)
        return 0;
    struct http_request req = {
        .method = h.method,
        .url = h.url,
        .headers = (const char *const *)h.headers,
        .header_count = h.nheaders,
        .body = h.body,
        .body_len = h.body ? strlen(h.body) : 0,
    };
    struct http_response resp;
    http_client_send(http, &req, &resp);
    long status = resp.status;
    if (status) {
        *body = resp.body_len ? json_parse(resp.body, resp.body_len, JSON_MAX_DEPTH, NULL) : NULL;
        if (!*body)
            *body = cJSON_CreateString(resp.body ? resp.body : "");
        if (retry_classify(&resp) != RETRY_SUCCESS) {
            char msg[160];
            connector_error_text(conn, status, *body, msg, sizeof msg);
            snprintf(err, n, "%s %s: HTTP %ld %s", h.method, h.url, status, msg);
        }
    } else {
        if (snprintf(err, n, "%s %s: %s", h.method, h.url, resp.error) >= (int)n)
            err[n - 1] = '\0'; /* a cut message is still useful */
    }
    http_response_free(&resp);
    connector_http_clear(&h);
    return status;
}

static void unsubscribe(struct connectors *c, struct store *s, struct http_client *http,
                        const struct subscription *sub)
{
    const struct connector *conn = connectors_find(c, sub->app);
    const struct connector_trigger *t = conn ? connector_trigger(conn, sub->trigger) : NULL;
    if (t && t->has_unsubscribe && strcmp(sub->state, "active") == 0) {
        char cid[ID_LEN + 1], err[256] = "";
        cJSON *cred = subscription_credential(c, s, sub, cid);
        cJSON *scope = cJSON_CreateObject(), *body = NULL;
        cJSON_AddItemToObject(scope, "subscription", subscription_scope(c, sub));
        if (cred)
            cJSON_AddItemToObject(scope, "credential", connectors_credential_scope(cred));
        long status = call(http, conn, &t->unsubscribe, scope, cred, &body, err, sizeof err);
        if (status < 200 || status >= 300)
            log_error("unsubscribe %s: %s\n", sub->id, err);
        cJSON_Delete(body);
        cJSON_Delete(scope);
        cJSON_Delete(cred);
    }
    store_subscription_delete(s, sub->id);
}

/* Milliseconds before the next attempt of a subscription that failed attempts times in a row: from
 * 30 s, doubling, at most an hour, with half of it jittered. A provider that refuses for a while
 * (an outage, a missing scope) is not asked every second, one that comes back is picked up within
 * the hour without anyone acting, and subscriptions that failed together do not retry together.
 * A change of the user's credentials retries at once (connectors_credentials_changed). */
#define SUBSCRIBE_RETRY_FIRST_MS 30000LL
#define SUBSCRIBE_RETRY_MAX_MS   (3600LL * 1000)

static int64_t subscribe_retry_ms(int attempts)
{
    int64_t window = SUBSCRIBE_RETRY_FIRST_MS;
    for (int i = 1; i < attempts && window < SUBSCRIBE_RETRY_MAX_MS; i++)
        window *= 2;
    if (window > SUBSCRIBE_RETRY_MAX_MS)
        window = SUBSCRIBE_RETRY_MAX_MS;
    return window / 2 + (int64_t)(((uint64_t)retry_random() * (uint64_t)(window / 2)) >> 32);
}

/* Records a failed attempt of sub (the subscription of installation inst) and plans the next. The
 * first failure of a run — or one with a new reason — is also an entry of the workflow's errors,
 * streamed to the ISV's error webhook like a failed execution's. */
static void subscription_failed(struct connectors *c, struct store *s,
                                const struct subscription *sub,
                                const struct subscription_need *inst, const struct connector *conn,
                                const struct connector_trigger *t, const char *cid, const char *why)
{
    const char *id = sub->id;
    int attempts = sub->attempts;
    if (attempts < 0 || attempts > 1000)
        attempts = 1000;
    store_subscription_fail(s, id, cid && cid[0] ? cid : NULL, why,
                            store_now() + subscribe_retry_ms(attempts + 1));
    log_error("subscribe %s: %s\n", id, why);
    const char *said = sub->error;
    if (strcmp(sub->state, "error") == 0 && said && strcmp(said, why) == 0)
        return;
    char block[200];
    snprintf(block, sizeof block, "%s trigger: %s", conn ? conn->name : sub->app,
             t && t->title ? t->title : sub->trigger);
    char message[400];
    snprintf(message, sizeof message, "the app-trigger subscription failed: %s", why);
    if (store_error_insert_subscription(s, sub->env_id, id, sub->workflow_id, inst->installation_id,
                                        sub->user_id, block, message) == STORE_OK)
        engine_wake_maintenance(c->engine);
}

/* Subscribes the installation inst with the credential it uses (connectors_credential_for), or
 * records why not. */
static void subscribe(struct connectors *c, struct store *s, struct http_client *http,
                      const struct subscription_need *inst)
{
    int version = inst->version;
    const char *wf = inst->workflow_id;
    const struct workflow_def *def = definitions_get(s, wf, version, NULL);
    if (!def || def->trigger.type != WF_TRIGGER_APP)
        return;
    const struct connector *conn = connectors_find(c, def->trigger.app);
    const struct connector_trigger *t =
        conn ? connector_trigger(conn, def->trigger.app_trigger) : NULL;
    unsigned char raw[24];
    char hex[49];
    plat_random(raw, sizeof raw);
    hex_encode(raw, sizeof raw, hex);
    char *sealed = secrets_seal(&c->key, hex, strlen(hex));
    struct subscription sub = {0};
    int rc = sealed ? store_subscription_ensure(s, inst->env_id, inst->user_id, wf,
                                                conn ? conn->app : def->trigger.app,
                                                def->trigger.app_trigger, sealed, &sub)
                    : STORE_ERROR;
    free(sealed);
    if (rc != STORE_OK) {
        store_subscription_clear(&sub);
        return;
    }
    const char *id = sub.id;
    if (!t) {
        subscription_failed(c, s, &sub, inst, conn, NULL, NULL,
                            "the app or its trigger is not available on this server");
        store_subscription_clear(&sub);
        return;
    }
    char cid[ID_LEN + 1] = "", err[256] = "";
    cJSON *cred = NULL;
    if (conn->auth != AUTH_NONE) {
        rc = connectors_credential_for(c, s, inst->env_id, inst->user_id, conn->app,
                                       inst->installation_id, &cred, cid, err, sizeof err);
        if (rc != STORE_OK) {
            if (!err[0])
                snprintf(err, sizeof err, "the user has no %s credential", conn->name);
            subscription_failed(c, s, &sub, inst, conn, t, cid, err);
            store_subscription_clear(&sub);
            return;
        }
    }
    if (t->polling) {
        /* Nothing to register with the app: the first poll sets the baseline. */
        cJSON *remote = cJSON_CreateObject();
        cJSON_AddBoolToObject(remote, "baseline", false);
        cJSON_AddNumberToObject(remote, "nextPollAt", 0);
        store_subscription_update(s, id, "active", cid[0] ? cid : NULL, remote, NULL);
        cJSON_Delete(remote);
        cJSON_Delete(cred);
        store_subscription_clear(&sub);
        return;
    }
    cJSON *scope = cJSON_CreateObject(), *body = NULL;
    cJSON_AddItemToObject(scope, "subscription", subscription_scope(c, &sub));
    if (cred)
        cJSON_AddItemToObject(scope, "credential", connectors_credential_scope(cred));
    long status = call(http, conn, &t->subscribe, scope, cred, &body, err, sizeof err);
    if (status >= 200 && status < 300) {
        cJSON *remote = NULL;
        connector_eval(t->subscribe.output, body, body, &HOOK_LIMITS, &remote, err, sizeof err);
        store_subscription_update(s, id, "active", cid[0] ? cid : NULL, remote, NULL);
        cJSON_Delete(remote);
    } else {
        subscription_failed(c, s, &sub, inst, conn, t, cid, err);
    }
    cJSON_Delete(body);
    cJSON_Delete(scope);
    cJSON_Delete(cred);
    store_subscription_clear(&sub);
}

/* True when the installed version still triggers on the subscription's app and trigger. */
static bool still_wanted(struct store *s, const struct subscription *sub)
{
    const struct workflow_def *def = definitions_get(s, sub->workflow_id, sub->version, NULL);
    const char *app = sub->app, *trigger = sub->trigger;
    return def && def->trigger.type == WF_TRIGGER_APP && def->trigger.app &&
           def->trigger.app_trigger && app && trigger && strcasecmp(def->trigger.app, app) == 0 &&
           strcmp(def->trigger.app_trigger, trigger) == 0;
}

static void reconcile(struct connectors *c, struct store *s, struct http_client *http)
{
    struct subscription_list subs;
    if (store_subscriptions_stale(s, &subs) == STORE_OK)
        for (size_t k = 0; k < subs.n; k++)
            unsubscribe(c, s, http, &subs.items[k]);
    store_subscription_list_free(&subs);
    /* An upgrade may have moved the installation to another app trigger. */
    if (store_subscriptions_active(s, &subs) == STORE_OK)
        for (size_t k = 0; k < subs.n; k++)
            if (!still_wanted(s, &subs.items[k]))
                unsubscribe(c, s, http, &subs.items[k]);
    store_subscription_list_free(&subs);
    struct subscription_need_list needs;
    if (store_subscriptions_missing(s, &needs) == STORE_OK)
        for (size_t k = 0; k < needs.n; k++)
            subscribe(c, s, http, &needs.items[k]);
    store_subscription_need_list_free(&needs);
}

/* Failed subscriptions whose next attempt is due. Only once the hook URL is known (see the top). */
static void retry_due(struct connectors *c, struct store *s, struct http_client *http)
{
    struct subscription_need_list needs = {0};
    if (c->public_url[0] &&
        store_subscriptions_due(s, store_now(), HOOKS_BATCH, &needs) == STORE_OK)
        for (size_t k = 0; k < needs.n; k++)
            subscribe(c, s, http, &needs.items[k]);
    store_subscription_need_list_free(&needs);
}

/* Runs one delivery. Returns false when it should be tried again later (enrichment unreachable). */
static bool run_delivery(struct connectors *c, struct store *s, struct http_client *http,
                         const struct delivery *d)
{
    struct subscription sub;
    if (store_subscription_find(s, d->subscription_id, &sub) != STORE_OK)
        return true;
    const struct connector *conn = connectors_find(c, sub.app);
    const struct connector_trigger *t = conn ? connector_trigger(conn, sub.trigger) : NULL;
    const char *text = d->payload;
    cJSON *delivery = text ? json_parse(text, strlen(text), JSON_MAX_DEPTH, NULL) : NULL;
    if (!t || !delivery) {
        store_subscription_clear(&sub);
        cJSON_Delete(delivery);
        return true;
    }
    char cid[ID_LEN + 1], err[256] = "";
    cJSON *cred = subscription_credential(c, s, &sub, cid);
    cJSON *scope = cJSON_CreateObject();
    cJSON_AddItemToObject(scope, "subscription", subscription_scope(c, &sub));
    if (cred)
        cJSON_AddItemToObject(scope, "credential", connectors_credential_scope(cred));
    cJSON_AddItemToObject(scope, "delivery", delivery);
    bool done = true, keep = true;
    cJSON *keep_v = NULL;
    if (t->filter) {
        keep =
            connector_eval(t->filter, scope, NULL, &HOOK_LIMITS, &keep_v, err, sizeof err) == 0 &&
            cJSON_IsTrue(keep_v);
        cJSON_Delete(keep_v);
    }
    if (keep && t->has_enrich) {
        cJSON *body = NULL;
        long status = call(http, conn, &t->enrich, scope, cred, &body, err, sizeof err);
        if (status >= 200 && status < 300) {
            cJSON_AddItemToObject(scope, "enriched", body);
        } else {
            log_error("enrich %s: %s\n", sub.id, err);
            cJSON_Delete(body);
            keep = false;
            int64_t age = store_now() - d->created_at;
            done = (status != 0 && status < 500 && status != 408 && status != 429) ||
                   age > HOOKS_DELIVERY_MAX_AGE_MS;
        }
    }
    if (keep) {
        const cJSON *dflt = cJSON_GetObjectItem(scope, "enriched");
        cJSON *payload = NULL;
        connector_eval(t->payload, scope, dflt ? dflt : delivery, &HOOK_LIMITS, &payload, err,
                       sizeof err);
        char *ptext = payload ? json_print(payload) : strdup("{}");
        char event_id[ID_LEN + 1], name[200];
        snprintf(name, sizeof name, "%s.%s", conn->app, t->name);
        struct execution_ids execs = {0};
        int rc = store_begin(s);
        if (rc == STORE_OK)
            rc = store_enqueue(s, sub.env_id, sub.user_id, name, "app", NULL, sub.workflow_id,
                               ptext, event_id, &execs);
        if (rc == STORE_OK)
            rc = store_delivery_delete(s, d->id);
        if (rc == STORE_OK)
            rc = store_commit(s);
        if (rc != STORE_OK)
            store_rollback(s);
        store_execution_ids_free(&execs);
        free(ptext);
        cJSON_Delete(payload);
        if (rc == STORE_OK)
            engine_wake(c->engine);
        done = false; /* already removed in the transaction */
    }
    if (done)
        store_delivery_delete(s, d->id);
    cJSON_Delete(scope);
    cJSON_Delete(cred);
    store_subscription_clear(&sub);
    return keep || done;
}

/* Queues one execution of the subscription's installation with payload as its event. */
static int enqueue(struct store *s, const struct subscription *sub, const struct connector *conn,
                   const struct connector_trigger *t, const cJSON *payload)
{
    char *text = payload ? json_print(payload) : strdup("{}");
    char event_id[ID_LEN + 1], name[200];
    snprintf(name, sizeof name, "%s.%s", conn->app, t->name);
    struct execution_ids execs = {0};
    int rc = text ? store_enqueue(s, sub->env_id, sub->user_id, name, "app", NULL, sub->workflow_id,
                                  text, event_id, &execs)
                  : STORE_ERROR;
    store_execution_ids_free(&execs);
    free(text);
    return rc;
}

/* One poll of a polling subscription: new items (by key) run, the cursor moves on. The first poll
 * only records what is there (the baseline), so installing does not replay an app's history. */
static void poll_once(struct connectors *c, struct store *s, struct http_client *http,
                      const struct subscription *sub, const struct connector *conn,
                      const struct connector_trigger *t)
{
    const cJSON *remote = sub->remote;
    bool baseline = cJSON_IsTrue(cJSON_GetObjectItem(remote, "baseline"));
    const cJSON *cursor = cJSON_GetObjectItem(remote, "cursor");
    char cid[ID_LEN + 1], err[256] = "";
    cJSON *cred = subscription_credential(c, s, sub, cid);
    cJSON *scope = cJSON_CreateObject(), *body = NULL;
    cJSON_AddItemToObject(scope, "subscription", subscription_scope(c, sub));
    if (cred)
        cJSON_AddItemToObject(scope, "credential", connectors_credential_scope(cred));
    if (cursor)
        cJSON_AddItemToObject(scope, "cursor", cJSON_Duplicate(cursor, true));
    long status = call(http, conn, &t->poll, scope, cred, &body, err, sizeof err);
    cJSON *next = cJSON_Duplicate(remote, true);
    if (!next)
        next = cJSON_CreateObject();
    cJSON_DeleteItemFromObject(next, "nextPollAt");
    cJSON_AddNumberToObject(next, "nextPollAt", (double)(store_now() + t->interval_s * 1000LL));
    const char *failure = NULL;
    if (status >= 200 && status < 300) {
        cJSON *iscope = cJSON_CreateObject(), *items = NULL;
        cJSON_AddNumberToObject(iscope, "status", (double)status);
        cJSON_AddItemToObject(iscope, "body", cJSON_Duplicate(body, true));
        if (cursor)
            cJSON_AddItemToObject(iscope, "cursor", cJSON_Duplicate(cursor, true));
        if (connector_eval(t->items, iscope, NULL, &HOOK_LIMITS, &items, err, sizeof err) != 0)
            failure = err;
        if (items && !cJSON_IsArray(items)) {
            cJSON *one = cJSON_CreateArray();
            cJSON_AddItemToArray(one, items);
            items = one;
        }
        const cJSON *item;
        int ran = 0;
        cJSON_ArrayForEach(item, items)
        {
            cJSON *key = NULL;
            char kerr[128];
            if (connector_eval(t->key, item, NULL, &HOOK_LIMITS, &key, kerr, sizeof kerr) != 0 ||
                !key) {
                cJSON_Delete(key);
                continue;
            }
            char *ktext = json_text(key);
            cJSON_Delete(key);
            int rc = ktext ? store_poll_seen_insert(s, sub->id, ktext) : STORE_ERROR;
            free(ktext);
            if (rc != STORE_OK || !baseline)
                continue;
            cJSON *pscope = cJSON_CreateObject(), *payload = NULL;
            cJSON_AddItemToObject(pscope, "item", cJSON_Duplicate(item, true));
            cJSON_AddItemToObject(pscope, "body", cJSON_Duplicate(body, true));
            connector_eval(t->payload, pscope, item, &HOOK_LIMITS, &payload, kerr, sizeof kerr);
            if (enqueue(s, sub, conn, t, payload ? payload : item) == STORE_OK)
                ran++;
            cJSON_Delete(payload);
            cJSON_Delete(pscope);
        }
        if (t->cursor) {
            cJSON *cscope = cJSON_CreateObject(), *nc = NULL;
            cJSON_AddItemToObject(cscope, "body", cJSON_Duplicate(body, true));
            cJSON_AddItemToObject(cscope, "items",
                                  items ? cJSON_Duplicate(items, true) : cJSON_CreateArray());
            if (cursor)
                cJSON_AddItemToObject(cscope, "cursor", cJSON_Duplicate(cursor, true));
            if (connector_eval(t->cursor, cscope, NULL, &HOOK_LIMITS, &nc, err, sizeof err) == 0 &&
                nc) {
                cJSON_DeleteItemFromObject(next, "cursor");
                cJSON_AddItemToObject(next, "cursor", nc);
            }
            cJSON_Delete(cscope);
        }
        cJSON_DeleteItemFromObject(next, "baseline");
        cJSON_AddBoolToObject(next, "baseline", true);
        cJSON_Delete(items);
        cJSON_Delete(iscope);
        if (ran)
            engine_wake(c->engine);
        store_poll_seen_prune(s, sub->id, store_now() - HOOKS_POLL_SEEN_MAX_AGE_MS);
    } else {
        failure = err;
    }
    store_subscription_update(s, sub->id, "active",
                              cid[0]                  ? cid
                              : sub->credential_id[0] ? sub->credential_id
                                                      : NULL,
                              next, failure);
    if (failure)
        log_error("poll %s: %s\n", sub->id, failure);
    cJSON_Delete(next);
    cJSON_Delete(body);
    cJSON_Delete(scope);
    cJSON_Delete(cred);
}

static void poll_due(struct connectors *c, struct store *s, struct http_client *http)
{
    struct subscription_list subs;
    if (store_subscriptions_active(s, &subs) != STORE_OK)
        return;
    int64_t now = store_now();
    for (size_t k = 0; k < subs.n; k++) {
        const struct subscription *r = &subs.items[k];
        const struct connector *conn = connectors_find(c, r->app);
        const struct connector_trigger *t = conn ? connector_trigger(conn, r->trigger) : NULL;
        const cJSON *at = cJSON_GetObjectItem(r->remote, "nextPollAt");
        if (t && t->polling && (int64_t)cJSON_GetNumberValue(at) <= now)
            poll_once(c, s, http, r, conn, t);
    }
    store_subscription_list_free(&subs);
}

static void process_deliveries(struct connectors *c, struct store *s, struct http_client *http)
{
    struct delivery_list deliveries;
    if (store_deliveries_next(s, HOOKS_BATCH, &deliveries) != STORE_OK)
        return;
    for (size_t k = 0; k < deliveries.n; k++)
        if (!run_delivery(c, s, http, &deliveries.items[k]))
            break;
    store_delivery_list_free(&deliveries);
}

static void *hooks_main(void *arg)
{
    struct connectors *c = arg;
    char err[256];
    struct store *s = store_open(c->db_path, err, sizeof err);
    struct http_client *http =
        s ? http_client_new(engine_http_options(c->engine), err, sizeof err) : NULL;
    if (!s || !http) {
        log_error("hooks thread: %s\n", err);
        store_close(s);
        return NULL;
    }
    bool led = false;
    for (;;) {
        pthread_mutex_lock(&c->mu);
        if (!c->stopping && !c->sync_wanted && !c->work_wanted) {
            struct timespec until;
            clock_gettime(CLOCK_REALTIME, &until);
            until.tv_sec += HOOKS_IDLE_MS / 1000;
            pthread_cond_timedwait(&c->cv, &c->mu, &until);
        }
        bool stop = c->stopping, sync = c->sync_wanted;
        c->sync_wanted = c->work_wanted = false;
        pthread_mutex_unlock(&c->mu);
        if (stop)
            break;
        /* Nodes sharing a PostgreSQL store: one of them runs the hooks for all, and the one that
         * takes the lead over starts by reconciling what it did not see. */
        bool lead = store_lead(s, STORE_LEAD_HOOKS);
        sync = sync || (lead && !led);
        led = lead;
        if (!lead)
            continue;
        connectors_oauth_exchange(c, s, http);
        pthread_mutex_lock(&c->mu);
        sync = sync || c->sync_wanted;
        c->sync_wanted = false;
        pthread_mutex_unlock(&c->mu);
        if (sync)
            reconcile(c, s, http);
        retry_due(c, s, http);
        process_deliveries(c, s, http);
        poll_due(c, s, http);
    }
    http_client_free(http);
    store_close(s);
    return NULL;
}

int connectors_start(struct connectors *c, struct engine *engine, const char *db_path,
                     const char *public_url)
{
    if (!c || !engine)
        return -1;
    c->engine = engine;
    c->db_path = db_path;
    c->public_url = public_url;
    /* With a configured public URL the hook URLs are known now: reconcile at once. Otherwise the
     * URL is chosen when the server starts listening, and the first installation change does it. */
    c->sync_wanted = public_url[0] != '\0';
    if (pthread_create(&c->thread, NULL, hooks_main, c) != 0)
        return -1;
    c->started = true;
    return 0;
}

void connectors_stop(struct connectors *c)
{
    if (!c || !c->started)
        return;
    pthread_mutex_lock(&c->mu);
    c->stopping = true;
    pthread_cond_signal(&c->cv);
    pthread_mutex_unlock(&c->mu);
    pthread_join(c->thread, NULL);
    c->started = false;
}

void connectors_notify(struct connectors *c)
{
    if (!c)
        return;
    pthread_mutex_lock(&c->mu);
    c->sync_wanted = true;
    pthread_cond_signal(&c->cv);
    pthread_mutex_unlock(&c->mu);
}

void connectors_credentials_changed(struct connectors *c, struct store *s, const char *env_id,
                                    const char *user_id, const char *app)
{
    if (!c)
        return;
    store_subscriptions_retry_now(s, env_id, user_id, app);
    connectors_notify(c);
}

static bool equal_const_time(const char *a, const char *b)
{
    size_t la = strlen(a), lb = strlen(b);
    return la == lb && CRYPTO_memcmp(a, b, la) == 0;
}

int connectors_hook_accept(struct connectors *c, struct store *s, const char *subscription_id,
                           const char *body, size_t body_len,
                           char *(*header)(void *ctx, const char *name), void *hctx, char *msg,
                           size_t msg_len)
{
    struct subscription sub;
    if (store_subscription_find(s, subscription_id, &sub) != STORE_OK) {
        snprintf(msg, msg_len, "no such subscription");
        return 404;
    }
    const struct connector *conn = connectors_find(c, sub.app);
    const struct connector_trigger *t = conn ? connector_trigger(conn, sub.trigger) : NULL;
    int status = 200;
    cJSON *scope = NULL, *cred = NULL;
    char *got = NULL, *secret = NULL;
    if (t && t->polling) {
        snprintf(msg, msg_len, "no such subscription");
        status = 404;
        goto out;
    }
    if (!t) {
        snprintf(msg, msg_len, "the subscription's app is not available");
        status = 410;
        goto out;
    }
    if (t->verify != VERIFY_NONE) {
        char cid[ID_LEN + 1];
        cred = subscription_credential(c, s, &sub, cid);
        scope = cJSON_CreateObject();
        cJSON_AddItemToObject(scope, "subscription", subscription_scope(c, &sub));
        if (cred)
            cJSON_AddItemToObject(scope, "credential", connectors_credential_scope(cred));
        char err[160];
        secret = connector_template(t->verify_secret, scope, false, err, sizeof err);
        got = header(hctx, t->verify_header);
        bool ok = false;
        if (secret && got && t->verify == VERIFY_SECRET_HEADER) {
            ok = equal_const_time(got, secret);
        } else if (secret && got) {
            unsigned char mac[32];
            size_t mac_len = sizeof mac;
            if (crypto_hmac_sha256(secret, strlen(secret), body, body_len, mac) != 0) {
                ok = false;
            } else if (t->verify_hex) {
                char expect[2 * sizeof mac + 1];
                hex_encode(mac, mac_len, expect);
                ok = equal_const_time(got, expect);
            } else {
                char *b64 = base64_encode(mac, mac_len, false);
                ok = b64 && equal_const_time(got, b64);
                free(b64);
            }
        }
        if (!ok) {
            snprintf(msg, msg_len, "the delivery's signature does not verify");
            status = 401;
            goto out;
        }
    }
    cJSON *parsed = json_parse(body, body_len, JSON_MAX_DEPTH, NULL);
    if (!parsed) {
        snprintf(msg, msg_len, "the delivery is not JSON");
        status = 400;
        goto out;
    }
    cJSON_Delete(parsed);
    char *copy = strndup(body, body_len);
    int rc = copy ? store_delivery_insert(s, subscription_id, copy) : STORE_ERROR;
    free(copy);
    if (rc != STORE_OK) {
        snprintf(msg, msg_len, "cannot store the delivery");
        status = 500;
        goto out;
    }
    pthread_mutex_lock(&c->mu);
    c->work_wanted = true;
    pthread_cond_signal(&c->cv);
    pthread_mutex_unlock(&c->mu);
out:
    free(got);
    free(secret);
    cJSON_Delete(scope);
    cJSON_Delete(cred);
    store_subscription_clear(&sub);
    return status;
}
