/*
 * Sealing and opening the secrets the engine keeps at rest (see sealed.h), the start-up pass that
 * seals what older versions stored in clear, and each worker's cached copy of its environment's
 * signing secret. Not here: credentials (connectors/credentials.c) and the server's private keys
 * (crypto/).
 */
#include "engine/sealed.h"

#include "crypto/sign.h"
#include "engine/definitions.h"
#include "engine/engine_internal.h"
#include "json/json.h"
#include "store/catalog.h"
#include "store/sealing.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* The member that marks a sealed field value. */
#define SEALED_MEMBER "$sealed"

bool sealed_field_secret(const struct wf_field *f)
{
    const char *format = json_get_str(f->schema, "format");
    return (format && strcmp(format, "password") == 0) ||
           cJSON_IsTrue(cJSON_GetObjectItem(f->schema, "writeOnly"));
}

/* The sealed text of a stored value {"$sealed": "..."}, or NULL when v is not one. */
static const char *sealed_text(const cJSON *v)
{
    return cJSON_IsObject(v) && cJSON_GetArraySize(v) == 1 ? json_get_str(v, SEALED_MEMBER) : NULL;
}

int sealed_config_seal(const struct secrets_key *k, const struct workflow_def *def, cJSON *config)
{
    for (int i = 0; def && i < def->nfields; i++) {
        cJSON *v = cJSON_GetObjectItemCaseSensitive(config, def->fields[i].name);
        if (!v || !sealed_field_secret(&def->fields[i]) || sealed_text(v))
            continue;
        char *plain = json_print(v);
        char *sealed = plain ? secrets_seal(k, plain, strlen(plain)) : NULL;
        secrets_free(plain);
        if (!sealed)
            return -1;
        cJSON *box = cJSON_CreateObject();
        cJSON_AddStringToObject(box, SEALED_MEMBER, sealed);
        free(sealed);
        json_replace(config, v, box);
    }
    return 0;
}

int sealed_config_open(const struct secrets_key *k, const struct workflow_def *def,
                       const cJSON *stored, cJSON *config, struct outbound_secrets *secrets,
                       char *err, size_t n)
{
    for (int i = 0; def && cJSON_IsObject(config) && i < def->nfields; i++) {
        const char *name = def->fields[i].name;
        const cJSON *v = cJSON_GetObjectItemCaseSensitive(stored, name);
        if (!v || !sealed_field_secret(&def->fields[i]))
            continue;
        cJSON *value = NULL;
        const char *text = sealed_text(v);
        if (text) {
            char *plain = secrets_open(k, text, NULL);
            value = plain ? json_parse(plain, strlen(plain), JSON_MAX_DEPTH, NULL) : NULL;
            secrets_free(plain);
            if (!value) {
                snprintf(err, n, "the value of field '%.60s' cannot be opened", name);
                return -1;
            }
        } else {
            value = cJSON_Duplicate(v, true);
        }
        outbound_secrets_add_all(secrets, value, NULL);
        cJSON_DeleteItemFromObjectCaseSensitive(config, name);
        cJSON_AddItemToObject(config, name, value);
    }
    return 0;
}

void sealed_config_hide(const struct workflow_def *def, cJSON *config)
{
    for (int i = 0; def && cJSON_IsObject(config) && i < def->nfields; i++)
        if (sealed_field_secret(&def->fields[i]))
            cJSON_DeleteItemFromObjectCaseSensitive(config, def->fields[i].name);
    for (cJSON *v = cJSON_IsObject(config) ? config->child : NULL, *next; v; v = next) {
        next = v->next;
        if (sealed_text(v)) /* sealed, whatever the definition says */
            cJSON_Delete(cJSON_DetachItemViaPointer(config, v));
    }
}

char *sealed_setting_seal(const struct secrets_key *k, const char *secret)
{
    return secret ? secrets_seal(k, secret, strlen(secret)) : NULL;
}

char *sealed_setting_open(const struct secrets_key *k, const char *stored)
{
    if (!stored)
        return NULL;
    if (strncmp(stored, "whsec_", 6) == 0)
        return strdup(stored);
    return secrets_open(k, stored, NULL);
}

/* ---- the start-up pass ---- */

/* stored sealed (malloc'd) when it is a clear whsec_ secret, else NULL (*changed tells which). */
static char *reseal(const struct secrets_key *k, const char *stored, bool *changed)
{
    if (!stored || strncmp(stored, "whsec_", 6) != 0)
        return stored ? strdup(stored) : NULL;
    *changed = true;
    return sealed_setting_seal(k, stored);
}

static int upgrade_settings(struct store *s, const struct secrets_key *k)
{
    struct sealing_settings_list rows;
    int rc = store_settings_secrets(s, &rows);
    for (size_t i = 0; rc == STORE_OK && i < rows.n; i++) {
        const struct sealing_settings *r = &rows.items[i];
        bool changed = false;
        char *hook = reseal(k, r->error_webhook_secret, &changed);
        char *sign = reseal(k, r->signing_secret, &changed);
        if (changed)
            rc = store_settings_secrets_set(s, r->env_id, hook, sign);
        free(hook);
        free(sign);
    }
    store_sealing_settings_list_free(&rows);
    return rc;
}

static int upgrade_configs(struct store *s, const struct secrets_key *k)
{
    struct sealing_installation_list rows;
    int rc = store_installations_with_secret_fields(s, &rows);
    for (size_t i = 0; rc == STORE_OK && i < rows.n; i++) {
        const struct sealing_installation *r = &rows.items[i];
        const struct workflow_def *def = definitions_get(s, r->workflow_id, r->version, NULL);
        char *before = json_print(r->config);
        if (def && sealed_config_seal(k, def, r->config) != 0)
            rc = STORE_ERROR;
        char *after = json_print(r->config);
        if (rc == STORE_OK && before && after && strcmp(before, after) != 0)
            rc = store_installation_set_config(s, r->id, r->config);
        secrets_free(before);
        free(after);
    }
    store_sealing_installation_list_free(&rows);
    return rc;
}

int sealed_upgrade(struct store *s, const struct secrets_key *k, char *err, size_t n)
{
    int rc = store_begin(s);
    if (rc == STORE_OK)
        rc = upgrade_settings(s, k);
    if (rc == STORE_OK)
        rc = upgrade_configs(s, k);
    if (rc == STORE_OK)
        rc = store_commit(s);
    else
        store_rollback(s);
    if (rc == STORE_OK)
        store_wal_fold(s);
    if (rc != STORE_OK)
        snprintf(err, n, "cannot seal the secrets stored in clear: %s", store_errmsg(s));
    return rc == STORE_OK ? 0 : -1;
}

/* ---- the workers' signing secret ---- */

void engine_settings_changed(struct engine *e)
{
    if (e)
        __atomic_add_fetch(&e->settings_gen, 1, __ATOMIC_RELEASE);
}

char *sealed_new_signing_secret(void *key)
{
    char *secret = sign_whsec_generate();
    char *sealed = sealed_setting_seal(key, secret);
    secrets_free(secret);
    return sealed;
}

const char *worker_signing_secret(struct worker *w, const char *env_id)
{
    unsigned long gen = __atomic_load_n(&w->engine->settings_gen, __ATOMIC_ACQUIRE);
    if (w->secret && strcmp(w->secret_env, env_id) == 0 && w->secret_gen == gen)
        return w->secret;
    secrets_free(w->secret);
    w->secret = NULL;
    const struct secrets_key *k = w->engine->master;
    struct settings st;
    store_signing_secret(w->store, env_id, sealed_new_signing_secret, (void *)k, &st);
    w->secret = sealed_setting_open(k, st.signing_secret);
    store_settings_clear(&st);
    snprintf(w->secret_env, sizeof w->secret_env, "%s", env_id);
    w->secret_gen = gen;
    return w->secret;
}
