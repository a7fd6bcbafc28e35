/*
 * Custom events and running: the ISV's event definitions (name, description, schema in Alloy
 * sample style or JSON Schema) and the two ways work enters — POST /run/event for every matching
 * active installation, POST /run/workflow for one webhook-triggered workflow. Accepted work is in
 * the store, in one transaction, before the answer.
 */
#include "api/api.h"

#include "engine/engine.h"
#include "json/json.h"
#include "schema/schema.h"
#include "store/catalog.h"
#include "store/runs.h"

#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Event data is checked with "format" asserted: a Date in a sample schema (date-time), an email
 * or a uri must be one. */
static const struct schema_options EVENT_SCHEMA_OPTIONS = {.format_assertion = true};

/* Longest event name accepted. */
#define EVENT_NAME_MAX 256

/*
 * Compiled event schemas, by environment and name, valid while the event's updatedAt is unchanged.
 * Used by /run/event only, which runs on the batch thread (http/pool.c), so it needs no lock; the
 * handlers that change events, on other threads, only bump schema_cache_stale, and the batch
 * thread empties the cache when it sees that. Bounded: when full it is emptied and refilled on
 * demand.
 */
#define EVENT_SCHEMA_CACHE 256

static struct {
    char key[ID_LEN + 1 + EVENT_NAME_MAX + 1];
    int64_t updated_at;
    schema_t *schema;
} schema_cache[EVENT_SCHEMA_CACHE];
static int schema_cache_used;
static atomic_uint schema_cache_stale;
static unsigned schema_cache_seen; /* the last stale count the batch thread acted on */

/* Forgets every compiled schema (on the thread that uses the cache). */
static void schema_cache_empty(void)
{
    for (int i = 0; i < schema_cache_used; i++)
        schema_free(schema_cache[i].schema);
    schema_cache_used = 0;
}

/* An event changed through this server: the cache is emptied before its next use. Any thread. */
static void schema_cache_clear(void)
{
    atomic_fetch_add(&schema_cache_stale, 1);
}

/*
 * The compiled schema of the event name, or NULL with *rc: STORE_NOT_FOUND (no such event),
 * another store error, or STORE_OK when the stored schema does not compile. The hot path reads
 * only the event's updatedAt; the row and its schema are read and compiled when that changed.
 */
static const schema_t *cached_schema(struct store *st, const char *env, const char *name, int *rc)
{
    unsigned stale = atomic_load(&schema_cache_stale);
    if (stale != schema_cache_seen) {
        schema_cache_empty();
        schema_cache_seen = stale;
    }
    int64_t updated;
    *rc = store_event_updated_at(st, env, name, &updated);
    if (*rc != STORE_OK)
        return NULL;
    char key[sizeof schema_cache[0].key];
    snprintf(key, sizeof key, "%s/%s", env, name);
    for (int i = 0; i < schema_cache_used; i++)
        if (strcmp(schema_cache[i].key, key) == 0) {
            if (schema_cache[i].updated_at == updated)
                return schema_cache[i].schema;
            schema_free(schema_cache[i].schema);
            schema_cache[i] = schema_cache[--schema_cache_used];
            break;
        }
    struct custom_event event;
    *rc = store_event_find(st, env, name, &event);
    if (*rc != STORE_OK)
        return NULL;
    char *err = NULL;
    schema_t *s = schema_compile(event.schema, &EVENT_SCHEMA_OPTIONS, &err);
    free(err);
    updated = event.updated_at;
    store_custom_event_clear(&event);
    if (!s)
        return NULL;
    if (schema_cache_used == EVENT_SCHEMA_CACHE)
        schema_cache_empty();
    snprintf(schema_cache[schema_cache_used].key, sizeof key, "%s", key);
    schema_cache[schema_cache_used].updated_at = updated;
    schema_cache[schema_cache_used].schema = s;
    schema_cache_used++;
    return s;
}

/* The JSON Schema of an event body: `schema` as given, or `body` converted from sample style.
 * Replies 400/422 and returns NULL when neither is usable. *body_out is what GET /events shows. */
static cJSON *event_schema(struct request *req, const cJSON *obj, cJSON **body_out)
{
    const cJSON *schema = cJSON_GetObjectItemCaseSensitive(obj, "schema");
    const cJSON *body = cJSON_GetObjectItemCaseSensitive(obj, "body");
    cJSON *out = NULL;
    char *err = NULL;
    if (schema) {
        out = cJSON_Duplicate(schema, true);
    } else if (cJSON_IsObject(body)) {
        out = schema_is_sample(body) ? schema_from_sample(body, &err) : cJSON_Duplicate(body, true);
        if (!out) {
            reply_error(req, 422, "validation_failed", "body is not a usable sample schema: %s",
                        err ? err : "unknown error");
            free(err);
            return NULL;
        }
    } else {
        reply_error(req, 400, "bad_request",
                    "body (an Alloy sample schema) or schema (a JSON Schema) is required");
        return NULL;
    }
    schema_t *compiled = schema_compile(out, &EVENT_SCHEMA_OPTIONS, &err);
    if (!compiled) {
        reply_error(req, 422, "validation_failed", "the event's schema is invalid: %s",
                    err ? err : "unknown error");
        free(err);
        cJSON_Delete(out);
        return NULL;
    }
    schema_free(compiled);
    *body_out = cJSON_Duplicate(body ? body : schema, true);
    return out;
}

static cJSON *event_json(const struct custom_event *e)
{
    cJSON *o = cJSON_CreateObject();
    cJSON_AddStringToObject(o, "name", e->name);
    cJSON_AddStringToObject(o, "description", e->description ? e->description : "");
    cJSON_AddItemToObject(o, "body", cJSON_Duplicate(e->body, true));
    cJSON_AddItemToObject(o, "schema", cJSON_Duplicate(e->schema, true));
    return o;
}

void api_events_list(struct request *req)
{
    struct custom_event_list events;
    int rc = store_events(req->app->store, req->who.env.id, &events);
    if (rc != STORE_OK) {
        reply_store_error(req, rc, "event");
        return;
    }
    cJSON *data = cJSON_CreateArray();
    for (size_t k = 0; k < events.n; k++)
        cJSON_AddItemToArray(data, event_json(&events.items[k]));
    store_custom_event_list_free(&events);
    cJSON *out = cJSON_CreateObject();
    cJSON_AddItemToObject(out, "data", data);
    reply_json(req, 200, out);
}

static void save_event(struct request *req, const char *name, bool create)
{
    const cJSON *body = req->json;
    const char *description = json_get_str(body, "description");
    cJSON *sample = NULL, *schema = event_schema(req, body, &sample);
    if (!schema)
        return;
    int rc = store_event_upsert(req->app->store, req->who.env.id, name, description, sample, schema,
                                create);
    schema_cache_clear(); /* even within the same millisecond, the next event sees the change */
    cJSON_Delete(sample);
    cJSON_Delete(schema);
    if (rc == STORE_CONFLICT) {
        reply_error(req, 409, "conflict", "an event named '%s' already exists", name);
        return;
    }
    if (rc != STORE_OK) {
        reply_store_error(req, rc, "event");
        return;
    }
    struct custom_event event;
    bool found = store_event_find(req->app->store, req->who.env.id, name, &event) == STORE_OK;
    cJSON *out = cJSON_CreateObject();
    cJSON_AddItemToObject(out, "data", found ? event_json(&event) : cJSON_CreateNull());
    store_custom_event_clear(&event);
    reply_json(req, 200, out);
}

void api_events_create(struct request *req)
{
    save_event(req, json_get_str(req->json, "name"), true);
}

void api_events_update(struct request *req)
{
    save_event(req, req->params[0], false);
}

void api_events_get(struct request *req)
{
    struct custom_event event;
    int rc = store_event_find(req->app->store, req->who.env.id, req->params[0], &event);
    if (rc != STORE_OK) {
        reply_store_error(req, rc, "event");
        return;
    }
    cJSON *out = cJSON_CreateObject();
    cJSON_AddItemToObject(out, "data", event_json(&event));
    store_custom_event_clear(&event);
    reply_json(req, 200, out);
}

void api_events_delete(struct request *req)
{
    int rc = store_event_delete(req->app->store, req->who.env.id, req->params[0]);
    schema_cache_clear();
    if (rc != STORE_OK) {
        reply_store_error(req, rc, "event");
        return;
    }
    cJSON *out = cJSON_CreateObject();
    cJSON_AddTrueToObject(out, "success");
    reply_json(req, 200, out);
}

/* The run's data: "data", else "payload" (objects when present, as the route's schema says);
 * replies 400 when neither is there. */
static const cJSON *run_data(struct request *req, const cJSON *body)
{
    const cJSON *data = cJSON_GetObjectItemCaseSensitive(body, "data");
    if (!data)
        data = cJSON_GetObjectItemCaseSensitive(body, "payload");
    if (!data) {
        reply_error(req, 400, "bad_request", "data is required (a JSON object)");
        return NULL;
    }
    return data;
}

/* An event and its executions for the store's writer (enqueue_and_reply), and what storing them
 * gave. One allocation: the texts follow the struct. */
struct enqueue {
    char env[ID_LEN + 1], user_id[ID_LEN + 1];
    const char *name, *trigger_type, *trigger_event, *workflow_id;
    char *payload;
    bool single;
    char event_id[ID_LEN + 1];
    struct execution_ids executions;
    char text[];
};

/* Copies text (may be NULL) to *at, returning where it now is. */
static const char *enqueue_text(char **at, const char *text)
{
    if (!text)
        return NULL;
    size_t n = strlen(text) + 1;
    memcpy(*at, text, n);
    const char *copy = *at;
    *at += n;
    return copy;
}

static int enqueue_write(struct store *s, void *arg)
{
    struct enqueue *e = arg;
    return store_enqueue(s, e->env, e->user_id, e->name, e->trigger_type, e->trigger_event,
                         e->workflow_id, e->payload, e->event_id, &e->executions);
}

static void enqueue_reply(struct request *req, int rc, void *arg)
{
    struct enqueue *e = arg;
    if (rc != STORE_OK) {
        reply_store_error(req, rc, "event");
    } else {
        cJSON *out = cJSON_CreateObject();
        if (e->single) {
            cJSON_AddStringToObject(out, "message", "success");
            if (e->executions.n > 0)
                cJSON_AddStringToObject(out, "executionId", e->executions.ids[0]);
        } else {
            cJSON_AddStringToObject(out, "message", "Event successfully triggered");
        }
        cJSON_AddStringToObject(out, "eventId", e->event_id);
        cJSON *ids = cJSON_AddArrayToObject(out, "executions");
        for (size_t i = 0; i < e->executions.n; i++)
            cJSON_AddItemToArray(ids, cJSON_CreateString(e->executions.ids[i]));
        reply_json(req, 200, out);
    }
    store_execution_ids_free(&e->executions);
    free(e->payload);
    free(e);
}

/* Stores the event and its executions through the store's writer (one savepoint of its group
 * transaction), answering once that transaction has committed. */
static void enqueue_and_reply(struct request *req, const struct user *u, const char *name,
                              const char *trigger_type, const char *trigger_event,
                              const char *workflow_id, const cJSON *data, bool single)
{
    size_t len = 0;
    const char *texts[] = {name, trigger_type, trigger_event, workflow_id};
    for (size_t i = 0; i < sizeof texts / sizeof texts[0]; i++)
        len += texts[i] ? strlen(texts[i]) + 1 : 0;
    struct enqueue *e = calloc(1, sizeof *e + len);
    char *payload = json_print(data);
    if (!e || !payload) {
        free(e);
        free(payload);
        reply_store_error(req, STORE_ERROR, "event");
        return;
    }
    snprintf(e->env, sizeof e->env, "%s", req->who.env.id);
    snprintf(e->user_id, sizeof e->user_id, "%s", u->id);
    char *at = e->text;
    e->name = enqueue_text(&at, name);
    e->trigger_type = enqueue_text(&at, trigger_type);
    e->trigger_event = enqueue_text(&at, trigger_event);
    e->workflow_id = enqueue_text(&at, workflow_id);
    e->payload = payload;
    e->single = single;
    if (!app_write(req, enqueue_write, enqueue_reply, e)) {
        free(payload);
        free(e);
        reply_store_error(req, STORE_ERROR, "event");
    }
}

void api_run_event(struct request *req)
{
    const cJSON *body = req->json;
    const char *name = json_get_str(body, "event");
    const cJSON *data = run_data(req, body);
    struct user u;
    if (!data || !api_user_param(req, body, true, &u, NULL))
        return;
    int rc;
    const schema_t *schema = cached_schema(req->app->store, req->who.env.id, name, &rc);
    if (rc != STORE_OK) {
        if (rc == STORE_NOT_FOUND)
            reply_error(req, 404, "not_found", "no custom event named '%s'", name);
        else
            reply_store_error(req, rc, "event");
        store_user_clear(&u);
        return;
    }
    struct schema_result result = {0};
    enum schema_verdict verdict =
        schema ? schema_validate_within(schema, data, &result, APP_VALIDATION_BUDGET_MS)
               : SCHEMA_INVALID;
    if (!schema) {
        reply_error(req, 500, "internal", "the event's schema does not compile (request %s)",
                    req->request_id);
    } else if (verdict == SCHEMA_OVER_BUDGET) {
        reply_error(req, 422, "too_complex",
                    "data could not be checked against the event's schema within %d ms",
                    APP_VALIDATION_BUDGET_MS);
    } else if (verdict == SCHEMA_INVALID) {
        api_reply_invalid(req, "data does not match the event's schema",
                          schema_result_to_json(&result));
    } else {
        enqueue_and_reply(req, &u, name, "customEvent", name, NULL, data, false);
    }
    schema_result_free(&result);
    store_user_clear(&u);
}

void api_run_workflow(struct request *req)
{
    const cJSON *body = req->json;
    const char *wid = api_workflow_ref(req, body);
    if (!wid)
        return;
    const cJSON *data = run_data(req, body);
    struct user u;
    if (!data || !api_user_param(req, body, true, &u, NULL))
        return;
    struct installation inst = {0};
    struct workflow wf;
    if (!api_load_workflow(req, wid, &wf)) {
        store_user_clear(&u);
        return;
    }
    if (store_installation_find(req->app->store, wf.id, u.id, &inst) != STORE_OK) {
        reply_error(req, 404, "not_found", "the user has not installed this workflow");
    } else {
        const char *type = inst.trigger_type;
        if (strcmp(type, "webhook") != 0 && strcmp(type, "manual") != 0) {
            reply_error(req, 400, "bad_request",
                        "this workflow's trigger is %s; /run/workflow runs webhook and manual "
                        "triggers (use /run/event for custom events)",
                        type);
        } else if (!inst.active) {
            reply_error(req, 409, "conflict",
                        "the user's installation of this workflow is inactive");
        } else {
            enqueue_and_reply(req, &u, wf.name, type, NULL, wf.id, data, true);
        }
    }
    store_installation_clear(&inst);
    store_workflow_clear(&wf);
    store_user_clear(&u);
}
