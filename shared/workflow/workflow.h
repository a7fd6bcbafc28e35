/*
 * Workflow definitions: parse and validate one (trigger, configurable fields, blocks), describe it
 * to the API and the builder, compare two versions' fields, and run it block by block.
 * docs/workflows.md is the reference for the definition format.
 *
 * Ownership rule: arguments are borrowed. A parsed definition (struct workflow_def) is owned by the
 * caller and released with workflow_free; it never changes after workflow_parse, so one definition
 * may be executed by many threads at once. Every cJSON* and char* returned belongs to the caller
 * (cJSON_Delete / free). The structs below are public for reading; only this module writes them.
 */
#ifndef SOLDER_WORKFLOW_H
#define SOLDER_WORKFLOW_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <cJSON.h>

#include "mapping/mapping.h"
#include "schema/schema.h"
#include "workflow/cron.h"

/* Blocks nested inside blocks (if-else, branch, iterate): bounds the executor's recursion. */
#define WF_MAX_DEPTH 16
/* Blocks in one definition, nested ones included: bounds parse time and the summary's size. */
#define WF_MAX_BLOCKS 1000
/* Items one iterate block walks through: bounds the run time and the output kept in the context. */
#define WF_MAX_ITEMS 10000
/* Blocks run in one execution, across all its resumptions: stops a runaway nest of iterates. */
#define WF_MAX_STEPS 100000
/* Nesting of object/array templates in an input: bounds recursion in parse and evaluation. */
#define WF_MAX_TEMPLATE_DEPTH 16
/* Errors one validation reports: a hostile document cannot make the answer unbounded. */
#define WF_MAX_ERRORS 100
/* The longest delay block: beyond a year the pause is a mistake, not a plan. */
#define WF_MAX_DELAY_SECONDS (366LL * 86400)
#define WF_ID_MAX            64
/* Room for the step key of a call nested in WF_MAX_DEPTH iterates ("outer[9999].inner[12].call").
 */
#define WF_STEP_KEY_MAX 2048

/* ---- errors ---------------------------------------------------------------------------------- */

/* One problem in a definition: a JSON Pointer into it ("/blocks/2/inputs/url") and a message. */
struct workflow_error {
    char *path;
    char *message;
};

/* Every problem found, in document order. Lifecycle: zero-initialise, pass to workflow_parse or
 * workflow_config_validate, release with workflow_errors_free. */
struct workflow_errors {
    struct workflow_error *items;
    size_t count;
    size_t cap;
    bool truncated; /* more than WF_MAX_ERRORS were found */
};

void workflow_errors_free(struct workflow_errors *errs);

/* Returns [{"path","message"}, ...], ending with a note when the list was truncated. */
cJSON *workflow_errors_json(const struct workflow_errors *errs);

/* ---- the parsed definition ------------------------------------------------------------------- */

enum wf_trigger_type {
    WF_TRIGGER_CUSTOM_EVENT,
    WF_TRIGGER_WEBHOOK,
    WF_TRIGGER_SCHEDULE,
    WF_TRIGGER_ON_INSTALLATION,
    WF_TRIGGER_MANUAL,
    WF_TRIGGER_APP,
};

struct wf_trigger {
    enum wf_trigger_type type;
    const char *type_name; /* "customEvent", ... */
    char *id;              /* "trigger" unless the definition names it */
    char *name;            /* as written, or NULL for the type's default */
    char *event;           /* customEvent: the custom event's name */
    char *cron_text;       /* schedule */
    struct cron cron;      /* schedule */
    char *app;             /* app: connector name */
    char *app_trigger;     /* app: trigger name in the connector */
};

/* One configurable field. schema is the field's JSON Schema (converted when written in sample
 * style); compiled is the same schema ready for schema_validate. */
struct wf_field {
    char *name;
    char *title;
    char *description;
    bool required;
    cJSON *schema;
    schema_t *compiled;
};

enum wf_block_type {
    WF_BLOCK_STREAM_DATA,
    WF_BLOCK_HTTP,
    WF_BLOCK_TRANSFORM,
    WF_BLOCK_IF_ELSE,
    WF_BLOCK_BRANCH,
    WF_BLOCK_ITERATE,
    WF_BLOCK_STOP,
    WF_BLOCK_DELAY,
    WF_BLOCK_APP_ACTION,
    WF_BLOCK_POSTGRESQL,
    WF_BLOCK_MYSQL,
    WF_BLOCK_SNOWFLAKE,
    WF_BLOCK_EVENTBRIDGE,
    WF_BLOCK_TYPE_COUNT
};

/* What a database destination block (postgresql, mysql, snowflake) does with its inputs. */
enum wf_db_operation {
    WF_DB_INSERT,    /* one row: inputs.values into table */
    WF_DB_UPSERT,    /* one row, updated in place when a row with the same key exists */
    WF_DB_STATEMENT, /* the workflow's own sql, with inputs.parameters bound */
};

/* Longest identifier part (a table, schema or column name): Snowflake's limit, the largest. */
#define WF_DB_NAME_MAX 255
/* Key columns of an upsert: a real unique key is a handful of columns. */
#define WF_DB_KEY_MAX 16
/* Longest statement a block carries: bounds what is parsed and sent per call. */
#define WF_DB_SQL_MAX 65536

/* A database destination block's settings: members of the block, never expressions, so a
 * statement's text and the names it touches are fixed when the workflow is written and only values
 * come from the data (always bound). */
struct wf_db_settings {
    enum wf_db_operation operation;
    char *table; /* insert, upsert: "name", "schema.name" (snowflake: also "db.schema.name") */
    char **key;  /* upsert: the columns that identify a row */
    int nkey;
    char *sql; /* statement: placeholders $1, $2... (postgresql) or ? (mysql, snowflake) */
};

/* An input value: an expression, a literal, or an object/array template whose leaves are
 * expressions and literals. */
enum wf_value_kind { WF_VALUE_EXPR, WF_VALUE_LITERAL, WF_VALUE_OBJECT, WF_VALUE_ARRAY };

struct wf_value {
    enum wf_value_kind kind;
    char *key;                 /* member name inside an object template (and for block inputs) */
    char *text;                /* WF_VALUE_EXPR: the expression as written */
    struct mapping_expr *expr; /* WF_VALUE_EXPR */
    cJSON *literal;            /* WF_VALUE_LITERAL */
    struct wf_value *items;    /* WF_VALUE_OBJECT / WF_VALUE_ARRAY */
    int count;
};

struct wf_block;

struct wf_sequence {
    struct wf_block *blocks;
    int count;
};

struct wf_branch_arm {
    char *name;
    struct wf_value condition; /* WF_VALUE_EXPR, or a literal true when absent */
    struct wf_sequence blocks;
};

struct wf_block {
    char *id;
    char *name; /* as written, or the type's default name */
    char *icon; /* as written, or NULL for the type's default */
    enum wf_block_type type;
    const char *type_name;  /* "streamData", ... */
    char *app;              /* appAction */
    char *action;           /* appAction */
    struct wf_value inputs; /* WF_VALUE_OBJECT, one item per input in written order */
    struct wf_sequence then_blocks, else_blocks; /* ifElse */
    struct wf_sequence body;                     /* iterate */
    struct wf_branch_arm *arms;                  /* branch */
    int narms;
    bool first_only;          /* branch mode "first" */
    struct wf_db_settings db; /* postgresql, mysql, snowflake */
};

struct workflow_def {
    char *name;
    char *description;
    struct wf_trigger trigger;
    struct wf_field *fields;
    int nfields;
    struct wf_sequence blocks; /* the top level */
    int total_blocks;
};

/*
 * Validates doc as a workflow definition and compiles every expression and field schema once.
 * Returns the definition, or NULL with every problem found appended to *errs (errs may be NULL;
 * problems are collected, not just the first). Never keeps a pointer into doc.
 */
struct workflow_def *workflow_parse(const cJSON *doc, struct workflow_errors *errs);

void workflow_free(struct workflow_def *def);

/* The block with this id anywhere in the definition (borrowed from def), or NULL. */
const struct wf_block *workflow_find_block(const struct workflow_def *def, const char *id);

/* ---- descriptions for the API and the builder ------------------------------------------------ */

/* [{"name","id","type","icon"}]: the trigger first, then every block depth-first in document
 * order. App actions and app triggers report the app as their type, as the integrations API does.
 */
cJSON *workflow_blocks_summary(const struct workflow_def *def);

/* [{"name","title","description","required","schema"}] in declared order; schema is JSON Schema. */
cJSON *workflow_fields_json(const struct workflow_def *def);

/*
 * True when an installation of `from` may be upgraded to `to`: both declare the same configurable
 * fields (same names, equal schemas, same required flag; order and titles do not matter).
 * Otherwise false with a sentence naming the first added, removed or changed field in reason
 * (n bytes; reason may be NULL).
 */
bool workflow_fields_compatible(const struct workflow_def *from, const struct workflow_def *to,
                                char *reason, size_t n);

/*
 * Checks an installation's field values (an object, NULL for none) against the declared fields:
 * required fields present, every value valid under its schema, no undeclared names. Returns true,
 * or false with the problems appended to *errs (paths like "/webhookUrl" or "/webhookUrl/host").
 */
bool workflow_config_validate(const struct workflow_def *def, const cJSON *config,
                              struct workflow_errors *errs);

/*
 * The one-call form the builder (through WASM) and the CLI share: json is a definition's text.
 * Returns malloc'd JSON {"valid":true,"blocks":[...],"fields":[...]} or
 * {"valid":false,"errors":[{"path","message"}]}; NULL only when memory ran out.
 */
char *workflow_validate_json(const char *json);

/* ---- execution ------------------------------------------------------------------------------- */

/* The name of a database operation: "insert", "upsert", "statement". */
const char *workflow_db_operation_name(enum wf_db_operation op);

/* One I/O block (streamData, http, appAction, and the destinations postgresql, mysql, snowflake,
 * eventbridge) handed to the host. Everything is borrowed for the
 * duration of the call. */
struct wf_call {
    const struct wf_block *block;
    const cJSON *inputs;  /* evaluated inputs, an object */
    const char *step_key; /* stable across retries: "call", or "each[3].call" inside iterates */
};

/* The host's answer. Lifecycle: zeroed by the executor before each call, filled by the host. */
struct wf_call_result {
    cJSON *output; /* owned by the result; the executor takes it; may be NULL */
    bool failed;
    bool retryable;
    int64_t retry_after_ms; /* when retryable: the host's suggested wait, 0 = its own backoff */
    char message[256];
};

/* What on_step reports after each block ran, failed, or was skipped. All borrowed. */
struct wf_step {
    const struct wf_block *block;
    const char *id;
    const char *type;
    const char *name;
    const char *step_key;
    int64_t started_ms, stopped_ms; /* plat_now_ms() */
    const cJSON *inputs;            /* evaluated inputs, NULL when evaluation failed */
    const cJSON *output;            /* NULL when none */
    const char *status;             /* "success", "error" or "skipped" */
    const char *error;              /* message when status is "error", else NULL */
};

struct wf_host {
    void (*call)(void *ctx, const struct wf_call *call, struct wf_call_result *res);
    void (*on_step)(void *ctx, const struct wf_step *step); /* may be NULL */
    void *ctx;
    const struct mapping_limits *limits; /* for every expression; NULL = mapping's defaults */
};

enum wf_outcome {
    WF_DONE,    /* every block ran */
    WF_STOPPED, /* a stop block ended the execution, successfully */
    WF_FAILED,  /* failed for good: failed_block and message say why */
    WF_RETRY,   /* a call failed retryably: run again from resume_index later */
    WF_DELAYED, /* a delay block: run again from resume_index at resume_at_ms */
};

/*
 * The state of one execution between runs of workflow_execute. Lifecycle: the host builds the
 * context (workflow_context_new), sets resume_index to 0 and steps_run to 0, and keeps (or
 * persists) the whole struct between runs; release with workflow_state_clear.
 */
struct wf_state {
    /* {"event","steps","config","user","vars","execution"}; updated in place: steps.<id> holds each
     * block's output, transform blocks merge into vars. Owned by the state. */
    cJSON *context;
    int resume_index; /* top-level block the next run starts at */
    int steps_run;    /* blocks run so far in this execution (bounded by WF_MAX_STEPS) */
    /* Set on return: */
    char failed_block[WF_ID_MAX + 1]; /* WF_FAILED / WF_RETRY */
    char failed_step_key[WF_STEP_KEY_MAX];
    char message[512];
    int64_t retry_after_ms; /* WF_RETRY */
    int64_t resume_at_ms;   /* WF_DELAYED, plat_now_ms() clock */
};

/*
 * Builds an execution context: copies of event, config and user (NULL becomes {}), empty steps and
 * vars, and execution {id, attempt}. Returns the owned object, or NULL when memory ran out.
 */
cJSON *workflow_context_new(const cJSON *event, const cJSON *config, const cJSON *user,
                            const char *execution_id, int attempt);

void workflow_state_clear(struct wf_state *state);

/*
 * Runs def's top-level blocks from state->resume_index on. Logic blocks (transform, ifElse, branch,
 * iterate, stop, delay) run here; I/O blocks go to host->call, synchronously. Returns the outcome;
 * on WF_RETRY resume_index is the top-level block that contains the failed call, on WF_DELAYED the
 * block after the delay. A re-run from resume_index repeats that block's calls with the same
 * step keys. host->on_step is called after every block, nested ones included.
 */
enum wf_outcome workflow_execute(const struct workflow_def *def, struct wf_state *state,
                                 const struct wf_host *host);

/* "done", "stopped", "failed", "retry", "delayed". */
const char *workflow_outcome_name(enum wf_outcome outcome);

#endif
