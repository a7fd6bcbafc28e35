/*
 * The block executor against a fake host that records every call and step and can fail a block's
 * calls a number of times. The scenarios are data, tests/cases/workflow/exec: each file a
 * definition and a sequence of runs, each starting a new execution (when it names an event) or
 * resuming the previous one, with the expected outcome, calls, steps and context afterwards. The
 * limits, which need generated input, are tested here in C.
 */
#include "check.h"

#include "cli/cli.h"
#include "json/json.h"
#include "plat.h"
#include "workflow/workflow.h"

#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* One per execution: what the host saw, and how it answers. Lifecycle: fake_reset before a new
 * execution (clears the failure plan), records cleared per run. */
struct fake {
    cJSON *calls;          /* [{key, inputs}] of the current run */
    cJSON *steps;          /* ["key status", ...] of the current run */
    const cJSON *fail;     /* {"blockId": {times, retryable, retryAfterMs}} from the case */
    cJSON *failures_left;  /* {"blockId": n} */
    const char *case_name; /* for messages */
};

static void fake_call(void *ctx, const struct wf_call *call, struct wf_call_result *res)
{
    struct fake *f = ctx;
    cJSON *rec = cJSON_CreateObject();
    cJSON_AddStringToObject(rec, "key", call->step_key);
    cJSON_AddItemToObject(rec, "inputs", cJSON_Duplicate(call->inputs, true));
    cJSON_AddItemToArray(f->calls, rec);
    const cJSON *plan = cJSON_GetObjectItemCaseSensitive(f->fail, call->block->id);
    cJSON *left = cJSON_GetObjectItemCaseSensitive(f->failures_left, call->block->id);
    if (plan && left && left->valueint != 0) {
        if (left->valueint > 0)
            cJSON_SetNumberValue(left, left->valueint - 1);
        res->failed = true;
        res->retryable = cJSON_IsTrue(cJSON_GetObjectItem(plan, "retryable"));
        const cJSON *after = cJSON_GetObjectItem(plan, "retryAfterMs");
        res->retry_after_ms = after ? (int64_t)after->valuedouble : 0;
        snprintf(res->message, sizeof res->message, "HTTP 503 from %s", call->block->id);
        return;
    }
    res->output = cJSON_CreateObject();
    cJSON_AddNumberToObject(res->output, "call", cJSON_GetArraySize(f->calls));
    cJSON_AddStringToObject(res->output, "key", call->step_key);
}

static void fake_step(void *ctx, const struct wf_step *step)
{
    struct fake *f = ctx;
    char line[512];
    snprintf(line, sizeof line, "%s %s", step->step_key, step->status);
    cJSON_AddItemToArray(f->steps, cJSON_CreateString(line));
    CHECK(step->stopped_ms >= step->started_ms);
    CHECK(step->id && step->type && step->name && step->block);
    CHECK((strcmp(step->status, "error") == 0) == (step->error != NULL));
}

static void fake_reset(struct fake *f, const cJSON *fail)
{
    cJSON_Delete(f->failures_left);
    f->fail = fail;
    f->failures_left = cJSON_CreateObject();
    const cJSON *p;
    cJSON_ArrayForEach(p, fail)
    {
        const cJSON *times = cJSON_GetObjectItem(p, "times");
        cJSON_AddNumberToObject(f->failures_left, p->string, times ? times->valuedouble : -1);
    }
}

static void fake_new_run(struct fake *f)
{
    cJSON_Delete(f->calls);
    cJSON_Delete(f->steps);
    f->calls = cJSON_CreateArray();
    f->steps = cJSON_CreateArray();
}

static struct wf_host fake_host(struct fake *f)
{
    return (struct wf_host){fake_call, fake_step, f, NULL};
}

/* Evaluates a JSONata expression over the context; NULL when undefined or failing. */
static cJSON *ctx_eval(const struct wf_state *st, const char *expr)
{
    struct mapping_error err;
    struct mapping_expr *e = mapping_compile(expr, strlen(expr), &err);
    cJSON *res = NULL;
    if (e)
        mapping_evaluate(e, st->context, NULL, NULL, &res, &err);
    mapping_free(e);
    return res;
}

static void expect_equal(const char *what, const char *name, int run, const cJSON *got,
                         const cJSON *want)
{
    bool same = json_equal(got, want);
    if (!same) {
        char *g = got ? json_print(got) : strdup("undefined"), *w = json_print(want);
        fprintf(stderr, "  %s run %d: %s\n    got  %s\n    want %s\n", name, run, what, g, w);
        free(g);
        free(w);
    }
    CHECK(same);
}

/* Calls may be listed as keys only or as {key, inputs}. */
static void check_calls(const char *name, int run, const cJSON *got, const cJSON *want)
{
    cJSON *keys = cJSON_CreateArray(), *want_keys = cJSON_CreateArray();
    const cJSON *c;
    cJSON_ArrayForEach(c, got)
    {
        cJSON_AddItemToArray(keys, cJSON_CreateString(json_get_str(c, "key")));
    }
    int i = 0;
    cJSON_ArrayForEach(c, want)
    {
        const char *key = cJSON_IsString(c) ? c->valuestring : json_get_str(c, "key");
        cJSON_AddItemToArray(want_keys, cJSON_CreateString(key ? key : "?"));
        const cJSON *inputs = cJSON_GetObjectItem(c, "inputs");
        if (inputs)
            expect_equal(key, name, run, cJSON_GetObjectItem(cJSON_GetArrayItem(got, i), "inputs"),
                         inputs);
        i++;
    }
    expect_equal("calls", name, run, keys, want_keys);
    cJSON_Delete(keys);
    cJSON_Delete(want_keys);
}

static const cJSON *member(const cJSON *run, const char *key)
{
    return cJSON_GetObjectItemCaseSensitive(run, key);
}

static void run_exec_case(const char *name, const cJSON *doc)
{
    struct workflow_errors errs = {0};
    struct workflow_def *def = workflow_parse(cJSON_GetObjectItem(doc, "definition"), &errs);
    CHECK(def != NULL);
    for (size_t i = 0; !def && i < errs.count; i++)
        fprintf(stderr, "  %s: %s: %s\n", name, errs.items[i].path, errs.items[i].message);
    workflow_errors_free(&errs);
    if (!def)
        return;
    const cJSON *fail = cJSON_GetObjectItem(cJSON_GetObjectItem(doc, "host"), "fail");
    cJSON *config =
        cJSON_Parse("{\"user\":\"u\",\"pass\":\"p\",\"url\":\"https://sink.example/\"}");
    cJSON *user = cJSON_Parse("{\"userId\":\"abc\",\"username\":\"gregg\"}");
    struct fake f = {.case_name = name};
    struct wf_state st;
    memset(&st, 0, sizeof st);
    const cJSON *run;
    int n = 0;
    cJSON_ArrayForEach(run, cJSON_GetObjectItem(doc, "runs"))
    {
        const cJSON *event = member(run, "event");
        if (event || n == 0) {
            workflow_state_clear(&st);
            st.context = workflow_context_new(event ? event : member(doc, "event"), config, user,
                                              "exec1", 1);
            fake_reset(&f, fail);
        }
        fake_new_run(&f);
        struct wf_host host = fake_host(&f);
        int64_t before = plat_now_ms();
        enum wf_outcome outcome = workflow_execute(def, &st, &host);
        int64_t after = plat_now_ms();

        const char *want_outcome = json_get_str(run, "outcome");
        if (!want_outcome || strcmp(workflow_outcome_name(outcome), want_outcome) != 0)
            fprintf(stderr, "  %s run %d: outcome %s (%s)\n", name, n,
                    workflow_outcome_name(outcome), st.message);
        CHECK_STR(workflow_outcome_name(outcome), want_outcome);
        const cJSON *v;
        if ((v = member(run, "resumeIndex")))
            CHECK_INT(st.resume_index, v->valueint);
        if ((v = member(run, "failedBlock")))
            CHECK_STR(st.failed_block, v->valuestring);
        if ((v = member(run, "failedStepKey")))
            CHECK_STR(st.failed_step_key, v->valuestring);
        if ((v = member(run, "message")))
            CHECK_STR(st.message, v->valuestring);
        if ((v = member(run, "messagePrefix"))) {
            bool prefix = strncmp(st.message, v->valuestring, strlen(v->valuestring)) == 0;
            if (!prefix)
                fprintf(stderr, "  %s run %d: message '%s'\n", name, n, st.message);
            CHECK(prefix);
        }
        if ((v = member(run, "retryAfterMs")))
            CHECK_INT(st.retry_after_ms, v->valuedouble);
        if ((v = member(run, "resumeInSeconds"))) {
            int64_t ms = (int64_t)(v->valuedouble * 1000);
            CHECK(st.resume_at_ms >= before + ms && st.resume_at_ms <= after + ms);
        }
        if ((v = member(run, "calls")))
            check_calls(name, n, f.calls, v);
        if ((v = member(run, "steps")))
            expect_equal("steps", name, n, f.steps, v);
        const cJSON *c;
        cJSON_ArrayForEach(c, member(run, "context"))
        {
            cJSON *got = ctx_eval(&st, c->string);
            expect_equal(c->string, name, n, got, c);
            cJSON_Delete(got);
        }
        n++;
    }
    CHECK(n > 0);
    workflow_state_clear(&st);
    cJSON_Delete(f.calls);
    cJSON_Delete(f.steps);
    cJSON_Delete(f.failures_left);
    cJSON_Delete(config);
    cJSON_Delete(user);
    workflow_free(def);
}

static void run_exec_cases(void)
{
    DIR *d = opendir(SOLDER_CASES_DIR "/workflow/exec");
    CHECK(d != NULL);
    if (!d)
        return;
    int files = 0;
    struct dirent *e;
    while ((e = readdir(d))) {
        size_t n = strlen(e->d_name);
        if (n < 6 || strcmp(e->d_name + n - 5, ".json") != 0)
            continue;
        char path[1024];
        snprintf(path, sizeof path, "%s/workflow/exec/%s", SOLDER_CASES_DIR, e->d_name);
        cJSON *doc = cli_read_json(path);
        CHECK(doc != NULL);
        if (doc)
            run_exec_case(e->d_name, doc);
        cJSON_Delete(doc);
        files++;
    }
    closedir(d);
    CHECK(files >= 7);
}

/* ---- limits and state checks ----------------------------------------------------------------- */

static struct workflow_def *parse_def(const char *text)
{
    cJSON *doc = json_parse(text, strlen(text), JSON_MAX_DEPTH, NULL);
    struct workflow_def *def = workflow_parse(doc, NULL);
    cJSON_Delete(doc);
    CHECK(def != NULL);
    return def;
}

static enum wf_outcome run_once(const struct workflow_def *def, struct wf_state *st,
                                const struct mapping_limits *limits)
{
    struct fake f = {0};
    fake_reset(&f, NULL);
    fake_new_run(&f);
    memset(st, 0, sizeof *st);
    st->context = workflow_context_new(NULL, NULL, NULL, "exec1", 1);
    struct wf_host host = {fake_call, NULL, &f, limits};
    enum wf_outcome o = workflow_execute(def, st, &host);
    cJSON_Delete(f.calls);
    cJSON_Delete(f.steps);
    cJSON_Delete(f.failures_left);
    return o;
}

static void test_limits(void)
{
    struct wf_state st;
    struct workflow_def *def = parse_def(
        "{\"name\":\"t\",\"trigger\":{\"type\":\"manual\"},\"blocks\":["
        "{\"id\":\"each\",\"type\":\"iterate\",\"inputs\":{\"items\":\"[1..10001]\"},"
        "\"blocks\":[{\"id\":\"s\",\"type\":\"stop\",\"inputs\":{\"condition\":\"false\"}}]}]}");
    if (def) {
        CHECK_INT(run_once(def, &st, NULL), WF_FAILED);
        CHECK_STR(st.message, "iterate over 10001 items exceeds the limit of 10000");
        CHECK_STR(st.failed_block, "each");
        workflow_state_clear(&st);
    }
    workflow_free(def);

    /* 10,000 x 11 nested blocks: the step limit ends it with a clear error. */
    def = parse_def(
        "{\"name\":\"t\",\"trigger\":{\"type\":\"manual\"},\"blocks\":["
        "{\"id\":\"each\",\"type\":\"iterate\",\"inputs\":{\"items\":\"[1..10000]\"},"
        "\"blocks\":[{\"id\":\"inner\",\"type\":\"iterate\",\"inputs\":{\"items\":\"[1..10]\"},"
        "\"blocks\":[{\"id\":\"s\",\"type\":\"stop\",\"inputs\":{\"condition\":\"false\"}}]}]}]}");
    if (def) {
        CHECK_INT(run_once(def, &st, NULL), WF_FAILED);
        CHECK_STR(st.message, "the execution ran more than 100000 blocks (limit reached)");
        CHECK_INT(st.steps_run, WF_MAX_STEPS + 1);
        workflow_state_clear(&st);
    }
    workflow_free(def);

    /* A runaway expression stops at the host's evaluation limits. */
    def = parse_def("{\"name\":\"t\",\"trigger\":{\"type\":\"manual\"},\"blocks\":["
                    "{\"id\":\"v\",\"type\":\"transform\",\"inputs\":{\"vars\":"
                    "\"{'x': ($f := function($n) { $n = 0 ? 0 : 1 + $f($n - 1) }; "
                    "$f(100000))}\"}}]}");
    struct mapping_limits limits = {50, 0, 0, 0};
    if (def) {
        CHECK_INT(run_once(def, &st, &limits), WF_FAILED);
        CHECK(strncmp(st.message, "input 'vars': U100", 18) == 0);
        workflow_state_clear(&st);
    }
    workflow_free(def);
}

static void test_bad_state(void)
{
    struct workflow_def *def =
        parse_def("{\"name\":\"t\",\"trigger\":{\"type\":\"manual\"},\"blocks\":["
                  "{\"id\":\"one\",\"type\":\"streamData\",\"inputs\":{\"url\":\"'1'\"}}]}");
    if (!def)
        return;
    struct fake f = {0};
    fake_reset(&f, NULL);
    fake_new_run(&f);
    struct wf_host host = fake_host(&f);
    struct wf_state st;
    memset(&st, 0, sizeof st);
    CHECK_INT(workflow_execute(def, &st, &host), WF_FAILED); /* no context */
    st.context = cJSON_CreateObject();                       /* no steps, vars: created */
    st.resume_index = 2;
    CHECK_INT(workflow_execute(def, &st, &host), WF_FAILED);
    st.resume_index = 1;
    CHECK_INT(workflow_execute(def, &st, &host), WF_DONE);
    CHECK_INT(cJSON_GetArraySize(f.calls), 0);
    st.resume_index = 0;
    CHECK_INT(workflow_execute(def, &st, &host), WF_DONE);
    CHECK_INT(cJSON_GetArraySize(f.calls), 1);
    CHECK(cJSON_IsObject(cJSON_GetObjectItem(st.context, "vars")));
    workflow_state_clear(&st);
    CHECK(st.context == NULL);
    cJSON_Delete(f.calls);
    cJSON_Delete(f.steps);
    cJSON_Delete(f.failures_left);
    workflow_free(def);
    CHECK_STR(workflow_outcome_name(WF_DELAYED), "delayed");
    CHECK_STR(workflow_outcome_name((enum wf_outcome)42), "unknown");
}

int main(void)
{
    run_exec_cases();
    test_limits();
    test_bad_state();
    return check_summary("test_workflow_exec");
}
