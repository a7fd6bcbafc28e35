/*
 * Schema validations per second on realistic schemas: the quick start's "Fulfillment Updated"
 * event (extended the way ISVs write it) and a BigCommerce-style order, each with a valid and an
 * invalid instance. Each schema is compiled once; validation runs on one core, both stopping at
 * the first error (like ajv's default) and collecting every error (like ajv's allErrors).
 *
 * `bench_schema fixtures` prints the cases as JSON so tests/bench/schema.sh can run ajv over
 * exactly the same documents; `bench_schema [SECONDS]` prints one line per case and mode:
 * "NAME MODE OPS_PER_SECOND", then the valid event checked by hand-written C
 * ("event-valid handwritten-c"): the reference for a validator of cJSON trees.
 */
#include "schema/schema.h"

#include <math.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static const char EVENT_SCHEMA[] =
    "{\"$schema\":\"https://json-schema.org/draft/2020-12/schema\",\"title\":\"Fulfillment "
    "Updated\",\"type\":\"object\",\"properties\":{"
    "\"orderId\":{\"type\":\"string\",\"minLength\":1,\"maxLength\":64},"
    "\"status\":{\"type\":\"string\",\"enum\":[\"pending\",\"shipped\",\"delivered\","
    "\"cancelled\"]},"
    "\"updatedAt\":{\"type\":\"string\",\"format\":\"date-time\"},"
    "\"trackingNumber\":{\"type\":[\"string\",\"null\"],\"pattern\":\"^[A-Z0-9]{8,30}$\"},"
    "\"carrier\":{\"type\":\"string\"},"
    "\"items\":{\"type\":\"array\",\"minItems\":1,\"items\":{\"type\":\"object\",\"properties\":{"
    "\"sku\":{\"type\":\"string\",\"minLength\":1},\"quantity\":{\"type\":\"integer\",\"minimum\":"
    "1}},"
    "\"required\":[\"sku\",\"quantity\"]}}},"
    "\"required\":[\"orderId\",\"status\"]}";

static const char EVENT_VALID[] =
    "{\"orderId\":\"100234\",\"status\":\"shipped\",\"updatedAt\":\"2024-03-05T10:22:31Z\","
    "\"trackingNumber\":\"1Z999AA10123456784\",\"carrier\":\"UPS\",\"items\":["
    "{\"sku\":\"TSHIRT-RED-M\",\"quantity\":2},{\"sku\":\"MUG-01\",\"quantity\":1}]}";

static const char EVENT_INVALID[] =
    "{\"orderId\":\"\",\"status\":\"lost\",\"trackingNumber\":\"abc\",\"items\":["
    "{\"sku\":\"X\",\"quantity\":0},{\"quantity\":1}]}";

static const char ORDER_SCHEMA[] =
    "{\"$schema\":\"https://json-schema.org/draft/2020-12/schema\",\"title\":\"Order\","
    "\"type\":\"object\",\"$defs\":{"
    "\"money\":{\"type\":\"string\",\"pattern\":\"^-?[0-9]+\\\\.[0-9]{2,4}$\"},"
    "\"address\":{\"type\":\"object\",\"properties\":{"
    "\"first_name\":{\"type\":\"string\"},\"last_name\":{\"type\":\"string\"},"
    "\"company\":{\"type\":\"string\"},\"street_1\":{\"type\":\"string\",\"minLength\":1},"
    "\"street_2\":{\"type\":\"string\"},\"city\":{\"type\":\"string\",\"minLength\":1},"
    "\"state\":{\"type\":\"string\"},\"zip\":{\"type\":\"string\"},"
    "\"country\":{\"type\":\"string\"},\"country_iso2\":{\"type\":\"string\",\"minLength\":2,"
    "\"maxLength\":2},\"phone\":{\"type\":\"string\"},\"email\":{\"type\":\"string\","
    "\"format\":\"email\"}},\"required\":[\"first_name\",\"last_name\",\"street_1\",\"city\","
    "\"zip\",\"country_iso2\"],\"additionalProperties\":false},"
    "\"product\":{\"type\":\"object\",\"properties\":{"
    "\"id\":{\"type\":\"integer\"},\"product_id\":{\"type\":\"integer\"},"
    "\"name\":{\"type\":\"string\"},\"sku\":{\"type\":\"string\"},"
    "\"quantity\":{\"type\":\"integer\",\"minimum\":1},"
    "\"price_inc_tax\":{\"$ref\":\"#/$defs/money\"},\"price_ex_tax\":{\"$ref\":\"#/$defs/money\"},"
    "\"is_refunded\":{\"type\":\"boolean\"}},\"required\":[\"product_id\",\"quantity\","
    "\"price_inc_tax\"]}},"
    "\"properties\":{"
    "\"id\":{\"type\":\"integer\",\"minimum\":1},\"customer_id\":{\"type\":\"integer\"},"
    "\"date_created\":{\"type\":\"string\"},\"status_id\":{\"type\":\"integer\",\"minimum\":0,"
    "\"maximum\":14},\"status\":{\"enum\":[\"Incomplete\",\"Pending\",\"Shipped\","
    "\"Partially Shipped\",\"Refunded\",\"Cancelled\",\"Declined\",\"Awaiting Payment\","
    "\"Awaiting Pickup\",\"Awaiting Shipment\",\"Completed\",\"Awaiting Fulfillment\","
    "\"Manual Verification Required\",\"Disputed\",\"Partially Refunded\"]},"
    "\"subtotal_ex_tax\":{\"$ref\":\"#/$defs/money\"},\"subtotal_inc_tax\":{\"$ref\":\"#/$defs/"
    "money\"},\"total_inc_tax\":{\"$ref\":\"#/$defs/money\"},"
    "\"items_total\":{\"type\":\"integer\",\"minimum\":0},"
    "\"payment_method\":{\"type\":\"string\"},\"currency_code\":{\"type\":\"string\","
    "\"pattern\":\"^[A-Z]{3}$\"},"
    "\"billing_address\":{\"$ref\":\"#/$defs/address\"},"
    "\"products\":{\"type\":\"array\",\"items\":{\"$ref\":\"#/$defs/product\"}},"
    "\"coupons\":{\"type\":\"array\",\"items\":{\"type\":\"object\",\"properties\":{\"code\":"
    "{\"type\":\"string\"},\"amount\":{\"type\":\"number\"}},\"required\":[\"code\"]}},"
    "\"staff_notes\":{\"type\":\"string\",\"maxLength\":1000}},"
    "\"required\":[\"id\",\"status_id\",\"status\",\"total_inc_tax\",\"billing_address\","
    "\"products\"]}";

static const char ORDER_VALID[] =
    "{\"id\":118,\"customer_id\":11,\"date_created\":\"Tue, 05 Mar 2024 10:22:31 +0000\","
    "\"status_id\":11,\"status\":\"Awaiting Fulfillment\",\"subtotal_ex_tax\":\"45.0000\","
    "\"subtotal_inc_tax\":\"49.5000\",\"total_inc_tax\":\"54.5000\",\"items_total\":3,"
    "\"payment_method\":\"credit_card\",\"currency_code\":\"USD\","
    "\"billing_address\":{\"first_name\":\"Jane\",\"last_name\":\"Doe\",\"company\":\"Acme\","
    "\"street_1\":\"12 Main St\",\"street_2\":\"\",\"city\":\"Austin\",\"state\":\"Texas\","
    "\"zip\":\"78701\",\"country\":\"United States\",\"country_iso2\":\"US\","
    "\"phone\":\"5125550100\",\"email\":\"jane@example.com\"},"
    "\"products\":[{\"id\":1,\"product_id\":77,\"name\":\"T-Shirt\",\"sku\":\"TS-R-M\","
    "\"quantity\":2,\"price_inc_tax\":\"16.5000\",\"price_ex_tax\":\"15.0000\","
    "\"is_refunded\":false},{\"id\":2,\"product_id\":81,\"name\":\"Mug\",\"sku\":\"MUG-01\","
    "\"quantity\":1,\"price_inc_tax\":\"16.5000\",\"price_ex_tax\":\"15.0000\","
    "\"is_refunded\":false}],\"coupons\":[{\"code\":\"SPRING\",\"amount\":5}],"
    "\"staff_notes\":\"\"}";

static const char ORDER_INVALID[] =
    "{\"id\":0,\"status_id\":20,\"status\":\"Lost\",\"total_inc_tax\":\"54.5\","
    "\"currency_code\":\"usd\",\"billing_address\":{\"first_name\":\"Jane\",\"street_1\":\"\","
    "\"city\":\"Austin\",\"zip\":\"78701\",\"country_iso2\":\"USA\",\"fax\":\"none\"},"
    "\"products\":[{\"product_id\":77,\"quantity\":0,\"price_inc_tax\":16.5},"
    "{\"name\":\"Mug\"}]}";

static const struct bench_case {
    const char *name;
    const char *schema;
    const char *instance;
} CASES[] = {
    {"event-valid", EVENT_SCHEMA, EVENT_VALID},
    {"event-invalid", EVENT_SCHEMA, EVENT_INVALID},
    {"order-valid", ORDER_SCHEMA, ORDER_VALID},
    {"order-invalid", ORDER_SCHEMA, ORDER_INVALID},
};

#define N_CASES (sizeof CASES / sizeof CASES[0])

static double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/*
 * The reference for what any validator of a cJSON tree can reach: the event schema's checks
 * written out by hand, as a code generator would emit them, stopping at the first failure. Member
 * lookups (a strcmp per member along cJSON's linked lists) and string scans are what remains.
 */
static bool code_points_within(const char *s, size_t min, size_t max)
{
    size_t n = 0;
    for (; *s; s++)
        n += ((unsigned char)*s & 0xc0) != 0x80;
    return n >= min && n <= max;
}

static bool handwritten_item(const cJSON *o)
{
    if (!cJSON_IsObject(o))
        return false;
    unsigned seen = 0;
    for (const cJSON *m = o->child; m; m = m->next) {
        if (strcmp(m->string, "sku") == 0) {
            seen |= 1;
            if (!cJSON_IsString(m) || !m->valuestring[0])
                return false;
        } else if (strcmp(m->string, "quantity") == 0) {
            seen |= 2;
            double q = m->valuedouble;
            if (!cJSON_IsNumber(m) || q != floor(q) || q < 1)
                return false;
        }
    }
    return seen == 3;
}

static bool handwritten_event(const cJSON *root)
{
    static const char *const names[] = {"orderId",        "status",  "updatedAt",
                                        "trackingNumber", "carrier", "items"};
    static const char *const statuses[] = {"pending", "shipped", "delivered", "cancelled"};
    if (!cJSON_IsObject(root))
        return false;
    unsigned seen = 0;
    int next = 0;
    for (const cJSON *m = root->child; m; m = m->next) {
        int p = -1;
        if (next < 6 && strcmp(names[next], m->string) == 0)
            p = next;
        for (int i = 0; p < 0 && i < 6; i++)
            if (strcmp(names[i], m->string) == 0)
                p = i;
        if (p < 0)
            continue;
        next = p + 1;
        seen |= 1u << p;
        switch (p) {
        case 0:
            if (!cJSON_IsString(m) || !code_points_within(m->valuestring, 1, 64))
                return false;
            break;
        case 1: {
            bool found = false;
            for (int i = 0; cJSON_IsString(m) && !found && i < 4; i++)
                found = strcmp(statuses[i], m->valuestring) == 0;
            if (!found)
                return false;
            break;
        }
        case 3: {
            if (cJSON_IsNull(m))
                break;
            if (!cJSON_IsString(m))
                return false;
            const char *c = m->valuestring;
            size_t n = 0;
            while ((c[n] >= 'A' && c[n] <= 'Z') || (c[n] >= '0' && c[n] <= '9'))
                n++;
            if (c[n] || n < 8 || n > 30)
                return false;
            break;
        }
        case 2:
        case 4:
            if (!cJSON_IsString(m))
                return false;
            break;
        default: {
            if (!cJSON_IsArray(m) || !m->child)
                return false;
            for (const cJSON *e = m->child; e; e = e->next)
                if (!handwritten_item(e))
                    return false;
        }
        }
    }
    return (seen & 3) == 3;
}

static double measure_handwritten(const cJSON *inst, double seconds)
{
    long n = 0, valid = 0;
    double start = now_s(), elapsed;
    do {
        for (int i = 0; i < 1000; i++)
            valid += handwritten_event(inst);
        n += 1000;
        elapsed = now_s() - start;
    } while (elapsed < seconds);
    return valid == n ? (double)n / elapsed : 0;
}

static void print_fixtures(void)
{
    cJSON *out = cJSON_CreateArray();
    for (size_t i = 0; i < N_CASES; i++) {
        cJSON *c = cJSON_CreateObject();
        cJSON_AddStringToObject(c, "name", CASES[i].name);
        cJSON_AddItemToObject(c, "schema", cJSON_Parse(CASES[i].schema));
        cJSON_AddItemToObject(c, "instance", cJSON_Parse(CASES[i].instance));
        cJSON_AddItemToArray(out, c);
    }
    char *text = cJSON_PrintUnformatted(out);
    printf("%s\n", text);
    free(text);
    cJSON_Delete(out);
}

/* Runs validations for about `seconds`; returns validations per second. */
static double measure(const schema_t *s, const cJSON *inst, bool all_errors, double seconds)
{
    long n = 0;
    double start = now_s(), elapsed;
    do {
        for (int i = 0; i < 1000; i++) {
            if (all_errors) {
                struct schema_result r;
                schema_validate(s, inst, &r);
                schema_result_free(&r);
            } else {
                schema_validate(s, inst, NULL);
            }
        }
        n += 1000;
        elapsed = now_s() - start;
    } while (elapsed < seconds);
    return (double)n / elapsed;
}

int main(int argc, char **argv)
{
    if (argc > 1 && strcmp(argv[1], "fixtures") == 0) {
        print_fixtures();
        return 0;
    }
    double seconds = argc > 1 ? atof(argv[1]) : 1.0;
    if (seconds <= 0)
        seconds = 1.0;
    for (size_t i = 0; i < N_CASES; i++) {
        cJSON *doc = cJSON_Parse(CASES[i].schema);
        cJSON *inst = cJSON_Parse(CASES[i].instance);
        char *err = NULL;
        schema_t *s = schema_compile(doc, NULL, &err);
        if (!s || !inst) {
            fprintf(stderr, "bench_schema: %s: %s\n", CASES[i].name, err ? err : "bad fixture");
            return 1;
        }
        bool expect_valid = strstr(CASES[i].name, "-valid") != NULL;
        if (schema_validate(s, inst, NULL) != expect_valid) {
            fprintf(stderr, "bench_schema: %s: unexpected validation result\n", CASES[i].name);
            return 1;
        }
        printf("%s first-error %.0f\n", CASES[i].name, measure(s, inst, false, seconds));
        printf("%s all-errors %.0f\n", CASES[i].name, measure(s, inst, true, seconds));
        fflush(stdout);
        schema_free(s);
        cJSON_Delete(doc);
        cJSON_Delete(inst);
    }
    cJSON *valid = cJSON_Parse(EVENT_VALID), *invalid = cJSON_Parse(EVENT_INVALID);
    if (!handwritten_event(valid) || handwritten_event(invalid)) {
        fprintf(stderr, "bench_schema: the hand-written event check disagrees with the schema\n");
        return 1;
    }
    printf("event-valid handwritten-c %.0f\n", measure_handwritten(valid, seconds));
    cJSON_Delete(valid);
    cJSON_Delete(invalid);
    return 0;
}
