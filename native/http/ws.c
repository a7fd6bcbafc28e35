/*
 * The live-update channel (see ws.h): a websocket at /ws with subprotocol "solder-events".
 *
 * A connection starts unauthenticated and receives nothing until it proves who it is, either with
 * ?token=USER_TOKEN in the URL or with a first message {"type":"auth","token":...} or
 * {"type":"auth","apiKey":...} (browsers cannot set headers on a websocket), or with the
 * dashboard's session cookie at the handshake. A user token sees the events of its own user; an
 * API key or a dashboard session sees every event of its environment. Events are never sent
 * across environments, and an event without a user goes to API-key sessions only.
 *
 * A session lives no longer than its credential: before each round of events it receives, and on a
 * timer while idle, the key must still be valid (not revoked) or the token unexpired with its user
 * still there; otherwise the session gets an "unauthorized" message and is closed with 4401. An
 * install link's token sees only the events of its integration's workflows.
 *
 * Not here: replay of events missed while disconnected (clients re-read the REST API on reconnect)
 * and any command channel; messages after the auth message are ignored.
 */
#include "http/ws.h"

#include "app.h"
#include "crypto/crypto.h"
#include "http/conns.h"
#include "http/session.h"
#include "json/json.h"
#include "plat.h"
#include "store/catalog.h"

#include <pthread.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Events waiting for the lws thread; more are dropped so a stalled service cannot eat memory. */
#define WS_PENDING_MAX 4096
/* Messages queued for one client; a client that stops reading is disconnected past this. */
#define WS_SESSION_QUEUE_MAX 512
/* Largest client message: an auth message carrying a token (TOKEN_MAX_LEN) plus its wrapper. */
#define WS_RX_MAX 9000
/* Seconds a connection may stay without authenticating before it is closed. */
#define WS_AUTH_TIMEOUT_S 10
/* Close code for a refused credential (4000-4999 is the application range). */
#define WS_CLOSE_UNAUTHORIZED 4401
/* Longest an idle session goes without its credential being checked again: how long a revoked
 * key or deleted user may keep a silent socket open (a socket that receives is checked before
 * every round of events, and a token's session ends at its expiry). */
#define WS_RECHECK_MS 5000
/* Workflows of an install link's integration a session remembers to filter events by. */
#define WS_LINK_WORKFLOWS_MAX 256

struct ws_msg {
    struct ws_msg *next;
    char env_id[ID_LEN + 1];
    char user_id[ID_LEN + 1];     /* "" for environment-wide events */
    char workflow_id[ID_LEN + 1]; /* "" when the event names none */
    size_t len;
    char text[]; /* JSON, NUL-terminated */
};

/* One per websocket connection, allocated by lws; lives from ESTABLISHED to CLOSED. */
struct ws_session {
    struct ws_session *next; /* in the hub's list once authenticated */
    struct lws *wsi;
    bool authed;
    bool closing;               /* close at the next writeable callback */
    int close_code;             /* sent with the close */
    char close_why[96];         /* ditto */
    struct identity who;        /* valid once authed */
    unsigned char key_hash[32]; /* API-key sessions: SHA-256 of the key, to check it again */
    unsigned long round;        /* the last ws_flush round that checked the credential */
    char (*link_workflows)[ID_LEN + 1]; /* install link: its integration's workflows */
    int nlink_workflows;
    struct ws_msg *head; /* outgoing, oldest first */
    struct ws_msg *tail;
    size_t queued;
    char *rx; /* a fragmented client message being assembled */
    size_t rx_len;
};

/* The hub: pending events from any thread (under mu) and the sessions (lws thread only). */
struct ws_hub {
    pthread_mutex_t mu;
    struct ws_msg *pending_head, *pending_tail;
    size_t npending;
    size_t subscribers;      /* authenticated sessions; publishers skip work when 0 */
    unsigned long round;     /* ws_flush calls, lws thread only */
    bool recheck_all;        /* ws_recheck_all was called: every session is checked, under mu */
    struct lws_context *ctx; /* set while the protocol is initialised, under mu */
    struct ws_session *sessions;
};

struct ws_hub *ws_hub_new(void)
{
    struct ws_hub *hub = calloc(1, sizeof *hub);
    if (hub)
        pthread_mutex_init(&hub->mu, NULL);
    return hub;
}

static void free_list(struct ws_msg *m)
{
    while (m) {
        struct ws_msg *next = m->next;
        free(m);
        m = next;
    }
}

void ws_hub_free(struct ws_hub *hub)
{
    if (!hub)
        return;
    free_list(hub->pending_head);
    pthread_mutex_destroy(&hub->mu);
    free(hub);
}

static struct ws_msg *msg_new(const char *env_id, const char *user_id, const char *workflow_id,
                              const char *text, size_t len)
{
    struct ws_msg *m = malloc(sizeof *m + len + 1);
    if (!m)
        return NULL;
    m->next = NULL;
    snprintf(m->env_id, sizeof m->env_id, "%s", env_id ? env_id : "");
    snprintf(m->user_id, sizeof m->user_id, "%s", user_id ? user_id : "");
    snprintf(m->workflow_id, sizeof m->workflow_id, "%s", workflow_id ? workflow_id : "");
    m->len = len;
    memcpy(m->text, text, len);
    m->text[len] = '\0';
    return m;
}

bool ws_has_subscribers(struct app *app)
{
    struct ws_hub *hub = app ? app->ws : NULL;
    if (!hub)
        return false;
    pthread_mutex_lock(&hub->mu);
    bool any = hub->subscribers > 0;
    pthread_mutex_unlock(&hub->mu);
    return any;
}

size_t ws_open_count(struct app *app)
{
    struct ws_hub *hub = app ? app->ws : NULL;
    if (!hub)
        return 0;
    pthread_mutex_lock(&hub->mu);
    size_t n = hub->subscribers;
    pthread_mutex_unlock(&hub->mu);
    return n;
}

void ws_publish(struct app *app, const char *env_id, const char *user_id, const cJSON *event)
{
    struct ws_hub *hub = app ? app->ws : NULL;
    if (!hub || !env_id || !event)
        return;
    pthread_mutex_lock(&hub->mu);
    bool wanted = hub->subscribers > 0 && hub->npending < WS_PENDING_MAX;
    pthread_mutex_unlock(&hub->mu);
    if (!wanted)
        return;
    char *text = json_print(event);
    struct ws_msg *m =
        text ? msg_new(env_id, user_id, json_get_str(event, "workflowId"), text, strlen(text))
             : NULL;
    free(text);
    if (!m)
        return;
    pthread_mutex_lock(&hub->mu);
    if (hub->npending < WS_PENDING_MAX) {
        if (hub->pending_tail)
            hub->pending_tail->next = m;
        else
            hub->pending_head = m;
        hub->pending_tail = m;
        hub->npending++;
        m = NULL;
    }
    if (hub->ctx)
        lws_cancel_service(hub->ctx);
    pthread_mutex_unlock(&hub->mu);
    free(m);
}

static bool may_see(const struct ws_session *s, const struct ws_msg *m)
{
    if (!s->authed || strcmp(s->who.env.id, m->env_id) != 0)
        return false;
    if (s->who.kind == IDENTITY_API_KEY || s->who.kind == IDENTITY_SESSION)
        return true;
    if (!m->user_id[0] || strcmp(s->who.user_id, m->user_id) != 0)
        return false;
    if (!s->who.install_link)
        return true;
    for (int i = 0; i < s->nlink_workflows; i++)
        if (strcmp(s->link_workflows[i], m->workflow_id) == 0)
            return true;
    return false;
}

static void session_close_later(struct ws_session *s, int code, const char *why)
{
    s->closing = true;
    s->close_code = code;
    snprintf(s->close_why, sizeof s->close_why, "%s", why);
    lws_callback_on_writable(s->wsi);
}

static void session_enqueue(struct ws_session *s, const char *text, size_t len)
{
    if (s->closing)
        return;
    if (s->queued >= WS_SESSION_QUEUE_MAX) {
        free_list(s->head);
        s->head = s->tail = NULL;
        s->queued = 0;
        session_close_later(s, LWS_CLOSE_STATUS_POLICY_VIOLATION, "client too slow");
        return;
    }
    struct ws_msg *m = msg_new(NULL, NULL, NULL, text, len);
    if (!m)
        return;
    if (s->tail)
        s->tail->next = m;
    else
        s->head = m;
    s->tail = m;
    s->queued++;
    lws_callback_on_writable(s->wsi);
}

static void send_json(struct ws_session *s, cJSON *o)
{
    char *text = json_print(o);
    if (text)
        session_enqueue(s, text, strlen(text));
    free(text);
    cJSON_Delete(o);
}

/* Tells the client why, then closes with 4401 once that is written. */
static void session_refuse(struct ws_session *s, const char *why)
{
    free_list(s->head);
    s->head = s->tail = NULL;
    s->queued = 0;
    cJSON *o = cJSON_CreateObject();
    cJSON_AddStringToObject(o, "type", "error");
    cJSON_AddStringToObject(o, "code", "unauthorized");
    char text[200];
    snprintf(text, sizeof text, "Unauthorized%s%s", why && why[0] ? ": " : "", why ? why : "");
    cJSON_AddStringToObject(o, "message", text);
    send_json(s, o);
    session_close_later(s, WS_CLOSE_UNAUTHORIZED, "unauthorized");
}

/* Whether an authenticated session's credential still holds: the API key is not revoked, the
 * dashboard session has not ended, or the token has not expired and its user still exists. false
 * with the reason in why. */
static bool session_still_valid(struct app *app, const struct ws_session *s, char *why, size_t n)
{
    if (s->who.kind == IDENTITY_API_KEY) {
        struct api_key k;
        int rc = store_api_key_lookup(app->store, s->key_hash, &k);
        if (rc == STORE_NOT_FOUND || (rc == STORE_OK && strcmp(k.env_id, s->who.env.id) != 0)) {
            snprintf(why, n, "the API key was revoked");
            return false;
        }
        return true; /* a store failure is not a revocation */
    }
    if (s->who.kind == IDENTITY_SESSION) {
        unsigned char hash[32];
        http_session_hash(s->who.session, hash);
        struct dashboard_session d;
        int rc = store_dashboard_session_find(app->store, hash, &d);
        if (rc == STORE_NOT_FOUND ||
            (rc == STORE_OK && store_now() >= http_session_expiry(app, &d))) {
            snprintf(why, n, "the dashboard session ended");
            return false;
        }
        return true;
    }
    if (plat_now_ms() / 1000 >= s->who.token_exp) {
        snprintf(why, n, "the token expired");
        return false;
    }
    struct user u;
    int rc = store_user_find_id(app->store, s->who.env.id, s->who.user_id, &u);
    store_user_clear(&u);
    if (rc == STORE_NOT_FOUND) {
        snprintf(why, n, "the token's user no longer exists");
        return false;
    }
    return true;
}

/* Checks the session's credential again; refuses the session when it no longer holds. */
static bool session_recheck(struct app *app, struct ws_session *s)
{
    char why[96];
    if (s->closing)
        return false;
    if (session_still_valid(app, s, why, sizeof why))
        return true;
    session_refuse(s, why);
    return false;
}

/* Arms the session's timer: the next idle check, or the token's expiry when that comes first. */
static void session_arm_timer(struct ws_session *s)
{
    int64_t wait_ms = WS_RECHECK_MS;
    if (s->who.kind == IDENTITY_USER_TOKEN) {
        int64_t left_ms = s->who.token_exp * 1000 - plat_now_ms();
        if (left_ms < wait_ms)
            wait_ms = left_ms > 0 ? left_ms : 1;
    }
    lws_set_timer_usecs(s->wsi, (lws_usec_t)wait_ms * 1000);
}

void ws_recheck_all(struct app *app)
{
    struct ws_hub *hub = app ? app->ws : NULL;
    if (!hub)
        return;
    pthread_mutex_lock(&hub->mu);
    hub->recheck_all = true;
    if (hub->ctx)
        lws_cancel_service(hub->ctx);
    pthread_mutex_unlock(&hub->mu);
}

void ws_flush(struct app *app)
{
    struct ws_hub *hub = app ? app->ws : NULL;
    if (!hub)
        return;
    pthread_mutex_lock(&hub->mu);
    struct ws_msg *list = hub->pending_head;
    hub->pending_head = hub->pending_tail = NULL;
    hub->npending = 0;
    bool recheck_all = hub->recheck_all;
    hub->recheck_all = false;
    pthread_mutex_unlock(&hub->mu);
    unsigned long round = ++hub->round;
    for (struct ws_session *s = recheck_all ? hub->sessions : NULL; s; s = s->next)
        if (s->round != round) {
            s->round = round;
            session_recheck(app, s);
        }
    for (struct ws_msg *m = list; m; m = m->next)
        for (struct ws_session *s = hub->sessions; s; s = s->next) {
            if (!may_see(s, m) || s->closing)
                continue;
            /* Once per round for each session that would receive: a revoked key or an expired
             * token gets nothing more. */
            if (s->round != round) {
                s->round = round;
                if (!session_recheck(app, s))
                    continue;
            }
            session_enqueue(s, m->text, m->len);
        }
    free_list(list);
}

/* The workflows of an install link's integration, which are all its session may hear about. */
static void load_link_workflows(struct app *app, struct ws_session *s)
{
    struct workflow_list wfs;
    if (store_workflows_of_integration(app->store, s->who.integration_id, &wfs) != STORE_OK)
        return;
    size_t n = wfs.n;
    if (n > WS_LINK_WORKFLOWS_MAX)
        n = WS_LINK_WORKFLOWS_MAX;
    s->link_workflows = n ? calloc(n, sizeof *s->link_workflows) : NULL;
    for (size_t k = 0; k < n && s->link_workflows; k++)
        snprintf(s->link_workflows[s->nlink_workflows++], ID_LEN + 1, "%s", wfs.items[k].id);
    store_workflow_list_free(&wfs);
}

/* Checks a credential; on success the session joins the hub and is told its scope. */
static void session_auth(struct ws_hub *hub, struct app *app, struct ws_session *s,
                         const char *token, const char *api_key)
{
    char msg[160] = "";
    bool ok = false;
    if (token) {
        ok = http_identify_user_token(app, token, &s->who, msg, sizeof msg);
    } else if (api_key) {
        ok = http_identify_api_key(app, api_key, strlen(api_key), &s->who) == STORE_OK;
        crypto_sha256(api_key, strlen(api_key), s->key_hash);
    } else {
        ok = s->who.kind == IDENTITY_SESSION; /* identified by its cookie at the handshake */
    }
    if (!ok) {
        session_refuse(s, msg);
        return;
    }
    s->authed = true;
    lws_set_timeout(s->wsi, NO_PENDING_TIMEOUT, 0);
    conns_busy(app->conns, s->wsi); /* until now it could give way to a newcomer, as idle ones do */
    if (s->who.install_link)
        load_link_workflows(app, s);
    session_arm_timer(s);
    s->next = hub->sessions;
    hub->sessions = s;
    pthread_mutex_lock(&hub->mu);
    hub->subscribers++;
    pthread_mutex_unlock(&hub->mu);
    cJSON *o = cJSON_CreateObject();
    cJSON_AddStringToObject(o, "type", "ready");
    bool user = s->who.kind == IDENTITY_USER_TOKEN;
    cJSON_AddStringToObject(o, "scope", user ? "user" : "environment");
    cJSON_AddStringToObject(o, "environment", s->who.env.name);
    if (user)
        cJSON_AddStringToObject(o, "userId", s->who.user_id);
    send_json(s, o);
}

static void session_message(struct ws_hub *hub, struct app *app, struct ws_session *s)
{
    if (s->authed || s->closing)
        return;
    cJSON *doc = json_parse(s->rx, s->rx_len, 4, NULL);
    const char *type = json_get_str(doc, "type");
    const char *token = json_get_str(doc, "token"), *key = json_get_str(doc, "apiKey");
    if (type && strcmp(type, "auth") == 0 && (token || key))
        session_auth(hub, app, s, token, key);
    else
        session_close_later(s, WS_CLOSE_UNAUTHORIZED, "authenticate first");
    cJSON_Delete(doc);
}

/* The token in ?token=..., percent-decoded (malloc'd), or NULL. */
static char *query_token(struct lws *wsi)
{
    char frag[TOKEN_MAX_LEN + 16];
    for (int i = 0;; i++) {
        int n = lws_hdr_copy_fragment(wsi, frag, sizeof frag, WSI_TOKEN_HTTP_URI_ARGS, i);
        if (n <= 0)
            return NULL;
        if (strncmp(frag, "token=", 6) == 0) {
            char *out = malloc((size_t)n);
            if (out && url_decode(frag + 6, (size_t)n - 6, out, (size_t)n, false) && *out)
                return out;
            free(out);
            return NULL;
        }
    }
}

static void session_end(struct ws_hub *hub, struct ws_session *s)
{
    if (s->authed) {
        for (struct ws_session **p = &hub->sessions; *p; p = &(*p)->next)
            if (*p == s) {
                *p = s->next;
                break;
            }
        pthread_mutex_lock(&hub->mu);
        hub->subscribers--;
        pthread_mutex_unlock(&hub->mu);
        s->authed = false;
    }
    free_list(s->head);
    s->head = s->tail = NULL;
    s->queued = 0;
    free(s->rx);
    s->rx = NULL;
    free(s->link_workflows);
    s->link_workflows = NULL;
    s->nlink_workflows = 0;
}

static int ws_callback(struct lws *wsi, enum lws_callback_reasons reason, void *user, void *in,
                       size_t len)
{
    struct ws_session *s = user;
    struct lws_context *ctx = lws_get_context(wsi);
    struct app *app = ctx ? lws_context_user(ctx) : NULL;
    struct ws_hub *hub = app ? app->ws : NULL;

    switch (reason) {
    case LWS_CALLBACK_PROTOCOL_INIT:
        if (hub) {
            pthread_mutex_lock(&hub->mu);
            hub->ctx = ctx;
            pthread_mutex_unlock(&hub->mu);
        }
        return 0;
    case LWS_CALLBACK_PROTOCOL_DESTROY:
        if (hub) {
            pthread_mutex_lock(&hub->mu);
            hub->ctx = NULL;
            pthread_mutex_unlock(&hub->mu);
        }
        return 0;
    case LWS_CALLBACK_FILTER_PROTOCOL_CONNECTION: {
        char uri[64];
        if (!hub || lws_hdr_copy(wsi, uri, sizeof uri, WSI_TOKEN_GET_URI) <= 0)
            return 1;
        return strcmp(uri, "/ws") == 0 ? 0 : 1;
    }
    case LWS_CALLBACK_ESTABLISHED: {
        memset(s, 0, sizeof *s);
        s->wsi = wsi;
        lws_set_timeout(wsi, PENDING_TIMEOUT_USER_OK, WS_AUTH_TIMEOUT_S);
        char *token = query_token(wsi);
        if (token)
            session_auth(hub, app, s, token, NULL);
        else if (http_session_identify(app, wsi, &s->who, NULL))
            session_auth(hub, app, s, NULL, NULL);
        free(token);
        return 0;
    }
    case LWS_CALLBACK_RECEIVE: {
        if (s->authed || s->closing)
            return 0;
        if (s->rx_len + len > WS_RX_MAX) {
            session_close_later(s, LWS_CLOSE_STATUS_MESSAGE_TOO_LARGE, "message too large");
            return 0;
        }
        char *grown = realloc(s->rx, s->rx_len + len + 1);
        if (!grown)
            return -1;
        s->rx = grown;
        memcpy(s->rx + s->rx_len, in, len);
        s->rx_len += len;
        s->rx[s->rx_len] = '\0';
        if (lws_is_final_fragment(wsi) && !lws_remaining_packet_payload(wsi)) {
            session_message(hub, app, s);
            free(s->rx);
            s->rx = NULL;
            s->rx_len = 0;
        }
        return 0;
    }
    case LWS_CALLBACK_SERVER_WRITEABLE: {
        struct ws_msg *m = s->head;
        if (m) {
            unsigned char *buf = malloc(LWS_PRE + m->len);
            if (!buf)
                return -1;
            memcpy(buf + LWS_PRE, m->text, m->len);
            int n = lws_write(wsi, buf + LWS_PRE, m->len, LWS_WRITE_TEXT);
            free(buf);
            if (n < (int)m->len)
                return -1;
            s->head = m->next;
            if (!s->head)
                s->tail = NULL;
            s->queued--;
            free(m);
        }
        if (s->head) {
            lws_callback_on_writable(wsi);
        } else if (s->closing) {
            lws_close_reason(wsi, (enum lws_close_status)s->close_code,
                             (unsigned char *)s->close_why, strlen(s->close_why));
            return -1;
        }
        return 0;
    }
    case LWS_CALLBACK_TIMER:
        if (s->authed && session_recheck(app, s))
            session_arm_timer(s);
        return 0;
    case LWS_CALLBACK_CLOSED:
        if (hub && s)
            session_end(hub, s);
        return 0;
    default:
        return 0;
    }
}

struct lws_protocols ws_protocol(void)
{
    struct lws_protocols p = {
        "solder-events", ws_callback, sizeof(struct ws_session), 4096, 0, NULL, 0};
    return p;
}
