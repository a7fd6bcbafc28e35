/*
 * The tables of block and trigger types: names, defaults, icons and the inputs each block takes.
 * Adding a block type is one row here, one parse hook (parse.c) and one runner (exec.c); a
 * destination block (postgresql, mysql, snowflake, eventbridge) is run by the host, like http.
 */
#include "workflow/internal.h"

#include <string.h>

static const struct wf_input_spec stream_data_inputs[] = {{"url", true},        {"body", false},
                                                          {"headers", false},   {"method", false},
                                                          {"timeoutMs", false}, {NULL, false}};
static const struct wf_input_spec http_inputs[] = {
    {"method", true}, {"url", true},   {"headers", false},   {"query", false},
    {"body", false},  {"auth", false}, {"timeoutMs", false}, {NULL, false}};
static const struct wf_input_spec transform_inputs[] = {{"vars", true}, {NULL, false}};
static const struct wf_input_spec condition_inputs[] = {{"condition", true}, {NULL, false}};
static const struct wf_input_spec iterate_inputs[] = {{"items", true}, {NULL, false}};
static const struct wf_input_spec stop_inputs[] = {{"condition", false}, {NULL, false}};
static const struct wf_input_spec delay_inputs[] = {{"seconds", true}, {NULL, false}};
static const struct wf_input_spec no_inputs[] = {{NULL, false}};
/* Which of values and parameters a database block needs depends on its operation (parse.c). */
static const struct wf_input_spec database_inputs[] = {
    {"values", false}, {"parameters", false}, {"timeoutMs", false}, {NULL, false}};
/* Either entries, or source, detailType and detail for one event (parse.c). */
static const struct wf_input_spec eventbridge_inputs[] = {
    {"entries", false}, {"source", false},       {"detailType", false},
    {"detail", false},  {"eventBusName", false}, {"resources", false},
    {"time", false},    {"timeoutMs", false},    {NULL, false}};

static const char *const no_members[] = {NULL};
static const char *const if_else_members[] = {"then", "else", NULL};
static const char *const branch_members[] = {"mode", "branches", NULL};
static const char *const iterate_members[] = {"blocks", NULL};
static const char *const app_members[] = {"app", "action", NULL};
static const char *const database_members[] = {"operation", "table", "key", "sql", NULL};

static const struct wf_block_kind block_kinds[WF_BLOCK_TYPE_COUNT] = {
    {"streamData", WF_BLOCK_STREAM_DATA, "Stream Data", "/icons/stream-data.svg", true, false,
     false, stream_data_inputs, no_members},
    {"http", WF_BLOCK_HTTP, "Custom API", "/icons/http.svg", true, false, false, http_inputs,
     no_members},
    {"transform", WF_BLOCK_TRANSFORM, "Transform", "/icons/transform.svg", false, false, false,
     transform_inputs, no_members},
    {"ifElse", WF_BLOCK_IF_ELSE, "If-Else", "/icons/if-else.svg", false, false, false,
     condition_inputs, if_else_members},
    {"branch", WF_BLOCK_BRANCH, "Branch", "/icons/branch.svg", false, false, false, no_inputs,
     branch_members},
    {"iterate", WF_BLOCK_ITERATE, "Iterate", "/icons/iterate.svg", false, false, false,
     iterate_inputs, iterate_members},
    {"stop", WF_BLOCK_STOP, "Stop", "/icons/stop.svg", false, false, false, stop_inputs,
     no_members},
    {"delay", WF_BLOCK_DELAY, "Delay", "/icons/delay.svg", false, true, false, delay_inputs,
     no_members},
    {"appAction", WF_BLOCK_APP_ACTION, NULL, "/icons/app.svg", true, false, true, no_inputs,
     app_members},
    {"postgresql", WF_BLOCK_POSTGRESQL, "PostgreSQL", "/icons/postgresql.svg", true, false, false,
     database_inputs, database_members},
    {"mysql", WF_BLOCK_MYSQL, "MySQL", "/icons/mysql.svg", true, false, false, database_inputs,
     database_members},
    {"snowflake", WF_BLOCK_SNOWFLAKE, "Snowflake", "/icons/snowflake.svg", true, false, false,
     database_inputs, database_members},
    {"eventbridge", WF_BLOCK_EVENTBRIDGE, "Amazon EventBridge", "/icons/eventbridge.svg", true,
     false, false, eventbridge_inputs, no_members},
};

static const char *const custom_event_needs[] = {"event", NULL};
static const char *const schedule_needs[] = {"cron", NULL};
static const char *const app_needs[] = {"app", "trigger", NULL};
static const char *const nothing_needed[] = {NULL};

static const struct wf_trigger_kind trigger_kinds[] = {
    {"customEvent", WF_TRIGGER_CUSTOM_EVENT, "Custom Event", "/icons/custom-event.svg",
     custom_event_needs},
    {"webhook", WF_TRIGGER_WEBHOOK, "Webhook", "/icons/webhook.svg", nothing_needed},
    {"schedule", WF_TRIGGER_SCHEDULE, "Schedule", "/icons/schedule.svg", schedule_needs},
    {"onInstallation", WF_TRIGGER_ON_INSTALLATION, "On Installation Trigger",
     "/icons/on-installation.svg", nothing_needed},
    {"manual", WF_TRIGGER_MANUAL, "Manual", "/icons/manual.svg", nothing_needed},
    {"app", WF_TRIGGER_APP, NULL, "/icons/app.svg", app_needs},
};

const struct wf_block_kind *wf_block_kind_find(const char *type_name)
{
    for (size_t i = 0; type_name && i < WF_BLOCK_TYPE_COUNT; i++)
        if (strcmp(block_kinds[i].type_name, type_name) == 0)
            return &block_kinds[i];
    return NULL;
}

const struct wf_block_kind *wf_block_kind_of(enum wf_block_type type)
{
    return &block_kinds[type];
}

const struct wf_trigger_kind *wf_trigger_kind_find(const char *type_name)
{
    for (size_t i = 0; type_name && i < sizeof trigger_kinds / sizeof trigger_kinds[0]; i++)
        if (strcmp(trigger_kinds[i].type_name, type_name) == 0)
            return &trigger_kinds[i];
    return NULL;
}

const struct wf_trigger_kind *wf_trigger_kind_of(enum wf_trigger_type type)
{
    for (size_t i = 0; i < sizeof trigger_kinds / sizeof trigger_kinds[0]; i++)
        if (trigger_kinds[i].type == type)
            return &trigger_kinds[i];
    return &trigger_kinds[0];
}
