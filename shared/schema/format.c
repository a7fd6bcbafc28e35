/*
 * The "format" checks: one table row per format name and a syntax check for each, following the
 * RFCs the draft names (3339 dates and times, 5321/5322 e-mail, 1123 host names, 3986 URIs, 4122
 * UUIDs, 6570 URI templates, 6901 JSON Pointers). Checks are syntactic only: no DNS, no IDNA
 * tables (idn-hostname accepts any Unicode letters in labels).
 */
#include "schema/internal.h"
#include "util/calendar.h"

#include <stdlib.h>
#include <string.h>

static bool is_digit(char c)
{
    return c >= '0' && c <= '9';
}

static bool is_hex(char c)
{
    return is_digit(c) || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F');
}

static bool is_alpha(char c)
{
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}

/* Reads exactly n digits at *p into *out. */
static bool digits(const char **p, int n, int *out)
{
    int v = 0;
    for (int i = 0; i < n; i++) {
        if (!is_digit((*p)[i]))
            return false;
        v = v * 10 + ((*p)[i] - '0');
    }
    *p += n;
    *out = v;
    return true;
}

static bool parse_date(const char **p)
{
    int y, m, d;
    if (!digits(p, 4, &y) || *(*p)++ != '-' || !digits(p, 2, &m) || *(*p)++ != '-' ||
        !digits(p, 2, &d))
        return false;
    if (m < 1 || m > 12 || d < 1)
        return false;
    return d <= calendar_month_days(y, m);
}

static bool parse_time(const char **p)
{
    int h, m, s;
    if (!digits(p, 2, &h) || *(*p)++ != ':' || !digits(p, 2, &m) || *(*p)++ != ':' ||
        !digits(p, 2, &s))
        return false;
    if (**p == '.') {
        (*p)++;
        if (!is_digit(**p))
            return false;
        while (is_digit(**p))
            (*p)++;
    }
    int oh = 0, om = 0, sign = 0;
    if (**p == 'Z' || **p == 'z') {
        (*p)++;
    } else if (**p == '+' || **p == '-') {
        sign = **p == '+' ? 1 : -1;
        (*p)++;
        if (!digits(p, 2, &oh) || *(*p)++ != ':' || !digits(p, 2, &om))
            return false;
        if (oh > 23 || om > 59)
            return false;
    } else {
        return false;
    }
    if (h > 23 || m > 59 || s > 60)
        return false;
    if (s == 60) {
        int utc = (h * 60 + m - sign * (oh * 60 + om)) % 1440;
        if (utc < 0)
            utc += 1440;
        if (utc != 23 * 60 + 59)
            return false;
    }
    return true;
}

static bool f_date(const char *s)
{
    return parse_date(&s) && !*s;
}

static bool f_time(const char *s)
{
    return parse_time(&s) && !*s;
}

static bool f_date_time(const char *s)
{
    if (!parse_date(&s) || (*s != 'T' && *s != 't'))
        return false;
    s++;
    return parse_time(&s) && !*s;
}

static bool f_duration(const char *s)
{
    if (*s++ != 'P' || !*s)
        return false;
    static const char date_units[] = "YMD", time_units[] = "HMS";
    bool in_time = false, any = false, weeks = false;
    int last = -1;
    while (*s) {
        if (*s == 'T') {
            if (in_time)
                return false;
            in_time = true;
            last = -1;
            s++;
            if (!*s)
                return false;
            continue;
        }
        if (!is_digit(*s))
            return false;
        while (is_digit(*s))
            s++;
        char u = *s++;
        if (u == 'W' && !in_time && !any && !*s) {
            weeks = true;
            any = true;
            break;
        }
        const char *units = in_time ? time_units : date_units;
        const char *pos = u ? strchr(units, u) : NULL;
        /* RFC 3339 appendix A: units follow one another without gaps (Y [M [D]], H [M [S]]) */
        if (!pos || (last >= 0 ? (int)(pos - units) != last + 1 : false))
            return false;
        last = (int)(pos - units);
        any = true;
    }
    (void)weeks;
    return any && !(in_time && last < 0);
}

static bool f_ipv4(const char *s)
{
    for (int part = 0; part < 4; part++) {
        if (part && *s++ != '.')
            return false;
        if (!is_digit(*s))
            return false;
        int v = 0, n = 0;
        const char *start = s;
        while (is_digit(*s) && n < 4) {
            v = v * 10 + (*s++ - '0');
            n++;
        }
        if (n > 3 || v > 255 || (n > 1 && *start == '0'))
            return false;
    }
    return *s == '\0';
}

static bool ipv6_span(const char *s, size_t len)
{
    int groups = 0;
    bool compressed = false;
    size_t i = 0;
    if (len >= 2 && s[0] == ':' && s[1] == ':') {
        compressed = true;
        i = 2;
        if (i == len)
            return true;
    } else if (len && s[0] == ':') {
        return false;
    }
    while (i < len) {
        size_t start = i;
        while (i < len && is_hex(s[i]) && i - start < 5)
            i++;
        if (i < len && s[i] == '.') {
            char v4[16];
            size_t n = len - start;
            if (n >= sizeof v4)
                return false;
            memcpy(v4, s + start, n);
            v4[n] = '\0';
            if (!f_ipv4(v4))
                return false;
            groups += 2;
            i = len;
            break;
        }
        size_t hl = i - start;
        if (hl == 0 || hl > 4)
            return false;
        groups++;
        if (i == len)
            break;
        if (s[i] != ':')
            return false;
        i++;
        if (i < len && s[i] == ':') {
            if (compressed)
                return false;
            compressed = true;
            i++;
            if (i == len)
                break;
        } else if (i == len) {
            return false;
        }
    }
    return compressed ? groups < 8 : groups == 8;
}

static bool f_ipv6(const char *s)
{
    return ipv6_span(s, strlen(s));
}

static bool hostname_span(const char *s, size_t len, bool idn)
{
    if (len == 0 || len > 253)
        return false;
    size_t i = 0;
    while (i < len) {
        size_t start = i;
        while (i < len && s[i] != '.') {
            unsigned char c = (unsigned char)s[i];
            if (!(is_alpha((char)c) || is_digit((char)c) || c == '-' || (idn && c >= 0x80)))
                return false;
            i++;
        }
        size_t n = i - start;
        if (n == 0 || n > 63 || s[start] == '-' || s[i - 1] == '-')
            return false;
        if (n >= 4 && s[start + 2] == '-' && s[start + 3] == '-' &&
            !((s[start] == 'x' || s[start] == 'X') && (s[start + 1] == 'n' || s[start + 1] == 'N')))
            return false;
        if (i < len) {
            i++;
            if (i == len)
                return false;
        }
    }
    return true;
}

static bool f_hostname(const char *s)
{
    return hostname_span(s, strlen(s), false);
}

static bool f_idn_hostname(const char *s)
{
    return hostname_span(s, strlen(s), true);
}

static bool email(const char *s, bool idn)
{
    const char *at = strrchr(s, '@');
    if (!at || at == s)
        return false;
    size_t local = (size_t)(at - s);
    if (s[0] == '"') {
        if (local < 2 || s[local - 1] != '"')
            return false;
    } else {
        if (s[0] == '.' || s[local - 1] == '.')
            return false;
        for (size_t i = 0; i < local; i++) {
            unsigned char c = (unsigned char)s[i];
            if (c == '.' && s[i + 1] == '.')
                return false;
            if (!(is_alpha((char)c) || is_digit((char)c) || strchr("!#$%&'*+-/=?^_`{|}~.", c) ||
                  (idn && c >= 0x80)))
                return false;
        }
    }
    const char *d = at + 1;
    size_t dl = strlen(d);
    if (dl >= 2 && d[0] == '[' && d[dl - 1] == ']') {
        if (strncmp(d + 1, "IPv6:", 5) == 0)
            return ipv6_span(d + 6, dl - 7);
        char v4[20];
        if (dl - 2 >= sizeof v4)
            return false;
        memcpy(v4, d + 1, dl - 2);
        v4[dl - 2] = '\0';
        return f_ipv4(v4);
    }
    return hostname_span(d, dl, idn);
}

static bool f_email(const char *s)
{
    return email(s, false);
}

static bool f_idn_email(const char *s)
{
    return email(s, true);
}

static bool f_uuid(const char *s)
{
    static const int groups[] = {8, 4, 4, 4, 12};
    for (int g = 0; g < 5; g++) {
        if (g && *s++ != '-')
            return false;
        for (int i = 0; i < groups[g]; i++)
            if (!is_hex(*s++))
                return false;
    }
    return *s == '\0';
}

/* Checks the characters of a URI reference: unreserved, reserved, valid %XX; iri adds non-ASCII. */
static bool uri_chars(const char *s, bool iri)
{
    for (; *s; s++) {
        unsigned char c = (unsigned char)*s;
        if (c == '%') {
            if (!is_hex(s[1]) || !is_hex(s[2]))
                return false;
            s += 2;
        } else if (c >= 0x80) {
            if (!iri)
                return false;
        } else if (!(is_alpha((char)c) || is_digit((char)c) ||
                     strchr("-._~:/?#[]@!$&'()*+,;=", c))) {
            return false;
        }
    }
    return true;
}

/* The inside of "[...]" in a URI authority: an IPv6 address or an IPvFuture (RFC 3986 §3.2.2). */
static bool ip_literal(const char *s, size_t n)
{
    if (n > 0 && (s[0] == 'v' || s[0] == 'V')) {
        size_t i = 1;
        while (i < n && is_hex(s[i]))
            i++;
        if (i == 1 || i >= n || s[i] != '.' || i + 1 == n)
            return false;
        for (i++; i < n; i++)
            if (!(is_alpha(s[i]) || is_digit(s[i]) || strchr("-._~!$&'()*+,;=:", s[i])))
                return false;
        return true;
    }
    return ipv6_span(s, n);
}

static bool uri_ref(const char *s, bool need_scheme, bool iri)
{
    if (!uri_chars(s, iri))
        return false;
    const char *colon = s + strcspn(s, ":/?#");
    bool has_scheme = *colon == ':' && colon > s && is_alpha(s[0]);
    if (has_scheme) {
        for (const char *p = s; p < colon; p++)
            if (!(is_alpha(*p) || is_digit(*p) || *p == '+' || *p == '-' || *p == '.'))
                return false;
    } else if (*colon == ':' && colon == s) {
        return false;
    }
    if (need_scheme && !has_scheme)
        return false;
    const char *rest = has_scheme ? colon + 1 : s;
    const char *frag = strchr(rest, '#');
    if (frag && strchr(frag + 1, '#'))
        return false;
    if (rest[0] == '/' && rest[1] == '/') {
        const char *auth = rest + 2;
        size_t an = strcspn(auth, "/?#");
        const char *host = auth;
        const char *at = memchr(auth, '@', an);
        if (at) {
            for (const char *p = auth; p < at; p++)
                if (*p == '[' || *p == ']' || *p == '@')
                    return false;
            host = at + 1;
        }
        size_t hn = an - (size_t)(host - auth);
        if (memchr(host, '@', hn))
            return false;
        if (hn && host[0] == '[') {
            const char *close = memchr(host, ']', hn);
            if (!close || !(ip_literal(host + 1, (size_t)(close - host - 1))))
                return false;
            const char *after = close + 1;
            if (after < host + hn && *after != ':')
                return false;
        } else {
            const char *pc = memchr(host, ':', hn);
            if (pc) {
                for (const char *p = pc + 1; p < host + hn; p++)
                    if (!is_digit(*p))
                        return false;
            }
            for (const char *p = host; p < (pc ? pc : host + hn); p++)
                if (*p == '[' || *p == ']')
                    return false;
        }
    } else if (!has_scheme) {
        const char *first = s + strcspn(s, "/?#");
        if (memchr(s, ':', (size_t)(first - s)))
            return false;
    }
    for (const char *p = rest; *p && *p != '?' && *p != '#'; p++)
        if ((*p == '[' || *p == ']') && !(rest[0] == '/' && rest[1] == '/'))
            return false;
    return true;
}

static bool f_uri(const char *s)
{
    return uri_ref(s, true, false);
}

static bool f_uri_reference(const char *s)
{
    return uri_ref(s, false, false);
}

static bool f_iri(const char *s)
{
    return uri_ref(s, true, true);
}

static bool f_iri_reference(const char *s)
{
    return uri_ref(s, false, true);
}

/* RFC 6570: literals and {expressions} of an optional operator and comma-separated varspecs. */
static bool f_uri_template(const char *s)
{
    while (*s) {
        unsigned char c = (unsigned char)*s;
        if (c == '{') {
            s++;
            if (*s && strchr("+#./;?&", *s))
                s++;
            for (;;) {
                bool any = false;
                for (;;) {
                    if (is_alpha(*s) || is_digit(*s) || *s == '_') {
                        s++;
                    } else if (*s == '%' && is_hex(s[1]) && is_hex(s[2])) {
                        s += 3;
                    } else {
                        break;
                    }
                    any = true;
                    if (*s == '.' &&
                        (is_alpha(s[1]) || is_digit(s[1]) || s[1] == '_' || s[1] == '%'))
                        s++;
                }
                if (!any)
                    return false;
                if (*s == ':') {
                    s++;
                    if (*s < '1' || *s > '9')
                        return false;
                    int n = 0;
                    while (is_digit(*s) && n < 5) {
                        s++;
                        n++;
                    }
                    if (n > 4)
                        return false;
                } else if (*s == '*') {
                    s++;
                }
                if (*s == ',') {
                    s++;
                    continue;
                }
                break;
            }
            if (*s++ != '}')
                return false;
        } else if (c == '%') {
            if (!is_hex(s[1]) || !is_hex(s[2]))
                return false;
            s += 3;
        } else {
            if (c <= 0x20 || c == 0x7f || strchr("\"<>\\^`{|}", c))
                return false;
            s++;
        }
    }
    return true;
}

static bool pointer_tokens(const char *s)
{
    for (; *s; s++)
        if (*s == '~' && s[1] != '0' && s[1] != '1')
            return false;
    return true;
}

static bool f_json_pointer(const char *s)
{
    return (*s == '\0' || *s == '/') && pointer_tokens(s);
}

static bool f_relative_json_pointer(const char *s)
{
    if (!is_digit(*s))
        return false;
    if (*s == '0' && is_digit(s[1]))
        return false;
    while (is_digit(*s))
        s++;
    if (*s == '#')
        return s[1] == '\0';
    return f_json_pointer(s);
}

static bool f_regex(const char *s)
{
    struct schema_regex *re = schema_regex_compile(s, NULL, 0);
    schema_regex_free(re);
    return re != NULL;
}

static const struct {
    const char *name;
    bool (*check)(const char *s);
} FORMATS[] = {
    {"date-time", f_date_time},
    {"date", f_date},
    {"time", f_time},
    {"duration", f_duration},
    {"email", f_email},
    {"idn-email", f_idn_email},
    {"hostname", f_hostname},
    {"idn-hostname", f_idn_hostname},
    {"ipv4", f_ipv4},
    {"ipv6", f_ipv6},
    {"uri", f_uri},
    {"uri-reference", f_uri_reference},
    {"iri", f_iri},
    {"iri-reference", f_iri_reference},
    {"uuid", f_uuid},
    {"uri-template", f_uri_template},
    {"json-pointer", f_json_pointer},
    {"relative-json-pointer", f_relative_json_pointer},
    {"regex", f_regex},
};

int schema_format_lookup(const char *name)
{
    for (size_t i = 0; i < sizeof FORMATS / sizeof FORMATS[0]; i++)
        if (strcmp(FORMATS[i].name, name) == 0)
            return (int)i;
    return -1;
}

bool schema_format_check(int format, const char *s)
{
    return FORMATS[format].check(s);
}
