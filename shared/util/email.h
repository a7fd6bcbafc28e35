/* Email addresses as sign-in names: a plausibility check, not RFC 5322 parsing. */
#ifndef SOLDER_EMAIL_H
#define SOLDER_EMAIL_H

#include <stdbool.h>

/* Longest address accepted (RFC 5321's path limit). */
#define EMAIL_MAX 254

/* True for "local@domain.tld" shapes: one '@', a local part of 1..64 bytes, a domain with a dot
 * that neither starts nor ends the domain, no spaces or control characters, at most EMAIL_MAX. */
bool email_plausible(const char *s);

#endif
