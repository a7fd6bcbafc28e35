/* libFuzzer target: the Cookie header reader and the email check, on arbitrary text. */
#include "util/cookie.h"
#include "util/email.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char *text = malloc(size + 1);
    if (!text)
        return 0;
    memcpy(text, data, size);
    text[size] = '\0';
    char value[64];
    if (cookie_value(text, "solder_session", value, sizeof value) && strlen(value) >= sizeof value)
        abort();
    char tiny[1];
    if (cookie_value(text, "a", tiny, sizeof tiny) && tiny[0] != '\0')
        abort(); /* only an empty value fits one byte */
    (void)email_plausible(text);
    free(text);
    return 0;
}
