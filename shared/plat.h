/*
 * The only door from shared/ to the outside world: a clock and a source of randomness.
 * native/plat_native.c implements it with clock_gettime and OpenSSL's RAND_bytes;
 * wasm/plat_wasm.c with the JavaScript host's Date.now and crypto.getRandomValues.
 */
#ifndef SOLDER_PLAT_H
#define SOLDER_PLAT_H

#include <stddef.h>
#include <stdint.h>

/* Milliseconds since the Unix epoch, wall clock. */
int64_t plat_now_ms(void);

/* Fills buf with n cryptographically strong random bytes. Returns 0, or -1 when the source failed.
 */
int plat_random(void *buf, size_t n);

#endif
