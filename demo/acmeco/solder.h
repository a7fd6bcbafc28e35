/*
 * AcmeCo's client of Solder's public HTTP API, as any ISV backend would use it: the API key in
 * Authorization, JSON in and out, libcurl underneath. Calls block (AcmeCo is a small demo app and
 * Solder runs beside it); every call is bounded by SOLDER_TIMEOUT_MS.
 */
#ifndef ACMECO_SOLDER_H
#define ACMECO_SOLDER_H

#include <cJSON.h>

/* Longest a call to Solder may take: a stopped Solder cannot hang AcmeCo's pages. */
#define SOLDER_TIMEOUT_MS 5000L

/* Where Solder is and the development API key (kept on AcmeCo's server only). Set once at start. */
void solder_configure(const char *base_url, const char *api_key);
const char *solder_url(void);

/* Calls METHOD base_url + path with body (borrowed, may be NULL). Returns the HTTP status (0 when
 * no answer came) and the answer parsed in *out (caller owns; a non-JSON answer becomes a string).
 */
long solder_call(const char *method, const char *path, const cJSON *body, cJSON **out);

/* The text of GET path (caller frees), or NULL. */
char *solder_get_text(const char *path);

#endif
