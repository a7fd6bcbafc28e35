/*
 * The store-admin page of the sandbox: a store switcher, the store's API credentials, a form to
 * place an order, the orders with their statuses and the registered webhooks. Server-rendered
 * HTML; web/admin.js refreshes the orders and webhooks in place and copies credentials. Not a
 * shop front: no products or customers are shown.
 */
#include "admin.h"
#include "demo_util.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static const char *str(const cJSON *o, const char *name)
{
    const char *v = cJSON_GetStringValue(cJSON_GetObjectItem(o, name));
    return v ? v : "";
}

/* The CSS class of a status pill: one row per status family, the rest neutral. */
static const char *status_class(int status_id)
{
    static const struct {
        int id;
        const char *cls;
    } CLASSES[] = {{10, "ok"},  {2, "ok"},   {5, "bad"},  {6, "bad"},  {4, "bad"},   {11, "wait"},
                   {9, "wait"}, {7, "wait"}, {1, "wait"}, {8, "wait"}, {12, "warn"}, {13, "warn"}};
    for (size_t i = 0; i < sizeof CLASSES / sizeof CLASSES[0]; i++)
        if (CLASSES[i].id == status_id)
            return CLASSES[i].cls;
    return "neutral";
}

static void credential_row(FILE *f, const char *label, const char *id, const char *value,
                           bool secret)
{
    fprintf(f, "<div class=cred><dt>%s</dt><dd><code id=%s%s>", label, id,
            secret ? " class=secret" : "");
    demo_html_escape(f, value);
    fprintf(f,
            "</code><button type=button class=copy data-copy=%s aria-label=\"Copy %s\">Copy"
            "</button></dd></div>",
            id, label);
}

static void orders_table(FILE *f, const struct shop *s)
{
    fprintf(f, "<table class=orders><thead><tr><th>Order</th><th>Date</th><th>Customer</th>"
               "<th class=num>Total</th><th>Status</th></tr></thead><tbody id=orders>");
    int n = cJSON_GetArraySize(shop_orders(s));
    for (int i = n - 1; i >= 0; i--) {
        const cJSON *o = cJSON_GetArrayItem(shop_orders(s), i);
        const cJSON *b = cJSON_GetObjectItem(o, "billing_address");
        int id = (int)cJSON_GetNumberValue(cJSON_GetObjectItem(o, "id"));
        int status = (int)cJSON_GetNumberValue(cJSON_GetObjectItem(o, "status_id"));
        fprintf(f, "<tr data-order=%d><td class=id>#%d</td><td>", id, id);
        demo_html_escape(f, str(o, "date_created"));
        fprintf(f, "</td><td><strong>");
        demo_html_escape(f, str(b, "first_name"));
        fprintf(f, "</strong> <span class=muted>");
        demo_html_escape(f, str(b, "email"));
        fprintf(f, "</span></td><td class=num>$%.2f</td><td><span class=\"pill %s\">",
                atof(str(o, "total_inc_tax")), status_class(status));
        demo_html_escape(f, str(o, "status"));
        fprintf(f, "</span></td></tr>");
    }
    if (n == 0)
        fprintf(f, "<tr class=empty><td colspan=5>No orders yet. Place one above.</td></tr>");
    fprintf(f, "</tbody></table>");
}

static void hooks_list(FILE *f, const struct shop *s)
{
    fprintf(f, "<ul class=hooks id=hooks>");
    const cJSON *h;
    int n = 0;
    cJSON_ArrayForEach(h, shop_hooks(s))
    {
        fprintf(f, "<li><span class=\"pill %s\">%s</span> <code>",
                cJSON_IsTrue(cJSON_GetObjectItem(h, "is_active")) ? "ok" : "neutral",
                cJSON_IsTrue(cJSON_GetObjectItem(h, "is_active")) ? "active" : "inactive");
        demo_html_escape(f, str(h, "scope"));
        fprintf(f, "</code> &rarr; <code>");
        demo_html_escape(f, str(h, "destination"));
        fprintf(f, "</code></li>");
        n++;
    }
    if (n == 0)
        fprintf(f, "<li class=muted>No webhooks yet: an app subscribes when it is installed.</li>");
    fprintf(f, "</ul>");
}

char *admin_page(struct shop *const *shops, int n, const struct shop *current, const char *api_url)
{
    char *text = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&text, &len);
    if (!f)
        return NULL;
    const char *title = shop_name(current)[0] ? shop_name(current) : shop_hash(current);
    fprintf(f, "<!doctype html><html lang=en><head><meta charset=utf-8>"
               "<meta name=viewport content=\"width=device-width, initial-scale=1\">"
               "<title>");
    demo_html_escape(f, title);
    fprintf(f, " · BigCommerce sandbox</title><link rel=stylesheet href=/admin/admin.css>"
               "<script src=/admin/admin.js defer></script></head><body>"
               "<header class=top><span class=logo>B</span><span class=brand>BigCommerce"
               "</span><span class=tag>Sandbox control panel</span></header>"
               "<div class=layout><nav class=side aria-label=Stores><p class=label>Stores</p>");
    for (int i = 0; i < n; i++) {
        fprintf(f, "<a href=\"/?store=");
        demo_html_escape(f, shop_hash(shops[i]));
        fprintf(f, "\"%s><span class=dot></span>", shops[i] == current ? " aria-current=page" : "");
        demo_html_escape(f, shop_name(shops[i])[0] ? shop_name(shops[i]) : shop_hash(shops[i]));
        fprintf(f, "<small>");
        demo_html_escape(f, shop_hash(shops[i]));
        fprintf(f, "</small></a>");
    }
    fprintf(f, "</nav><main><h1>");
    demo_html_escape(f, title);
    fprintf(f, "</h1><p class=sub>Store hash <code>");
    demo_html_escape(f, shop_hash(current));
    fprintf(f, "</code> &middot; %d orders</p>", cJSON_GetArraySize(shop_orders(current)));

    fprintf(f, "<div class=grid><section class=card aria-labelledby=cred-h><h2 id=cred-h>"
               "API credentials</h2><p class=muted>Enter these in the app that connects to "
               "this store.</p><dl class=creds>");
    credential_row(f, "API URL", "cred-url", api_url, false);
    credential_row(f, "Store hash", "cred-hash", shop_hash(current), false);
    credential_row(f, "Access token", "cred-token", shop_token(current), true);
    fprintf(f, "</dl></section>");

    fprintf(f, "<section class=card aria-labelledby=place-h><h2 id=place-h>Place order</h2>"
               "<form method=post action=/place-order class=place><input type=hidden name=store "
               "value=\"");
    demo_html_escape(f, shop_hash(current));
    fprintf(f, "\"><label>First name<input name=first_name required autocomplete=off "
               "value=Ada></label><label>Email<input name=email type=email required "
               "autocomplete=off value=\"ada@example.com\"></label><label>Amount (USD)<input "
               "name=amount inputmode=decimal value=25.00></label><button class=primary "
               "id=place-order>Place order</button></form></section></div>");

    fprintf(f, "<section class=card aria-labelledby=orders-h><div class=head><h2 id=orders-h>"
               "Orders</h2><span class=live>Live</span></div>");
    orders_table(f, current);
    fprintf(f, "</section><section class=card aria-labelledby=hooks-h><h2 id=hooks-h>Webhooks"
               "</h2>");
    hooks_list(f, current);
    fprintf(f, "</section></main></div></body></html>");
    fclose(f);
    return text;
}
