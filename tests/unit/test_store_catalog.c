/* Store: the typed catalog (catalog.h): integrations, workflows and released versions, custom
 * events, settings and server keys — members filled, absent columns NULL, lists freed. */
#include "check.h"
#include "store_fixture.h"

#include "json/json.h"
#include "store/catalog.h"
#include "store/store.h"

#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

static char *fixed_secret(void *arg)
{
    return strdup(arg);
}

static void integrations(struct store *s, const char *env, const char *other)
{
    CHECK_INT(store_integration_insert(s, env, "int_a", "Shop", "shopify", NULL, "Orders"),
              STORE_OK);
    CHECK_INT(store_integration_insert(s, env, "int_b", "Store", "bigcommerce", "b.svg", NULL),
              STORE_OK);
    CHECK_INT(store_integration_insert(s, env, "int_c", "Shop", "x", NULL, NULL), STORE_CONFLICT);

    struct integration i;
    CHECK_INT(store_integration_find(s, env, "Shop", &i), STORE_OK);
    CHECK_STR(i.id, "int_a");
    CHECK_STR(i.name, "Shop");
    CHECK_STR(i.app, "shopify");
    CHECK(i.icon == NULL);
    CHECK_STR(i.description, "Orders");
    CHECK(i.created_at > 0 && i.updated_at == i.created_at);
    store_integration_clear(&i);
    CHECK(i.name == NULL && i.id[0] == 0);
    store_integration_clear(&i); /* a cleared struct clears again */

    CHECK_INT(store_integration_find(s, env, "bigcommerce", &i), STORE_OK); /* by app */
    CHECK_STR(i.id, "int_b");
    CHECK_STR(i.icon, "b.svg");
    CHECK(i.description == NULL);
    store_integration_clear(&i);
    CHECK_INT(store_integration_find(s, env, "nope", &i), STORE_NOT_FOUND);
    CHECK(i.name == NULL);
    CHECK_INT(store_integration_find(s, other, "Shop", &i), STORE_NOT_FOUND);

    CHECK_INT(store_integration_update(s, env, "int_a", NULL, NULL, "a.svg", NULL), STORE_OK);
    CHECK_INT(store_integration_find(s, env, "int_a", &i), STORE_OK);
    CHECK_STR(i.icon, "a.svg");
    CHECK_STR(i.name, "Shop");
    store_integration_clear(&i);

    struct integration_list l;
    CHECK_INT(store_integrations(s, env, &l), STORE_OK);
    CHECK_INT(l.n, 2);
    if (l.n == 2) {
        CHECK_STR(l.items[0].id, "int_a");
        CHECK_STR(l.items[1].name, "Store");
    }
    store_integration_list_free(&l);
    CHECK(l.items == NULL && l.n == 0);
    CHECK_INT(store_integrations(s, other, &l), STORE_OK);
    CHECK_INT(l.n, 0);
    store_integration_list_free(&l);
}

static void workflows(struct store *s, const char *env)
{
    cJSON *draft = cJSON_Parse("{\"name\":\"Sync\",\"trigger\":{\"type\":\"webhook\"}}");
    CHECK_INT(store_workflow_insert(s, env, "wf_a", "int_a", "Sync", draft), STORE_OK);
    CHECK_INT(store_integration_delete(s, env, "int_a"), STORE_CONFLICT);

    struct workflow w;
    CHECK_INT(store_workflow_find(s, env, "Sync", &w), STORE_OK);
    CHECK_STR(w.id, "wf_a");
    CHECK_STR(w.integration_id, "int_a");
    CHECK_STR(w.name, "Sync");
    CHECK_INT(w.version, 0);
    CHECK(json_equal(w.draft, draft));
    store_workflow_clear(&w);
    CHECK_INT(store_workflow_find(s, env, "Other", &w), STORE_NOT_FOUND);

    struct workflow_version v;
    CHECK_INT(store_workflow_version(s, "wf_a", 0, &v), STORE_NOT_FOUND);
    cJSON *blocks = cJSON_Parse("[{\"id\":\"b1\"}]"), *fields = cJSON_Parse("[]");
    int version = 0;
    CHECK_INT(store_workflow_release(s, env, "wf_a", draft, "webhook", NULL, blocks, fields, NULL,
                                     &version),
              STORE_OK);
    CHECK_INT(version, 1);
    CHECK_INT(store_workflow_release(s, env, "wf_a", draft, "custom_event", "order.created", blocks,
                                     fields, "ops@example.com", &version),
              STORE_OK);
    CHECK_INT(version, 2);
    CHECK_INT(store_workflow_release(s, env, "wf_x", draft, "webhook", NULL, blocks, fields, NULL,
                                     &version),
              STORE_NOT_FOUND);

    CHECK_INT(store_workflow_version(s, "wf_a", 0, &v), STORE_OK);
    CHECK_INT(v.version, 2);
    CHECK_STR(v.trigger_type, "custom_event");
    CHECK_STR(v.trigger_event, "order.created");
    CHECK(json_equal(v.definition, draft));
    CHECK(json_equal(v.blocks, blocks));
    CHECK(json_equal(v.fields, fields));
    CHECK(v.released_at > 0);
    store_workflow_version_clear(&v);
    CHECK(v.definition == NULL);
    CHECK_INT(store_workflow_version(s, "wf_a", 1, &v), STORE_OK);
    CHECK_INT(v.version, 1);
    CHECK(v.trigger_event == NULL);
    store_workflow_version_clear(&v);

    struct workflow_version_list vl;
    CHECK_INT(store_workflow_versions(s, "wf_a", &vl), STORE_OK);
    CHECK_INT(vl.n, 2);
    if (vl.n == 2) {
        CHECK_INT(vl.items[0].version, 1);
        CHECK(vl.items[0].released_by == NULL);
        CHECK_STR(vl.items[1].released_by, "ops@example.com");
        CHECK_STR(vl.items[1].trigger_type, "custom_event");
        CHECK(vl.items[1].definition == NULL);
    }
    store_workflow_version_list_free(&vl);

    cJSON *next = cJSON_Parse("{\"name\":\"Sync 2\"}");
    CHECK_INT(store_workflow_update_draft(s, env, "wf_a", "Sync 2", next), STORE_OK);
    CHECK_INT(store_workflow_update_draft(s, env, "wf_x", "Sync 2", next), STORE_NOT_FOUND);
    CHECK_INT(store_workflow_insert(s, env, "wf_b", "int_b", "Other", draft), STORE_OK);

    struct workflow_list wl;
    CHECK_INT(store_workflows(s, env, &wl), STORE_OK);
    CHECK_INT(wl.n, 2);
    if (wl.n == 2) {
        CHECK_STR(wl.items[0].name, "Sync 2");
        CHECK_INT(wl.items[0].version, 2);
        CHECK(json_equal(wl.items[0].draft, next));
        CHECK_STR(wl.items[1].id, "wf_b");
    }
    store_workflow_list_free(&wl);
    CHECK_INT(store_workflows_of_integration(s, "int_b", &wl), STORE_OK);
    CHECK_INT(wl.n, 1);
    if (wl.n == 1)
        CHECK_STR(wl.items[0].integration_id, "int_b");
    store_workflow_list_free(&wl);
    cJSON_Delete(next);
    cJSON_Delete(blocks);
    cJSON_Delete(fields);
    cJSON_Delete(draft);
}

static void events(struct store *s, const char *env)
{
    cJSON *body = cJSON_Parse("{\"id\":\"string\"}");
    cJSON *schema = cJSON_Parse("{\"type\":\"object\"}");
    CHECK_INT(store_event_upsert(s, env, "order.created", NULL, body, schema, true), STORE_OK);
    CHECK_INT(store_event_upsert(s, env, "order.created", NULL, body, schema, true),
              STORE_CONFLICT);
    CHECK_INT(store_event_upsert(s, env, "order.paid", "Paid", body, NULL, false), STORE_NOT_FOUND);
    CHECK_INT(store_event_upsert(s, env, "order.paid", "Paid", body, schema, true), STORE_OK);

    struct custom_event e;
    CHECK_INT(store_event_find(s, env, "order.created", &e), STORE_OK);
    CHECK_STR(e.name, "order.created");
    CHECK(e.description == NULL);
    CHECK(json_equal(e.body, body));
    CHECK(json_equal(e.schema, schema));
    int64_t updated = 0;
    CHECK_INT(store_event_updated_at(s, env, "order.created", &updated), STORE_OK);
    CHECK(updated > 0 && updated == e.updated_at);
    store_custom_event_clear(&e);
    CHECK_INT(store_event_find(s, env, "nope", &e), STORE_NOT_FOUND);

    struct custom_event_list l;
    CHECK_INT(store_events(s, env, &l), STORE_OK);
    CHECK_INT(l.n, 2);
    if (l.n == 2) {
        CHECK_STR(l.items[0].name, "order.created");
        CHECK_STR(l.items[1].description, "Paid");
        CHECK(json_equal(l.items[1].schema, schema));
    }
    store_custom_event_list_free(&l);
    CHECK_INT(store_event_delete(s, env, "order.paid"), STORE_OK);
    CHECK_INT(store_event_delete(s, env, "order.paid"), STORE_NOT_FOUND);
    cJSON_Delete(body);
    cJSON_Delete(schema);
}

static void settings(struct store *s, const char *env)
{
    struct settings st;
    CHECK_INT(store_settings(s, env, &st), STORE_OK);
    CHECK_STR(st.env_id, env);
    CHECK(st.error_webhook_url == NULL && st.signing_secret == NULL && st.rate_limits == NULL);
    CHECK_INT(st.log_retention_days, 60);
    store_settings_clear(&st);
    CHECK_INT(store_settings(s, "env_missing", &st), STORE_NOT_FOUND);

    CHECK_INT(store_settings_update(s, env, "https://hooks.example.com", "sealed:1", 14,
                                    "{\"run\":{\"rate\":5,\"burst\":10}}"),
              STORE_OK);
    CHECK_INT(store_settings_eventbridge_set(s, env, "{\"region\":\"eu-west-1\"}"), STORE_OK);
    CHECK_INT(store_signing_secret(s, env, fixed_secret, "sealed:sign", &st), STORE_OK);
    CHECK_STR(st.error_webhook_url, "https://hooks.example.com");
    CHECK_STR(st.error_webhook_secret, "sealed:1");
    CHECK_STR(st.signing_secret, "sealed:sign");
    CHECK_INT(st.log_retention_days, 14);
    CHECK_STR(st.rate_limits, "{\"run\":{\"rate\":5,\"burst\":10}}");
    CHECK_STR(st.error_eventbridge, "{\"region\":\"eu-west-1\"}");
    store_settings_clear(&st);
    CHECK(st.signing_secret == NULL && st.error_webhook_secret == NULL);
    /* Afterwards a read: the first secret stays. */
    CHECK_INT(store_signing_secret(s, env, fixed_secret, "sealed:other", &st), STORE_OK);
    CHECK_STR(st.signing_secret, "sealed:sign");
    store_settings_clear(&st);
    CHECK_INT(store_signing_secret_set(s, env, "sealed:rotated"), STORE_OK);
    CHECK_INT(store_settings(s, env, &st), STORE_OK);
    CHECK_STR(st.signing_secret, "sealed:rotated");
    store_settings_clear(&st);
}

static void server_keys(struct store *s)
{
    struct server_key k;
    CHECK_INT(store_server_key(s, "test-key", NULL, NULL, &k), STORE_NOT_FOUND);
    CHECK(k.private_pem == NULL);
    CHECK_INT(store_server_key(s, "test-key", "sealed:priv", "PUBLIC", &k), STORE_OK);
    CHECK_STR(k.private_pem, "sealed:priv");
    CHECK_STR(k.public_pem, "PUBLIC");
    store_server_key_clear(&k);
    CHECK_INT(store_server_key(s, "test-key", "sealed:again", "OTHER", &k), STORE_OK);
    CHECK_STR(k.private_pem, "sealed:priv"); /* inserted only when none exists */
    store_server_key_clear(&k);
    CHECK_INT(store_server_key_set_private(s, "test-key", "sealed:new"), STORE_OK);
    CHECK_INT(store_server_key(s, "test-key", NULL, NULL, &k), STORE_OK);
    CHECK_STR(k.private_pem, "sealed:new");
    store_server_key_clear(&k);
}

int main(void)
{
    struct store_fixture fx;
    struct store *s = store_fixture_open(&fx, "catalog");
    if (!s)
        return check_summary("store_catalog");
    struct environment dev = fx.dev, prod = fx.prod;

    integrations(s, dev.id, prod.id);
    workflows(s, dev.id);
    events(s, dev.id);
    settings(s, dev.id);
    server_keys(s);

    store_fixture_close(&fx);
    return check_summary("store_catalog");
}
