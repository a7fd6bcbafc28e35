/* Store: the typed credentials.h — credentials, OAuth2 requests in flight, app-trigger
 * subscriptions and inbound deliveries: members filled, absent columns NULL or "", lists freed. */
#include "check.h"
#include "store_fixture.h"

#include "json/json.h"
#include "store/catalog.h"
#include "store/credentials.h"
#include "store/runs.h"
#include "store/store.h"

#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

static void credentials(struct store *s, const char *env, const char *user)
{
    char first[ID_LEN + 1], second[ID_LEN + 1];
    CHECK_INT(store_credential_insert(s, env, user, "shopify", "Shop A", "v1.sealed-a", first),
              STORE_OK);
    usleep(2000); /* the newest is chosen by creation time */
    CHECK_INT(store_credential_insert(s, env, user, "shopify", "Shop B", "v1.sealed-b", second),
              STORE_OK);

    struct credential_list l;
    CHECK_INT(store_credentials_of_user(s, env, user, &l), STORE_OK);
    CHECK_INT(l.n, 2);
    if (l.n == 2) {
        CHECK_STR(l.items[0].id, first);
        CHECK_STR(l.items[0].type, "shopify");
        CHECK_STR(l.items[1].name, "Shop B");
        CHECK(l.items[0].created_at > 0 && l.items[0].updated_at == l.items[0].created_at);
        CHECK(l.items[0].sealed == NULL); /* a listing never carries the sealed data */
    }
    store_credential_list_free(&l);
    CHECK(l.items == NULL && l.n == 0);

    struct credential c;
    CHECK_INT(store_credential_find(s, env, user, first, &c), STORE_OK);
    CHECK_STR(c.id, first);
    CHECK_STR(c.sealed, "v1.sealed-a");
    CHECK(c.error == NULL);
    store_credential_clear(&c);
    CHECK(c.sealed == NULL && c.id[0] == 0);
    CHECK_INT(store_credential_find(s, env, "usr_other", first, &c), STORE_NOT_FOUND);
    CHECK(c.sealed == NULL);

    CHECK_INT(store_credential_latest(s, env, user, "shopify", NULL, &c), STORE_OK);
    CHECK_STR(c.id, second);
    store_credential_clear(&c);
    CHECK_INT(store_credential_latest(s, env, user, "hubspot", NULL, &c), STORE_NOT_FOUND);

    CHECK_INT(store_credential_set_error(s, second, "refresh refused"), STORE_OK);
    CHECK_INT(store_credential_find(s, env, user, second, &c), STORE_OK);
    CHECK_STR(c.error, "refresh refused");
    store_credential_clear(&c);
    CHECK_INT(store_credential_reseal(s, second, "v1.sealed-c"), STORE_OK);
    CHECK_INT(store_credential_find(s, env, user, second, &c), STORE_OK);
    CHECK(c.error == NULL);
    CHECK_STR(c.sealed, "v1.sealed-c");
    store_credential_clear(&c);

    CHECK_INT(store_credential_delete(s, env, user, first), STORE_OK);
    CHECK_INT(store_credential_find(s, env, user, first, &c), STORE_NOT_FOUND);
}

static void oauth_states(struct store *s, const char *env, const char *user)
{
    cJSON *params = cJSON_Parse("{\"$sealed\":\"v1.params\"}");
    CHECK_INT(store_oauth_state_insert(s, "st-1", env, user, "hubspot", "v1.verifier", params,
                                       "https://solder.example.com/oauth/callback"),
              STORE_OK);
    struct oauth_state_list l;
    CHECK_INT(store_oauth_states_ready(s, &l), STORE_OK);
    CHECK_INT(l.n, 0); /* no code yet */
    store_oauth_state_list_free(&l);
    CHECK_INT(store_oauth_state_code(s, "st-1", "v1.code", 60000), STORE_OK);
    CHECK_INT(store_oauth_state_code(s, "st-1", "v1.code", 60000), STORE_NOT_FOUND); /* once */
    CHECK_INT(store_oauth_states_ready(s, &l), STORE_OK);
    CHECK_INT(l.n, 1);
    if (l.n == 1) {
        CHECK_STR(l.items[0].state, "st-1");
        CHECK_STR(l.items[0].env_id, env);
        CHECK_STR(l.items[0].user_id, user);
        CHECK_STR(l.items[0].app, "hubspot");
        CHECK_STR(l.items[0].sealed_verifier, "v1.verifier");
        CHECK_STR(l.items[0].sealed_code, "v1.code");
        CHECK_STR(l.items[0].redirect_uri, "https://solder.example.com/oauth/callback");
        CHECK(json_equal(l.items[0].params, params));
    }
    store_oauth_state_list_free(&l);
    CHECK_INT(store_oauth_state_delete(s, "st-1", 60000), STORE_OK);
    CHECK_INT(store_oauth_states_ready(s, &l), STORE_OK);
    CHECK_INT(l.n, 0);
    store_oauth_state_list_free(&l);
    cJSON_Delete(params);
}

static void subscriptions(struct store *s, const char *env, const char *user)
{
    cJSON *def = cJSON_Parse("{\"name\":\"On order\"}"), *config = cJSON_CreateObject();
    CHECK_INT(store_integration_insert(s, env, "int_1", "Shop", "shopify", NULL, NULL), STORE_OK);
    CHECK_INT(store_workflow_insert(s, env, "wf_1", "int_1", "On order", def), STORE_OK);
    char inst[ID_LEN + 1];
    CHECK_INT(
        store_installation_upsert(s, env, "wf_1", user, "int_1", 3, config, "app", NULL, inst),
        STORE_OK);

    struct subscription_need_list needs;
    CHECK_INT(store_subscriptions_missing(s, &needs), STORE_OK);
    CHECK_INT(needs.n, 1);
    if (needs.n == 1) {
        CHECK_STR(needs.items[0].env_id, env);
        CHECK_STR(needs.items[0].user_id, user);
        CHECK_STR(needs.items[0].workflow_id, "wf_1");
        CHECK_STR(needs.items[0].installation_id, inst);
        CHECK_INT(needs.items[0].version, 3);
    }
    store_subscription_need_list_free(&needs);

    struct subscription sub, again;
    CHECK_INT(store_subscription_ensure(s, env, user, "wf_1", "shopify", "orders/create",
                                        "v1.secret", &sub),
              STORE_OK);
    CHECK(sub.id[0] != 0);
    CHECK_STR(sub.workflow_id, "wf_1");
    CHECK_STR(sub.app, "shopify");
    CHECK_STR(sub.trigger, "orders/create");
    CHECK_STR(sub.sealed_secret, "v1.secret");
    CHECK_STR(sub.state, "pending");
    CHECK_STR(sub.credential_id, "");
    CHECK(sub.remote == NULL && sub.error == NULL && !sub.has_retry_at);
    CHECK_INT(sub.attempts, 0);
    CHECK_INT(sub.last_attempt_at, 0);
    CHECK_INT(store_subscription_ensure(s, env, user, "wf_1", "shopify", "orders/create",
                                        "v1.other", &again),
              STORE_OK);
    CHECK_STR(again.id, sub.id); /* the existing one */
    CHECK_STR(again.sealed_secret, "v1.secret");
    store_subscription_clear(&again);

    CHECK_INT(store_subscription_fail(s, sub.id, NULL, "HTTP 503", 1000), STORE_OK);
    CHECK_INT(store_subscription_find(s, sub.id, &again), STORE_OK);
    CHECK_STR(again.state, "error");
    CHECK_STR(again.error, "HTTP 503");
    CHECK_INT(again.attempts, 1);
    CHECK(again.has_retry_at);
    CHECK_INT(again.retry_at, 1000);
    CHECK(again.last_attempt_at > 0);
    store_subscription_clear(&again);
    CHECK_INT(store_subscriptions_due(s, 999, 10, &needs), STORE_OK);
    CHECK_INT(needs.n, 0);
    store_subscription_need_list_free(&needs);
    CHECK_INT(store_subscriptions_due(s, 1000, 10, &needs), STORE_OK);
    CHECK_INT(needs.n, 1);
    if (needs.n == 1)
        CHECK_STR(needs.items[0].installation_id, inst);
    store_subscription_need_list_free(&needs);
    CHECK_INT(store_subscriptions_retry_now(s, env, user, "SHOPIFY"), STORE_OK);
    CHECK_INT(store_subscription_find(s, sub.id, &again), STORE_OK);
    CHECK(again.has_retry_at); /* at once: 0 is a time, not an absence */
    CHECK_INT(again.retry_at, 0);
    store_subscription_clear(&again);

    cJSON *remote = cJSON_Parse("{\"hookId\":42}");
    CHECK_INT(store_subscription_update(s, sub.id, "active", "crd_1", remote, NULL), STORE_OK);
    CHECK_INT(store_subscription_update(s, "sub_none", "active", NULL, NULL, NULL),
              STORE_NOT_FOUND);
    struct subscription_list l;
    CHECK_INT(store_subscriptions_active(s, &l), STORE_OK);
    CHECK_INT(l.n, 1);
    if (l.n == 1) {
        CHECK_STR(l.items[0].id, sub.id);
        CHECK_STR(l.items[0].credential_id, "crd_1");
        CHECK(json_equal(l.items[0].remote, remote));
        CHECK_INT(l.items[0].version, 3);
        CHECK(l.items[0].error == NULL);
    }
    store_subscription_list_free(&l);
    CHECK_INT(store_subscriptions_of_env(s, env, &l), STORE_OK);
    CHECK_INT(l.n, 1);
    if (l.n == 1) {
        CHECK_STR(l.items[0].state, "active");
        CHECK(!l.items[0].has_retry_at); /* active ends the series of failures */
        CHECK(l.items[0].last_attempt_at > 0);
        CHECK(l.items[0].sealed_secret == NULL);
    }
    store_subscription_list_free(&l);
    CHECK_INT(store_subscriptions_stale(s, &l), STORE_OK);
    CHECK_INT(l.n, 0);
    store_subscription_list_free(&l);

    CHECK_INT(store_poll_seen_insert(s, sub.id, "k1"), STORE_OK);
    CHECK_INT(store_poll_seen_insert(s, sub.id, "k1"), STORE_CONFLICT);

    CHECK_INT(store_delivery_insert(s, sub.id, "{\"id\":1}"), STORE_OK);
    struct delivery_list dl;
    CHECK_INT(store_deliveries_next(s, 10, &dl), STORE_OK);
    CHECK_INT(dl.n, 1);
    if (dl.n == 1) {
        CHECK_STR(dl.items[0].subscription_id, sub.id);
        CHECK_STR(dl.items[0].payload, "{\"id\":1}");
        CHECK(dl.items[0].created_at > 0);
        CHECK_INT(store_delivery_delete(s, dl.items[0].id), STORE_OK);
    }
    store_delivery_list_free(&dl);
    CHECK_INT(store_deliveries_next(s, 10, &dl), STORE_OK);
    CHECK_INT(dl.n, 0);
    store_delivery_list_free(&dl);

    CHECK_INT(store_subscription_delete(s, sub.id), STORE_OK);
    CHECK_INT(store_subscription_find(s, sub.id, &again), STORE_NOT_FOUND);
    store_subscription_clear(&sub);
    cJSON_Delete(remote);
    cJSON_Delete(config);
    cJSON_Delete(def);
}

int main(void)
{
    struct store_fixture fx;
    struct store *s = store_fixture_open(&fx, "credentials");
    if (!s)
        return check_summary("store_credentials");
    struct environment dev = fx.dev;
    struct user u = {.created_at = store_now()};
    CHECK_INT(id_new(u.id), 0);
    snprintf(u.env_id, sizeof u.env_id, "%s", dev.id);
    u.username = "shopper";
    CHECK_INT(store_user_insert(s, &u), STORE_OK);

    credentials(s, dev.id, u.id);
    oauth_states(s, dev.id, u.id);
    subscriptions(s, dev.id, u.id);

    store_fixture_close(&fx);
    return check_summary("store_credentials");
}
