/*
 * Runs the AWS Signature Version 4 test suite through crypto/sigv4.c: for every case directory
 * holding NAME.req, the request is signed with the suite's constants and the canonical request,
 * string to sign and Authorization value must equal NAME.creq, NAME.sts and NAME.authz.
 *
 * The suite is read from SIGV4_SUITE, else tests/conformance/sigv4 (the copy kept in the
 * repository, with its licence), else SOLDER_TESTDATA/sigv4. Prints "sigv4: N passed, M failed".
 * Exit status: 0 when every case passes, 1 otherwise, 77 (skip) when the suite is missing — and 1
 * then too under CI=true, where nothing may skip.
 */
#include "crypto/sigv4.h"

#include <dirent.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#ifndef SIGV4_SUITE_REPO
#define SIGV4_SUITE_REPO "tests/conformance/sigv4"
#endif
#ifndef SOLDER_TESTDATA_DEFAULT
#define SOLDER_TESTDATA_DEFAULT "../shared/testdata"
#endif

/* The suite's constants (its documentation states them; the files do not). */
#define SUITE_ACCESS_KEY "AKIDEXAMPLE"
#define SUITE_SECRET_KEY "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY"
#define SUITE_REGION     "us-east-1"
#define SUITE_SERVICE    "service"
/* The token the get-vanilla-with-session-token case signs without sending it in its request. */
#define SUITE_SESSION_TOKEN "6e86291e8372ff2a2260956d9b8aae1d763fbf315fa00fa31553b73ebf194267"
/* Headers one .req file holds: the largest case has five. */
#define REQ_MAX_HEADERS 32

static char *slurp(const char *path)
{
    FILE *f = fopen(path, "rb");
    if (!f)
        return NULL;
    fseek(f, 0, SEEK_END);
    long n = ftell(f);
    fseek(f, 0, SEEK_SET);
    char *s = n >= 0 ? malloc((size_t)n + 1) : NULL;
    if (s && fread(s, 1, (size_t)n, f) != (size_t)n) {
        free(s);
        s = NULL;
    }
    if (s)
        s[n] = 0;
    fclose(f);
    return s;
}

static void chomp(char *s)
{
    size_t n = s ? strlen(s) : 0;
    while (n > 0 && (s[n - 1] == '\n' || s[n - 1] == '\r'))
        s[--n] = 0;
}

/* One parsed .req file; the strings point into text, which it owns. */
struct raw_request {
    char *text;
    char *method, *path, *query, *body;
    struct sigv4_header headers[REQ_MAX_HEADERS];
    size_t count;
};

/* Splits "METHOD target HTTP/1.1", the header lines (a line starting with white space continues
 * the header before it) and the body after the first empty line. */
static bool parse_request(char *text, struct raw_request *r)
{
    memset(r, 0, sizeof *r);
    r->text = text;
    char *body = strstr(text, "\n\n");
    if (body) {
        *body = 0;
        r->body = body + 2;
    }
    char *line = text, *next = strchr(line, '\n');
    if (next)
        *next++ = 0;
    char *sp = strchr(line, ' '), *ver = strstr(line, " HTTP/");
    if (!sp || !ver || ver < sp)
        return false;
    *sp = 0;
    *ver = 0;
    r->method = line;
    r->path = sp + 1;
    char *q = strchr(r->path, '?');
    if (q) {
        *q = 0;
        r->query = q + 1;
    }
    for (line = next; line && *line; line = next) {
        next = strchr(line, '\n');
        if (next)
            *next++ = 0;
        if ((*line == ' ' || *line == '\t') && r->count > 0) {
            line[-1] = '\n'; /* the folded value goes on past the line break */
            continue;
        }
        char *colon = strchr(line, ':');
        if (!colon || r->count == REQ_MAX_HEADERS)
            return false;
        *colon = 0;
        r->headers[r->count].name = line;
        r->headers[r->count].value = colon + 1;
        r->count++;
    }
    return true;
}

static bool same(const char *what, const char *name, const char *got, const char *want)
{
    if (got && want && strcmp(got, want) == 0)
        return true;
    printf("FAIL %s: %s differs\n--- expected\n%s\n--- got\n%s\n", name, what,
           want ? want : "(missing file)", got ? got : "(none)");
    return false;
}

static char *case_file(const char *dir, const char *name, const char *ext)
{
    char path[4096];
    snprintf(path, sizeof path, "%s/%s.%s", dir, name, ext);
    char *s = slurp(path);
    chomp(s);
    return s;
}

static bool run_case(const char *dir, const char *name)
{
    char path[4096];
    snprintf(path, sizeof path, "%s/%s.req", dir, name);
    char *text = slurp(path);
    struct raw_request r;
    if (!text || !parse_request(text, &r)) {
        printf("FAIL %s: the request file cannot be read\n", name);
        free(text);
        return false;
    }
    struct sigv4_credentials creds = {SUITE_ACCESS_KEY, SUITE_SECRET_KEY, NULL};
    if (strcmp(name, "get-vanilla-with-session-token") == 0)
        creds.session_token = SUITE_SESSION_TOKEN;
    const char *date = NULL;
    for (size_t i = 0; i < r.count; i++)
        if (strcasecmp(r.headers[i].name, "X-Amz-Date") == 0)
            date = r.headers[i].value;
    struct sigv4_request req = {
        .method = r.method,
        .path = r.path,
        .query = r.query,
        .headers = r.headers,
        .header_count = r.count,
        .body = r.body,
        .body_len = r.body ? strlen(r.body) : 0,
        .region = SUITE_REGION,
        .service = SUITE_SERVICE,
        .amz_date = date,
    };
    struct sigv4_signature sig;
    char err[200];
    bool ok = false;
    if (sigv4_sign(&creds, &req, &sig, err, sizeof err) != 0) {
        printf("FAIL %s: %s\n", name, err);
    } else {
        char *creq = case_file(dir, name, "creq"), *sts = case_file(dir, name, "sts"),
             *authz = case_file(dir, name, "authz");
        ok = same("canonical request", name, sig.canonical_request, creq) &&
             same("string to sign", name, sig.string_to_sign, sts) &&
             same("authorization", name, sig.authorization, authz);
        free(creq);
        free(sts);
        free(authz);
        sigv4_signature_free(&sig);
    }
    free(text);
    return ok;
}

/* Runs every case below dir (a directory with NAME.req inside is a case). */
static void walk(const char *dir, int *passed, int *failed)
{
    DIR *d = opendir(dir);
    if (!d)
        return;
    struct dirent *e;
    char **subs = NULL;
    size_t nsubs = 0;
    while ((e = readdir(d))) {
        if (e->d_name[0] == '.')
            continue;
        char sub[4096];
        snprintf(sub, sizeof sub, "%s/%s", dir, e->d_name);
        struct stat st;
        if (stat(sub, &st) == 0 && S_ISDIR(st.st_mode)) {
            subs = realloc(subs, (nsubs + 1) * sizeof *subs);
            subs[nsubs++] = strdup(sub);
        }
    }
    closedir(d);
    for (size_t i = 0; i < nsubs; i++) {
        const char *name = strrchr(subs[i], '/') + 1;
        char req[4096];
        snprintf(req, sizeof req, "%s/%s.req", subs[i], name);
        struct stat st;
        if (stat(req, &st) == 0) {
            if (run_case(subs[i], name))
                (*passed)++;
            else
                (*failed)++;
        }
        walk(subs[i], passed, failed);
        free(subs[i]);
    }
    free(subs);
}

int main(void)
{
    char fallback[4096];
    snprintf(fallback, sizeof fallback, "%s/sigv4", SOLDER_TESTDATA_DEFAULT);
    const char *env = getenv("SIGV4_SUITE");
    struct stat st;
    const char *dir = env && *env                                               ? env
                      : stat(SIGV4_SUITE_REPO, &st) == 0 && S_ISDIR(st.st_mode) ? SIGV4_SUITE_REPO
                                                                                : fallback;
    if (stat(dir, &st) != 0 || !S_ISDIR(st.st_mode)) {
        const char *ci = getenv("CI");
        bool in_ci = ci && strcmp(ci, "true") == 0;
        printf("sigv4: suite not found at %s (set SIGV4_SUITE)%s\n", dir,
               in_ci ? "; CI=true, so this fails" : ", skipped");
        return in_ci ? 1 : 77;
    }
    int passed = 0, failed = 0;
    walk(dir, &passed, &failed);
    printf("sigv4: %d passed, %d failed\n", passed, failed);
    return failed == 0 && passed > 0 ? 0 : 1;
}
