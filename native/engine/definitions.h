/*
 * Parsed released workflow versions, shared by the API thread and the workers. A released version
 * never changes, so each is parsed (and its expressions compiled) once and kept for the life of the
 * process; lookups take a mutex only around the table.
 */
#ifndef SOLDER_DEFINITIONS_H
#define SOLDER_DEFINITIONS_H

#include "store/store.h"
#include "workflow/workflow.h"

/* The parsed definition of workflow_id at version (0 = latest released), loaded through s on a
 * miss. Borrowed: valid until definitions_shutdown. NULL when there is no such version (or it no
 * longer parses, which is logged). *version_out receives the version found when not NULL. */
const struct workflow_def *definitions_get(struct store *s, const char *workflow_id, int version,
                                           int *version_out);

void definitions_shutdown(void);

#endif
