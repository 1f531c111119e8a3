/* Shared by the libFuzzer harnesses: invariant checks that abort, so
 * libFuzzer records the input as a crash, not only a sanitiser report. */
#ifndef R53_FUZZ_H
#define R53_FUZZ_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "rc.h"

#define FUZZ_CHECK(cond)                                                                           \
    do {                                                                                           \
        if (!(cond)) {                                                                             \
            fprintf(stderr, "%s:%d: invariant broken: %s\n", __FILE__, __LINE__, #cond);           \
            abort();                                                                               \
        }                                                                                          \
    } while (0)

/* A fixed-size char field holds a C string: a NUL inside its bounds. */
#define FUZZ_CHECK_STR(field) FUZZ_CHECK(memchr((field), '\0', sizeof(field)) != NULL)

/* Every byte of an object is zero (readers clear their output on failure). */
static inline bool fuzz_all_zero(const void *p, size_t n)
{
    const unsigned char *b = p;

    for (size_t i = 0; i < n; i++) {
        if (b[i] != 0) {
            return false;
        }
    }
    return true;
}

/* Reasons end up in one syslog line: no control characters in them. */
static inline bool fuzz_one_line(const char *s)
{
    for (; *s != '\0'; s++) {
        if ((unsigned char)*s < 0x20 || *s == 0x7f) {
            return false;
        }
    }
    return true;
}

/* A failure says why: a known code and a non-empty, bounded reason. */
static inline void fuzz_check_failure(r53_rc rc, const struct r53_error *err)
{
    const char *why = err->reason;

    FUZZ_CHECK(rc > R53_OK && rc < R53_RC_COUNT);
    FUZZ_CHECK(why[0] != '\0');
    FUZZ_CHECK(strlen(why) < 1024);
}

#endif
