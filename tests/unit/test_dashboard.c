/* Dashboard sign-in parts below HTTP: password hashing, email checks, and the store's accounts,
 * sessions, setup token and failed-sign-in counts. */
#include "check.h"

#include "crypto/crypto.h"
#include "crypto/password.h"
#include "store/dashboard.h"
#include "util/cookie.h"
#include "util/email.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int count_accounts(const struct dashboard_account *a, void *arg)
{
    CHECK(a->password_hash == NULL);
    (*(int *)arg)++;
    return 0;
}

static void test_password(void)
{
    char h1[PASSWORD_HASH_MAX], h2[PASSWORD_HASH_MAX];
    CHECK_INT(crypto_password_hash("correct horse battery", h1), 0);
    CHECK_INT(crypto_password_hash("correct horse battery", h2), 0);
    CHECK(strncmp(h1, "$argon2id$v=19$", 15) == 0);
    CHECK(strstr(h1, "correct") == NULL);
    CHECK(strcmp(h1, h2) != 0); /* salted */
    CHECK(crypto_password_verify(h1, "correct horse battery"));
    CHECK(crypto_password_verify(h2, "correct horse battery"));
    CHECK(!crypto_password_verify(h1, "correct horse batterY"));
    CHECK(!crypto_password_verify(h1, ""));
    CHECK(!crypto_password_verify(NULL, "x"));
    CHECK(!crypto_password_verify("$argon2i$v=19$m=4096,t=3,p=1$c2FsdHNhbHQ$aGFzaA", "x"));
    CHECK(!crypto_password_verify("plain text", "plain text"));
    crypto_password_verify_none("anything");

    CHECK(crypto_password_weakness("0123456789") == NULL);
    CHECK(crypto_password_weakness("012345678") != NULL);
    CHECK(crypto_password_weakness("ééééééééé") != NULL);  /* 9 characters in 18 bytes */
    CHECK(crypto_password_weakness("éééééééééé") == NULL); /* 10 characters */
    char *huge = malloc(PASSWORD_MAX_BYTES + 2);
    memset(huge, 'a', PASSWORD_MAX_BYTES + 1);
    huge[PASSWORD_MAX_BYTES + 1] = '\0';
    CHECK(crypto_password_weakness(huge) != NULL);
    huge[PASSWORD_MAX_BYTES] = '\0';
    CHECK(crypto_password_weakness(huge) == NULL);
    free(huge);
}

static void test_email(void)
{
    const char *good[] = {"a@b.co", "ops@acme.test", "first.last+tag@sub.example.org"};
    const char *bad[] = {"",         "a@b",      "@b.co",    "a@.co",    "a@b.co.", "a@@b.co",
                         "a b@c.co", "a@b.co\n", "<a@b.co>", "a,b@c.co", "ab.co"};
    for (size_t i = 0; i < sizeof good / sizeof good[0]; i++)
        CHECK(email_plausible(good[i]));
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
        CHECK(!email_plausible(bad[i]));
    CHECK(!email_plausible(NULL));
    char local[80];
    memset(local, 'x', 65);
    snprintf(local + 65, sizeof local - 65, "@b.co");
    CHECK(!email_plausible(local)); /* local part over 64 */
}

static void test_cookie(void)
{
    char v[16];
    CHECK(cookie_value("solder_session=abc", "solder_session", v, sizeof v));
    CHECK_STR(v, "abc");
    CHECK(cookie_value("x=1; solder_session=def ; y=2", "solder_session", v, sizeof v));
    CHECK_STR(v, "def");
    CHECK(cookie_value("xsolder_session=1;solder_sessionx=2;solder_session=3", "solder_session", v,
                       sizeof v));
    CHECK_STR(v, "3");
    CHECK(cookie_value("a=; b=2", "a", v, sizeof v));
    CHECK_STR(v, "");
    CHECK(!cookie_value("a=0123456789abcdef", "a", v, sizeof v)); /* does not fit */
    CHECK(!cookie_value("b=1; c=2", "a", v, sizeof v));
    CHECK(!cookie_value("a", "a", v, sizeof v));
    CHECK(!cookie_value("", "a", v, sizeof v));
    CHECK(!cookie_value(NULL, "a", v, sizeof v));
}

static void test_store(struct store *s)
{
    CHECK_INT(store_dashboard_account_count(s), 0);
    char id[ID_LEN + 1];
    id_new(id);
    CHECK_INT(store_dashboard_account_insert(s, id, "Ops@Acme.test", "$argon2id$h1"), STORE_OK);
    char other[ID_LEN + 1];
    id_new(other);
    CHECK_INT(store_dashboard_account_insert(s, other, "ops@acme.TEST", "$argon2id$h2"),
              STORE_CONFLICT);
    CHECK_INT(store_dashboard_account_count(s), 1);

    struct dashboard_account a;
    CHECK_INT(store_dashboard_account_find(s, "OPS@ACME.TEST", &a), STORE_OK);
    CHECK_STR(a.id, id);
    CHECK_STR(a.email, "Ops@Acme.test");
    CHECK_STR(a.password_hash, "$argon2id$h1");
    store_dashboard_account_clear(&a);
    CHECK_INT(store_dashboard_account_find(s, id, &a), STORE_OK);
    store_dashboard_account_clear(&a);
    CHECK_INT(store_dashboard_account_find(s, "nobody@acme.test", &a), STORE_NOT_FOUND);
    int n = 0;
    CHECK_INT(store_dashboard_account_each(s, count_accounts, &n), STORE_OK);
    CHECK_INT(n, 1);

    /* Sessions: by hash, environment switch, touch, purge, and the end of all at a new password. */
    unsigned char h1[32], h2[32];
    crypto_sha256("session one", 11, h1);
    crypto_sha256("session two", 11, h2);
    CHECK_INT(store_dashboard_session_insert(s, h1, id, "development", 1000), STORE_OK);
    CHECK_INT(store_dashboard_session_insert(s, h2, id, "development", 5000), STORE_OK);
    struct dashboard_session d;
    CHECK_INT(store_dashboard_session_find(s, h1, &d), STORE_OK);
    CHECK_STR(d.email, "Ops@Acme.test");
    CHECK_STR(d.environment, "development");
    CHECK_INT(d.created_at, 1000);
    CHECK_INT(store_dashboard_session_set_environment(s, h1, "production"), STORE_OK);
    CHECK_INT(store_dashboard_session_touch(s, h1, 9000), STORE_OK);
    CHECK_INT(store_dashboard_session_find(s, h1, &d), STORE_OK);
    CHECK_STR(d.environment, "production");
    CHECK_INT(d.last_seen_at, 9000);
    /* h2 was last seen at 5000: a purge of sessions unseen since 6000 ends it, not h1. */
    CHECK_INT(store_dashboard_sessions_purge(s, 0, 6000), STORE_OK);
    CHECK_INT(store_dashboard_session_find(s, h2, &d), STORE_NOT_FOUND);
    CHECK_INT(store_dashboard_session_find(s, h1, &d), STORE_OK);
    CHECK_INT(store_dashboard_sessions_purge(s, 1001, 0), STORE_OK); /* created before 1001 */
    CHECK_INT(store_dashboard_session_find(s, h1, &d), STORE_NOT_FOUND);
    CHECK_INT(store_dashboard_session_insert(s, h1, id, "development", 1000), STORE_OK);
    CHECK_INT(store_dashboard_account_set_password(s, id, "$argon2id$h3"), STORE_OK);
    CHECK_INT(store_dashboard_session_find(s, h1, &d), STORE_NOT_FOUND);
    CHECK_INT(store_dashboard_account_find(s, id, &a), STORE_OK);
    CHECK_STR(a.password_hash, "$argon2id$h3");
    store_dashboard_account_clear(&a);
    CHECK_INT(store_dashboard_account_set_password(s, "nobody", "$argon2id$h4"), STORE_NOT_FOUND);
    CHECK_INT(store_dashboard_session_insert(s, h2, id, "development", 1000), STORE_OK);
    CHECK_INT(store_dashboard_session_delete(s, h2), STORE_OK);
    CHECK_INT(store_dashboard_session_delete(s, h2), STORE_NOT_FOUND);
    CHECK_INT(store_dashboard_session_insert(s, h2, id, "development", 1000), STORE_OK);
    CHECK_INT(store_dashboard_account_delete(s, id), STORE_OK);
    CHECK_INT(store_dashboard_session_find(s, h2, &d), STORE_NOT_FOUND); /* cascaded */
    CHECK_INT(store_dashboard_account_delete(s, id), STORE_NOT_FOUND);

    /* The setup token: the newest replaces older ones, works once, not after it expires. */
    unsigned char t1[32], t2[32];
    crypto_sha256("token one", 9, t1);
    crypto_sha256("token two", 9, t2);
    CHECK_INT(store_setup_token_replace(s, t1, 10000), STORE_OK);
    CHECK_INT(store_setup_token_replace(s, t2, 10000), STORE_OK);
    CHECK_INT(store_setup_token_take(s, t1, 5000), STORE_NOT_FOUND);
    CHECK_INT(store_setup_token_take(s, t2, 5000), STORE_OK);
    CHECK_INT(store_setup_token_take(s, t2, 5000), STORE_NOT_FOUND);
    CHECK_INT(store_setup_token_replace(s, t1, 10000), STORE_OK);
    CHECK_INT(store_setup_token_take(s, t1, 10000), STORE_NOT_FOUND); /* expired */
    CHECK_INT(store_setup_token_take(s, t1, 0), STORE_NOT_FOUND);     /* and gone */

    /* Failed sign-ins: counted within a window, restarted after it, cleared. */
    int failures;
    int64_t first;
    CHECK_INT(store_login_failures(s, "account:x", &failures, &first), STORE_OK);
    CHECK_INT(failures, 0);
    CHECK_INT(store_login_failure_add(s, "account:x", 1000, 500), STORE_OK);
    CHECK_INT(store_login_failure_add(s, "account:x", 1200, 500), STORE_OK);
    CHECK_INT(store_login_failures(s, "account:x", &failures, &first), STORE_OK);
    CHECK_INT(failures, 2);
    CHECK_INT(first, 1000);
    CHECK_INT(store_login_failure_add(s, "account:x", 1500, 500), STORE_OK); /* window over */
    CHECK_INT(store_login_failures(s, "account:x", &failures, &first), STORE_OK);
    CHECK_INT(failures, 1);
    CHECK_INT(first, 1500);
    CHECK_INT(store_login_failure_add(s, "address:y", 1700, 500), STORE_OK);
    CHECK_INT(store_login_failure_add(s, "address:z", 2100, 500), STORE_OK); /* x's window over */
    CHECK_INT(store_login_failures(s, "account:x", &failures, &first), STORE_OK);
    CHECK_INT(failures, 0);
    CHECK_INT(store_login_failures(s, "address:y", &failures, &first), STORE_OK);
    CHECK_INT(failures, 1); /* 1700 + 500 > 2100: still counted */
    CHECK_INT(store_login_failure_add(s, "account:x", 2100, 500), STORE_OK);
    CHECK_INT(store_login_failures_clear(s, "account:x"), STORE_OK);
    CHECK_INT(store_login_failures(s, "account:x", &failures, &first), STORE_OK);
    CHECK_INT(failures, 0);
}

int main(void)
{
    test_password();
    test_email();
    test_cookie();
    char dir[] = "/tmp/solder-dashboard-XXXXXX";
    CHECK(mkdtemp(dir) != NULL);
    char path[128], err[256];
    snprintf(path, sizeof path, "%s/solder.db", dir);
    struct store *s = store_open(path, err, sizeof err);
    CHECK(s != NULL);
    if (s)
        test_store(s);
    store_close(s);
    char cmd[200];
    snprintf(cmd, sizeof cmd, "rm -rf %s", dir);
    CHECK(system(cmd) == 0);
    return check_summary("test_dashboard");
}
