/*
 * The block executor: walks a parsed definition, evaluates each block's inputs over the execution
 * context, runs the logic blocks itself and hands every I/O block to the host. It performs no I/O,
 * keeps no state outside struct wf_state, and never sleeps: a delay or a retryable failure returns
 * to the host with the position to resume from.
 */
#include "workflow/internal.h"

#include "plat.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

enum run_status { RUN_OK, RUN_STOP, RUN_FAIL, RUN_RETRY, RUN_DELAY };

/* One per workflow_execute call. */
struct runner {
    const struct workflow_def *def;
    struct wf_state *st;
    const struct wf_host *host;
    cJSON *steps;
    cJSON *vars;
    cJSON *collect; /* the current iteration's {blockId: output}, NULL outside iterate */
    char key[WF_STEP_KEY_MAX];
    size_t key_len; /* the prefix of enclosing iterations, "each[3]." */
    bool failure_recorded;
};

/* What one block's runner hands back: its output (owned) and, on failure, why. */
struct block_result {
    cJSON *output;
    const char *status;
    char message[512];
};

typedef enum run_status (*run_fn)(struct runner *, const struct wf_block *, const cJSON *inputs,
                                  struct block_result *);

static enum run_status run_sequence(struct runner *r, const struct wf_sequence *s);

/* Copies src into dst (n bytes), cutting it short when it does not fit. */
static void copy_text(char *dst, size_t n, const char *src)
{
    size_t len = 0;
    while (len + 1 < n && src[len])
        len++;
    memcpy(dst, src, len);
    dst[len] = 0;
}

static void set_member(cJSON *obj, const char *key, cJSON *value)
{
    cJSON_DeleteItemFromObjectCaseSensitive(obj, key);
    if (value)
        cJSON_AddItemToObject(obj, key, value);
}

/* Finds or creates an object member of the context (a host may persist a context without one). */
static cJSON *context_object(cJSON *ctx, const char *key)
{
    cJSON *v = cJSON_GetObjectItemCaseSensitive(ctx, key);
    if (cJSON_IsObject(v))
        return v;
    v = cJSON_CreateObject();
    set_member(ctx, key, v);
    return v;
}

/* JSONata's $boolean: what counts as true for a condition. */
static bool truthy(const cJSON *v)
{
    if (!v || cJSON_IsNull(v) || cJSON_IsFalse(v))
        return false;
    if (cJSON_IsTrue(v))
        return true;
    if (cJSON_IsNumber(v))
        return v->valuedouble != 0;
    if (cJSON_IsString(v))
        return v->valuestring[0] != 0;
    if (cJSON_IsArray(v)) {
        const cJSON *e;
        cJSON_ArrayForEach(e, v) if (truthy(e)) return true;
        return false;
    }
    return cJSON_GetArraySize(v) > 0;
}

/* ---- evaluating inputs ----------------------------------------------------------------------- */

/* Evaluates a value over the context into *out (NULL when undefined). name is the dotted input
 * name for messages. Returns 0, or -1 with the message in msg. */
static int eval_value(struct runner *r, const struct wf_value *v, const char *name, cJSON **out,
                      char *msg, size_t n)
{
    *out = NULL;
    switch (v->kind) {
    case WF_VALUE_LITERAL:
        *out = v->literal ? cJSON_Duplicate(v->literal, true) : NULL;
        return 0;
    case WF_VALUE_EXPR: {
        struct mapping_error err;
        memset(&err, 0, sizeof err);
        if (mapping_evaluate(v->expr, r->st->context, NULL, r->host->limits, out, &err) == 0)
            return 0;
        snprintf(msg, n, "input '%s': %s %s", name, err.code, err.message);
        return -1;
    }
    case WF_VALUE_OBJECT:
    case WF_VALUE_ARRAY:
        break;
    }
    cJSON *agg = v->kind == WF_VALUE_OBJECT ? cJSON_CreateObject() : cJSON_CreateArray();
    for (int i = 0; agg && i < v->count; i++) {
        const struct wf_value *item = &v->items[i];
        char sub[256];
        if (v->kind == WF_VALUE_OBJECT && name[0])
            snprintf(sub, sizeof sub, "%s.%s", name, item->key);
        else if (v->kind == WF_VALUE_OBJECT)
            snprintf(sub, sizeof sub, "%s", item->key);
        else
            snprintf(sub, sizeof sub, "%s[%d]", name, i);
        cJSON *res;
        if (eval_value(r, item, sub, &res, msg, n) < 0) {
            cJSON_Delete(agg);
            return -1;
        }
        if (!res)
            continue;
        if (v->kind == WF_VALUE_OBJECT)
            cJSON_AddItemToObject(agg, item->key, res);
        else
            cJSON_AddItemToArray(agg, res);
    }
    if (!agg) {
        snprintf(msg, n, "out of memory");
        return -1;
    }
    *out = agg;
    return 0;
}

/* ---- the block types ------------------------------------------------------------------------- */

static enum run_status run_call(struct runner *r, const struct wf_block *b, const cJSON *inputs,
                                struct block_result *res)
{
    struct wf_call call = {b, inputs, r->key};
    struct wf_call_result cr;
    memset(&cr, 0, sizeof cr);
    r->host->call(r->host->ctx, &call, &cr);
    res->output = cr.output;
    if (!cr.failed)
        return RUN_OK;
    copy_text(res->message, sizeof res->message, cr.message[0] ? cr.message : "the call failed");
    if (cr.retryable) {
        r->st->retry_after_ms = cr.retry_after_ms;
        return RUN_RETRY;
    }
    return RUN_FAIL;
}

static enum run_status run_transform(struct runner *r, const struct wf_block *b,
                                     const cJSON *inputs, struct block_result *res)
{
    const cJSON *vars = cJSON_GetObjectItemCaseSensitive(inputs, "vars");
    if (!cJSON_IsObject(vars)) {
        snprintf(res->message, sizeof res->message, "input 'vars' must evaluate to an object");
        return RUN_FAIL;
    }
    const cJSON *m;
    cJSON_ArrayForEach(m, vars) set_member(r->vars, m->string, cJSON_Duplicate(m, true));
    res->output = cJSON_Duplicate(vars, true);
    return RUN_OK;
}

static enum run_status run_if_else(struct runner *r, const struct wf_block *b, const cJSON *inputs,
                                   struct block_result *res)
{
    bool cond = truthy(cJSON_GetObjectItemCaseSensitive(inputs, "condition"));
    res->output = cJSON_CreateObject();
    cJSON_AddBoolToObject(res->output, "condition", cond);
    cJSON_AddStringToObject(res->output, "branch", cond ? "then" : "else");
    return run_sequence(r, cond ? &b->then_blocks : &b->else_blocks);
}

static enum run_status run_branch(struct runner *r, const struct wf_block *b, const cJSON *inputs,
                                  struct block_result *res)
{
    res->output = cJSON_CreateObject();
    cJSON *matched = cJSON_AddArrayToObject(res->output, "matched");
    for (int i = 0; i < b->narms; i++) {
        const struct wf_branch_arm *arm = &b->arms[i];
        char name[256];
        snprintf(name, sizeof name, "branches[%d].condition", i);
        cJSON *cond;
        if (eval_value(r, &arm->condition, name, &cond, res->message, sizeof res->message) < 0)
            return RUN_FAIL;
        bool pass = truthy(cond);
        cJSON_Delete(cond);
        if (!pass)
            continue;
        cJSON_AddItemToArray(matched, cJSON_CreateString(arm->name));
        enum run_status s = run_sequence(r, &arm->blocks);
        if (s != RUN_OK || b->first_only)
            return s;
    }
    return RUN_OK;
}

static enum run_status run_iterate(struct runner *r, const struct wf_block *b, const cJSON *inputs,
                                   struct block_result *res)
{
    const cJSON *items = cJSON_GetObjectItemCaseSensitive(inputs, "items");
    int n = !items ? 0 : cJSON_IsArray(items) ? cJSON_GetArraySize(items) : 1;
    if (n > WF_MAX_ITEMS) {
        snprintf(res->message, sizeof res->message, "iterate over %d items exceeds the limit of %d",
                 n, WF_MAX_ITEMS);
        return RUN_FAIL;
    }
    cJSON *ctx = r->st->context;
    cJSON *saved_item = cJSON_DetachItemFromObjectCaseSensitive(ctx, "item");
    cJSON *saved_index = cJSON_DetachItemFromObjectCaseSensitive(ctx, "index");
    cJSON *saved_collect = r->collect;
    size_t saved_len = r->key_len;
    res->output = cJSON_CreateArray();
    enum run_status s = RUN_OK;
    const cJSON *item = cJSON_IsArray(items) ? items->child : items;
    for (int i = 0; i < n && s == RUN_OK; i++, item = cJSON_IsArray(items) ? item->next : NULL) {
        set_member(ctx, "item", cJSON_Duplicate(item, true));
        set_member(ctx, "index", cJSON_CreateNumber(i));
        int w = snprintf(r->key + saved_len, sizeof r->key - saved_len, "%s[%d].", b->id, i);
        r->key_len = saved_len + (w > 0 ? (size_t)w : 0);
        if (r->key_len >= sizeof r->key)
            r->key_len = sizeof r->key - 1;
        r->collect = cJSON_CreateObject();
        s = run_sequence(r, &b->body);
        cJSON_AddItemToArray(res->output, r->collect);
    }
    r->collect = saved_collect;
    r->key_len = saved_len;
    r->key[saved_len] = 0;
    set_member(ctx, "item", saved_item);
    set_member(ctx, "index", saved_index);
    return s;
}

static enum run_status run_stop(struct runner *r, const struct wf_block *b, const cJSON *inputs,
                                struct block_result *res)
{
    const cJSON *cond = cJSON_GetObjectItemCaseSensitive(inputs, "condition");
    bool has_condition = b->inputs.count > 0;
    bool stop = !has_condition || truthy(cond);
    res->output = cJSON_CreateObject();
    cJSON_AddBoolToObject(res->output, "stopped", stop);
    if (!stop)
        res->status = "skipped";
    return stop ? RUN_STOP : RUN_OK;
}

static enum run_status run_delay(struct runner *r, const struct wf_block *b, const cJSON *inputs,
                                 struct block_result *res)
{
    const cJSON *secs = cJSON_GetObjectItemCaseSensitive(inputs, "seconds");
    if (!cJSON_IsNumber(secs) || !(secs->valuedouble >= 0) ||
        secs->valuedouble > (double)WF_MAX_DELAY_SECONDS) {
        snprintf(res->message, sizeof res->message,
                 "input 'seconds' must evaluate to a number from 0 to %lld",
                 (long long)WF_MAX_DELAY_SECONDS);
        return RUN_FAIL;
    }
    int64_t at = plat_now_ms() + (int64_t)(secs->valuedouble * 1000);
    r->st->resume_at_ms = at;
    res->output = cJSON_CreateObject();
    cJSON_AddNumberToObject(res->output, "seconds", secs->valuedouble);
    cJSON_AddNumberToObject(res->output, "resumeAt", (double)at);
    return RUN_DELAY;
}

static const run_fn runners[WF_BLOCK_TYPE_COUNT] = {
    [WF_BLOCK_STREAM_DATA] = run_call, [WF_BLOCK_HTTP] = run_call,
    [WF_BLOCK_APP_ACTION] = run_call,  [WF_BLOCK_TRANSFORM] = run_transform,
    [WF_BLOCK_IF_ELSE] = run_if_else,  [WF_BLOCK_BRANCH] = run_branch,
    [WF_BLOCK_ITERATE] = run_iterate,  [WF_BLOCK_STOP] = run_stop,
    [WF_BLOCK_DELAY] = run_delay,      [WF_BLOCK_POSTGRESQL] = run_call,
    [WF_BLOCK_MYSQL] = run_call,       [WF_BLOCK_SNOWFLAKE] = run_call,
    [WF_BLOCK_EVENTBRIDGE] = run_call,
};

/* ---- running blocks -------------------------------------------------------------------------- */

static void record_failure(struct runner *r, const struct wf_block *b, const char *message)
{
    if (r->failure_recorded)
        return;
    r->failure_recorded = true;
    copy_text(r->st->failed_block, sizeof r->st->failed_block, b->id);
    copy_text(r->st->failed_step_key, sizeof r->st->failed_step_key, r->key);
    copy_text(r->st->message, sizeof r->st->message, message);
}

static void report(struct runner *r, const struct wf_block *b, int64_t started, const cJSON *inputs,
                   const cJSON *output, const char *status, const char *error)
{
    if (!r->host->on_step)
        return;
    struct wf_step step = {b,      b->id,  b->type_name, b->name, r->key, started, plat_now_ms(),
                           inputs, output, status,       error};
    r->host->on_step(r->host->ctx, &step);
}

static enum run_status run_block(struct runner *r, const struct wf_block *b)
{
    size_t saved_len = r->key_len;
    snprintf(r->key + saved_len, sizeof r->key - saved_len, "%s", b->id);
    int64_t started = plat_now_ms();
    struct block_result res = {NULL, "success", {0}};
    enum run_status s;
    cJSON *inputs = NULL;
    if (++r->st->steps_run > WF_MAX_STEPS) {
        snprintf(res.message, sizeof res.message,
                 "the execution ran more than %d blocks (limit reached)", WF_MAX_STEPS);
        s = RUN_FAIL;
    } else if (eval_value(r, &b->inputs, "", &inputs, res.message, sizeof res.message) < 0) {
        s = RUN_FAIL;
    } else {
        if (!inputs)
            inputs = cJSON_CreateObject();
        s = runners[b->type](r, b, inputs, &res);
    }
    r->key_len = saved_len;
    snprintf(r->key + saved_len, sizeof r->key - saved_len, "%s", b->id);
    if (s == RUN_FAIL || s == RUN_RETRY) {
        record_failure(r, b, res.message);
        report(r, b, started, inputs, res.output, "error",
               r->st->message[0] ? r->st->message : res.message);
    } else {
        report(r, b, started, inputs, res.output, res.status, NULL);
    }
    if (s != RUN_FAIL && s != RUN_RETRY) {
        if (r->collect)
            set_member(r->collect, b->id,
                       res.output ? cJSON_Duplicate(res.output, true) : cJSON_CreateNull());
        set_member(r->steps, b->id, res.output ? res.output : cJSON_CreateNull());
    } else {
        cJSON_Delete(res.output);
    }
    r->key[saved_len] = 0;
    cJSON_Delete(inputs);
    return s;
}

static enum run_status run_sequence(struct runner *r, const struct wf_sequence *s)
{
    for (int i = 0; i < s->count; i++) {
        enum run_status st = run_block(r, &s->blocks[i]);
        if (st != RUN_OK)
            return st;
    }
    return RUN_OK;
}

enum wf_outcome workflow_execute(const struct workflow_def *def, struct wf_state *state,
                                 const struct wf_host *host)
{
    state->failed_block[0] = state->failed_step_key[0] = state->message[0] = 0;
    state->retry_after_ms = 0;
    state->resume_at_ms = 0;
    if (!cJSON_IsObject(state->context) || state->resume_index < 0 ||
        state->resume_index > def->blocks.count) {
        snprintf(state->message, sizeof state->message,
                 "invalid execution state (no context object or resume index out of range)");
        return WF_FAILED;
    }
    struct runner r = {.def = def, .st = state, .host = host};
    r.steps = context_object(state->context, "steps");
    r.vars = context_object(state->context, "vars");
    if (!r.steps || !r.vars) {
        snprintf(state->message, sizeof state->message, "out of memory");
        return WF_FAILED;
    }
    for (int i = state->resume_index; i < def->blocks.count; i++) {
        state->resume_index = i;
        switch (run_block(&r, &def->blocks.blocks[i])) {
        case RUN_OK:
            continue;
        case RUN_STOP:
            state->resume_index = def->blocks.count;
            return WF_STOPPED;
        case RUN_FAIL:
            return WF_FAILED;
        case RUN_RETRY:
            return WF_RETRY;
        case RUN_DELAY:
            state->resume_index = i + 1;
            return WF_DELAYED;
        }
    }
    state->resume_index = def->blocks.count;
    return WF_DONE;
}

cJSON *workflow_context_new(const cJSON *event, const cJSON *config, const cJSON *user,
                            const char *execution_id, int attempt)
{
    cJSON *ctx = cJSON_CreateObject();
    if (!ctx)
        return NULL;
    cJSON_AddItemToObject(ctx, "event",
                          event ? cJSON_Duplicate(event, true) : cJSON_CreateObject());
    cJSON_AddItemToObject(ctx, "steps", cJSON_CreateObject());
    cJSON_AddItemToObject(ctx, "config",
                          config ? cJSON_Duplicate(config, true) : cJSON_CreateObject());
    cJSON_AddItemToObject(ctx, "user", user ? cJSON_Duplicate(user, true) : cJSON_CreateObject());
    cJSON_AddItemToObject(ctx, "vars", cJSON_CreateObject());
    cJSON *exec = cJSON_AddObjectToObject(ctx, "execution");
    cJSON_AddStringToObject(exec, "id", execution_id ? execution_id : "");
    cJSON_AddNumberToObject(exec, "attempt", attempt);
    if (cJSON_GetArraySize(ctx) != 6 || !cJSON_GetObjectItem(exec, "attempt")) {
        cJSON_Delete(ctx);
        return NULL;
    }
    return ctx;
}

void workflow_state_clear(struct wf_state *state)
{
    cJSON_Delete(state->context);
    memset(state, 0, sizeof *state);
}

const char *workflow_outcome_name(enum wf_outcome outcome)
{
    static const char *const names[] = {"done", "stopped", "failed", "retry", "delayed"};
    return (unsigned)outcome < sizeof names / sizeof names[0] ? names[outcome] : "unknown";
}
