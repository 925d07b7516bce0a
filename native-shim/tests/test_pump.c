/*
 * Stream pump tests. Each case is one CTest test (`test_pump <case>`). Data is a position-dependent
 * pattern, so the consumer detects any lost, duplicated, reordered or altered byte.
 */
#include "supercloud_shim.h"
#include "test_util.h"

#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <sys/socket.h>
#include <unistd.h>

#define MiB (1024ull * 1024ull)
#define GiB (1024ull * MiB)
#define IO_SIZE (256u * 1024u)

/* ---- pipes with a chosen capacity ----------------------------------------------------------- */

static void pipe_open_sizes(void) {
    int fds[2];
    uint32_t size = 0;
    sc_error err;
    CHECK(sc_pipe_open(fds, 1024 * 1024, &size, &err) == 0);
    CHECK(size >= 64 * 1024 && size <= 1024 * 1024);
    CHECK(fcntl(fds[1], F_GETPIPE_SZ) == (int)size);
    CHECK((fcntl(fds[0], F_GETFD) & FD_CLOEXEC) != 0);
    CHECK((fcntl(fds[1], F_GETFL) & O_NONBLOCK) == 0);
    /* The whole capacity can be written without blocking, and reads back intact. */
    unsigned char *buf = malloc(size);
    CHECK(buf != NULL);
    for (uint32_t i = 0; i < size; i++) {
        buf[i] = (unsigned char)(i * 7u);
    }
    CHECK(write(fds[1], buf, size) == (ssize_t)size);
    memset(buf, 0, size);
    size_t got = 0;
    while (got < size) {
        ssize_t n = read(fds[0], buf + got, size - got);
        CHECK(n > 0);
        got += (size_t)n;
    }
    for (uint32_t i = 0; i < size; i++) {
        CHECK(buf[i] == (unsigned char)(i * 7u));
    }
    free(buf);
    close(fds[0]);
    close(fds[1]);
    uint32_t small = 0;
    CHECK(sc_pipe_open(fds, 0, &small, NULL) == 0);
    CHECK(small >= 4096);
    close(fds[0]);
    close(fds[1]);
    CHECK(sc_pipe_open(NULL, 0, NULL, &err) == -EINVAL);
    CHECK(strstr(err.message, "fds") != NULL);
}

/* ---- pattern ------------------------------------------------------------------------------- */

static uint64_t splitmix(uint64_t x) {
    x += 0x9E3779B97F4A7C15ull;
    x = (x ^ (x >> 30)) * 0xBF58476D1CE4E5B9ull;
    x = (x ^ (x >> 27)) * 0x94D049BB133111EBull;
    return x ^ (x >> 31);
}

/* Fills `len` bytes of the pattern starting at stream offset `off`. */
static void fill_pattern(unsigned char *dst, uint64_t off, size_t len) {
    size_t i = 0;
    while (i < len && (off + i) % 8 != 0) {
        dst[i] = (unsigned char)(splitmix((off + i) / 8) >> (8 * ((off + i) % 8)));
        i++;
    }
    for (; i + 8 <= len; i += 8) {
        uint64_t w = splitmix((off + i) / 8);
        memcpy(dst + i, &w, 8);
    }
    for (; i < len; i++) {
        dst[i] = (unsigned char)(splitmix((off + i) / 8) >> (8 * ((off + i) % 8)));
    }
}

/* ---- threads: producer, consumer, pump ----------------------------------------------------- */

typedef struct producer {
    int fd;
    uint64_t total; /* UINT64_MAX: until the reader goes away */
    bool close_when_done;
    const unsigned char *data; /* when set, write these `total` bytes instead of the pattern */
    size_t max_write;          /* when set, no write is larger (many tiny socket buffers) */
    uint64_t written;
    pthread_t thread;
} producer;

static void *produce(void *arg) {
    producer *p = arg;
    unsigned char *buf = malloc(IO_SIZE);
    CHECK(buf != NULL);
    while (p->written < p->total) {
        /* Vary write sizes so chunk boundaries never line up with writes. */
        size_t n = IO_SIZE - (size_t)(p->written % 4093);
        if (n > p->total - p->written) {
            n = (size_t)(p->total - p->written);
        }
        if (p->max_write != 0 && n > p->max_write) {
            n = p->max_write;
        }
        const unsigned char *src = buf;
        if (p->data != NULL) {
            src = p->data + p->written;
        } else {
            fill_pattern(buf, p->written, n);
        }
        ssize_t w = write(p->fd, src, n);
        if (w < 0) {
            if (errno == EINTR) {
                continue;
            }
            break; /* EPIPE: the reader failed or was closed, which some cases expect */
        }
        p->written += (uint64_t)w;
    }
    if (p->close_when_done) {
        close(p->fd);
    }
    free(buf);
    return NULL;
}

static void start_producer(producer *p) {
    CHECK(pthread_create(&p->thread, NULL, produce, p) == 0);
}

typedef struct consumer {
    int fd;
    bool verify;         /* compare against the pattern */
    unsigned char *keep; /* when set, store everything read here (capacity keep_cap) */
    size_t keep_cap;
    atomic_uint_fast64_t received;
    uint64_t mismatch_at; /* UINT64_MAX when all bytes matched */
    pthread_t thread;
} consumer;

static void *consume(void *arg) {
    consumer *c = arg;
    unsigned char *buf = malloc(IO_SIZE);
    unsigned char *expect = malloc(IO_SIZE);
    CHECK(buf != NULL && expect != NULL);
    c->mismatch_at = UINT64_MAX;
    for (;;) {
        ssize_t n = read(c->fd, buf, IO_SIZE);
        if (n < 0 && errno == EINTR) {
            continue;
        }
        if (n <= 0) {
            break;
        }
        uint64_t at = atomic_load(&c->received);
        if (c->verify && c->mismatch_at == UINT64_MAX) {
            fill_pattern(expect, at, (size_t)n);
            if (memcmp(buf, expect, (size_t)n) != 0) {
                for (ssize_t i = 0; i < n; i++) {
                    if (buf[i] != expect[i]) {
                        c->mismatch_at = at + (uint64_t)i;
                        break;
                    }
                }
            }
        }
        if (c->keep != NULL) {
            CHECK(at + (uint64_t)n <= c->keep_cap);
            memcpy(c->keep + at, buf, (size_t)n);
        }
        atomic_store(&c->received, at + (uint64_t)n);
    }
    free(buf);
    free(expect);
    return NULL;
}

static void start_consumer(consumer *c) {
    CHECK(pthread_create(&c->thread, NULL, consume, c) == 0);
}

typedef struct pump_job {
    sc_pump *pump;
    int rc;
    sc_error err;
    int close_after; /* fd to close after the run (-1: none), so the next stage sees EOF */
    double finished_at;
    pthread_t thread;
} pump_job;

static void *pump_main(void *arg) {
    pump_job *j = arg;
    j->rc = sc_pump_run(j->pump, &j->err);
    j->finished_at = mono_seconds();
    if (j->close_after >= 0) {
        close(j->close_after);
    }
    return NULL;
}

static void start_pump(pump_job *j, int in_fd, int out_fd, const sc_pump_options *o, int close_after) {
    memset(j, 0, sizeof *j);
    sc_error err;
    CHECK_RC(sc_pump_create(in_fd, out_fd, o, &j->pump, &err), 0, &err);
    j->close_after = close_after;
    CHECK(pthread_create(&j->thread, NULL, pump_main, j) == 0);
}

static void join(pthread_t t) {
    CHECK(pthread_join(t, NULL) == 0);
}

static void make_pair(bool socket, int fds[2]) {
    if (socket) {
        CHECK(socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, fds) == 0);
    } else {
        CHECK(pipe2(fds, O_CLOEXEC) == 0);
    }
}

static sc_pump_options options(int mode, int digest) {
    sc_pump_options o;
    memset(&o, 0, sizeof o);
    o.mode = mode;
    o.digest = digest;
    return o;
}

/* Waits (polling with a deadline) until the pump reports RUNNING. */
static void wait_running(sc_pump *p) {
    double deadline = mono_seconds() + 5;
    sc_pump_stats s;
    do {
        sc_pump_get_stats(p, &s);
        if (s.state == SC_PUMP_STATE_RUNNING) {
            return;
        }
        sched_yield();
    } while (mono_seconds() < deadline);
    CHECK(!"pump never reached RUNNING");
}

/* ---- 1 GiB transfers ----------------------------------------------------------------------- */

static void raw_transfer(bool socket, uint64_t total, uint32_t flags) {
    int a[2], b[2];
    make_pair(socket, a);
    make_pair(socket, b);
    producer prod = {.fd = a[1], .total = total, .close_when_done = true};
    consumer cons = {.fd = b[0], .verify = true};
    sc_pump_options o = options(SC_PUMP_RAW, SC_DIGEST_ANY);
    o.flags = flags;
    pump_job job;
    start_pump(&job, a[0], b[1], &o, b[1]);
    start_consumer(&cons);
    start_producer(&prod);
    double t0 = mono_seconds();
    join(prod.thread);
    join(job.thread);
    join(cons.thread);
    double secs = mono_seconds() - t0;
    CHECK_RC(job.rc, 0, &job.err);
    CHECK_EQ_U64(atomic_load(&cons.received), total);
    CHECK_EQ_U64(cons.mismatch_at, UINT64_MAX);
    sc_pump_stats s;
    sc_pump_get_stats(job.pump, &s);
    CHECK_EQ_U64(s.payload_bytes, total);
    CHECK_EQ_U64(s.bytes_in, total);
    CHECK_EQ_U64(s.bytes_out, total);
    CHECK(s.chunks > 0);
    CHECK(s.state == SC_PUMP_STATE_SUCCEEDED);
    CHECK(s.uses_splice == ((flags & SC_PUMP_FLAG_NO_SPLICE) ? 0 : 1));
    /* The pump restores the caller's (blocking) fd flags. */
    CHECK((fcntl(a[0], F_GETFL) & O_NONBLOCK) == 0);
    printf("raw %s%s: %.2f GiB in %.2f s\n", socket ? "socket" : "pipe",
           (flags & SC_PUMP_FLAG_NO_SPLICE) ? " (buffered)" : "", (double)total / GiB, secs);
    sc_pump_destroy(job.pump);
    close(a[0]);
    close(b[0]);
}

/* producer -> encoder -> decoder -> consumer, all verified. */
static void framed_transfer(bool socket, int digest, uint64_t total, uint32_t flags) {
    int a[2], b[2], c[2];
    make_pair(socket, a);
    make_pair(socket, b);
    make_pair(socket, c);
    producer prod = {.fd = a[1], .total = total, .close_when_done = true};
    consumer cons = {.fd = c[0], .verify = true};
    sc_pump_options enc = options(SC_PUMP_ENCODE, digest);
    sc_pump_options dec = options(SC_PUMP_DECODE, digest);
    enc.flags = dec.flags = flags;
    pump_job ej, dj;
    start_pump(&ej, a[0], b[1], &enc, b[1]);
    start_pump(&dj, b[0], c[1], &dec, c[1]);
    start_consumer(&cons);
    start_producer(&prod);
    double t0 = mono_seconds();
    join(prod.thread);
    join(ej.thread);
    join(dj.thread);
    join(cons.thread);
    double secs = mono_seconds() - t0;
    CHECK_RC(ej.rc, 0, &ej.err);
    CHECK_RC(dj.rc, 0, &dj.err);
    CHECK_EQ_U64(atomic_load(&cons.received), total);
    CHECK_EQ_U64(cons.mismatch_at, UINT64_MAX);
    sc_pump_stats es, ds;
    sc_pump_get_stats(ej.pump, &es);
    sc_pump_get_stats(dj.pump, &ds);
    CHECK_EQ_U64(es.payload_bytes, total);
    CHECK_EQ_U64(ds.payload_bytes, total);
    CHECK_EQ_U64(es.chunks, ds.chunks);
    /* Every frame costs one header, plus the END frame. */
    CHECK_EQ_U64(es.bytes_out, total + (es.chunks + 1) * SC_FRAME_HEADER_SIZE);
    CHECK_EQ_U64(ds.bytes_in, es.bytes_out);
    /* Payload moves by splice (a tee'd copy feeds the digest) unless buffered copies are forced. */
    int spliced = (flags & SC_PUMP_FLAG_NO_SPLICE) ? 0 : 1;
    CHECK(es.uses_splice == spliced && ds.uses_splice == spliced);
    printf("framed %s %s%s: %.2f GiB in %.2f s, %" PRIu64 " frames\n", socket ? "socket" : "pipe",
           digest == SC_DIGEST_CRC32C ? "crc32c" : "xxh64", spliced ? "" : " (buffered)",
           (double)total / GiB, secs, es.chunks);
    sc_pump_destroy(ej.pump);
    sc_pump_destroy(dj.pump);
    close(a[0]);
    close(b[0]);
    close(c[0]);
}

/* ---- corruption and truncation -------------------------------------------------------------- */

typedef struct encoded {
    unsigned char *data;
    size_t len;
    uint64_t payload;
} encoded;

/* Encodes `total` pattern bytes with the given chunk size into memory. */
static encoded encode_to_memory(uint64_t total, uint32_t chunk, int digest) {
    int a[2], b[2];
    make_pair(false, a);
    make_pair(false, b);
    size_t cap = (size_t)total + (size_t)(total / 4096 + 2) * SC_FRAME_HEADER_SIZE;
    producer prod = {.fd = a[1], .total = total, .close_when_done = true};
    consumer cons = {.fd = b[0], .keep = malloc(cap), .keep_cap = cap};
    CHECK(cons.keep != NULL);
    sc_pump_options o = options(SC_PUMP_ENCODE, digest);
    o.chunk_size = chunk;
    pump_job job;
    start_pump(&job, a[0], b[1], &o, b[1]);
    start_consumer(&cons);
    start_producer(&prod);
    join(prod.thread);
    join(job.thread);
    join(cons.thread);
    CHECK_RC(job.rc, 0, &job.err);
    sc_pump_destroy(job.pump);
    close(a[0]);
    close(b[0]);
    return (encoded){.data = cons.keep, .len = (size_t)atomic_load(&cons.received), .payload = total};
}

/* Offset of frame `index`'s header, walking the stream (checks the layout on the way). */
static size_t frame_offset(const encoded *e, uint64_t index, uint64_t *payload_before) {
    size_t off = 0;
    uint64_t before = 0;
    for (uint64_t i = 0;; i++) {
        CHECK(off + SC_FRAME_HEADER_SIZE <= e->len);
        const unsigned char *h = e->data + off;
        CHECK(memcmp(h, "SCPF", 4) == 0);
        uint64_t seq;
        memcpy(&seq, h + 8, 8);
        CHECK_EQ_U64(seq, i);
        uint32_t len;
        memcpy(&len, h + 16, 4);
        if (i == index) {
            *payload_before = before;
            return off;
        }
        CHECK(h[5] == SC_FRAME_TYPE_DATA);
        before += len;
        off += SC_FRAME_HEADER_SIZE + len;
    }
}

typedef struct decode_result {
    int rc;
    sc_error err;
    uint64_t forwarded;
    uint64_t mismatch_at;
    int in_read_fd; /* still open, for cases that inspect what is left */
} decode_result;

static decode_result decode_bytes(const unsigned char *data, size_t len, bool keep_input_open) {
    int a[2], b[2];
    make_pair(false, a);
    make_pair(false, b);
    producer prod = {.fd = a[1], .total = len, .data = data, .close_when_done = true};
    consumer cons = {.fd = b[0], .verify = true};
    sc_pump_options o = options(SC_PUMP_DECODE, SC_DIGEST_ANY);
    pump_job job;
    start_pump(&job, a[0], b[1], &o, b[1]);
    start_consumer(&cons);
    start_producer(&prod);
    join(job.thread);
    if (!keep_input_open) {
        close(a[0]); /* unblocks a producer still writing after a failure */
    }
    join(prod.thread);
    join(cons.thread);
    decode_result r = {.rc = job.rc, .err = job.err, .forwarded = atomic_load(&cons.received),
                       .mismatch_at = cons.mismatch_at, .in_read_fd = keep_input_open ? a[0] : -1};
    sc_pump_stats s;
    sc_pump_get_stats(job.pump, &s);
    CHECK(s.state == (job.rc == 0 ? SC_PUMP_STATE_SUCCEEDED : SC_PUMP_STATE_FAILED));
    sc_pump_destroy(job.pump);
    close(b[0]);
    return r;
}

static void flipped_byte(bool in_header) {
    encoded e = encode_to_memory(4 * MiB, 64 * 1024, SC_DIGEST_XXH64);
    uint64_t before;
    size_t off = frame_offset(&e, 5, &before);
    /* Header: flip a bit of the length field; payload: a byte in the middle of the frame. */
    size_t at = in_header ? off + 17 : off + SC_FRAME_HEADER_SIZE + 100;
    e.data[at] ^= 0x04;
    decode_result r = decode_bytes(e.data, e.len, false);
    CHECK_RC(r.rc, -EBADMSG, &r.err);
    CHECK_CONTAINS(r.err.message, in_header ? "frame 5: header check mismatch" : "frame 5: payload digest mismatch");
    /* Nothing of the corrupted frame reaches the hypervisor: exactly the frames before it do. */
    CHECK_EQ_U64(r.forwarded, before);
    CHECK_EQ_U64(r.mismatch_at, UINT64_MAX);
    printf("flipped %s byte detected: %s\n", in_header ? "header" : "payload", r.err.message);
    free(e.data);
}

static void truncated(bool mid_payload) {
    encoded e = encode_to_memory(2 * MiB, 64 * 1024, SC_DIGEST_CRC32C);
    size_t cut;
    if (mid_payload) {
        uint64_t before;
        cut = frame_offset(&e, 3, &before) + SC_FRAME_HEADER_SIZE + 10;
    } else {
        cut = e.len - SC_FRAME_HEADER_SIZE; /* every DATA frame intact, the END frame missing */
    }
    decode_result r = decode_bytes(e.data, cut, false);
    CHECK_RC(r.rc, -EPROTO, &r.err);
    CHECK_CONTAINS(r.err.message, "stream truncated");
    CHECK_EQ_U64(r.mismatch_at, UINT64_MAX);
    if (!mid_payload) {
        CHECK_EQ_U64(r.forwarded, e.payload); /* the data was fine, yet the run reports failure */
    }
    printf("truncated stream detected: %s\n", r.err.message);
    free(e.data);
}

static void dropped_frame(void) {
    encoded e = encode_to_memory(1 * MiB, 64 * 1024, SC_DIGEST_XXH64);
    uint64_t before;
    size_t f2 = frame_offset(&e, 2, &before);
    size_t f3 = frame_offset(&e, 3, &before);
    memmove(e.data + f2, e.data + f3, e.len - f3);
    decode_result r = decode_bytes(e.data, e.len - (f3 - f2), false);
    CHECK_RC(r.rc, -EPROTO, &r.err);
    CHECK_CONTAINS(r.err.message, "frame sequence 3, expected 2");
    free(e.data);
}

/*
 * A socket carrying many tiny buffers fills the splice pipe's slots before a 1 MiB frame is in: the
 * decoder must notice and finish the frame with plain reads instead of waiting forever.
 */
static void decode_many_small_writes(void) {
    encoded e = encode_to_memory(3 * MiB, 1024 * 1024, SC_DIGEST_XXH64);
    int a[2], b[2];
    make_pair(true, a);
    make_pair(false, b);
    producer prod = {.fd = a[1], .total = e.len, .data = e.data, .max_write = 100, .close_when_done = true};
    consumer cons = {.fd = b[0], .verify = true};
    sc_pump_options o = options(SC_PUMP_DECODE, SC_DIGEST_XXH64);
    pump_job job;
    start_pump(&job, a[0], b[1], &o, b[1]);
    start_consumer(&cons);
    start_producer(&prod);
    join(prod.thread);
    join(job.thread);
    join(cons.thread);
    CHECK_RC(job.rc, 0, &job.err);
    CHECK_EQ_U64(atomic_load(&cons.received), 3 * MiB);
    CHECK_EQ_U64(cons.mismatch_at, UINT64_MAX);
    sc_pump_destroy(job.pump);
    close(a[0]);
    close(b[0]);
    free(e.data);
}

static void decoder_leaves_trailing_bytes(void) {
    encoded e = encode_to_memory(256 * 1024, 64 * 1024, SC_DIGEST_XXH64);
    static const char trailer[] = "TRAILER";
    unsigned char *d = malloc(e.len + sizeof trailer);
    CHECK(d != NULL);
    memcpy(d, e.data, e.len);
    memcpy(d + e.len, trailer, sizeof trailer);
    decode_result r = decode_bytes(d, e.len + sizeof trailer, true);
    CHECK_RC(r.rc, 0, &r.err);
    CHECK_EQ_U64(r.forwarded, 256 * 1024);
    char rest[sizeof trailer + 8];
    ssize_t n = read(r.in_read_fd, rest, sizeof rest);
    CHECK(n == (ssize_t)sizeof trailer);
    CHECK(memcmp(rest, trailer, sizeof trailer) == 0);
    close(r.in_read_fd);
    free(d);
    free(e.data);
}

/* ---- pacing and counters -------------------------------------------------------------------- */

static void pacing_rate(void) {
    const uint64_t rate = 8 * MiB, total = 16 * MiB; /* two seconds */
    int a[2], b[2];
    make_pair(false, a);
    make_pair(true, b);
    producer prod = {.fd = a[1], .total = total, .close_when_done = true};
    consumer cons = {.fd = b[0], .verify = true};
    sc_pump_options o = options(SC_PUMP_RAW, SC_DIGEST_ANY);
    o.rate_bytes_per_sec = rate;
    pump_job job;
    start_producer(&prod);
    start_consumer(&cons);
    double t0 = mono_seconds();
    start_pump(&job, a[0], b[1], &o, b[1]);
    join(job.thread);
    double secs = job.finished_at - t0;
    join(prod.thread);
    join(cons.thread);
    CHECK_RC(job.rc, 0, &job.err);
    CHECK_EQ_U64(atomic_load(&cons.received), total);
    double achieved = (double)total / secs;
    double error = (achieved - (double)rate) / (double)rate;
    printf("pacing: target %.2f MiB/s, achieved %.3f MiB/s (%+.2f %%) over %.2f s\n",
           (double)rate / MiB, achieved / MiB, error * 100, secs);
    CHECK(error < 0.05 && error > -0.05);
    sc_pump_stats s;
    sc_pump_get_stats(job.pump, &s);
    CHECK(s.throttled_ns > 1000000000ull); /* most of the two seconds was spent waiting for tokens */
    sc_pump_destroy(job.pump);
    close(a[0]);
    close(b[0]);
}

static void counters_while_running(void) {
    const uint64_t total = 8 * MiB;
    int a[2], b[2];
    make_pair(true, a);
    make_pair(true, b);
    producer prod = {.fd = a[1], .total = total, .close_when_done = true};
    consumer cons = {.fd = b[0]};
    sc_pump_options o = options(SC_PUMP_ENCODE, SC_DIGEST_CRC32C);
    o.rate_bytes_per_sec = 16 * MiB;
    pump_job job;
    start_pump(&job, a[0], b[1], &o, b[1]);
    start_producer(&prod);
    start_consumer(&cons);
    uint64_t last = 0;
    int mid_samples = 0;
    for (;;) {
        sc_pump_stats s;
        sc_pump_get_stats(job.pump, &s);
        CHECK(s.payload_bytes >= last); /* progress never goes backwards */
        last = s.payload_bytes;
        if (s.state == SC_PUMP_STATE_RUNNING && s.payload_bytes > 0 && s.payload_bytes < total) {
            mid_samples++;
        }
        if (s.state != SC_PUMP_STATE_RUNNING && s.state != SC_PUMP_STATE_CREATED) {
            break;
        }
        usleep(1000); /* sampling interval, not a wait for a condition */
    }
    join(job.thread);
    join(prod.thread);
    join(cons.thread);
    CHECK_RC(job.rc, 0, &job.err);
    CHECK(mid_samples > 10);
    CHECK_EQ_U64(last, total);
    printf("counters: %d samples while running\n", mid_samples);
    sc_pump_destroy(job.pump);
    close(a[0]);
    close(b[0]);
}

/* ---- cancellation ---------------------------------------------------------------------------- */

static void cancel_and_check(pump_job *job) {
    wait_running(job->pump);
    double t0 = mono_seconds();
    CHECK(sc_pump_cancel(job->pump) == 0);
    join(job->thread);
    double latency = job->finished_at - t0;
    CHECK_RC(job->rc, -ECANCELED, &job->err);
    CHECK_CONTAINS(job->err.message, "cancelled");
    sc_pump_stats s;
    sc_pump_get_stats(job->pump, &s);
    CHECK(s.state == SC_PUMP_STATE_CANCELLED);
    printf("cancel returned after %.3f ms\n", latency * 1e3);
    CHECK(latency < 0.2);
}

static void cancel_idle_input(void) {
    int a[2], b[2];
    make_pair(true, a);
    make_pair(false, b);
    sc_pump_options o = options(SC_PUMP_DECODE, SC_DIGEST_ANY);
    pump_job job;
    start_pump(&job, a[0], b[1], &o, -1);
    cancel_and_check(&job);
    CHECK((fcntl(a[0], F_GETFL) & O_NONBLOCK) == 0);
    sc_pump_destroy(job.pump);
    close(a[0]);
    close(a[1]);
    close(b[0]);
    close(b[1]);
}

static void cancel_blocked_output(void) {
    int a[2], b[2];
    make_pair(false, a);
    make_pair(true, b);
    producer prod = {.fd = a[1], .total = UINT64_MAX, .close_when_done = true};
    sc_pump_options o = options(SC_PUMP_RAW, SC_DIGEST_ANY);
    pump_job job;
    start_pump(&job, a[0], b[1], &o, -1);
    start_producer(&prod);
    /* Nobody reads b[0]: wait until the output is full and the pump stops making progress. */
    double deadline = mono_seconds() + 5;
    sc_pump_stats s;
    uint64_t seen = UINT64_MAX;
    for (;;) {
        sc_pump_get_stats(job.pump, &s);
        if (s.bytes_out > 0 && s.bytes_out == seen && s.bytes_in > s.bytes_out) {
            break;
        }
        seen = s.bytes_out;
        CHECK(mono_seconds() < deadline);
        usleep(20000); /* sampling interval to see the counter stand still */
    }
    cancel_and_check(&job);
    CHECK((fcntl(b[1], F_GETFL) & O_NONBLOCK) == 0);
    close(a[0]); /* the producer's next write fails with EPIPE and it ends */
    join(prod.thread);
    sc_pump_destroy(job.pump);
    close(b[0]);
    close(b[1]);
}

static void cancel_while_paced(void) {
    int a[2], b[2];
    make_pair(false, a);
    make_pair(false, b);
    producer prod = {.fd = a[1], .total = 1 * MiB, .close_when_done = true};
    consumer cons = {.fd = b[0]};
    sc_pump_options o = options(SC_PUMP_ENCODE, SC_DIGEST_XXH64);
    o.rate_bytes_per_sec = 1024; /* one 4 KiB step of credit, then four seconds per step */
    pump_job job;
    start_pump(&job, a[0], b[1], &o, b[1]);
    start_producer(&prod);
    start_consumer(&cons);
    cancel_and_check(&job);
    close(a[0]);
    join(prod.thread);
    join(cons.thread);
    CHECK(atomic_load(&cons.received) <= 4096 + SC_FRAME_HEADER_SIZE); /* at most the credited frame */
    sc_pump_destroy(job.pump);
    close(b[0]);
}

static void cancel_before_run(void) {
    int a[2], b[2];
    make_pair(false, a);
    make_pair(false, b);
    CHECK(write(a[1], "data", 4) == 4);
    sc_pump_options o = options(SC_PUMP_RAW, SC_DIGEST_ANY);
    sc_pump *p;
    sc_error err;
    CHECK_RC(sc_pump_create(a[0], b[1], &o, &p, &err), 0, &err);
    CHECK(sc_pump_cancel(p) == 0);
    CHECK(sc_pump_cancel(p) == 0); /* idempotent */
    CHECK_RC(sc_pump_run(p, &err), -ECANCELED, &err);
    sc_pump_stats s;
    sc_pump_get_stats(p, &s);
    CHECK_EQ_U64(s.bytes_in, 0);
    sc_pump_destroy(p);
    CHECK(sc_pump_cancel(NULL) == -EINVAL);
    for (int i = 0; i < 2; i++) {
        close(a[i]);
        close(b[i]);
    }
}

/* ---- API misuse ------------------------------------------------------------------------------ */

static void expect_bad(int in, int out, sc_pump_options o, int code, const char *needle) {
    sc_pump *p = (sc_pump *)&o;
    sc_error err;
    CHECK_RC(sc_pump_create(in, out, &o, &p, &err), code, &err);
    CHECK(p == NULL);
    CHECK(err.code == code);
    CHECK_CONTAINS(err.message, needle);
}

static void bad_options(void) {
    int a[2];
    make_pair(false, a);
    sc_pump_options ok = options(SC_PUMP_RAW, SC_DIGEST_ANY);
    sc_pump_options o = ok;
    o.mode = 7;
    expect_bad(a[0], a[1], o, -EINVAL, "mode 7");
    o = ok;
    o.digest = 9;
    expect_bad(a[0], a[1], o, -EINVAL, "digest 9");
    o = ok;
    o.digest = SC_DIGEST_CRC32C;
    expect_bad(a[0], a[1], o, -EINVAL, "needs mode ENCODE or DECODE");
    o = ok;
    o.chunk_size = 100;
    expect_bad(a[0], a[1], o, -EINVAL, "chunk_size 100");
    o.chunk_size = SC_FRAME_MAX_PAYLOAD + 1;
    expect_bad(a[0], a[1], o, -EINVAL, "chunk_size");
    o = ok;
    o.flags = 0x80;
    expect_bad(a[0], a[1], o, -EINVAL, "flags 0x80");
    o = ok;
    o.burst_bytes = 10;
    expect_bad(a[0], a[1], o, -EINVAL, "burst_bytes 10 needs rate_bytes_per_sec");
    expect_bad(-1, a[1], ok, -EBADF, "input fd -1");
    expect_bad(a[0], 999, ok, -EBADF, "output fd 999");
    expect_bad(a[0], a[0], ok, -EINVAL, "same fd");
    sc_error err;
    CHECK_RC(sc_pump_create(a[0], a[1], NULL, NULL, &err), -EINVAL, &err);
    CHECK_RC(sc_pump_run(NULL, &err), -EINVAL, &err);
    close(a[0]);
    close(a[1]);
}

static void run_twice(void) {
    int a[2], b[2];
    make_pair(false, a);
    make_pair(false, b);
    close(a[1]); /* immediate EOF */
    sc_pump_options o = options(SC_PUMP_RAW, SC_DIGEST_ANY);
    sc_pump *p;
    sc_error err;
    CHECK_RC(sc_pump_create(a[0], b[1], &o, &p, &err), 0, &err);
    CHECK_RC(sc_pump_run(p, &err), 0, &err);
    CHECK_RC(sc_pump_run(p, &err), -EALREADY, &err);
    CHECK_CONTAINS(err.message, "already ran");
    sc_pump_destroy(p);
    close(a[0]);
    close(b[0]);
    close(b[1]);
}

/* in and out share one open file description (a socket and its dup): an echo through the pump. */
static void shared_description_echo(void) {
    int s[2];
    make_pair(true, s);
    int out = dup(s[0]);
    CHECK(out >= 0);
    CHECK(write(s[1], "hello", 5) == 5);
    CHECK(shutdown(s[1], SHUT_WR) == 0);
    sc_pump_options o = options(SC_PUMP_RAW, SC_DIGEST_ANY);
    sc_pump *p;
    sc_error err;
    CHECK_RC(sc_pump_create(s[0], out, &o, &p, &err), 0, &err);
    CHECK_RC(sc_pump_run(p, &err), 0, &err);
    char echo[8];
    CHECK(read(s[1], echo, sizeof echo) == 5);
    CHECK(memcmp(echo, "hello", 5) == 0);
    /* Blocking again afterwards, although both fds' flags were changed through one description. */
    CHECK((fcntl(s[0], F_GETFL) & O_NONBLOCK) == 0);
    sc_pump_destroy(p);
    close(out);
    close(s[0]);
    close(s[1]);
}

int main(int argc, char **argv) {
    signal(SIGPIPE, SIG_IGN); /* as in the .NET host: EPIPE is reported, not a signal */
    if (argc != 2) {
        fprintf(stderr, "usage: %s <case>\n", argv[0]);
        return 2;
    }
    const char *c = argv[1];
    if (strcmp(c, "raw_pipe_1g") == 0) {
        raw_transfer(false, GiB, 0);
    } else if (strcmp(c, "raw_socket_1g") == 0) {
        raw_transfer(true, GiB, 0);
    } else if (strcmp(c, "non_splice_fds") == 0) {
        raw_transfer(true, 256 * MiB, SC_PUMP_FLAG_NO_SPLICE);
        raw_transfer(false, 256 * MiB, SC_PUMP_FLAG_NO_SPLICE);
    } else if (strcmp(c, "framed_xxh64_socket_1g") == 0) {
        framed_transfer(true, SC_DIGEST_XXH64, GiB, 0);
    } else if (strcmp(c, "framed_crc32c_pipe_1g") == 0) {
        framed_transfer(false, SC_DIGEST_CRC32C, GiB, 0);
    } else if (strcmp(c, "framed_buffered") == 0) {
        framed_transfer(true, SC_DIGEST_CRC32C, 256 * MiB, SC_PUMP_FLAG_NO_SPLICE);
        framed_transfer(false, SC_DIGEST_XXH64, 256 * MiB, SC_PUMP_FLAG_NO_SPLICE);
    } else if (strcmp(c, "flipped_payload_byte") == 0) {
        flipped_byte(false);
    } else if (strcmp(c, "flipped_header_byte") == 0) {
        flipped_byte(true);
    } else if (strcmp(c, "truncated_stream") == 0) {
        truncated(false);
    } else if (strcmp(c, "truncated_payload") == 0) {
        truncated(true);
    } else if (strcmp(c, "dropped_frame") == 0) {
        dropped_frame();
    } else if (strcmp(c, "decode_many_small_writes") == 0) {
        decode_many_small_writes();
    } else if (strcmp(c, "decoder_leaves_trailing_bytes") == 0) {
        decoder_leaves_trailing_bytes();
    } else if (strcmp(c, "pacing_rate") == 0) {
        pacing_rate();
    } else if (strcmp(c, "counters_while_running") == 0) {
        counters_while_running();
    } else if (strcmp(c, "cancel_idle_input") == 0) {
        cancel_idle_input();
    } else if (strcmp(c, "cancel_blocked_output") == 0) {
        cancel_blocked_output();
    } else if (strcmp(c, "cancel_while_paced") == 0) {
        cancel_while_paced();
    } else if (strcmp(c, "cancel_before_run") == 0) {
        cancel_before_run();
    } else if (strcmp(c, "bad_options") == 0) {
        bad_options();
    } else if (strcmp(c, "shared_description_echo") == 0) {
        shared_description_echo();
    } else if (strcmp(c, "run_twice") == 0) {
        run_twice();
    } else if (strcmp(c, "pipe_open_sizes") == 0) {
        pipe_open_sizes();
    } else {
        fprintf(stderr, "unknown case %s\n", c);
        return 2;
    }
    puts("ok");
    return 0;
}
