/* XXH64 and CRC32C, written from the published algorithm descriptions. */
#include "shim_internal.h"

#include <pthread.h>
#include <string.h>

/* ---- XXH64 ---------------------------------------------------------------------------------- */

static const uint64_t P1 = 0x9E3779B185EBCA87ull;
static const uint64_t P2 = 0xC2B2AE3D27D4EB4Full;
static const uint64_t P3 = 0x165667B19E3779F9ull;
static const uint64_t P4 = 0x85EBCA77C2B2AE63ull;
static const uint64_t P5 = 0x27D4EB2F165667C5ull;

static inline uint64_t rotl64(uint64_t x, int r) {
    return (x << r) | (x >> (64 - r));
}

/* memcpy keeps unaligned loads well-defined; the compiler turns it into a single mov. */
static inline uint64_t load64(const unsigned char *p) {
    uint64_t v;
    memcpy(&v, p, sizeof v);
    return v; /* little-endian hosts only (x86-64, aarch64); checked in CMake */
}

static inline uint32_t load32(const unsigned char *p) {
    uint32_t v;
    memcpy(&v, p, sizeof v);
    return v;
}

static inline uint64_t xxh_round(uint64_t acc, uint64_t lane) {
    acc += lane * P2;
    acc = rotl64(acc, 31);
    return acc * P1;
}

static inline uint64_t xxh_merge(uint64_t acc, uint64_t v) {
    acc ^= xxh_round(0, v);
    return acc * P1 + P4;
}

uint64_t sc_xxh64(const void *data, size_t len, uint64_t seed) {
    const unsigned char *p = data;
    const unsigned char *end = p + len;
    uint64_t h;

    if (len >= 32) {
        uint64_t v1 = seed + P1 + P2;
        uint64_t v2 = seed + P2;
        uint64_t v3 = seed;
        uint64_t v4 = seed - P1;
        const unsigned char *limit = end - 32;
        do {
            v1 = xxh_round(v1, load64(p));
            v2 = xxh_round(v2, load64(p + 8));
            v3 = xxh_round(v3, load64(p + 16));
            v4 = xxh_round(v4, load64(p + 24));
            p += 32;
        } while (p <= limit);
        h = rotl64(v1, 1) + rotl64(v2, 7) + rotl64(v3, 12) + rotl64(v4, 18);
        h = xxh_merge(h, v1);
        h = xxh_merge(h, v2);
        h = xxh_merge(h, v3);
        h = xxh_merge(h, v4);
    } else {
        h = seed + P5;
    }

    h += (uint64_t)len;

    while (end - p >= 8) {
        h ^= xxh_round(0, load64(p));
        h = rotl64(h, 27) * P1 + P4;
        p += 8;
    }
    if (end - p >= 4) {
        h ^= (uint64_t)load32(p) * P1;
        h = rotl64(h, 23) * P2 + P3;
        p += 4;
    }
    while (p < end) {
        h ^= (uint64_t)(*p) * P5;
        h = rotl64(h, 11) * P1;
        p++;
    }

    h ^= h >> 33;
    h *= P2;
    h ^= h >> 29;
    h *= P3;
    h ^= h >> 32;
    return h;
}

/* ---- CRC32C --------------------------------------------------------------------------------- */

/* Slicing-by-8 tables for the reflected Castagnoli polynomial, built once. */
static uint32_t crc_table[8][256];
static pthread_once_t crc_table_once = PTHREAD_ONCE_INIT;

static void crc_table_init(void) {
    for (uint32_t i = 0; i < 256; i++) {
        uint32_t c = i;
        for (int k = 0; k < 8; k++) {
            c = (c & 1u) ? (c >> 1) ^ 0x82F63B78u : (c >> 1);
        }
        crc_table[0][i] = c;
    }
    for (uint32_t i = 0; i < 256; i++) {
        for (int t = 1; t < 8; t++) {
            uint32_t prev = crc_table[t - 1][i];
            crc_table[t][i] = (prev >> 8) ^ crc_table[0][prev & 0xFFu];
        }
    }
}

static uint32_t crc32c_sw(uint32_t c, const unsigned char *p, size_t len) {
    pthread_once(&crc_table_once, crc_table_init);
    while (len >= 8) {
        uint64_t v = load64(p) ^ c;
        c = crc_table[7][v & 0xFF] ^ crc_table[6][(v >> 8) & 0xFF] ^ crc_table[5][(v >> 16) & 0xFF] ^
            crc_table[4][(v >> 24) & 0xFF] ^ crc_table[3][(v >> 32) & 0xFF] ^
            crc_table[2][(v >> 40) & 0xFF] ^ crc_table[1][(v >> 48) & 0xFF] ^ crc_table[0][v >> 56];
        p += 8;
        len -= 8;
    }
    while (len-- > 0) {
        c = (c >> 8) ^ crc_table[0][(c ^ *p++) & 0xFFu];
    }
    return c;
}

#if defined(__x86_64__)
#include <nmmintrin.h>

__attribute__((target("sse4.2"))) static uint32_t crc32c_hw(uint32_t c, const unsigned char *p,
                                                            size_t len) {
    uint64_t c64 = c;
    while (len >= 8) {
        c64 = _mm_crc32_u64(c64, load64(p));
        p += 8;
        len -= 8;
    }
    uint32_t c32 = (uint32_t)c64;
    while (len-- > 0) {
        c32 = _mm_crc32_u8(c32, *p++);
    }
    return c32;
}
#endif

uint32_t sc_crc32c(uint32_t crc, const void *data, size_t len) {
    uint32_t c = ~crc;
#if defined(__x86_64__)
    if (__builtin_cpu_supports("sse4.2")) {
        return ~crc32c_hw(c, data, len);
    }
#endif
    return ~crc32c_sw(c, data, len);
}

/* Exposed for the tests so both code paths are checked on hardware that has SSE4.2. */
SC_INTERNAL uint32_t sc_crc32c_portable(uint32_t crc, const void *data, size_t len);
uint32_t sc_crc32c_portable(uint32_t crc, const void *data, size_t len) {
    return ~crc32c_sw(~crc, data, len);
}
