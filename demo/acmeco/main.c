/*
 * acmeco: the demo's ISV, a small fulfilment SaaS whose tenants connect their BigCommerce stores
 * through Solder. It talks to Solder only over Solder's public HTTP API, with a development API
 * key that never leaves this server: it creates a Solder user per tenant, mints user tokens for
 * the browser (which opens Solder's install modal), receives the orders workflow #1 streams to
 * POST /webhooks/orders (checking webhook-signature and X-Alloy-Signature first), and fires the
 * "Fulfillment Updated" custom event when a tenant marks an order Fulfilled or Cancelled.
 *
 * Pages, styles and scripts are files in web/; the server fills in the Solder URL and tenant.
 * Sessions are a random cookie kept in memory (a restart signs everyone out). Calls to Solder
 * block the loop for at most SOLDER_TIMEOUT_MS: fine for a demo, not for a real product.
 *
 *   acmeco --solder URL --api-key-file FILE [--listen ADDR:PORT] [--public-url URL]
 *          [--data FILE]
 */
#include "data.h"
#include "demo_util.h"
#include "solder.h"
#include "verify.h"

#include <curl/curl.h>
#include <libwebsockets.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

/* Largest request body read: orders and forms are small; this bounds memory per connection. */
#define MAX_BODY (1024 * 1024)
/* Signed-in sessions kept; the oldest is dropped when full. */
#define MAX_SESSIONS 256
/* The custom event workflow #2 listens to. */
#define FULFILMENT_EVENT "Fulfillment Updated"
/* Orders pages waiting for a change (GET /api/orders?since=N), and how long one waits before it
 * is answered unchanged: a page learns of a new order as it is stored, without polling. More
 * waiters than this are answered at once (the page then asks again a second later). */
#define MAX_WAITERS 64
#define WAIT_US     (15LL * 1000 * 1000)

struct conn {
    char method[8];
    char path[512];
    char cookie[512];
    char wh_id[128], wh_ts[32], wh_sig[1024], alloy_sig[1100], alloy_user[64];
    char *body;
    size_t body_len;
    bool too_large;
    int status;
    char *resp;
    const char *type;
    char location[128];
    char set_cookie[160];
    long long since; /* GET /api/orders?since=: the version the page has; -1 when not given */
    struct tenant *waiting; /* set while the request waits for the orders to change */
};

struct session {
    char id[33];
    struct tenant *tenant;
};

static struct session sessions[MAX_SESSIONS];
static int next_session;
static char public_url[256];
static char csp[1024];
/* The environment's whsec_ secret. Solder shows it only when it is rotated, so AcmeCo rotates it
 * once at start and keeps it in memory (AcmeCo is the environment's only receiver). */
static char *signing_secret;
static char *public_pem; /* Solder's X-Alloy-Signature key, fetched once and pinned */
static volatile sig_atomic_t stopping;
static struct lws_context *context;
/* Moves on at every change of any tenant's orders; pages ask for changes past the one they have. */
static long long orders_version = 1;
static struct lws *waiters[MAX_WAITERS];

static void set_reply(struct conn *c, int status, const char *type, char *text)
{
    c->status = status;
    free(c->resp);
    c->resp = text ? text : strdup("");
    c->type = type;
}

static void reply_json(struct conn *c, int status, cJSON *body)
{
    set_reply(c, status, "application/json", cJSON_PrintUnformatted(body));
    cJSON_Delete(body);
}

static void reply_message(struct conn *c, int status, const char *message)
{
    cJSON *o = cJSON_CreateObject();
    cJSON_AddStringToObject(o, "message", message);
    reply_json(c, status, o);
}

static void redirect(struct conn *c, const char *to)
{
    snprintf(c->location, sizeof c->location, "%s", to);
    set_reply(c, 303, "text/plain", NULL);
}

/* ---- Solder: users, the signing secret and the public key --------------------------------- */

/* Makes sure every tenant has its Solder user and AcmeCo has what it verifies webhooks with.
 * Cheap once done; retried at each need while Solder is not reachable. */
static bool solder_ready(void)
{
    int n;
    struct tenant *ts = data_tenants(&n);
    bool changed = false;
    for (int i = 0; i < n; i++) {
        if (ts[i].user_id[0])
            continue;
        char path[128];
        snprintf(path, sizeof path, "/users/%s", ts[i].username);
        cJSON *out = NULL;
        long st = solder_call("GET", path, NULL, &out);
        if (st == 404) {
            cJSON_Delete(out);
            cJSON *body = cJSON_CreateObject();
            cJSON_AddStringToObject(body, "username", ts[i].username);
            cJSON_AddStringToObject(body, "fullName", ts[i].full_name);
            st = solder_call("POST", "/users", body, &out);
            cJSON_Delete(body);
        }
        const char *id = cJSON_GetStringValue(cJSON_GetObjectItem(out, "userId"));
        if (st == 200 && id) {
            snprintf(ts[i].user_id, sizeof ts[i].user_id, "%s", id);
            changed = true;
        }
        cJSON_Delete(out);
    }
    if (changed)
        data_save();
    if (!signing_secret) {
        cJSON *out = NULL;
        if (solder_call("POST", "/settings/rotate-signing-secret", NULL, &out) == 200) {
            const char *s = cJSON_GetStringValue(cJSON_GetObjectItem(out, "signingSecret"));
            signing_secret = s ? strdup(s) : NULL;
        }
        cJSON_Delete(out);
    }
    if (!public_pem)
        public_pem = solder_get_text("/security/public_key.pem");
    for (int i = 0; i < n; i++)
        if (!ts[i].user_id[0])
            return false;
    return signing_secret && public_pem;
}

/* ---- sessions ----------------------------------------------------------------------------- */

static struct tenant *signed_in(const struct conn *c)
{
    const char *p = strstr(c->cookie, "acme_session=");
    if (!p)
        return NULL;
    p += 13;
    for (int i = 0; i < MAX_SESSIONS; i++)
        if (sessions[i].tenant && strncmp(sessions[i].id, p, 32) == 0 && strlen(p) >= 32)
            return sessions[i].tenant;
    return NULL;
}

static void sign_in(struct conn *c, struct tenant *t)
{
    unsigned char rnd[16];
    FILE *f = fopen("/dev/urandom", "rb");
    bool ok = f && fread(rnd, 1, sizeof rnd, f) == sizeof rnd;
    if (f)
        fclose(f);
    if (!ok) {
        reply_message(c, 500, "no randomness for a session");
        return;
    }
    struct session *s = &sessions[next_session++ % MAX_SESSIONS];
    for (int i = 0; i < 16; i++)
        snprintf(s->id + 2 * i, 3, "%02x", rnd[i]);
    s->tenant = t;
    snprintf(c->set_cookie, sizeof c->set_cookie, "acme_session=%s; Path=/; HttpOnly; SameSite=Lax",
             s->id);
    redirect(c, "/orders");
}

/* ---- pages and assets --------------------------------------------------------------------- */

/* Largest page, style or script served. */
#define MAX_ASSET (1024 * 1024)

static char *read_file(const char *name, size_t *len)
{
    char path[1024];
    if (strstr(name, ".."))
        return NULL;
    snprintf(path, sizeof path, "%s/%s", ACMECO_WEB_DIR, name);
    return demo_read_file(path, MAX_ASSET, len);
}

/* An HTML page of web/ with its @NAME@ placeholders filled in (escaped). */
static void page(struct conn *c, const char *name, const struct tenant *t)
{
    size_t len;
    char *tmpl = read_file(name, &len);
    if (!tmpl) {
        reply_message(c, 404, "no such page");
        return;
    }
    const struct {
        const char *key, *value;
    } VARS[] = {{"@SOLDER_URL@", solder_url()},
                {"@FULL_NAME@", t ? t->full_name : ""},
                {"@COMPANY@", t ? t->company : ""},
                {"@USERNAME@", t ? t->username : ""}};
    char *text = NULL;
    size_t n = 0;
    FILE *out = open_memstream(&text, &n);
    for (const char *p = tmpl; *p;) {
        size_t k = 0, nvars = sizeof VARS / sizeof VARS[0];
        while (k < nvars && strncmp(p, VARS[k].key, strlen(VARS[k].key)) != 0)
            k++;
        if (k < nvars) {
            demo_html_escape(out, VARS[k].value);
            p += strlen(VARS[k].key);
        } else {
            fputc(*p++, out);
        }
    }
    fclose(out);
    free(tmpl);
    set_reply(c, 200, "text/html; charset=utf-8", text);
}

static void asset(struct conn *c, const char *name)
{
    static const struct {
        const char *ext, *type;
    } TYPES[] = {{".css", "text/css; charset=utf-8"},
                 {".js", "text/javascript; charset=utf-8"},
                 {".svg", "image/svg+xml"}};
    size_t len;
    char *text = read_file(name, &len);
    const char *dot = strrchr(name, '.');
    for (size_t i = 0; text && dot && i < sizeof TYPES / sizeof TYPES[0]; i++)
        if (strcmp(dot, TYPES[i].ext) == 0) {
            set_reply(c, 200, TYPES[i].type, text);
            return;
        }
    free(text);
    reply_message(c, 404, "not found");
}

/* ---- the API the pages call --------------------------------------------------------------- */

static void api_me(struct conn *c, struct tenant *t)
{
    cJSON *o = cJSON_CreateObject();
    cJSON_AddStringToObject(o, "username", t->username);
    cJSON_AddStringToObject(o, "fullName", t->full_name);
    cJSON_AddStringToObject(o, "company", t->company);
    cJSON_AddStringToObject(o, "solderUrl", solder_url());
    reply_json(c, 200, o);
}

/* A fresh user token for the tenant's Solder user (GET /users/{id}/token): minted each time the
 * page shows the modal, since tokens live one hour. */
static void api_token(struct conn *c, struct tenant *t)
{
    if (!solder_ready() && !t->user_id[0]) {
        reply_message(c, 502, "Solder is not reachable");
        return;
    }
    char path[128];
    snprintf(path, sizeof path, "/users/%s/token", t->user_id);
    cJSON *out = NULL;
    long st = solder_call("GET", path, NULL, &out);
    if (st != 200) {
        cJSON_Delete(out);
        reply_message(c, 502, "Solder did not mint a token");
        return;
    }
    reply_json(c, 200, out);
}

static void orders_reply(struct conn *c, struct tenant *t)
{
    cJSON *o = cJSON_CreateObject();
    cJSON_AddItemToObject(o, "orders", data_orders(t));
    cJSON_AddNumberToObject(o, "version", (double)orders_version);
    reply_json(c, 200, o);
}

/* The tenant's orders now, or (since = the version the page has) once they change: the request
 * is then left without a reply until orders_changed or its timer (hold). */
static void api_orders(struct conn *c, struct tenant *t)
{
    if (c->since == orders_version)
        c->waiting = t; /* parked by hold() */
    else
        orders_reply(c, t);
}

static void forget_waiter(struct lws *wsi)
{
    for (int i = 0; i < MAX_WAITERS; i++)
        if (waiters[i] == wsi)
            waiters[i] = NULL;
}

/* Answers every waiting Orders page. */
static void orders_changed(void)
{
    orders_version++;
    for (int i = 0; i < MAX_WAITERS; i++) {
        struct lws *wsi = waiters[i];
        struct conn *c = wsi ? lws_wsi_user(wsi) : NULL;
        waiters[i] = NULL;
        if (!c || !c->waiting)
            continue;
        orders_reply(c, c->waiting);
        c->waiting = NULL;
        lws_set_timer_usecs(wsi, LWS_SET_TIMER_USEC_CANCEL);
        lws_callback_on_writable(wsi);
    }
}

/* Marks an order Fulfilled or Cancelled and tells Solder (POST /run/event "Fulfillment
 * Updated"), whose workflow #2 updates the order's status in the tenant's store. */
static void api_fulfil(struct conn *c, struct tenant *t, const char *order_id)
{
    static const struct {
        const char *status, *label;
    } STATUSES[] = {{"FULFILLED", "Fulfilled"}, {"CANCELLED", "Cancelled"}};
    cJSON *in = c->body ? cJSON_ParseWithLength(c->body, c->body_len) : NULL;
    const char *status = cJSON_GetStringValue(cJSON_GetObjectItem(in, "status"));
    const char *label = NULL;
    for (size_t i = 0; status && i < sizeof STATUSES / sizeof STATUSES[0]; i++)
        if (strcmp(status, STATUSES[i].status) == 0)
            label = STATUSES[i].label;
    if (!label) {
        cJSON_Delete(in);
        reply_message(c, 400, "status must be FULFILLED or CANCELLED");
        return;
    }
    if (!data_order_fulfil(t, order_id, label)) {
        cJSON_Delete(in);
        reply_message(c, 404, "no such order");
        return;
    }
    orders_changed();
    cJSON *ev = cJSON_CreateObject();
    cJSON_AddStringToObject(ev, "event", FULFILMENT_EVENT);
    cJSON_AddStringToObject(ev, "userId", t->user_id);
    cJSON *data = cJSON_AddObjectToObject(ev, "data");
    cJSON_AddStringToObject(data, "orderId", order_id);
    cJSON_AddStringToObject(data, "status", status);
    cJSON_Delete(in);
    cJSON *out = NULL;
    long st = solder_call("POST", "/run/event", ev, &out);
    cJSON_Delete(ev);
    cJSON *o = cJSON_CreateObject();
    cJSON_AddStringToObject(o, "fulfilment", label);
    cJSON_AddBoolToObject(o, "sent", st == 200);
    if (st != 200) {
        const char *m = cJSON_GetStringValue(cJSON_GetObjectItem(out, "message"));
        cJSON_AddStringToObject(o, "message", m ? m : "Solder did not accept the event");
    }
    cJSON_Delete(out);
    reply_json(c, st == 200 ? 200 : 502, o);
}

/* ---- the webhook workflow #1 streams orders to -------------------------------------------- */

static void webhook_orders(struct conn *c)
{
    if (!solder_ready() && (!signing_secret || !public_pem)) {
        reply_message(c, 503, "not ready to verify signatures yet");
        return;
    }
    const char *why = NULL;
    const char *body = c->body ? c->body : "";
    if (!verify_standard_webhook(signing_secret, c->wh_id, c->wh_ts, c->wh_sig, body, c->body_len,
                                 time(NULL), &why)) {
        fprintf(stderr, "acmeco: webhook refused: %s\n", why);
        reply_message(c, 401, why);
        return;
    }
    char url[1024];
    snprintf(url, sizeof url, "%s%s", public_url, c->path);
    if (!verify_alloy_signature(public_pem, "POST", url, body, c->body_len, c->alloy_sig)) {
        fprintf(stderr, "acmeco: webhook refused: X-Alloy-Signature does not verify\n");
        reply_message(c, 401, "X-Alloy-Signature does not verify");
        return;
    }
    struct tenant *t = data_tenant_by_user_id(c->alloy_user);
    cJSON *order = cJSON_ParseWithLength(body, c->body_len);
    if (!t || !cJSON_IsObject(order)) {
        cJSON_Delete(order);
        reply_message(c, t ? 400 : 404, t ? "the body is not an order" : "no such tenant");
        return;
    }
    bool added = data_order_add(t, c->wh_id, order);
    cJSON_Delete(order);
    if (added)
        orders_changed();
    fprintf(stderr, "acmeco: order for %s %s\n", t->username, added ? "stored" : "(repeat)");
    reply_message(c, 200, added ? "stored" : "already stored");
}

/* ---- routing ------------------------------------------------------------------------------ */

static void route(struct conn *c)
{
    bool get = strcmp(c->method, "GET") == 0, post = strcmp(c->method, "POST") == 0;
    struct tenant *t = signed_in(c);
    char order_id[64], tail[16];
    if (c->too_large) {
        reply_message(c, 413, "request body too large");
    } else if (post && strcmp(c->path, "/webhooks/orders") == 0) {
        webhook_orders(c);
    } else if (get && strcmp(c->path, "/") == 0) {
        if (t)
            redirect(c, "/orders");
        else
            page(c, "signin.html", NULL);
    } else if (get && strncmp(c->path, "/static/", 8) == 0) {
        asset(c, c->path + 8);
    } else if (post && strcmp(c->path, "/signin") == 0) {
        char name[64];
        demo_form_value(c->body ? c->body : "", "tenant", name, sizeof name);
        struct tenant *who = data_tenant(name);
        if (who)
            sign_in(c, who);
        else
            redirect(c, "/");
    } else if (post && strcmp(c->path, "/signout") == 0) {
        snprintf(c->set_cookie, sizeof c->set_cookie, "acme_session=; Path=/; Max-Age=0");
        redirect(c, "/");
    } else if (!t) {
        if (strncmp(c->path, "/api/", 5) == 0)
            reply_message(c, 401, "sign in first");
        else
            redirect(c, "/");
    } else if (get && strcmp(c->path, "/orders") == 0) {
        page(c, "orders.html", t);
    } else if (get && strcmp(c->path, "/integrations") == 0) {
        page(c, "integrations.html", t);
    } else if (get && strcmp(c->path, "/api/me") == 0) {
        api_me(c, t);
    } else if (get && strcmp(c->path, "/api/token") == 0) {
        api_token(c, t);
    } else if (get && strcmp(c->path, "/api/orders") == 0) {
        api_orders(c, t);
    } else if (post && sscanf(c->path, "/api/orders/%63[^/]/fulfilment%15s", order_id, tail) == 1) {
        api_fulfil(c, t, order_id);
    } else {
        reply_message(c, 404, "not found");
    }
    fprintf(stderr, "acmeco: %s %s %d\n", c->method, c->path, c->status);
}

static int write_reply(struct lws *wsi, struct conn *c)
{
    size_t blen = c->resp ? strlen(c->resp) : 0;
    size_t hcap = 2048 + strlen(csp);
    unsigned char *buf = malloc(LWS_PRE + hcap + blen);
    if (!buf)
        return -1;
    unsigned char *start = buf + LWS_PRE, *p = start, *end = start + hcap;
    int rc = -1;
    static const char NOSNIFF[] = "nosniff", NOCACHE[] = "no-store";
    if (lws_add_http_header_status(wsi, (unsigned)c->status, &p, end) ||
        lws_add_http_header_by_token(wsi, WSI_TOKEN_HTTP_CONTENT_TYPE,
                                     (const unsigned char *)c->type, (int)strlen(c->type), &p,
                                     end) ||
        lws_add_http_header_content_length(wsi, blen, &p, end) ||
        lws_add_http_header_by_name(wsi, (const unsigned char *)"x-content-type-options:",
                                    (const unsigned char *)NOSNIFF, sizeof NOSNIFF - 1, &p, end) ||
        lws_add_http_header_by_token(wsi, WSI_TOKEN_HTTP_CACHE_CONTROL,
                                     (const unsigned char *)NOCACHE, sizeof NOCACHE - 1, &p, end))
        goto out;
    if (strncmp(c->type, "text/html", 9) == 0 &&
        lws_add_http_header_by_name(wsi, (const unsigned char *)"content-security-policy:",
                                    (const unsigned char *)csp, (int)strlen(csp), &p, end))
        goto out;
    if (c->location[0] && lws_add_http_header_by_token(wsi, WSI_TOKEN_HTTP_LOCATION,
                                                       (const unsigned char *)c->location,
                                                       (int)strlen(c->location), &p, end))
        goto out;
    if (c->set_cookie[0] && lws_add_http_header_by_token(wsi, WSI_TOKEN_HTTP_SET_COOKIE,
                                                         (const unsigned char *)c->set_cookie,
                                                         (int)strlen(c->set_cookie), &p, end))
        goto out;
    if (lws_finalize_http_header(wsi, &p, end))
        goto out;
    memcpy(p, c->resp ? c->resp : "", blen);
    p += blen;
    if (lws_write(wsi, start, (size_t)(p - start), LWS_WRITE_HTTP_FINAL) == (int)(p - start))
        rc = 0;
out:
    free(buf);
    return rc;
}

static void reset(struct conn *c)
{
    free(c->body);
    free(c->resp);
    memset(c, 0, sizeof *c);
}

static void custom(struct lws *wsi, const char *name, char *out, size_t cap)
{
    out[0] = '\0';
    if (lws_hdr_custom_copy(wsi, out, (int)cap, name, (int)strlen(name)) < 0)
        out[0] = '\0';
}

/* Parks a request api_orders left waiting: a waiter slot and a timer. False when no slot is free
 * (it is then answered at once). */
static bool hold(struct lws *wsi)
{
    struct conn *c = lws_wsi_user(wsi);
    for (int i = 0; i < MAX_WAITERS; i++)
        if (!waiters[i]) {
            waiters[i] = wsi;
            lws_set_timeout(wsi, NO_PENDING_TIMEOUT, 0);
            lws_set_timer_usecs(wsi, WAIT_US);
            return true;
        }
    orders_reply(c, c->waiting);
    c->waiting = NULL;
    return false;
}

static int callback(struct lws *wsi, enum lws_callback_reasons reason, void *user, void *in,
                    size_t len)
{
    struct conn *c = user;
    switch (reason) {
    case LWS_CALLBACK_HTTP: {
        reset(c);
        snprintf(c->method, sizeof c->method, "%s", demo_http_method(wsi));
        snprintf(c->path, sizeof c->path, "%s", (const char *)in);
        if (lws_hdr_copy(wsi, c->cookie, sizeof c->cookie, WSI_TOKEN_HTTP_COOKIE) < 0)
            c->cookie[0] = '\0';
        custom(wsi, "webhook-id:", c->wh_id, sizeof c->wh_id);
        custom(wsi, "webhook-timestamp:", c->wh_ts, sizeof c->wh_ts);
        custom(wsi, "webhook-signature:", c->wh_sig, sizeof c->wh_sig);
        custom(wsi, "x-alloy-signature:", c->alloy_sig, sizeof c->alloy_sig);
        custom(wsi, "x-alloy-userid:", c->alloy_user, sizeof c->alloy_user);
        char since[24];
        c->since = lws_get_urlarg_by_name(wsi, "since=", since, sizeof since) ? atoll(since) : -1;
        char cl[32] = "";
        lws_hdr_copy(wsi, cl, sizeof cl, WSI_TOKEN_HTTP_CONTENT_LENGTH);
        if (strcmp(c->method, "POST") == 0 && atol(cl) > 0)
            return 0;
        route(c);
        if (c->waiting && hold(wsi))
            return 0;
        lws_callback_on_writable(wsi);
        return 0;
    }
    case LWS_CALLBACK_TIMER: /* a waiting page's time is up: it gets the orders unchanged */
        forget_waiter(wsi);
        if (c->waiting) {
            orders_reply(c, c->waiting);
            c->waiting = NULL;
            lws_callback_on_writable(wsi);
        }
        return 0;
    case LWS_CALLBACK_HTTP_BODY:
        if (!c->too_large && !demo_body_append(&c->body, &c->body_len, in, len, MAX_BODY))
            c->too_large = true;
        return 0;
    case LWS_CALLBACK_HTTP_BODY_COMPLETION:
        route(c);
        lws_callback_on_writable(wsi);
        return 0;
    case LWS_CALLBACK_HTTP_WRITEABLE: {
        if (!c->status)
            return 0;
        int rc = write_reply(wsi, c);
        reset(c);
        if (rc < 0)
            return -1;
        return lws_http_transaction_completed(wsi) ? -1 : 0;
    }
    case LWS_CALLBACK_CLOSED_HTTP:
        forget_waiter(wsi);
        reset(c);
        return 0;
    default:
        break;
    }
    return lws_callback_http_dummy(wsi, reason, user, in, len);
}

static void on_signal(int sig)
{
    (void)sig;
    stopping = 1;
    if (context)
        lws_cancel_service(context);
}

static char *read_key(const char *path)
{
    FILE *f = fopen(path, "r");
    if (!f)
        return NULL;
    char line[512] = "";
    char *ok = fgets(line, sizeof line, f);
    fclose(f);
    line[strcspn(line, "\r\n")] = '\0';
    return ok && line[0] ? strdup(line) : NULL;
}

int main(int argc, char **argv)
{
    const char *listen = "127.0.0.1:8081", *solder = "http://127.0.0.1:8080", *key_file = NULL,
               *data = NULL, *public = NULL;
    for (int i = 1; i < argc; i += 2) {
        const char *v = i + 1 < argc ? argv[i + 1] : NULL;
        if (v && strcmp(argv[i], "--listen") == 0)
            listen = v;
        else if (v && strcmp(argv[i], "--solder") == 0)
            solder = v;
        else if (v && strcmp(argv[i], "--api-key-file") == 0)
            key_file = v;
        else if (v && strcmp(argv[i], "--data") == 0)
            data = v;
        else if (v && strcmp(argv[i], "--public-url") == 0)
        public = v;
        else
        {
            fprintf(stderr, "usage: acmeco --solder URL --api-key-file FILE [--listen ADDR:PORT] "
                            "[--public-url URL] [--data FILE]\n");
            return 2;
        }
    }
    char *key = key_file ? read_key(key_file) : NULL;
    if (!key && getenv("ACMECO_SOLDER_API_KEY"))
        key = strdup(getenv("ACMECO_SOLDER_API_KEY"));
    if (!key) {
        fprintf(stderr, "acmeco: no Solder API key (--api-key-file FILE or "
                        "ACMECO_SOLDER_API_KEY)\n");
        return 2;
    }
    char host[128];
    const char *colon = strrchr(listen, ':');
    if (!colon || (size_t)(colon - listen) >= sizeof host) {
        fprintf(stderr, "acmeco: --listen takes ADDR:PORT\n");
        return 2;
    }
    snprintf(host, sizeof host, "%.*s", (int)(colon - listen), listen);
    if (data && !data_load(data)) {
        fprintf(stderr, "acmeco: %s is not an AcmeCo data file\n", data);
        return 1;
    }
    if (!data)
        data_load("/dev/null/none");
    curl_global_init(CURL_GLOBAL_DEFAULT);
    solder_configure(solder, key);
    signal(SIGINT, on_signal);
    signal(SIGTERM, on_signal);
    signal(SIGPIPE, SIG_IGN);
    static struct lws_protocols protocols[] = {
        {"http", callback, sizeof(struct conn), 0, 0, NULL, 0}, {NULL, NULL, 0, 0, 0, NULL, 0}};
    struct lws_context_creation_info info;
    memset(&info, 0, sizeof info);
    info.port = atoi(colon + 1);
    info.iface = host;
    info.protocols = protocols;
    lws_set_log_level(LLL_ERR, NULL);
    context = lws_create_context(&info);
    if (!context) {
        fprintf(stderr, "acmeco: cannot listen on %s\n", listen);
        return 1;
    }
    struct lws_vhost *vh = lws_get_vhost_by_name(context, "default");
    int port = vh ? lws_get_vhost_listen_port(vh) : info.port;
    if (public)
        snprintf(public_url, sizeof public_url, "%s", public);
    else
        snprintf(public_url, sizeof public_url, "http://%s:%d", host, port);
    snprintf(csp, sizeof csp,
             "default-src 'self'; script-src 'self' %s 'wasm-unsafe-eval'; connect-src 'self' %s; "
             "frame-src %s; img-src 'self' %s data:; object-src 'none'; base-uri 'none'",
             solder_url(), solder_url(), solder_url(), solder_url());
    /* Solder may still be starting: wait a little for it, then go on (retried at each need). */
    for (int i = 0; i < 50 && !solder_ready() && !stopping; i++)
        usleep(200 * 1000);
    printf("acmeco: listening on http://%s:%d (Solder %s%s)\n", host, port, solder_url(),
           solder_ready() ? "" : ", not reachable yet");
    fflush(stdout);
    while (!stopping)
        if (lws_service(context, 0) < 0)
            break;
    lws_context_destroy(context);
    data_free();
    free(signing_secret);
    free(public_pem);
    free(key);
    curl_global_cleanup();
    return 0;
}
