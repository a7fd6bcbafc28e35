/*
 * Schema validations per second on realistic schemas: the quick start's "Fulfillment Updated"
 * event (extended the way ISVs write it) and a BigCommerce-style order, each with a valid and an
 * invalid instance. Each schema is compiled once; validation runs on one core, both stopping at
 * the first error (like ajv's default) and collecting every error (like ajv's allErrors).
 *
 * `bench_schema fixtures` prints the cases as JSON so tests/bench/schema.sh can run ajv over
 * exactly the same documents; `bench_schema [SECONDS]` prints one line per case and mode:
 * "NAME MODE OPS_PER_SECOND", then the event checked by hand-written C: the valid instance
 * stopping at the first failure ("event-valid handwritten-c") and the invalid one collecting
 * every error ("event-invalid handwritten-c-all", checked to give schema_validate's errors): the
 * references for any validator of cJSON trees that reports errors as C strings.
 */
#include "schema/schema.h"

#include <math.h>
#include <stdbool.h>
#include <stdint.h>
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

/* Which of the event's properties member m is (0..5), trying *next first; -1 for none. */
static int event_property(const cJSON *m, int *next)
{
    static const char *const names[] = {"orderId",        "status",  "updatedAt",
                                        "trackingNumber", "carrier", "items"};
    int p = -1;
    if (*next < 6 && strcmp(names[*next], m->string) == 0)
        p = *next;
    for (int i = 0; p < 0 && i < 6; i++)
        if (strcmp(names[i], m->string) == 0)
            p = i;
    if (p >= 0)
        *next = p + 1;
    return p;
}

/* Whether a string is one of the event's statuses. */
static bool event_status(const char *s)
{
    static const char *const statuses[] = {"pending", "shipped", "delivered", "cancelled"};
    for (int i = 0; i < 4; i++)
        if (strcmp(statuses[i], s) == 0)
            return true;
    return false;
}

static bool handwritten_event(const cJSON *root)
{
    if (!cJSON_IsObject(root))
        return false;
    unsigned seen = 0;
    int next = 0;
    for (const cJSON *m = root->child; m; m = m->next) {
        int p = event_property(m, &next);
        if (p < 0)
            continue;
        seen |= 1u << p;
        switch (p) {
        case 0:
            if (!cJSON_IsString(m) || !code_points_within(m->valuestring, 1, 64))
                return false;
            break;
        case 1:
            if (!cJSON_IsString(m) || !event_status(m->valuestring))
                return false;
            break;
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

/*
 * The same schema's checks collecting every error, written out by hand: each error's locations
 * and message are constants (lengths known at compile time) except the item index, and the
 * result is one allocation holding the array and the strings, as schema_validate delivers it.
 */
struct hw_error {
    const char *path, *suffix, *location, *keyword, *message;
    size_t path_len, suffix_len, location_len, keyword_len, message_len;
    long index; /* -1: none; else written between path and suffix */
};

struct hw_errors {
    struct hw_error e[32];
    int n;
};

#define HW_ADD(a, path, index, suffix, location, keyword, message)                                 \
    hw_add(a, (struct hw_error){path, suffix, location, keyword, message, sizeof path - 1,         \
                                sizeof suffix - 1, sizeof location - 1, sizeof keyword - 1,        \
                                sizeof message - 1, index})

static void hw_add(struct hw_errors *a, struct hw_error e)
{
    if (a->n < 32)
        a->e[a->n++] = e;
}

static void handwritten_item_errors(struct hw_errors *a, const cJSON *o, long i)
{
    if (!cJSON_IsObject(o)) {
        HW_ADD(a, "/items/", i, "", "/properties/items/items/type", "type", "must be an object");
        return;
    }
    unsigned seen = 0;
    for (const cJSON *m = o->child; m; m = m->next) {
        if (strcmp(m->string, "sku") == 0) {
            seen |= 1;
            if (!cJSON_IsString(m))
                HW_ADD(a, "/items/", i, "/sku", "/properties/items/items/properties/sku/type",
                       "type", "must be a string");
            else if (!m->valuestring[0])
                HW_ADD(a, "/items/", i, "/sku", "/properties/items/items/properties/sku/minLength",
                       "minLength", "must be at least 1 character long");
        } else if (strcmp(m->string, "quantity") == 0) {
            seen |= 2;
            double q = m->valuedouble;
            if (!cJSON_IsNumber(m) || q != floor(q))
                HW_ADD(a, "/items/", i, "/quantity",
                       "/properties/items/items/properties/quantity/type", "type",
                       "must be an integer");
            else if (q < 1)
                HW_ADD(a, "/items/", i, "/quantity",
                       "/properties/items/items/properties/quantity/minimum", "minimum",
                       "must be greater than or equal to 1");
        }
    }
    if (!(seen & 1))
        HW_ADD(a, "/items/", i, "", "/properties/items/items/required", "required",
               "'sku' is a required property");
    if (!(seen & 2))
        HW_ADD(a, "/items/", i, "", "/properties/items/items/required", "required",
               "'quantity' is a required property");
}

static void hw_members(struct hw_errors *a, const cJSON *root, unsigned *seen)
{
    int next = 0;
    for (const cJSON *m = root->child; m; m = m->next) {
        int p = event_property(m, &next);
        if (p < 0)
            continue;
        *seen |= 1u << p;
        bool string = cJSON_IsString(m);
        if (p == 0 && !string)
            HW_ADD(a, "/orderId", -1L, "", "/properties/orderId/type", "type", "must be a string");
        else if (p == 0 && !code_points_within(m->valuestring, 1, SIZE_MAX))
            HW_ADD(a, "/orderId", -1L, "", "/properties/orderId/minLength", "minLength",
                   "must be at least 1 character long");
        else if (p == 0 && !code_points_within(m->valuestring, 0, 64))
            HW_ADD(a, "/orderId", -1L, "", "/properties/orderId/maxLength", "maxLength",
                   "must be at most 64 characters long");
        if (p == 1) {
            if (!string)
                HW_ADD(a, "/status", -1L, "", "/properties/status/type", "type",
                       "must be a string");
            if (!string || !event_status(m->valuestring))
                HW_ADD(a, "/status", -1L, "", "/properties/status/enum", "enum",
                       "must be one of the allowed values "
                       "[\"pending\",\"shipped\",\"delivered\",\"cancelled\"]");
        }
        if (p == 3 && !cJSON_IsNull(m)) {
            const char *c = string ? m->valuestring : "";
            size_t n = 0;
            while ((c[n] >= 'A' && c[n] <= 'Z') || (c[n] >= '0' && c[n] <= '9'))
                n++;
            if (!string)
                HW_ADD(a, "/trackingNumber", -1L, "", "/properties/trackingNumber/type", "type",
                       "must be a string or null");
            else if (c[n] || n < 8 || n > 30)
                HW_ADD(a, "/trackingNumber", -1L, "", "/properties/trackingNumber/pattern",
                       "pattern", "must match pattern \"^[A-Z0-9]{8,30}$\"");
        }
        if ((p == 2 || p == 4) && !string) {
            if (p == 2)
                HW_ADD(a, "/updatedAt", -1L, "", "/properties/updatedAt/type", "type",
                       "must be a string");
            else
                HW_ADD(a, "/carrier", -1L, "", "/properties/carrier/type", "type",
                       "must be a string");
        }
        if (p == 5 && !cJSON_IsArray(m)) {
            HW_ADD(a, "/items", -1L, "", "/properties/items/type", "type", "must be an array");
        } else if (p == 5) {
            if (!m->child)
                HW_ADD(a, "/items", -1L, "", "/properties/items/minItems", "minItems",
                       "must have at least 1 item");
            long i = 0;
            for (const cJSON *e = m->child; e; e = e->next, i++)
                handwritten_item_errors(a, e, i);
        }
    }
}

static bool handwritten_event_errors(const cJSON *root, struct schema_result *out)
{
    struct hw_errors a = {.n = 0};
    unsigned seen = 0;
    if (!cJSON_IsObject(root))
        HW_ADD(&a, "", -1L, "", "/type", "type", "must be an object");
    else
        hw_members(&a, root, &seen);
    if (cJSON_IsObject(root) && !(seen & 1))
        HW_ADD(&a, "", -1L, "", "/required", "required", "'orderId' is a required property");
    if (cJSON_IsObject(root) && !(seen & 2))
        HW_ADD(&a, "", -1L, "", "/required", "required", "'status' is a required property");
    out->errors = NULL;
    out->count = 0;
    if (!a.n)
        return true;
    size_t total = 0;
    for (int i = 0; i < a.n; i++)
        total += a.e[i].path_len + 21 + a.e[i].suffix_len + a.e[i].location_len +
                 a.e[i].keyword_len + a.e[i].message_len + 4;
    struct schema_error *v = malloc(a.n * sizeof *v + total);
    if (!v)
        return false;
    char *t = (char *)(v + a.n);
    for (int i = 0; i < a.n; i++) {
        const struct hw_error *e = &a.e[i];
        v[i].instance_path = t;
        memcpy(t, e->path, e->path_len);
        t += e->path_len;
        if (e->index >= 0) {
            char digits[24], *d = digits + sizeof digits;
            long x = e->index;
            do {
                *--d = (char)('0' + x % 10);
                x /= 10;
            } while (x > 0);
            memcpy(t, d, (size_t)(digits + sizeof digits - d));
            t += digits + sizeof digits - d;
        }
        memcpy(t, e->suffix, e->suffix_len + 1);
        t += e->suffix_len + 1;
        v[i].keyword_location = t;
        memcpy(t, e->location, e->location_len + 1);
        t += e->location_len + 1;
        v[i].keyword = t;
        memcpy(t, e->keyword, e->keyword_len + 1);
        t += e->keyword_len + 1;
        v[i].message = t;
        memcpy(t, e->message, e->message_len + 1);
        t += e->message_len + 1;
    }
    out->errors = v;
    out->count = (size_t)a.n;
    return false;
}

static double measure_handwritten_errors(const cJSON *inst, double seconds)
{
    long n = 0, errors = 0;
    double start = now_s(), elapsed;
    do {
        for (int i = 0; i < 1000; i++) {
            struct schema_result r;
            handwritten_event_errors(inst, &r);
            errors += (long)r.count;
            schema_result_free(&r);
        }
        n += 1000;
        elapsed = now_s() - start;
    } while (elapsed < seconds);
    return errors ? (double)n / elapsed : 0;
}

/* Whether two error lists are the same, string for string. */
static bool same_errors(const struct schema_result *a, const struct schema_result *b)
{
    if (a->count != b->count)
        return false;
    for (size_t i = 0; i < a->count; i++)
        if (strcmp(a->errors[i].instance_path, b->errors[i].instance_path) ||
            strcmp(a->errors[i].keyword_location, b->errors[i].keyword_location) ||
            strcmp(a->errors[i].keyword, b->errors[i].keyword) ||
            strcmp(a->errors[i].message, b->errors[i].message))
            return false;
    return true;
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
    cJSON *doc = cJSON_Parse(EVENT_SCHEMA);
    cJSON *valid = cJSON_Parse(EVENT_VALID), *invalid = cJSON_Parse(EVENT_INVALID);
    schema_t *event = schema_compile(doc, NULL, NULL);
    struct schema_result want, got, none;
    schema_validate(event, invalid, &want);
    bool agree = handwritten_event(valid) && !handwritten_event(invalid) &&
                 handwritten_event_errors(valid, &none) &&
                 !handwritten_event_errors(invalid, &got) && same_errors(&got, &want);
    schema_result_free(&want);
    schema_result_free(&got);
    schema_free(event);
    if (!agree) {
        fprintf(stderr, "bench_schema: the hand-written event checks disagree with the schema\n");
        return 1;
    }
    printf("event-valid handwritten-c %.0f\n", measure_handwritten(valid, seconds));
    printf("event-invalid handwritten-c-all %.0f\n", measure_handwritten_errors(invalid, seconds));
    cJSON_Delete(valid);
    cJSON_Delete(invalid);
    cJSON_Delete(doc);
    return 0;
}
