/*
 * The catalog document: an environment's custom events, integrations and workflow drafts as one
 * JSON object ({"events": [...], "integrations": [{name, app, icon, description, workflows:
 * [definition, ...]}]}, docs/workflows.md). `solder export` / `solder import` (cli/catalog.c) and
 * the dashboard's promote (api/promote.c) are the same three steps: export, check, import.
 */
#ifndef SOLDER_API_CATALOG_DOC_H
#define SOLDER_API_CATALOG_DOC_H

#include <stdbool.h>
#include <stdio.h>

#include <cJSON.h>

#include "store/store.h"

/* The environment's document (caller owns), or NULL when the store fails. */
cJSON *catalog_doc_export(struct store *s, const char *env_id);

/* Every problem of a document as [{"path", "message"}] (empty when it can be imported); caller
 * owns. */
cJSON *catalog_doc_problems(const cJSON *doc);

/*
 * Imports a document that has no problems into the environment: objects are matched by name, new
 * ones created, changed ones updated, and (with release) each workflow whose definition differs
 * from its latest release is released as a new version. With dry_run nothing is written. *changes
 * (caller owns) lists every object as {"kind": "event" | "integration" | "workflow", "name",
 * "action": "create" | "update" | "unchanged", "details"?}. log, when not NULL, gets one line per
 * object as written. released_by names who released the versions it makes (NULL: unknown). Returns
 * a store status; the caller owns the transaction.
 */
int catalog_doc_import(struct store *s, const char *env_id, const cJSON *doc, bool release,
                       bool dry_run, const char *released_by, cJSON **changes, FILE *log);

#endif
