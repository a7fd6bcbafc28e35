/*
 * Shared between the workflow module's files only: the tables of block and trigger types, and the
 * error list helpers.
 */
#ifndef SOLDER_WORKFLOW_INTERNAL_H
#define SOLDER_WORKFLOW_INTERNAL_H

#include "workflow/workflow.h"

struct wf_input_spec {
    const char *name;
    bool required;
};

/* One row per block type: what the parser accepts and what the summary shows. */
struct wf_block_kind {
    const char *type_name;
    enum wf_block_type type;
    const char *default_name;
    const char *icon;
    bool is_call;        /* run by the host (I/O) */
    bool top_level_only; /* delay: its resume point is a top-level index */
    bool open_inputs;    /* appAction: input names belong to the connector's action */
    const struct wf_input_spec *inputs; /* ends with a NULL name */
    const char *const *members;         /* type-specific members, NULL-terminated */
};

/* One row per trigger type. */
struct wf_trigger_kind {
    const char *type_name;
    enum wf_trigger_type type;
    const char *default_name;
    const char *icon;
    const char *const *required; /* string members it needs, NULL-terminated */
};

const struct wf_block_kind *wf_block_kind_find(const char *type_name);
const struct wf_block_kind *wf_block_kind_of(enum wf_block_type type);
const struct wf_trigger_kind *wf_trigger_kind_find(const char *type_name);
const struct wf_trigger_kind *wf_trigger_kind_of(enum wf_trigger_type type);

/* Appends "path: message" to errs unless it is full. errs may be NULL. */
void wf_error_add(struct workflow_errors *errs, const char *path, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

#endif
