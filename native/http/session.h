/*
 * Dashboard sessions: the cookie, the pipeline step that accepts it and the CSRF check.
 *
 * A session is 32 random bytes, sent to the browser base64url-encoded in the cookie
 * solder_session (HttpOnly, SameSite=Strict, Secure when the public URL is https) and stored only
 * as its SHA-256 hash. It ends when it has been unused for the idle time, at the absolute limit
 * after sign-in, or at sign-out. Its CSRF token is an HMAC of the session value, so it needs no
 * storage and dies with the session.
 */
#ifndef SOLDER_HTTP_SESSION_H
#define SOLDER_HTTP_SESSION_H

#include <stdbool.h>
#include <stdint.h>

#include "http/http.h"
#include "store/dashboard.h"

#define SESSION_COOKIE "solder_session"
/* Characters of a session value: 32 bytes in base64url without padding. */
#define SESSION_VALUE_LEN 43
/* Characters of a CSRF token (an HMAC-SHA256 in base64url). */
#define SESSION_CSRF_LEN 43

/* Defaults of app_config's session_idle_ms and session_max_ms. */
#define SESSION_IDLE_DEFAULT_MS (2 * 3600 * 1000LL)
#define SESSION_MAX_DEFAULT_MS  (12 * 3600 * 1000LL)

/*
 * The pipeline step for a request that carries neither an API key nor a user token the route
 * accepts, and for every ROUTE_SESSION route: accepts a valid session cookie (who.kind
 * IDENTITY_SESSION, who.env the session's environment) and, for any method but GET, HEAD and
 * OPTIONS, only with X-CSRF-Token equal to the session's token. Returns true when the request may
 * go on; otherwise it has replied 401 (no or ended session), 403 csrf, or 403 forbidden (an API
 * key or user token on a ROUTE_SESSION route).
 */
bool http_session_authenticate(struct request *req);

/*
 * The session of a connection's cookie, checked for expiry and kept alive: fills *who (and *out
 * when not NULL) and returns true, or false when there is none or it has ended. On the lws service
 * thread (it reads wsi's headers): the websocket channel's; the pipeline has its own way.
 */
bool http_session_identify(struct app *app, struct lws *wsi, struct identity *who,
                           struct dashboard_session *out);

/*
 * Signs in: creates a session for account_id acting on development, adds its Set-Cookie to the
 * reply and fills req->who as the pipeline would. Returns a store status.
 */
int http_session_start(struct request *req, const char *account_id);
/* Signs out: deletes the caller's session and adds a Set-Cookie that clears the cookie. */
void http_session_end(struct request *req);

/* The CSRF token of a session value (NUL-terminated). */
void http_session_csrf(const char *session, char out[SESSION_CSRF_LEN + 1]);
/* When the session ends if it is not used again (ms since the epoch). */
int64_t http_session_expiry(const struct app *app, const struct dashboard_session *d);
/* The SHA-256 of a session value, the key it is stored under. */
void http_session_hash(const char *session, unsigned char out[32]);

#endif
