/* Log lines (native/base/log.c): text and JSON shapes, JSON escaping of every kind of character,
 * one trailing newline dropped, over-long messages cut. */
#include "check.h"

#include "base/log.h"

#include <cjson/cJSON.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* Runs fn with stdout going to a file; returns what it wrote (malloc'd). */
static char *captured(void (*fn)(void))
{
    char path[] = "/tmp/solder-test-log-XXXXXX";
    int fd = mkstemp(path);
    fflush(stdout);
    int saved = dup(1);
    dup2(fd, 1);
    fn();
    fflush(stdout);
    dup2(saved, 1);
    close(saved);
    long n = lseek(fd, 0, SEEK_END);
    char *text = calloc((size_t)n + 1, 1);
    if (n > 0)
        if (pread(fd, text, (size_t)n, 0) != n)
            text[0] = '\0';
    close(fd);
    unlink(path);
    return text;
}

static void notice(void)
{
    log_info("say \"hi\" \\ tab\there\x01 and é\n");
}

static void access_line(void)
{
    log_access(1714564214043LL, "6b11d0f305900de2125de702", "GET", "/users/a\"b", 404, 1.234);
}

static void long_notice(void)
{
    static char big[5000];
    memset(big, 'x', sizeof big - 1);
    log_info("%s", big);
}

int main(void)
{
    char *text = captured(notice);
    CHECK_STR(text, "solder: say \"hi\" \\ tab\there\x01 and é\n");
    free(text);
    text = captured(access_line);
    CHECK_STR(text,
              "2024-05-01T11:50:14.043Z 6b11d0f305900de2125de702 GET /users/a\"b 404 1.23ms\n");
    free(text);

    log_set_format(LOG_JSON);
    CHECK(log_format() == LOG_JSON);
    text = captured(notice);
    CHECK(strchr(text, '\n') == text + strlen(text) - 1); /* one line */
    cJSON *o = cJSON_Parse(text);
    CHECK(o != NULL);
    CHECK_STR(cJSON_GetStringValue(cJSON_GetObjectItem(o, "message")),
              "say \"hi\" \\ tab\there\x01 and é");
    CHECK_STR(cJSON_GetStringValue(cJSON_GetObjectItem(o, "level")), "info");
    CHECK_INT(strlen(cJSON_GetStringValue(cJSON_GetObjectItem(o, "time"))), 24);
    cJSON_Delete(o);
    free(text);

    text = captured(access_line);
    o = cJSON_Parse(text);
    CHECK(o != NULL);
    CHECK_STR(cJSON_GetStringValue(cJSON_GetObjectItem(o, "time")), "2024-05-01T11:50:14.043Z");
    CHECK_STR(cJSON_GetStringValue(cJSON_GetObjectItem(o, "kind")), "access");
    CHECK_STR(cJSON_GetStringValue(cJSON_GetObjectItem(o, "path")), "/users/a\"b");
    CHECK_STR(cJSON_GetStringValue(cJSON_GetObjectItem(o, "requestId")),
              "6b11d0f305900de2125de702");
    CHECK_INT(cJSON_GetObjectItem(o, "status")->valueint, 404);
    CHECK(cJSON_GetObjectItem(o, "durationMs")->valuedouble == 1.23);
    cJSON_Delete(o);
    free(text);

    text = captured(long_notice);
    o = cJSON_Parse(text);
    CHECK(o != NULL);
    CHECK(strlen(cJSON_GetStringValue(cJSON_GetObjectItem(o, "message"))) < 2048);
    cJSON_Delete(o);
    free(text);
    return check_summary("log");
}
