/*
 * `solder admin create|list|delete|reset-password`: the dashboard's operator accounts, straight on
 * the store (the server may be running). Passwords come from standard input — asked twice without
 * echo on a terminal, one line otherwise — and are never printed or passed as arguments (which
 * other users of the machine could read).
 */
#include "cli/cli.h"
#include "cli/cli_opts.h"

#include "app.h"
#include "crypto/password.h"
#include "store/dashboard.h"

#include <openssl/crypto.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <termios.h>
#include <time.h>
#include <unistd.h>

static const char USAGE[] =
    "solder admin create --email EMAIL [--data DIR] [--database URL]\n"
    "       solder admin list [--data DIR] [--database URL]\n"
    "       solder admin delete --email EMAIL [--data DIR] [--database URL]\n"
    "       solder admin reset-password --email EMAIL [--data DIR] [--database URL]";
static const char ABOUT[] =
    "Manages the dashboard's operator accounts. 'create' and 'reset-password' read the\n"
    "password from standard input (asked twice on a terminal; at least 10 characters).\n"
    "'reset-password' and 'delete' end the account's sessions at once.";

/* Reads one line of at most PASSWORD_MAX_BYTES into buf, without echo when stdin is a terminal.
 * Returns false on end of input or an overlong line. */
static bool read_line(const char *prompt, char *buf, size_t cap)
{
    bool tty = isatty(STDIN_FILENO);
    struct termios old, quiet;
    if (tty) {
        fprintf(stderr, "%s", prompt);
        fflush(stderr);
        tcgetattr(STDIN_FILENO, &old);
        quiet = old;
        quiet.c_lflag &= ~(tcflag_t)ECHO;
        tcsetattr(STDIN_FILENO, TCSAFLUSH, &quiet);
    }
    bool ok = fgets(buf, (int)cap, stdin) != NULL;
    if (tty) {
        tcsetattr(STDIN_FILENO, TCSAFLUSH, &old);
        fprintf(stderr, "\n");
    }
    size_t n = ok ? strlen(buf) : 0;
    if (ok && (n == 0 || buf[n - 1] != '\n') && !feof(stdin))
        ok = false; /* longer than the buffer */
    while (n && (buf[n - 1] == '\n' || buf[n - 1] == '\r'))
        buf[--n] = '\0';
    return ok;
}

/* The new password from standard input, checked; false after printing why. */
static bool read_password(const char *cmd, char pw[PASSWORD_MAX_BYTES + 2])
{
    if (!read_line("Password: ", pw, PASSWORD_MAX_BYTES + 2)) {
        fprintf(stderr, "solder %s: no password on standard input (or longer than %d bytes)\n", cmd,
                PASSWORD_MAX_BYTES);
        return false;
    }
    const char *weak = crypto_password_weakness(pw);
    if (weak) {
        fprintf(stderr, "solder %s: %s\n", cmd, weak);
        return false;
    }
    if (isatty(STDIN_FILENO)) {
        char again[PASSWORD_MAX_BYTES + 2];
        bool same = read_line("Repeat password: ", again, sizeof again) && strcmp(pw, again) == 0;
        OPENSSL_cleanse(again, sizeof again);
        if (!same) {
            fprintf(stderr, "solder %s: the passwords differ\n", cmd);
            return false;
        }
    }
    return true;
}

/* Parses "--email EMAIL [--data DIR]" (email optional when want_email is false) and opens the
 * store; NULL after printing a message, with *rc the exit status. */
static struct store *open_store(int argc, char **argv, bool want_email, const char **email, int *rc)
{
    const char *data = "./data", *database = NULL;
    *email = NULL;
    const struct cli_opt opts[] = {
        {"email", "EMAIL", "the account's email address", NULL, email, NULL, NULL, NULL},
        {"data", "DIR", "data directory (default ./data)", "SOLDER_DATA", &data, NULL, NULL, NULL},
        CLI_OPT_DATABASE(database),
        {NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL},
    };
    char *pos[1];
    int npos;
    *rc = cli_parse(argc, argv, opts, USAGE, ABOUT, pos, 0, &npos);
    if (*rc) {
        *rc = *rc == CLI_HELP ? 0 : *rc;
        return NULL;
    }
    if (want_email && (!*email || !**email)) {
        fprintf(stderr, "solder %s: --email is required\n", argv[0]);
        *rc = 2;
        return NULL;
    }
    umask(077);
    char err[512];
    struct store *s = app_open_store(data, database, err, sizeof err);
    if (!s) {
        fprintf(stderr, "solder %s: %s\n", argv[0], err);
        *rc = 1;
    }
    return s;
}

static int admin_create(int argc, char **argv)
{
    const char *email;
    int rc;
    struct store *s = open_store(argc, argv, true, &email, &rc);
    if (!s)
        return rc;
    char pw[PASSWORD_MAX_BYTES + 2], hash[PASSWORD_HASH_MAX], id[ID_LEN + 1];
    rc = 1;
    if (!email_plausible(email))
        fprintf(stderr, "solder %s: '%s' is not an email address\n", argv[0], email);
    else if (read_password(argv[0], pw)) {
        if (crypto_password_hash(pw, hash) != 0 || id_new(id) != 0) {
            fprintf(stderr, "solder %s: cannot hash the password\n", argv[0]);
        } else {
            int r = store_dashboard_account_insert(s, id, email, hash);
            if (r == STORE_CONFLICT)
                fprintf(stderr, "solder %s: an account with email %s exists\n", argv[0], email);
            else if (r != STORE_OK)
                fprintf(stderr, "solder %s: %s\n", argv[0], store_errmsg(s));
            else {
                printf("created dashboard account %s (%s)\n", email, id);
                rc = 0;
            }
        }
    }
    OPENSSL_cleanse(pw, sizeof pw);
    store_close(s);
    return rc;
}

static int print_account(const struct dashboard_account *a, void *arg)
{
    char created[32];
    time_t c = (time_t)(a->created_at / 1000);
    strftime(created, sizeof created, "%Y-%m-%dT%H:%M:%SZ", gmtime(&c));
    printf("%s  %s  %s\n", a->id, created, a->email);
    (*(int *)arg)++;
    return 0;
}

static int admin_list(int argc, char **argv)
{
    const char *email;
    int rc, count = 0;
    struct store *s = open_store(argc, argv, false, &email, &rc);
    if (!s)
        return rc;
    rc = store_dashboard_account_each(s, print_account, &count) == STORE_OK ? 0 : 1;
    if (rc)
        fprintf(stderr, "solder %s: %s\n", argv[0], store_errmsg(s));
    else if (count == 0)
        fprintf(stderr, "no dashboard accounts (create one with solder admin create)\n");
    store_close(s);
    return rc;
}

/* Opens the store and finds the account --email names; NULL after printing a message, with *rc
 * the exit status. */
static struct store *open_account(int argc, char **argv, struct dashboard_account *a, int *rc)
{
    const char *email;
    struct store *s = open_store(argc, argv, true, &email, rc);
    if (!s)
        return NULL;
    int r = store_dashboard_account_find(s, email, a);
    if (r == STORE_OK)
        return s;
    if (r == STORE_NOT_FOUND)
        fprintf(stderr, "solder %s: no account with email %s\n", argv[0], email);
    else
        fprintf(stderr, "solder %s: %s\n", argv[0], store_errmsg(s));
    store_close(s);
    *rc = 1;
    return NULL;
}

static int admin_delete(int argc, char **argv)
{
    struct dashboard_account a;
    int rc;
    struct store *s = open_account(argc, argv, &a, &rc);
    if (!s)
        return rc;
    rc = store_dashboard_account_delete(s, a.id) == STORE_OK ? 0 : 1;
    if (rc == 0)
        printf("deleted dashboard account %s\n", a.email);
    else
        fprintf(stderr, "solder %s: %s\n", argv[0], store_errmsg(s));
    store_dashboard_account_clear(&a);
    store_close(s);
    return rc;
}

static int admin_reset_password(int argc, char **argv)
{
    struct dashboard_account a;
    int rc;
    struct store *s = open_account(argc, argv, &a, &rc);
    if (!s)
        return rc;
    char pw[PASSWORD_MAX_BYTES + 2], hash[PASSWORD_HASH_MAX];
    rc = 1;
    if (read_password(argv[0], pw)) {
        if (crypto_password_hash(pw, hash) != 0)
            fprintf(stderr, "solder %s: cannot hash the password\n", argv[0]);
        else if (store_dashboard_account_set_password(s, a.id, hash) != STORE_OK)
            fprintf(stderr, "solder %s: %s\n", argv[0], store_errmsg(s));
        else {
            printf("changed the password of %s; its sessions have ended\n", a.email);
            rc = 0;
        }
    }
    OPENSSL_cleanse(pw, sizeof pw);
    store_dashboard_account_clear(&a);
    store_close(s);
    return rc;
}

int cli_admin(int argc, char **argv)
{
    static const struct cli_subcommand CMDS[] = {
        {"create", admin_create},
        {"list", admin_list},
        {"delete", admin_delete},
        {"reset-password", admin_reset_password},
    };
    return cli_subcommands("admin", CMDS, sizeof CMDS / sizeof CMDS[0], USAGE, ABOUT, argc, argv);
}
