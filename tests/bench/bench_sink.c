/*
 * Benchmark sink and ceiling: a plain libwebsockets server that answers every request with
 * 200 and "{}" and counts POSTs. `GET /count` returns the count. Used as the delivery target of the
 * end-to-end benchmark and, driven by wrk directly, as the requests-per-second ceiling of
 * libwebsockets on this machine.
 * Usage: bench_sink PORT
 */
#include <libwebsockets.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static volatile sig_atomic_t stop;
static long posts;

struct session {
    int is_post;
    char reply[64];
};

static int callback(struct lws *wsi, enum lws_callback_reasons reason, void *user, void *in,
                    size_t len)
{
    struct session *s = user;
    unsigned char buf[LWS_PRE + 512], *start = buf + LWS_PRE, *p = start, *end = buf + sizeof buf;
    switch (reason) {
    case LWS_CALLBACK_HTTP:
        s->is_post = lws_hdr_total_length(wsi, WSI_TOKEN_POST_URI) > 0;
        if (!s->is_post) {
            snprintf(s->reply, sizeof s->reply, "{\"count\":%ld}",
                     strcmp((const char *)in, "/count") == 0 ? posts : 0);
            lws_callback_on_writable(wsi);
        }
        return 0;
    case LWS_CALLBACK_HTTP_BODY:
        return 0;
    case LWS_CALLBACK_HTTP_BODY_COMPLETION:
        posts++;
        snprintf(s->reply, sizeof s->reply, "{}");
        lws_callback_on_writable(wsi);
        return 0;
    case LWS_CALLBACK_HTTP_WRITEABLE: {
        size_t n = strlen(s->reply);
        if (lws_add_http_common_headers(wsi, 200, "application/json", n, &p, end) ||
            lws_finalize_http_header(wsi, &p, end))
            return -1;
        memcpy(p, s->reply, n);
        p += n;
        if (lws_write(wsi, start, (size_t)(p - start), LWS_WRITE_HTTP_FINAL) < 0)
            return -1;
        return lws_http_transaction_completed(wsi) ? -1 : 0;
    }
    default:
        break;
    }
    return lws_callback_http_dummy(wsi, reason, user, in, len);
}

static void on_signal(int sig)
{
    (void)sig;
    stop = 1;
}

int main(int argc, char **argv)
{
    if (argc != 2) {
        fprintf(stderr, "usage: %s PORT\n", argv[0]);
        return 2;
    }
    static const struct lws_protocols protocols[] = {
        {"http", callback, sizeof(struct session), 0, 0, NULL, 0},
        {NULL, NULL, 0, 0, 0, NULL, 0},
    };
    struct lws_context_creation_info info;
    memset(&info, 0, sizeof info);
    info.port = atoi(argv[1]);
    info.iface = "127.0.0.1";
    info.protocols = protocols;
    info.max_http_header_pool = 1024;
    lws_set_log_level(LLL_ERR, NULL);
    struct lws_context *ctx = lws_create_context(&info);
    if (!ctx)
        return 1;
    signal(SIGTERM, on_signal);
    signal(SIGINT, on_signal);
    while (!stop && lws_service(ctx, 0) >= 0)
        ;
    lws_context_destroy(ctx);
    return 0;
}
