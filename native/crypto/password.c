/*
 * Argon2id password hashing with libsodium's crypto_pwhash (password.h). Not here: password
 * policy beyond length, and where passwords come from (the CLI's prompt, the sign-in API).
 */
#include "crypto/password.h"

#include <pthread.h>
#include <sodium.h>
#include <string.h>

/*
 * Cost of a new hash: two passes over 19 MiB, the least OWASP recommends for Argon2id. Each guess
 * against a stolen database costs that much per account, while one sign-in takes a few tens of
 * milliseconds of the service thread (failed ones are throttled, see http/session.c).
 */
#define PASSWORD_OPSLIMIT 2
#define PASSWORD_MEMLIMIT (19u << 20)

static pthread_once_t init_once = PTHREAD_ONCE_INIT;
static int init_status = -1;
static pthread_once_t dummy_once = PTHREAD_ONCE_INIT;
static char dummy_hash[PASSWORD_HASH_MAX];

static void init_sodium(void)
{
    init_status = sodium_init() < 0 ? -1 : 0;
}

static void init_dummy(void)
{
    if (crypto_password_hash("not the password of anyone", dummy_hash) != 0)
        dummy_hash[0] = '\0';
}

static bool ready(void)
{
    pthread_once(&init_once, init_sodium);
    return init_status == 0;
}

int crypto_password_hash(const char *password, char out[PASSWORD_HASH_MAX])
{
    if (!ready())
        return -1;
    _Static_assert(crypto_pwhash_STRBYTES <= PASSWORD_HASH_MAX, "hash buffer too small");
    return crypto_pwhash_str_alg(out, password, strlen(password), PASSWORD_OPSLIMIT,
                                 PASSWORD_MEMLIMIT, crypto_pwhash_ALG_ARGON2ID13) == 0
               ? 0
               : -1;
}

bool crypto_password_verify(const char *hash, const char *password)
{
    if (!ready() || !hash || strncmp(hash, "$argon2id$", 10) != 0)
        return false;
    return crypto_pwhash_str_verify(hash, password, strlen(password)) == 0;
}

void crypto_password_verify_none(const char *password)
{
    if (!ready())
        return;
    pthread_once(&dummy_once, init_dummy);
    (void)crypto_password_verify(dummy_hash, password);
}

const char *crypto_password_weakness(const char *password)
{
    size_t chars = 0, bytes = strlen(password);
    for (const unsigned char *p = (const unsigned char *)password; *p; p++)
        chars += (*p & 0xc0) != 0x80; /* UTF-8 lead bytes: one per character */
    if (chars < PASSWORD_MIN_CHARS)
        return "the password must have at least 10 characters";
    if (bytes > PASSWORD_MAX_BYTES)
        return "the password must be at most 1024 bytes";
    return NULL;
}
