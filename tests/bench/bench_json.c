/*
 * JSON text in and out, per second on one core: Solder's reader and writer (json_parse,
 * json_print with JavaScript numbers) beside cJSON's own (cJSON_ParseWithLength,
 * cJSON_PrintUnformatted, "%1.15g" numbers) on the same documents, in alternating rounds, best
 * round kept. The documents: an API answer (thirty executions of GET /workflows/{id}/logs, ids,
 * timestamps, a mapped body), a BigCommerce-style order (prices, quantities, addresses) and an
 * array of a thousand numbers of every kind (integers, prices, timestamps, computed fractions).
 *
 * Prints one line per document and operation: "NAME OPERATION OPS_PER_SECOND". cJSON's parser is
 * called here only as the reference; Solder itself never calls it (json.h says why).
 */
#include "json/json.h"
#include "util/buf.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static double now_s(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)t.tv_sec + (double)t.tv_nsec / 1e9;
}

static char *logs_answer(void)
{
    struct buf b = {0};
    buf_puts(&b, "{\"data\":[");
    for (int i = 0; i < 30; i++) {
        long long start = 1733240000123LL + i * 917;
        buf_printf(
            &b,
            "%s{\"executionId\":\"65f1c2a9e4b0a1%010d\",\"workflowId\":"
            "\"65f1c2a9e4b0a1c3d5e7f901\","
            "\"parentWorkflowId\":\"65f1c2a9e4b0a1c3d5e7f900\",\"userId\":"
            "\"65f1c2a9e4b0a1c3d5e7f9aa\","
            "\"workflowVersion\":3,\"status\":\"success\",\"finished\":true,\"attempt\":%d,"
            "\"startedAt\":%lld,\"stoppedAt\":%lld,\"results\":[{\"blockId\":\"shape\","
            "\"blockName\":\"Shape\",\"blockType\":\"transform\",\"stepKey\":\"shape\","
            "\"status\":\"success\",\"startedAt\":%lld,\"stoppedAt\":%lld,\"data\":[{\"json\":"
            "{\"orderId\":%d,\"status_id\":10,\"total\":%d.%02d,\"weight\":%.3f,\"tax\":%g}}]}],"
            "\"inputs\":[{\"blockId\":\"stream\",\"stepKey\":\"stream\",\"data\":{\"url\":"
            "\"https://acme.example/orders\",\"body\":\"[redacted]\"}}]}",
            i ? "," : "", i, 1 + i % 3, start, start + 41, start + 2, start + 9, 100230 + i,
            10 + i * 7, i * 13 % 100, 0.25 * i + 0.125, 0.0825 * (i + 1));
    }
    buf_puts(&b, "]}");
    return buf_take(&b);
}

static char *order(void)
{
    struct buf b = {0};
    buf_puts(&b, "{\"id\":100234,\"customer_id\":4411,\"status\":\"Awaiting Fulfillment\","
                 "\"status_id\":11,\"date_created\":\"Tue, 05 Mar 2024 10:22:31 +0000\","
                 "\"subtotal_ex_tax\":123.45,\"subtotal_inc_tax\":135.8,\"total_tax\":12.35,"
                 "\"total_ex_tax\":133.45,\"total_inc_tax\":145.8,\"shipping_cost_ex_tax\":10,"
                 "\"items_total\":4,\"currency_code\":\"USD\",\"currency_exchange_rate\":1.0,"
                 "\"billing_address\":{\"first_name\":\"Jane\",\"last_name\":\"Doe\",\"street_1\":"
                 "\"12 Main St\",\"city\":\"Austin\",\"state\":\"Texas\",\"zip\":\"78701\","
                 "\"country_iso2\":\"US\",\"email\":\"jane@example.com\"},\"products\":[");
    for (int i = 0; i < 8; i++)
        buf_printf(&b,
                   "%s{\"id\":%d,\"product_id\":%d,\"name\":\"Item %d\",\"sku\":\"SKU-%04d\","
                   "\"quantity\":%d,\"base_price\":%d.%02d,\"price_inc_tax\":%.4f,\"weight\":%.2f}",
                   i ? "," : "", 9000 + i, 77 + i, i, i * 37, 1 + i % 3, 5 + i * 3, i * 11 % 100,
                   (5 + i * 3) * 1.0825, 0.5 + i * 0.25);
    buf_puts(&b, "]}");
    return buf_take(&b);
}

static char *numbers(void)
{
    struct buf b = {0};
    buf_putc(&b, '[');
    for (int i = 0; i < 1000; i++) {
        double v;
        switch (i % 5) {
        case 0:
            v = i * 1009;
            break;
        case 1:
            v = (i * 7919 % 100000) / 100.0;
            break;
        case 2:
            v = 1733240000123.0 + i;
            break;
        case 3:
            v = i * 0.1 * 3;
            break;
        default:
            v = 1.0 / (i + 1);
        }
        buf_printf(&b, "%s%.17g", i ? "," : "", v);
    }
    buf_putc(&b, ']');
    return buf_take(&b);
}

enum { PRINT_SOLDER, PRINT_CJSON, PARSE_SOLDER, PARSE_CJSON, NOPS };
static const char *const op_names[NOPS] = {"print-solder", "print-cjson", "parse-solder",
                                           "parse-cjson"};

/* Runs op on text/tree for about secs; returns operations per second. */
static double run(int op, const char *text, const cJSON *tree, double secs)
{
    size_t len = strlen(text);
    long n = 0;
    double start = now_s(), t;
    do {
        for (int i = 0; i < 50; i++, n++) {
            if (op == PRINT_SOLDER || op == PRINT_CJSON) {
                char *out = op == PRINT_SOLDER ? json_print(tree) : cJSON_PrintUnformatted(tree);
                if (!out)
                    abort();
                free(out);
            } else {
                cJSON *v = op == PARSE_SOLDER ? json_parse(text, len, JSON_MAX_DEPTH, NULL)
                                              : cJSON_ParseWithLength(text, len);
                if (!v)
                    abort();
                cJSON_Delete(v);
            }
        }
        t = now_s() - start;
    } while (t < secs);
    return (double)n / t;
}

int main(int argc, char **argv)
{
    double secs = argc > 1 ? atof(argv[1]) : 0.5;
    int rounds = argc > 2 ? atoi(argv[2]) : 3;
    struct {
        const char *name;
        char *text;
    } docs[] = {{"api-answer", logs_answer()}, {"order", order()}, {"numbers", numbers()}};
    for (size_t d = 0; d < sizeof docs / sizeof docs[0]; d++) {
        cJSON *tree = json_parse(docs[d].text, strlen(docs[d].text), JSON_MAX_DEPTH, NULL);
        if (!tree) {
            fprintf(stderr, "bench_json: %s does not parse\n", docs[d].name);
            return 1;
        }
        double best[NOPS] = {0};
        for (int r = 0; r < rounds; r++)
            for (int op = 0; op < NOPS; op++) {
                double v = run(op, docs[d].text, tree, secs);
                if (v > best[op])
                    best[op] = v;
            }
        for (int op = 0; op < NOPS; op++)
            printf("%s %s %.0f\n", docs[d].name, op_names[op], best[op]);
        cJSON_Delete(tree);
        free(docs[d].text);
    }
    return 0;
}
