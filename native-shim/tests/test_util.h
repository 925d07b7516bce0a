/* A tiny assertion harness for the plain C tests run by CTest. */
#ifndef SC_TEST_UTIL_H
#define SC_TEST_UTIL_H

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define CHECK(cond)                                                                                \
    do {                                                                                           \
        if (!(cond)) {                                                                             \
            fprintf(stderr, "%s:%d: CHECK failed: %s\n", __FILE__, __LINE__, #cond);                \
            exit(1);                                                                               \
        }                                                                                          \
    } while (0)

#define CHECK_EQ_U64(actual, expected)                                                             \
    do {                                                                                           \
        uint64_t a_ = (uint64_t)(actual), e_ = (uint64_t)(expected);                               \
        if (a_ != e_) {                                                                            \
            fprintf(stderr, "%s:%d: %s == 0x%" PRIx64 " (%" PRIu64 "), expected 0x%" PRIx64        \
                            " (%" PRIu64 ")\n",                                                    \
                    __FILE__, __LINE__, #actual, a_, a_, e_, e_);                                  \
            exit(1);                                                                               \
        }                                                                                          \
    } while (0)

#define CHECK_RC(actual, expected, errp)                                                           \
    do {                                                                                           \
        int a_ = (actual), e_ = (expected);                                                        \
        if (a_ != e_) {                                                                            \
            fprintf(stderr, "%s:%d: %s returned %d, expected %d (message: %s)\n", __FILE__,        \
                    __LINE__, #actual, a_, e_, (errp) != NULL ? (errp)->message : "");             \
            exit(1);                                                                               \
        }                                                                                          \
    } while (0)

#define CHECK_CONTAINS(haystack, needle)                                                           \
    do {                                                                                           \
        if (strstr((haystack), (needle)) == NULL) {                                                \
            fprintf(stderr, "%s:%d: \"%s\" does not contain \"%s\"\n", __FILE__, __LINE__,         \
                    (haystack), (needle));                                                         \
            exit(1);                                                                               \
        }                                                                                          \
    } while (0)

static inline double mono_seconds(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

#endif
