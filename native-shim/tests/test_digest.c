/* Digest known-answer tests (published vectors) and hardware/portable CRC32C agreement. */
#include "shim_internal.h"
#include "test_util.h"

uint32_t sc_crc32c_portable(uint32_t crc, const void *data, size_t len);

int main(void) {
    /* XXH64 reference vectors (xxHash / python-xxhash documentation). */
    CHECK_EQ_U64(sc_xxh64("", 0, 0), 0xEF46DB3751D8E999ull);
    CHECK_EQ_U64(sc_xxh64("a", 1, 0), 0xD24EC4F1A98C6E5Bull);
    CHECK_EQ_U64(sc_xxh64("abc", 3, 0), 0x44BC2CF5AD770999ull);
    const char *spam = "Nobody inspects the spammish repetition";
    CHECK_EQ_U64(sc_xxh64(spam, strlen(spam), 0), 0xFBCEA83C8A378BF1ull);
    CHECK_EQ_U64(sc_xxh64("xxhash", 6, 20141025), 0xB559B98D844E0635ull);

    /* CRC32C: the "check" value and the iSCSI vectors of RFC 3720 B.4. */
    CHECK_EQ_U64(sc_crc32c(0, "123456789", 9), 0xE3069283u);
    unsigned char v[32];
    memset(v, 0, sizeof v);
    CHECK_EQ_U64(sc_crc32c(0, v, sizeof v), 0x8A9136AAu);
    memset(v, 0xFF, sizeof v);
    CHECK_EQ_U64(sc_crc32c(0, v, sizeof v), 0x62A8AB43u);
    for (int i = 0; i < 32; i++) {
        v[i] = (unsigned char)i;
    }
    CHECK_EQ_U64(sc_crc32c(0, v, sizeof v), 0x46DD794Eu);
    for (int i = 0; i < 32; i++) {
        v[i] = (unsigned char)(31 - i);
    }
    CHECK_EQ_U64(sc_crc32c(0, v, sizeof v), 0x113FDB5Cu);

    /* Continuation, every length and alignment, and the two CRC32C implementations agree. */
    unsigned char buf[4096 + 16];
    uint64_t x = 0x123456789ABCDEFull;
    for (size_t i = 0; i < sizeof buf; i++) {
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        buf[i] = (unsigned char)x;
    }
    for (size_t off = 0; off < 8; off++) {
        for (size_t len = 0; len < 300; len++) {
            uint32_t whole = sc_crc32c(0, buf + off, len);
            CHECK_EQ_U64(sc_crc32c_portable(0, buf + off, len), whole);
            size_t half = len / 3;
            CHECK_EQ_U64(sc_crc32c(sc_crc32c(0, buf + off, half), buf + off + half, len - half), whole);
        }
    }
    CHECK_EQ_U64(sc_crc32c_portable(0, buf, 4096), sc_crc32c(0, buf, 4096));

    /* A single flipped bit changes both digests. */
    uint64_t h = sc_xxh64(buf, 4096, 7);
    uint32_t c = sc_crc32c(0, buf, 4096);
    buf[2049] ^= 0x10;
    CHECK(sc_xxh64(buf, 4096, 7) != h);
    CHECK(sc_crc32c(0, buf, 4096) != c);
    /* The seed matters (frames are seeded with their sequence number). */
    CHECK(sc_xxh64(buf, 4096, 7) != sc_xxh64(buf, 4096, 8));
    puts("digest: ok");
    return 0;
}
