/*
 * Parsing a workflow definition: checks every member against the format of docs/workflows.md,
 * compiles each expression and field schema once, and collects every problem with its JSON
 * Pointer. It does not check things only a connector or the store knows (whether an app, an
 * action or a custom event exists); those belong to the callers.
 */
#include "workflow/internal.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Room for a pointer through WF_MAX_DEPTH levels of "/blocks/123/branches/4/blocks/56". */
#define WF_PATH_MAX 1024

/* A JSON Pointer under construction: push a segment, work, pop back to the saved length. */
struct path {
    char buf[WF_PATH_MAX];
    size_t len;
};

/* One per workflow_parse call. */
struct parser {
    struct workflow_errors *errs;
    int nerrors; /* counted even when errs is NULL, to decide success */
    const char **ids;
    int nids;
    const char *trigger_id;
    bool too_many_blocks;
    int total_blocks;
};

static size_t path_push(struct path *p, const char *segment)
{
    size_t saved = p->len;
    if (p->len + 1 < sizeof p->buf)
        p->buf[p->len++] = '/';
    for (const char *s = segment; *s && p->len + 2 < sizeof p->buf; s++) {
        if (*s == '~' || *s == '/') {
            p->buf[p->len++] = '~';
            p->buf[p->len++] = *s == '~' ? '0' : '1';
        } else {
            p->buf[p->len++] = *s;
        }
    }
    p->buf[p->len] = 0;
    return saved;
}

static size_t path_push_index(struct path *p, int i)
{
    char n[16];
    snprintf(n, sizeof n, "%d", i);
    return path_push(p, n);
}

static void path_pop(struct path *p, size_t saved)
{
    p->len = saved;
    p->buf[saved] = 0;
}

#define PERROR(ps, path, ...)                                                                      \
    do {                                                                                           \
        (ps)->nerrors++;                                                                           \
        wf_error_add((ps)->errs, (path)->buf, __VA_ARGS__);                                        \
    } while (0)

/* Errors about a member: push its name for the message's path, then pop. */
static void member_error(struct parser *ps, struct path *p, const char *member, const char *msg)
{
    size_t saved = path_push(p, member);
    PERROR(ps, p, "%s", msg);
    path_pop(p, saved);
}

static bool valid_id(const char *s)
{
    size_t n = strlen(s);
    if (n == 0 || n > WF_ID_MAX)
        return false;
    for (; *s; s++) {
        char c = *s;
        if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
              c == '_' || c == '-'))
            return false;
    }
    return true;
}

static bool valid_field_name(const char *s)
{
    if (!((*s >= 'a' && *s <= 'z') || (*s >= 'A' && *s <= 'Z') || *s == '_'))
        return false;
    size_t n = 0;
    for (; *s; s++, n++) {
        char c = *s;
        if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
              c == '_'))
            return false;
    }
    return n <= WF_ID_MAX;
}

static bool in_list(const char *const *list, const char *name)
{
    for (; list && *list; list++)
        if (strcmp(*list, name) == 0)
            return true;
    return false;
}

/* Reports every member of obj not named in one of the lists. */
static void check_members(struct parser *ps, struct path *p, const cJSON *obj,
                          const char *const *allowed, const char *const *more, const char *what)
{
    const cJSON *m;
    cJSON_ArrayForEach(m, obj)
    {
        if (!in_list(allowed, m->string) && !in_list(more, m->string)) {
            size_t saved = path_push(p, m->string);
            PERROR(ps, p, "unknown member '%s' in %s", m->string, what);
            path_pop(p, saved);
        }
    }
}

/* Copies the string member `key`: absent is fine unless required; present must be a non-empty
 * string of at most max bytes. */
static char *get_string(struct parser *ps, struct path *p, const cJSON *obj, const char *key,
                        bool required, size_t max)
{
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(obj, key);
    if (!v) {
        if (required) {
            PERROR(ps, p, "missing required member '%s'", key);
        }
        return NULL;
    }
    if (!cJSON_IsString(v) || !v->valuestring[0]) {
        member_error(ps, p, key, "must be a non-empty string");
        return NULL;
    }
    if (strlen(v->valuestring) > max) {
        char msg[64];
        snprintf(msg, sizeof msg, "must be at most %zu characters", max);
        member_error(ps, p, key, msg);
        return NULL;
    }
    return strdup(v->valuestring);
}

/* ---- input values ---------------------------------------------------------------------------- */

static void parse_value(struct parser *ps, struct path *p, const cJSON *json, int depth,
                        struct wf_value *out)
{
    if (depth > WF_MAX_TEMPLATE_DEPTH) {
        PERROR(ps, p, "input template nested deeper than %d levels", WF_MAX_TEMPLATE_DEPTH);
        out->kind = WF_VALUE_LITERAL;
        return;
    }
    if (cJSON_IsString(json)) {
        out->kind = WF_VALUE_EXPR;
        out->text = strdup(json->valuestring);
        if (!json->valuestring[0]) {
            PERROR(ps, p, "empty expression (write '' for an empty string)");
            return;
        }
        struct mapping_error err;
        memset(&err, 0, sizeof err);
        out->expr = mapping_compile(json->valuestring, strlen(json->valuestring), &err);
        if (!out->expr) {
            if (err.position >= 0)
                PERROR(ps, p, "%s at %d: %s", err.code, err.position, err.message);
            else
                PERROR(ps, p, "%s: %s", err.code, err.message);
        }
        return;
    }
    if (cJSON_IsObject(json) || cJSON_IsArray(json)) {
        bool object = cJSON_IsObject(json);
        out->kind = object ? WF_VALUE_OBJECT : WF_VALUE_ARRAY;
        int n = cJSON_GetArraySize(json);
        out->items = n ? calloc((size_t)n, sizeof *out->items) : NULL;
        if (n && !out->items) {
            PERROR(ps, p, "out of memory");
            return;
        }
        const cJSON *m;
        int i = 0;
        cJSON_ArrayForEach(m, json)
        {
            size_t saved = object ? path_push(p, m->string) : path_push_index(p, i);
            if (object)
                out->items[i].key = strdup(m->string);
            parse_value(ps, p, m, depth + 1, &out->items[i]);
            path_pop(p, saved);
            i++;
        }
        out->count = i;
        return;
    }
    out->kind = WF_VALUE_LITERAL;
    out->literal = cJSON_Duplicate(json, true);
}

static void free_value(struct wf_value *v)
{
    free(v->key);
    free(v->text);
    if (v->expr)
        mapping_free(v->expr);
    cJSON_Delete(v->literal);
    for (int i = 0; i < v->count; i++)
        free_value(&v->items[i]);
    free(v->items);
}

/* ---- blocks ---------------------------------------------------------------------------------- */

static void parse_sequence(struct parser *ps, struct path *p, const cJSON *arr, int depth,
                           bool top_level, struct wf_sequence *out);

static void parse_nested(struct parser *ps, struct path *p, const cJSON *obj, const char *key,
                         int depth, struct wf_sequence *out)
{
    const cJSON *arr = cJSON_GetObjectItemCaseSensitive(obj, key);
    if (!arr)
        return;
    size_t saved = path_push(p, key);
    parse_sequence(ps, p, arr, depth, false, out);
    path_pop(p, saved);
}

static void parse_if_else(struct parser *ps, struct path *p, const cJSON *obj, int depth,
                          struct wf_block *b)
{
    parse_nested(ps, p, obj, "then", depth, &b->then_blocks);
    parse_nested(ps, p, obj, "else", depth, &b->else_blocks);
}

static void parse_iterate(struct parser *ps, struct path *p, const cJSON *obj, int depth,
                          struct wf_block *b)
{
    parse_nested(ps, p, obj, "blocks", depth, &b->body);
}

static void parse_branch(struct parser *ps, struct path *p, const cJSON *obj, int depth,
                         struct wf_block *b)
{
    const cJSON *mode = cJSON_GetObjectItemCaseSensitive(obj, "mode");
    if (mode) {
        if (cJSON_IsString(mode) && strcmp(mode->valuestring, "first") == 0)
            b->first_only = true;
        else if (!cJSON_IsString(mode) || strcmp(mode->valuestring, "all") != 0)
            member_error(ps, p, "mode", "must be \"all\" or \"first\"");
    }
    const cJSON *arms = cJSON_GetObjectItemCaseSensitive(obj, "branches");
    if (!arms) {
        PERROR(ps, p, "missing required member 'branches'");
        return;
    }
    size_t saved = path_push(p, "branches");
    if (!cJSON_IsArray(arms) || cJSON_GetArraySize(arms) == 0) {
        PERROR(ps, p, "must be a non-empty array of {name, condition, blocks}");
        path_pop(p, saved);
        return;
    }
    int n = cJSON_GetArraySize(arms);
    b->arms = calloc((size_t)n, sizeof *b->arms);
    if (!b->arms) {
        PERROR(ps, p, "out of memory");
        path_pop(p, saved);
        return;
    }
    static const char *const arm_members[] = {"name", "condition", "blocks", NULL};
    const cJSON *a;
    int i = 0;
    cJSON_ArrayForEach(a, arms)
    {
        struct wf_branch_arm *arm = &b->arms[i];
        size_t saved_arm = path_push_index(p, i);
        b->narms = ++i;
        if (!cJSON_IsObject(a)) {
            PERROR(ps, p, "a branch must be an object {name, condition, blocks}");
            path_pop(p, saved_arm);
            continue;
        }
        check_members(ps, p, a, arm_members, NULL, "a branch");
        arm->name = get_string(ps, p, a, "name", false, 200);
        if (!arm->name) {
            char n[32];
            snprintf(n, sizeof n, "Branch %d", i);
            arm->name = strdup(n);
        }
        const cJSON *cond = cJSON_GetObjectItemCaseSensitive(a, "condition");
        size_t saved_cond = path_push(p, "condition");
        if (!cond) {
            arm->condition.kind = WF_VALUE_LITERAL;
            arm->condition.literal = cJSON_CreateTrue();
        } else if (!cJSON_IsString(cond)) {
            PERROR(ps, p, "must be an expression string");
        } else {
            parse_value(ps, p, cond, 0, &arm->condition);
        }
        path_pop(p, saved_cond);
        parse_nested(ps, p, a, "blocks", depth, &arm->blocks);
        path_pop(p, saved_arm);
    }
    path_pop(p, saved);
}

static void parse_app_action(struct parser *ps, struct path *p, const cJSON *obj, int depth,
                             struct wf_block *b)
{
    b->app = get_string(ps, p, obj, "app", true, 64);
    b->action = get_string(ps, p, obj, "action", true, 128);
    if (!b->name && b->app)
        b->name = strdup(b->app);
}

/* ---- destination blocks ---------------------------------------------------------------------- */

static const char *const db_operations[] = {"insert", "upsert", "statement", NULL};

const char *workflow_db_operation_name(enum wf_db_operation op)
{
    return (unsigned)op < 3 ? db_operations[op] : "unknown";
}

/* A table, schema or column name: 1 to WF_DB_NAME_MAX bytes without control characters (quoting
 * by the driver makes any other character safe). */
static bool valid_db_name(const char *s, size_t n)
{
    if (n == 0 || n > WF_DB_NAME_MAX)
        return false;
    for (size_t i = 0; i < n; i++)
        if ((unsigned char)s[i] < 0x20 || s[i] == 0x7f)
            return false;
    return true;
}

/* "name", "schema.name", and for snowflake "database.schema.name". */
static bool valid_table(const char *t, int max_parts)
{
    int parts = 0;
    for (const char *p = t;; p++) {
        const char *dot = strchr(p, '.');
        size_t n = dot ? (size_t)(dot - p) : strlen(p);
        if (!valid_db_name(p, n) || ++parts > max_parts)
            return false;
        if (!dot)
            return true;
        p = dot;
    }
}

static bool has_input(const struct wf_block *b, const char *name)
{
    for (int i = 0; i < b->inputs.count; i++)
        if (b->inputs.items[i].key && strcmp(b->inputs.items[i].key, name) == 0)
            return true;
    return false;
}

static void parse_key(struct parser *ps, struct path *p, const cJSON *key, struct wf_block *b)
{
    size_t saved = path_push(p, "key");
    int n = cJSON_GetArraySize(key);
    if (!cJSON_IsArray(key) || n == 0 || n > WF_DB_KEY_MAX) {
        PERROR(ps, p, "must be an array of 1 to %d column names", WF_DB_KEY_MAX);
        path_pop(p, saved);
        return;
    }
    b->db.key = calloc((size_t)n, sizeof *b->db.key);
    const cJSON *k;
    int i = 0;
    cJSON_ArrayForEach(k, key)
    {
        size_t saved_k = path_push_index(p, i);
        if (!cJSON_IsString(k) || !valid_db_name(k->valuestring, strlen(k->valuestring))) {
            PERROR(ps, p, "a column name: 1 to %d characters, no control characters",
                   WF_DB_NAME_MAX);
        } else if (b->db.key) {
            for (int j = 0; j < b->db.nkey; j++)
                if (strcmp(b->db.key[j], k->valuestring) == 0)
                    PERROR(ps, p, "column '%s' is named twice", k->valuestring);
            b->db.key[b->db.nkey++] = strdup(k->valuestring);
        }
        path_pop(p, saved_k);
        i++;
    }
    path_pop(p, saved);
}

/* postgresql, mysql, snowflake: operation, and table (+ key) or sql, fixed in the definition. */
static void parse_database(struct parser *ps, struct path *p, const cJSON *obj, int depth,
                           struct wf_block *b)
{
    const cJSON *op = cJSON_GetObjectItemCaseSensitive(obj, "operation");
    int which = -1;
    for (int i = 0; op && cJSON_IsString(op) && db_operations[i]; i++)
        if (strcmp(op->valuestring, db_operations[i]) == 0)
            which = i;
    if (!op) {
        PERROR(ps, p, "missing required member 'operation' (insert, upsert or statement)");
        return;
    }
    if (which < 0) {
        member_error(ps, p, "operation", "must be \"insert\", \"upsert\" or \"statement\"");
        return;
    }
    b->db.operation = (enum wf_db_operation)which;
    const cJSON *table = cJSON_GetObjectItemCaseSensitive(obj, "table");
    const cJSON *key = cJSON_GetObjectItemCaseSensitive(obj, "key");
    const cJSON *sql = cJSON_GetObjectItemCaseSensitive(obj, "sql");
    if (b->db.operation == WF_DB_STATEMENT) {
        if (table)
            member_error(ps, p, "table", "not used by a statement (the sql names its tables)");
        if (key)
            member_error(ps, p, "key", "only an upsert takes a key");
        if (!sql)
            PERROR(ps, p, "missing required member 'sql' (the statement, with placeholders)");
        else if (!cJSON_IsString(sql) || !sql->valuestring[0])
            member_error(ps, p, "sql", "must be a non-empty string");
        else if (strlen(sql->valuestring) > WF_DB_SQL_MAX)
            member_error(ps, p, "sql", "is longer than 65536 characters");
        else
            b->db.sql = strdup(sql->valuestring);
        if (has_input(b, "values"))
            member_error(ps, p, "inputs", "a statement takes 'parameters', not 'values'");
        return;
    }
    int max_parts = b->type == WF_BLOCK_SNOWFLAKE ? 3 : 2;
    if (sql)
        member_error(ps, p, "sql", "only a statement takes sql");
    if (!table)
        PERROR(ps, p, "missing required member 'table'");
    else if (!cJSON_IsString(table) || !valid_table(table->valuestring, max_parts))
        member_error(ps, p, "table",
                     max_parts == 3
                         ? "must be \"name\", \"schema.name\" or \"database.schema.name\""
                         : "must be \"name\" or \"schema.name\"");
    else
        b->db.table = strdup(table->valuestring);
    if (b->db.operation == WF_DB_UPSERT && !key)
        PERROR(ps, p, "missing required member 'key' (the columns that identify a row)");
    else if (b->db.operation == WF_DB_INSERT && key)
        member_error(ps, p, "key", "only an upsert takes a key");
    else if (key)
        parse_key(ps, p, key, b);
    if (!has_input(b, "values")) {
        size_t saved = path_push(p, "inputs");
        PERROR(ps, p, "missing required input 'values' (column name to value)");
        path_pop(p, saved);
    }
    if (has_input(b, "parameters"))
        member_error(ps, p, "inputs", "an insert or upsert takes 'values', not 'parameters'");
}

/* eventbridge: entries, or one event's source, detailType and detail. */
static void parse_eventbridge(struct parser *ps, struct path *p, const cJSON *obj, int depth,
                              struct wf_block *b)
{
    static const char *const single[] = {"source", "detailType", "detail"};
    size_t saved = path_push(p, "inputs");
    if (has_input(b, "entries")) {
        for (size_t i = 0; i < 3; i++)
            if (has_input(b, single[i]))
                PERROR(ps, p, "'%s' belongs in each entry when 'entries' is given", single[i]);
    } else {
        for (size_t i = 0; i < 3; i++)
            if (!has_input(b, single[i]))
                PERROR(ps, p, "missing required input '%s' (or give 'entries')", single[i]);
    }
    path_pop(p, saved);
}

typedef void (*parse_extra_fn)(struct parser *, struct path *, const cJSON *, int,
                               struct wf_block *);

static const parse_extra_fn parse_extra[WF_BLOCK_TYPE_COUNT] = {
    [WF_BLOCK_IF_ELSE] = parse_if_else,     [WF_BLOCK_BRANCH] = parse_branch,
    [WF_BLOCK_ITERATE] = parse_iterate,     [WF_BLOCK_APP_ACTION] = parse_app_action,
    [WF_BLOCK_POSTGRESQL] = parse_database, [WF_BLOCK_MYSQL] = parse_database,
    [WF_BLOCK_SNOWFLAKE] = parse_database,  [WF_BLOCK_EVENTBRIDGE] = parse_eventbridge,
};

static const char *const common_members[] = {"id",          "name", "type", "inputs",
                                             "description", "icon", NULL};

static void parse_inputs(struct parser *ps, struct path *p, const cJSON *obj,
                         const struct wf_block_kind *kind, struct wf_block *b)
{
    const cJSON *inputs = cJSON_GetObjectItemCaseSensitive(obj, "inputs");
    b->inputs.kind = WF_VALUE_OBJECT;
    if (inputs && !cJSON_IsObject(inputs)) {
        member_error(ps, p, "inputs", "must be an object of input name to expression");
        inputs = NULL;
    }
    size_t saved = path_push(p, "inputs");
    if (inputs && !kind->open_inputs) {
        const cJSON *m;
        cJSON_ArrayForEach(m, inputs)
        {
            bool known = false;
            for (const struct wf_input_spec *s = kind->inputs; s->name; s++)
                known = known || strcmp(s->name, m->string) == 0;
            if (!known) {
                char names[128] = "";
                size_t len = 0;
                for (const struct wf_input_spec *s = kind->inputs; s->name && len < 100; s++)
                    len += (size_t)snprintf(names + len, sizeof names - len, "%s%s",
                                            len ? ", " : "", s->name);
                size_t saved_m = path_push(p, m->string);
                PERROR(ps, p, "unknown input '%s' (%s blocks take: %s)", m->string, kind->type_name,
                       len ? names : "none");
                path_pop(p, saved_m);
            }
        }
    }
    for (const struct wf_input_spec *s = kind->inputs; s->name; s++)
        if (s->required && !cJSON_GetObjectItemCaseSensitive(inputs, s->name))
            PERROR(ps, p, "missing required input '%s'", s->name);
    if (inputs)
        parse_value(ps, p, inputs, 0, &b->inputs);
    path_pop(p, saved);
}

static bool id_taken(struct parser *ps, const char *id)
{
    if (ps->trigger_id && strcmp(ps->trigger_id, id) == 0)
        return true;
    for (int i = 0; i < ps->nids; i++)
        if (strcmp(ps->ids[i], id) == 0)
            return true;
    return false;
}

static void parse_block(struct parser *ps, struct path *p, const cJSON *obj, int depth,
                        bool top_level, struct wf_block *b)
{
    if (!cJSON_IsObject(obj)) {
        PERROR(ps, p, "a block must be an object");
        return;
    }
    const cJSON *id = cJSON_GetObjectItemCaseSensitive(obj, "id");
    if (!id) {
        PERROR(ps, p, "missing required member 'id'");
    } else if (!cJSON_IsString(id) || !valid_id(id->valuestring)) {
        member_error(ps, p, "id", "must be 1 to 64 characters of A-Z, a-z, 0-9, '_' and '-'");
    } else if (id_taken(ps, id->valuestring)) {
        char msg[128];
        bool trigger = ps->trigger_id && strcmp(ps->trigger_id, id->valuestring) == 0;
        snprintf(msg, sizeof msg, "duplicate block id '%s'%s", id->valuestring,
                 trigger ? " (the trigger's id)" : "");
        member_error(ps, p, "id", msg);
    } else {
        b->id = strdup(id->valuestring);
        if (b->id)
            ps->ids[ps->nids++] = b->id;
    }

    const cJSON *type = cJSON_GetObjectItemCaseSensitive(obj, "type");
    const struct wf_block_kind *kind = NULL;
    if (!type) {
        PERROR(ps, p, "missing required member 'type'");
    } else if (!cJSON_IsString(type) || !(kind = wf_block_kind_find(type->valuestring))) {
        member_error(ps, p, "type",
                     "unknown block type (streamData, http, transform, ifElse, branch, iterate, "
                     "stop, delay, appAction, postgresql, mysql, snowflake, eventbridge)");
    }
    b->name = get_string(ps, p, obj, "name", false, 200);
    b->icon = get_string(ps, p, obj, "icon", false, 2048);
    const cJSON *desc = cJSON_GetObjectItemCaseSensitive(obj, "description");
    if (desc && !cJSON_IsString(desc))
        member_error(ps, p, "description", "must be a string");
    if (!kind)
        return;

    b->type = kind->type;
    b->type_name = kind->type_name;
    check_members(ps, p, obj, common_members, kind->members, "a block");
    if (kind->top_level_only && !top_level) {
        char msg[160];
        snprintf(msg, sizeof msg,
                 "a %s block is only allowed at the top level (its resume point is a top-level "
                 "position)",
                 kind->type_name);
        member_error(ps, p, "type", msg);
    }
    parse_inputs(ps, p, obj, kind, b);
    if (parse_extra[kind->type])
        parse_extra[kind->type](ps, p, obj, depth + 1, b);
    if (!b->name && kind->default_name)
        b->name = strdup(kind->default_name);
}

static void parse_sequence(struct parser *ps, struct path *p, const cJSON *arr, int depth,
                           bool top_level, struct wf_sequence *out)
{
    if (!cJSON_IsArray(arr)) {
        PERROR(ps, p, "must be an array of blocks");
        return;
    }
    if (depth > WF_MAX_DEPTH) {
        PERROR(ps, p, "blocks nested deeper than %d levels", WF_MAX_DEPTH);
        return;
    }
    int n = cJSON_GetArraySize(arr);
    if (n == 0)
        return;
    if (ps->total_blocks + n > WF_MAX_BLOCKS) {
        if (!ps->too_many_blocks)
            PERROR(ps, p, "more than %d blocks in the workflow", WF_MAX_BLOCKS);
        ps->too_many_blocks = true;
        return;
    }
    ps->total_blocks += n;
    out->blocks = calloc((size_t)n, sizeof *out->blocks);
    if (!out->blocks) {
        PERROR(ps, p, "out of memory");
        return;
    }
    const cJSON *b;
    int i = 0;
    cJSON_ArrayForEach(b, arr)
    {
        size_t saved = path_push_index(p, i);
        out->count = i + 1;
        parse_block(ps, p, b, depth, top_level, &out->blocks[i]);
        path_pop(p, saved);
        i++;
    }
}

static void free_sequence(struct wf_sequence *s);

static void free_block(struct wf_block *b)
{
    free(b->id);
    free(b->name);
    free(b->icon);
    free(b->app);
    free(b->action);
    free_value(&b->inputs);
    free_sequence(&b->then_blocks);
    free_sequence(&b->else_blocks);
    free_sequence(&b->body);
    for (int i = 0; i < b->narms; i++) {
        free(b->arms[i].name);
        free_value(&b->arms[i].condition);
        free_sequence(&b->arms[i].blocks);
    }
    free(b->arms);
    free(b->db.table);
    for (int i = 0; i < b->db.nkey; i++)
        free(b->db.key[i]);
    free(b->db.key);
    free(b->db.sql);
}

static void free_sequence(struct wf_sequence *s)
{
    for (int i = 0; i < s->count; i++)
        free_block(&s->blocks[i]);
    free(s->blocks);
}

/* ---- trigger and fields ---------------------------------------------------------------------- */

static void parse_trigger(struct parser *ps, struct path *p, const cJSON *obj, struct wf_trigger *t)
{
    size_t saved = path_push(p, "trigger");
    if (!cJSON_IsObject(obj)) {
        PERROR(ps, p, "must be an object with a 'type'");
        path_pop(p, saved);
        return;
    }
    static const char *const members[] = {"type", "id",  "name",    "description", "event",
                                          "cron", "app", "trigger", NULL};
    check_members(ps, p, obj, members, NULL, "the trigger");
    const cJSON *type = cJSON_GetObjectItemCaseSensitive(obj, "type");
    const struct wf_trigger_kind *kind = NULL;
    if (!type) {
        PERROR(ps, p, "missing required member 'type'");
    } else if (!cJSON_IsString(type) || !(kind = wf_trigger_kind_find(type->valuestring))) {
        member_error(ps, p, "type",
                     "unknown trigger type (customEvent, webhook, schedule, onInstallation, "
                     "manual, app)");
    }
    const cJSON *id = cJSON_GetObjectItemCaseSensitive(obj, "id");
    if (id && (!cJSON_IsString(id) || !valid_id(id->valuestring)))
        member_error(ps, p, "id", "must be 1 to 64 characters of A-Z, a-z, 0-9, '_' and '-'");
    t->id =
        strdup(id && cJSON_IsString(id) && valid_id(id->valuestring) ? id->valuestring : "trigger");
    ps->trigger_id = t->id;
    t->name = get_string(ps, p, obj, "name", false, 200);
    if (!kind) {
        path_pop(p, saved);
        return;
    }
    t->type = kind->type;
    t->type_name = kind->type_name;
    static const char *const optional[] = {"type", "id", "name", "description", NULL};
    const cJSON *m;
    cJSON_ArrayForEach(m, obj)
    {
        if (in_list(members, m->string) && !in_list(optional, m->string) &&
            !in_list(kind->required, m->string)) {
            char msg[96];
            snprintf(msg, sizeof msg, "not used by a %s trigger", kind->type_name);
            member_error(ps, p, m->string, msg);
        }
    }
    for (const char *const *r = kind->required; *r; r++) {
        char *v = get_string(ps, p, obj, *r, true, 256);
        if (strcmp(*r, "event") == 0)
            t->event = v;
        else if (strcmp(*r, "cron") == 0)
            t->cron_text = v;
        else if (strcmp(*r, "app") == 0)
            t->app = v;
        else
            t->app_trigger = v;
    }
    char err[160];
    if (t->cron_text && cron_parse(t->cron_text, &t->cron, err, sizeof err) < 0)
        member_error(ps, p, "cron", err);
    path_pop(p, saved);
}

static void parse_field(struct parser *ps, struct path *p, const cJSON *obj, struct wf_field *f,
                        const struct wf_field *earlier, int nearlier)
{
    if (!cJSON_IsObject(obj)) {
        PERROR(ps, p, "a field must be an object {name, title, description, required, schema}");
        return;
    }
    static const char *const members[] = {"name",     "title",  "description",
                                          "required", "schema", NULL};
    check_members(ps, p, obj, members, NULL, "a field");
    f->name = get_string(ps, p, obj, "name", true, WF_ID_MAX);
    if (f->name && !valid_field_name(f->name)) {
        member_error(ps, p, "name", "must match [A-Za-z_][A-Za-z0-9_]*");
    } else if (f->name) {
        for (int i = 0; i < nearlier; i++) {
            if (earlier[i].name && strcmp(earlier[i].name, f->name) == 0) {
                member_error(ps, p, "name", "duplicate field name");
                break;
            }
        }
    }
    f->title = get_string(ps, p, obj, "title", false, 200);
    const cJSON *desc = cJSON_GetObjectItemCaseSensitive(obj, "description");
    if (desc && !cJSON_IsString(desc))
        member_error(ps, p, "description", "must be a string");
    else if (desc)
        f->description = strdup(desc->valuestring);
    const cJSON *req = cJSON_GetObjectItemCaseSensitive(obj, "required");
    if (req && !cJSON_IsBool(req))
        member_error(ps, p, "required", "must be true or false");
    f->required = cJSON_IsTrue(req);

    const cJSON *schema = cJSON_GetObjectItemCaseSensitive(obj, "schema");
    size_t saved = path_push(p, "schema");
    if (!schema) {
        f->schema = cJSON_CreateObject();
        cJSON_AddStringToObject(f->schema, "type", "string");
    } else if (!cJSON_IsObject(schema) && !cJSON_IsBool(schema)) {
        PERROR(ps, p, "must be a JSON Schema or an Alloy sample schema (an object)");
    } else if (cJSON_IsObject(schema) && cJSON_GetArraySize(schema) > 0 &&
               schema_is_sample(schema)) {
        char *err = NULL;
        f->schema = schema_from_sample(schema, &err);
        if (!f->schema)
            PERROR(ps, p, "%s", err ? err : "invalid sample schema");
        free(err);
    } else {
        f->schema = cJSON_Duplicate(schema, true);
    }
    if (f->schema) {
        /* "format" is asserted: a field declared format uri refuses "not a url", in the modal
         * (same validator, same option) as on the server. */
        static const struct schema_options formats = {.format_assertion = true};
        char *err = NULL;
        f->compiled = schema_compile(f->schema, &formats, &err);
        if (!f->compiled)
            PERROR(ps, p, "invalid schema: %s", err ? err : "does not compile");
        free(err);
    }
    path_pop(p, saved);
}

static void parse_fields(struct parser *ps, struct path *p, const cJSON *arr,
                         struct workflow_def *def)
{
    if (!arr)
        return;
    size_t saved = path_push(p, "fields");
    if (!cJSON_IsArray(arr)) {
        PERROR(ps, p, "must be an array of fields");
    } else if (cJSON_GetArraySize(arr) > WF_MAX_BLOCKS) {
        PERROR(ps, p, "more than %d fields", WF_MAX_BLOCKS);
    } else if (cJSON_GetArraySize(arr) > 0) {
        def->fields = calloc((size_t)cJSON_GetArraySize(arr), sizeof *def->fields);
        const cJSON *f;
        int i = 0;
        cJSON_ArrayForEach(f, arr)
        {
            if (!def->fields)
                break;
            size_t saved_f = path_push_index(p, i);
            def->nfields = i + 1;
            parse_field(ps, p, f, &def->fields[i], def->fields, i);
            path_pop(p, saved_f);
            i++;
        }
    }
    path_pop(p, saved);
}

/* ---- the document ---------------------------------------------------------------------------- */

struct workflow_def *workflow_parse(const cJSON *doc, struct workflow_errors *errs)
{
    struct parser ps = {.errs = errs};
    struct path p = {{0}, 0};
    if (!cJSON_IsObject(doc)) {
        wf_error_add(errs, "", "a workflow definition must be a JSON object");
        return NULL;
    }
    struct workflow_def *def = calloc(1, sizeof *def);
    ps.ids = calloc(WF_MAX_BLOCKS, sizeof *ps.ids);
    if (!def || !ps.ids) {
        free(def);
        free(ps.ids);
        wf_error_add(errs, "", "out of memory");
        return NULL;
    }
    static const char *const members[] = {"name",   "description", "trigger",
                                          "fields", "blocks",      NULL};
    check_members(&ps, &p, doc, members, NULL, "a workflow");
    def->name = get_string(&ps, &p, doc, "name", true, 200);
    const cJSON *desc = cJSON_GetObjectItemCaseSensitive(doc, "description");
    if (desc && !cJSON_IsString(desc))
        member_error(&ps, &p, "description", "must be a string");
    else if (desc)
        def->description = strdup(desc->valuestring);

    const cJSON *trigger = cJSON_GetObjectItemCaseSensitive(doc, "trigger");
    if (trigger)
        parse_trigger(&ps, &p, trigger, &def->trigger);
    else
        PERROR(&ps, &p, "missing required member 'trigger'");
    if (!def->trigger.id)
        def->trigger.id = strdup("trigger");
    ps.trigger_id = def->trigger.id;

    parse_fields(&ps, &p, cJSON_GetObjectItemCaseSensitive(doc, "fields"), def);

    const cJSON *blocks = cJSON_GetObjectItemCaseSensitive(doc, "blocks");
    if (blocks) {
        size_t saved = path_push(&p, "blocks");
        parse_sequence(&ps, &p, blocks, 1, true, &def->blocks);
        path_pop(&p, saved);
    } else {
        PERROR(&ps, &p, "missing required member 'blocks'");
    }
    def->total_blocks = ps.total_blocks;
    free(ps.ids);
    if (ps.nerrors) {
        workflow_free(def);
        return NULL;
    }
    return def;
}

void workflow_free(struct workflow_def *def)
{
    if (!def)
        return;
    free(def->name);
    free(def->description);
    free(def->trigger.id);
    free(def->trigger.name);
    free(def->trigger.event);
    free(def->trigger.cron_text);
    free(def->trigger.app);
    free(def->trigger.app_trigger);
    for (int i = 0; i < def->nfields; i++) {
        struct wf_field *f = &def->fields[i];
        free(f->name);
        free(f->title);
        free(f->description);
        cJSON_Delete(f->schema);
        schema_free(f->compiled);
    }
    free(def->fields);
    free_sequence(&def->blocks);
    free(def);
}

static const struct wf_block *find_in(const struct wf_sequence *s, const char *id)
{
    for (int i = 0; i < s->count; i++) {
        const struct wf_block *b = &s->blocks[i], *r;
        if (b->id && strcmp(b->id, id) == 0)
            return b;
        if ((r = find_in(&b->then_blocks, id)) || (r = find_in(&b->else_blocks, id)) ||
            (r = find_in(&b->body, id)))
            return r;
        for (int a = 0; a < b->narms; a++)
            if ((r = find_in(&b->arms[a].blocks, id)))
                return r;
    }
    return NULL;
}

const struct wf_block *workflow_find_block(const struct workflow_def *def, const char *id)
{
    return def && id ? find_in(&def->blocks, id) : NULL;
}
