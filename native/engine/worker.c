/*
 * Running one claimed execution: build (or resume) its context, run the workflow executor with this
 * file's host (outgoing calls of http and streamData blocks through engine/outbound.c; app actions
 * and destination blocks through the run_block hook, which connectors/ and destinations/ answer
 * with the same outbound path), and hand the outcome to the recorder (recorder.c): done, stopped,
 * failed, or to be requeued for a retry or a delay, with the steps run, their inputs and outputs
 * redacted and capped in size. Progress goes to the publish hook.
 */
#include "engine/engine_internal.h"

#include "crypto/crypto.h"
#include "engine/definitions.h"
#include "engine/outbound.h"
#include "engine/retry.h"
#include "engine/sealed.h"
#include "json/json.h"
#include "store/catalog.h"
#include "store/runs.h"
#include "workflow/workflow.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* One execution's run: what the host callbacks need and the steps they collect. */
struct run {
    struct worker *w;
    const struct claimed_execution *job;
    const char *exec_id;
    const char *env_id;
    const char *workflow_id;
    const char *user_id;
    const struct wf_state *state;
    const char *signing_secret; /* the environment's whsec_ (the worker's cached copy) */
    cJSON *steps;               /* recorded steps, written when the run ends */
    int seq;
    struct outbound_secrets secrets; /* what recorded steps must not show */
};

/* Pushes one progress event to live-update subscribers of the execution's user. */
static void publish(struct run *r, const char *type, const char *status, const char *block_id,
                    const char *error)
{
    const struct engine_hooks *h = &r->w->engine->hooks;
    if (!h->publish || (h->has_subscribers && !h->has_subscribers(h->ctx)))
        return;
    cJSON *ev = cJSON_CreateObject();
    cJSON_AddStringToObject(ev, "type", type);
    cJSON_AddStringToObject(ev, "executionId", r->exec_id);
    cJSON_AddStringToObject(ev, "workflowId", r->workflow_id);
    cJSON_AddStringToObject(ev, "userId", r->user_id);
    cJSON_AddStringToObject(ev, "status", status);
    if (block_id)
        cJSON_AddStringToObject(ev, "blockId", block_id);
    if (error)
        cJSON_AddStringToObject(ev, "error", error);
    h->publish(h->ctx, r->env_id, r->user_id, ev);
    cJSON_Delete(ev);
}

/* Bytes of a truncated step value's text kept as its preview. */
#define STEP_PREVIEW_BYTES 1024

/* Replaces member key of a step record by a truncation marker when its text is over the cap. */
static void cap_member(cJSON *o, const char *key, size_t max_bytes)
{
    size_t preview = max_bytes / 2 < STEP_PREVIEW_BYTES ? max_bytes / 2 : STEP_PREVIEW_BYTES;
    cJSON *marker = json_truncation(cJSON_GetObjectItemCaseSensitive(o, key), max_bytes, preview);
    if (marker)
        cJSON_ReplaceItemInObjectCaseSensitive(o, key, marker);
}

static void on_step(void *ctx, const struct wf_step *st)
{
    struct run *r = ctx;
    char *error = outbound_redact_text(&r->secrets, st->error);
    publish(r, "step", st->status, st->id, error);
    cJSON *o = cJSON_CreateObject();
    cJSON_AddNumberToObject(o, "seq", r->seq++);
    cJSON_AddStringToObject(o, "id", st->id);
    cJSON_AddStringToObject(o, "type", st->type);
    cJSON_AddStringToObject(o, "name", st->name ? st->name : st->id);
    cJSON_AddStringToObject(o, "key", st->step_key);
    cJSON_AddStringToObject(o, "status", st->status);
    cJSON_AddNumberToObject(o, "started", (double)st->started_ms);
    cJSON_AddNumberToObject(o, "stopped", (double)st->stopped_ms);
    if (st->inputs)
        cJSON_AddItemToObject(o, "inputs", outbound_redact(&r->secrets, st->inputs));
    if (st->output)
        cJSON_AddItemToObject(o, "output", outbound_redact(&r->secrets, st->output));
    if (error)
        cJSON_AddStringToObject(o, "error", error);
    free(error);
    cap_member(o, "inputs", r->w->engine->max_step_output);
    cap_member(o, "output", r->w->engine->max_step_output);
    cJSON_AddItemToArray(r->steps, o);
}

static void host_call(void *ctx, const struct wf_call *call, struct wf_call_result *res)
{
    struct run *r = ctx;
    struct engine *e = r->w->engine;
    if (!r->signing_secret)
        r->signing_secret = worker_signing_secret(r->w, r->env_id);
    if (!r->signing_secret) {
        res->failed = true;
        res->retryable = true;
        snprintf(res->message, sizeof res->message, "the environment's signing secret is unusable");
        return;
    }
    struct outbound_ctx oc = {
        .http = r->w->http,
        .workflow_id = r->workflow_id,
        .user_id = r->user_id,
        .execution_id = r->exec_id,
        .webhook_secret = r->signing_secret,
        .signer = e->sign_rsa ? e->signer : NULL,
        .secrets = &r->secrets,
    };
    bool ran = false;
    if (e->hooks.run_block) {
        const cJSON *attempt =
            cJSON_GetObjectItem(cJSON_GetObjectItem(r->state->context, "execution"), "attempt");
        struct engine_block_call bc = {
            .store = r->w->store,
            .env_id = r->env_id,
            .user_id = r->user_id,
            .installation_id = r->job->installation_id,
            .outbound = &oc,
            .step_key = call->step_key,
            .attempt = cJSON_IsNumber(attempt) ? attempt->valueint : 1,
        };
        ran = e->hooks.run_block(e->hooks.ctx, &bc, call->block, call->inputs, res);
    }
    if (!ran)
        outbound_block(&oc, call, r->state->context, res);
    outbound_redact_buffer(&r->secrets, res->message, sizeof res->message);
}

/* The context of a fresh execution: event payload, installation config, user — all carried by the
 * claimed job (store_claim reads them in the same statement). */
static cJSON *fresh_context(const struct claimed_execution *job, int attempt)
{
    cJSON *user = cJSON_CreateObject();
    cJSON_AddStringToObject(user, "userId", job->user_id);
    if (job->username)
        cJSON_AddStringToObject(user, "username", job->username);
    if (job->full_name)
        cJSON_AddStringToObject(user, "fullName", job->full_name);
    cJSON *ctx =
        workflow_context_new(job->event_payload, job->install_config, user, job->id, attempt);
    cJSON_Delete(user);
    return ctx;
}

/* Saved between runs: context (without secret field values, which the next run opens again from
 * the installation), resume index, step counters. */
static cJSON *saved_state(const struct wf_state *st, int seq, const struct workflow_def *def)
{
    cJSON *o = cJSON_CreateObject();
    cJSON *context = cJSON_Duplicate(st->context, true);
    sealed_config_hide(def, cJSON_GetObjectItem(context, "config"));
    cJSON_AddItemToObject(o, "context", context);
    cJSON_AddNumberToObject(o, "resume", st->resume_index);
    cJSON_AddNumberToObject(o, "stepsRun", st->steps_run);
    cJSON_AddNumberToObject(o, "seq", seq);
    return o;
}

/* Every expression of a workflow, as those of actions and hooks. */
static const struct mapping_limits WORKFLOW_LIMITS = ENGINE_EXPRESSION_LIMITS;

cJSON *worker_run_execution(struct worker *w, const struct claimed_execution *job)
{
    struct store *s = w->store;
    const char *exec_id = job->id;
    int attempt = job->attempt;
    const struct workflow_def *def = definitions_get(s, job->workflow_id, job->version, NULL);
    bool inst = job->install_config != NULL;

    struct run r = {
        .w = w,
        .job = job,
        .exec_id = exec_id,
        .env_id = job->env_id,
        .workflow_id = job->workflow_id,
        .user_id = job->user_id,
        .steps = cJSON_CreateArray(),
    };
    struct wf_state st;
    memset(&st, 0, sizeof st);
    const cJSON *saved = job->state;
    if (cJSON_GetObjectItem(saved, "context")) {
        st.context = cJSON_Duplicate(cJSON_GetObjectItem(saved, "context"), true);
        st.resume_index = cJSON_GetObjectItem(saved, "resume")->valueint;
        st.steps_run = cJSON_GetObjectItem(saved, "stepsRun")->valueint;
        r.seq = cJSON_GetObjectItem(saved, "seq")->valueint;
        cJSON *ex = cJSON_GetObjectItem(st.context, "execution");
        if (ex)
            cJSON_ReplaceItemInObject(ex, "attempt", cJSON_CreateNumber(attempt));
    } else {
        st.context = fresh_context(job, attempt);
    }
    r.state = &st;
    char unsealed[160] = "";
    bool opened = sealed_config_open(w->engine->master, def, job->install_config,
                                     cJSON_GetObjectItem(st.context, "config"), &r.secrets,
                                     unsealed, sizeof unsealed) == 0;
    publish(&r, "execution", "started", NULL, NULL);

    enum wf_outcome outcome;
    const char *status = NULL, *error = NULL, *error_block = NULL;
    char message[600];
    if (!def || !inst || !opened) {
        outcome = WF_FAILED;
        snprintf(message, sizeof message, "%s",
                 !inst  ? "the installation was removed before the execution ran"
                 : !def ? "the workflow version cannot be loaded"
                        : unsealed);
        error = message;
    } else {
        struct wf_host host = {host_call, on_step, &r, &WORKFLOW_LIMITS};
        outcome = workflow_execute(def, &st, &host);
        /* A mapping error may quote a value: the execution's error is shown and streamed too. */
        outbound_redact_buffer(&r.secrets, st.message, sizeof st.message);
    }
    int64_t now = store_now();
    int64_t run_at = -1;
    if (def && inst && opened) {
        const struct wf_block *fb =
            st.failed_block[0] ? workflow_find_block(def, st.failed_block) : NULL;
        error_block =
            fb ? (fb->name ? fb->name : fb->id) : (st.failed_block[0] ? st.failed_block : NULL);
        switch (outcome) {
        case WF_DONE:
            status = "success";
            break;
        case WF_STOPPED:
            status = "stopped";
            break;
        case WF_DELAYED:
            run_at = st.resume_at_ms;
            break;
        case WF_RETRY:
            if (attempt < ENGINE_MAX_ATTEMPTS) {
                run_at = now + retry_delay_ms(attempt, st.retry_after_ms, retry_random());
                error = st.message;
                break;
            }
            snprintf(message, sizeof message, "gave up after %d attempts: %s", attempt, st.message);
            error = message;
            status = "error";
            break;
        case WF_FAILED:
            status = "error";
            error = st.message;
            break;
        }
    } else {
        status = "error";
    }

    /* The outcome, written by the recorder. */
    cJSON *rec = cJSON_CreateObject();
    cJSON_AddStringToObject(rec, "id", exec_id);
    cJSON_AddStringToObject(rec, "envId", r.env_id);
    cJSON_AddStringToObject(rec, "workflowId", r.workflow_id);
    cJSON_AddStringToObject(rec, "installationId", job->installation_id);
    cJSON_AddStringToObject(rec, "userId", r.user_id);
    cJSON_AddNumberToObject(rec, "attempt", attempt);
    cJSON_AddItemToObject(rec, "steps", r.steps);
    if (run_at >= 0) { /* a finished execution's state is not kept: nothing resumes it */
        cJSON_AddItemToObject(rec, "state", saved_state(&st, r.seq, def));
        cJSON_AddNumberToObject(rec, "runAt", (double)run_at);
    }
    if (status)
        cJSON_AddStringToObject(rec, "status", status);
    if (error)
        cJSON_AddStringToObject(rec, "error", error);
    if (error_block)
        cJSON_AddStringToObject(rec, "errorBlock", error_block);
    workflow_state_clear(&st);
    outbound_secrets_free(&r.secrets);
    return rec;
}

void worker_publish_outcome(struct engine *e, const cJSON *rec)
{
    struct worker w = {.engine = e};
    struct run r = {.w = &w,
                    .exec_id = json_get_str(rec, "id"),
                    .env_id = json_get_str(rec, "envId"),
                    .workflow_id = json_get_str(rec, "workflowId"),
                    .user_id = json_get_str(rec, "userId")};
    const char *status = json_get_str(rec, "status");
    publish(&r, "execution", status ? status : "queued", json_get_str(rec, "errorBlock"),
            json_get_str(rec, "error"));
}
