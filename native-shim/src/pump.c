/* The stream pump: splice or buffered copies, framing with digests, pacing, counters, cancellation. */
#include "shim_internal.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/uio.h>
#include <time.h>
#include <unistd.h>

#define DEFAULT_CHUNK (1024u * 1024u)
#define MIN_PIPE_SIZE (64u * 1024u)
#define MIN_STEP 4096u

struct sc_pump {
    int in_fd;
    int out_fd;
    bool out_is_socket;
    sc_pump_options opt;
    int cancel_fd;   /* eventfd polled alongside the data fds */
    int pipe_fds[2]; /* intermediate pipe of the splice path */
    int tee_fds[2];  /* receives tee()'d copies of pipe_fds' pages, read out for the digest */
    size_t pipe_size;
    bool out_no_splice; /* the output refused splice (EINVAL): copy into it */
    unsigned char *buf;
    size_t buf_size;

    /* Token bucket, touched only by the running thread. */
    double tokens;
    uint64_t last_refill_ns;
    uint64_t step; /* bytes moved per step: min(chunk, burst) when paced */

    atomic_bool started;
    atomic_bool cancelled;
    _Atomic uint64_t bytes_in;
    _Atomic uint64_t bytes_out;
    _Atomic uint64_t payload_bytes;
    _Atomic uint64_t chunks;
    _Atomic uint64_t throttled_ns;
    _Atomic int32_t state;
    _Atomic int32_t uses_splice;
};

static uint64_t now_ns(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

static void add(_Atomic uint64_t *counter, uint64_t n) {
    atomic_fetch_add_explicit(counter, n, memory_order_relaxed);
}

static void put_le32(unsigned char *p, uint32_t v) {
    for (int i = 0; i < 4; i++) {
        p[i] = (unsigned char)(v >> (8 * i));
    }
}

static void put_le64(unsigned char *p, uint64_t v) {
    for (int i = 0; i < 8; i++) {
        p[i] = (unsigned char)(v >> (8 * i));
    }
}

static uint32_t get_le32(const unsigned char *p) {
    uint32_t v = 0;
    for (int i = 3; i >= 0; i--) {
        v = (v << 8) | p[i];
    }
    return v;
}

static uint64_t get_le64(const unsigned char *p) {
    uint64_t v = 0;
    for (int i = 7; i >= 0; i--) {
        v = (v << 8) | p[i];
    }
    return v;
}

/* ---- creation ------------------------------------------------------------------------------- */

static int check_fd(int fd, const char *name, sc_error *err) {
    if (fd < 0) {
        return sc_fail(err, -EBADF, "sc_pump_create: %s fd %d is negative", name, fd);
    }
    if (fcntl(fd, F_GETFL) < 0) {
        return sc_fail_errno(err, -errno, "sc_pump_create: %s fd %d", name, fd);
    }
    return 0;
}

int sc_pump_create(int in_fd, int out_fd, const sc_pump_options *options, sc_pump **out,
                   sc_error *err) {
    sc_clear(err);
    if (out == NULL) {
        return sc_fail(err, -EINVAL, "sc_pump_create: out must not be NULL");
    }
    *out = NULL;
    if (options == NULL) {
        return sc_fail(err, -EINVAL, "sc_pump_create: options must not be NULL");
    }
    int rc = check_fd(in_fd, "input", err);
    if (rc < 0) {
        return rc;
    }
    rc = check_fd(out_fd, "output", err);
    if (rc < 0) {
        return rc;
    }
    if (in_fd == out_fd) {
        return sc_fail(err, -EINVAL, "sc_pump_create: input and output are the same fd %d", in_fd);
    }
    sc_pump_options opt = *options;
    if (opt.mode < SC_PUMP_RAW || opt.mode > SC_PUMP_DECODE) {
        return sc_fail(err, -EINVAL, "sc_pump_create: mode %d is not RAW(0), ENCODE(1) or DECODE(2)",
                       opt.mode);
    }
    if (opt.digest < SC_DIGEST_ANY || opt.digest > SC_DIGEST_CRC32C) {
        return sc_fail(err, -EINVAL,
                       "sc_pump_create: digest %d is not ANY(0), XXH64(1) or CRC32C(2)", opt.digest);
    }
    if (opt.mode == SC_PUMP_RAW && opt.digest != SC_DIGEST_ANY) {
        return sc_fail(err, -EINVAL, "sc_pump_create: digest %d needs mode ENCODE or DECODE",
                       opt.digest);
    }
    if (opt.mode == SC_PUMP_ENCODE && opt.digest == SC_DIGEST_ANY) {
        opt.digest = SC_DIGEST_XXH64;
    }
    if (opt.chunk_size == 0) {
        opt.chunk_size = DEFAULT_CHUNK;
    }
    if (opt.chunk_size < MIN_STEP || opt.chunk_size > SC_FRAME_MAX_PAYLOAD) {
        return sc_fail(err, -EINVAL, "sc_pump_create: chunk_size %u is outside [%u, %u]",
                       opt.chunk_size, MIN_STEP, SC_FRAME_MAX_PAYLOAD);
    }
    if ((opt.flags & ~SC_PUMP_FLAG_NO_SPLICE) != 0) {
        return sc_fail(err, -EINVAL, "sc_pump_create: flags 0x%x has unknown bits", opt.flags);
    }
    if (opt.rate_bytes_per_sec == 0 && opt.burst_bytes != 0) {
        return sc_fail(err, -EINVAL, "sc_pump_create: burst_bytes %llu needs rate_bytes_per_sec",
                       (unsigned long long)opt.burst_bytes);
    }
    /*
     * Paced pumps move small steps (20 ms of rate) so the stream is smooth, while the bucket holds
     * 250 ms of tokens so a pump thread descheduled on a busy host catches up instead of falling
     * behind the configured rate for good.
     */
    uint64_t step = opt.chunk_size;
    if (opt.rate_bytes_per_sec != 0) {
        step = opt.rate_bytes_per_sec / 50;
        step = step < MIN_STEP ? MIN_STEP : step > opt.chunk_size ? opt.chunk_size : step;
        if (opt.burst_bytes == 0) {
            uint64_t burst = opt.rate_bytes_per_sec / 4;
            opt.burst_bytes = burst > step ? burst : step;
        }
        if (opt.burst_bytes < step) {
            step = opt.burst_bytes;
        }
    }

    sc_pump *p = calloc(1, sizeof *p);
    if (p == NULL) {
        return sc_fail(err, -ENOMEM, "sc_pump_create: out of memory");
    }
    p->in_fd = in_fd;
    p->out_fd = out_fd;
    p->opt = opt;
    p->pipe_fds[0] = p->pipe_fds[1] = -1;
    p->tee_fds[0] = p->tee_fds[1] = -1;
    p->step = step;
    struct stat st;
    p->out_is_socket = fstat(out_fd, &st) == 0 && S_ISSOCK(st.st_mode);
    p->cancel_fd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
    if (p->cancel_fd < 0) {
        rc = sc_fail_errno(err, -errno, "sc_pump_create: eventfd");
        free(p);
        return rc;
    }
    atomic_init(&p->started, false);
    atomic_init(&p->cancelled, false);
    atomic_init(&p->bytes_in, 0);
    atomic_init(&p->bytes_out, 0);
    atomic_init(&p->payload_bytes, 0);
    atomic_init(&p->chunks, 0);
    atomic_init(&p->throttled_ns, 0);
    atomic_init(&p->state, SC_PUMP_STATE_CREATED);
    atomic_init(&p->uses_splice, 0);
    *out = p;
    return 0;
}

void sc_pump_destroy(sc_pump *p) {
    if (p == NULL) {
        return;
    }
    for (int i = 0; i < 2; i++) {
        if (p->pipe_fds[i] >= 0) {
            close(p->pipe_fds[i]);
        }
        if (p->tee_fds[i] >= 0) {
            close(p->tee_fds[i]);
        }
    }
    close(p->cancel_fd);
    free(p->buf);
    free(p);
}

int sc_pump_cancel(sc_pump *p) {
    if (p == NULL) {
        return -EINVAL;
    }
    atomic_store(&p->cancelled, true);
    uint64_t one = 1;
    if (write(p->cancel_fd, &one, sizeof one) < 0 && errno != EAGAIN) {
        return -errno;
    }
    return 0;
}

void sc_pump_get_stats(const sc_pump *p, sc_pump_stats *out) {
    if (p == NULL || out == NULL) {
        return;
    }
    sc_pump *m = (sc_pump *)p; /* atomic loads take non-const pointers in C11 */
    out->bytes_in = atomic_load_explicit(&m->bytes_in, memory_order_relaxed);
    out->bytes_out = atomic_load_explicit(&m->bytes_out, memory_order_relaxed);
    out->payload_bytes = atomic_load_explicit(&m->payload_bytes, memory_order_relaxed);
    out->chunks = atomic_load_explicit(&m->chunks, memory_order_relaxed);
    out->throttled_ns = atomic_load_explicit(&m->throttled_ns, memory_order_relaxed);
    out->state = atomic_load_explicit(&m->state, memory_order_acquire);
    out->uses_splice = atomic_load_explicit(&m->uses_splice, memory_order_relaxed);
}

/* ---- waiting: data fds, cancellation, pacing ----------------------------------------------- */

static int cancelled_error(sc_error *err) {
    return sc_fail(err, -ECANCELED, "pump cancelled");
}

/*
 * Waits until `fd` is ready for `events` (fd < 0: only sleeps), the timeout passes (timeout_ns < 0:
 * none) or cancellation is requested. Returns 0 when ready or timed out, -ECANCELED, or -errno.
 */
static int wait_ready(sc_pump *p, int fd, short events, int64_t timeout_ns, const char *what,
                      sc_error *err) {
    for (;;) {
        if (atomic_load_explicit(&p->cancelled, memory_order_relaxed)) {
            return cancelled_error(err);
        }
        struct pollfd fds[2] = {{.fd = p->cancel_fd, .events = POLLIN}, {.fd = fd, .events = events}};
        struct timespec ts;
        struct timespec *tsp = NULL;
        if (timeout_ns >= 0) {
            ts.tv_sec = (time_t)(timeout_ns / 1000000000);
            ts.tv_nsec = (long)(timeout_ns % 1000000000);
            tsp = &ts;
        }
        int n = ppoll(fds, fd >= 0 ? 2 : 1, tsp, NULL);
        if (n < 0) {
            if (errno == EINTR) {
                continue;
            }
            return sc_fail_errno(err, -errno, "pump: poll %s", what);
        }
        if (fds[0].revents != 0) {
            return cancelled_error(err);
        }
        return 0; /* ready, hung up, errored (the next I/O call reports it) or timed out */
    }
}

/* A cheap check at every step, so a pump cancelled while data keeps flowing stops at once too. */
static int check_cancelled(sc_pump *p, sc_error *err) {
    return atomic_load_explicit(&p->cancelled, memory_order_relaxed) ? cancelled_error(err) : 0;
}

/* Blocks until the token bucket allows a step; returns the number of bytes the caller may move. */
static int pace(sc_pump *p, uint64_t want, uint64_t *allowed, sc_error *err) {
    uint64_t rate = p->opt.rate_bytes_per_sec;
    if (rate == 0) {
        *allowed = want;
        return 0;
    }
    uint64_t need = want < p->step ? want : p->step;
    for (;;) {
        uint64_t now = now_ns();
        p->tokens += (double)(now - p->last_refill_ns) * (double)rate / 1e9;
        p->last_refill_ns = now;
        if (p->tokens > (double)p->opt.burst_bytes) {
            p->tokens = (double)p->opt.burst_bytes;
        }
        if (p->tokens >= (double)need) {
            uint64_t have = (uint64_t)p->tokens;
            *allowed = have < want ? have : want;
            return 0;
        }
        int64_t wait = (int64_t)(((double)need - p->tokens) * 1e9 / (double)rate) + 1;
        int rc = wait_ready(p, -1, 0, wait, "pacing timer", err);
        add(&p->throttled_ns, now_ns() - now);
        if (rc < 0) {
            return rc;
        }
    }
}

static void consume(sc_pump *p, uint64_t n) {
    if (p->opt.rate_bytes_per_sec != 0) {
        p->tokens -= (double)n;
    }
}

/* ---- buffered I/O helpers ------------------------------------------------------------------- */

/* One read of at most `len` bytes: returns bytes read (0 = EOF) or a negative error. */
static ssize_t read_some(sc_pump *p, void *buf, size_t len, sc_error *err) {
    for (;;) {
        ssize_t n = read(p->in_fd, buf, len);
        if (n >= 0) {
            add(&p->bytes_in, (uint64_t)n);
            return n;
        }
        if (errno == EINTR) {
            continue;
        }
        if (errno != EAGAIN) {
            return sc_fail_errno(err, -errno, "pump: read from input fd %d", p->in_fd);
        }
        int rc = wait_ready(p, p->in_fd, POLLIN, -1, "input", err);
        if (rc < 0) {
            return rc;
        }
    }
}

/* Reads exactly `len` bytes; returns len, or fewer at EOF, or a negative error. */
static ssize_t read_exact(sc_pump *p, void *buf, size_t len, sc_error *err) {
    size_t got = 0;
    while (got < len) {
        ssize_t n = read_some(p, (unsigned char *)buf + got, len - got, err);
        if (n < 0) {
            return n;
        }
        if (n == 0) {
            break;
        }
        got += (size_t)n;
    }
    return (ssize_t)got;
}

/*
 * Writes every byte of the iovecs (modified in place) to the output. `send_flags` (MSG_MORE) applies
 * when the output is a socket.
 */
static int write_all_flags(sc_pump *p, struct iovec *iov, int iovcnt, int send_flags, sc_error *err) {
    while (iovcnt > 0) {
        ssize_t n;
        if (p->out_is_socket) {
            /* MSG_NOSIGNAL: a vanished receiver is an error to report, not a signal. */
            struct msghdr msg = {.msg_iov = iov, .msg_iovlen = (size_t)iovcnt};
            n = sendmsg(p->out_fd, &msg, MSG_NOSIGNAL | send_flags);
        } else {
            n = writev(p->out_fd, iov, iovcnt);
        }
        if (n < 0) {
            if (errno == EINTR) {
                continue;
            }
            if (errno != EAGAIN) {
                return sc_fail_errno(err, -errno, "pump: write to output fd %d", p->out_fd);
            }
            int rc = wait_ready(p, p->out_fd, POLLOUT, -1, "output", err);
            if (rc < 0) {
                return rc;
            }
            continue;
        }
        add(&p->bytes_out, (uint64_t)n);
        size_t left = (size_t)n;
        while (iovcnt > 0 && left >= iov->iov_len) {
            left -= iov->iov_len;
            iov++;
            iovcnt--;
        }
        if (iovcnt > 0) {
            iov->iov_base = (unsigned char *)iov->iov_base + left;
            iov->iov_len -= left;
        }
    }
    return 0;
}

static int write_all(sc_pump *p, struct iovec *iov, int iovcnt, sc_error *err) {
    return write_all_flags(p, iov, iovcnt, 0, err);
}

static int ensure_buffer(sc_pump *p, size_t size, sc_error *err) {
    if (p->buf_size >= size) {
        return 0;
    }
    unsigned char *b = realloc(p->buf, size);
    if (b == NULL) {
        return sc_fail(err, -ENOMEM, "pump: cannot allocate a %zu-byte buffer", size);
    }
    p->buf = b;
    p->buf_size = size;
    return 0;
}

/* ---- RAW: buffered ------------------------------------------------------------------------- */

static int run_raw_buffered(sc_pump *p, sc_error *err) {
    int rc = ensure_buffer(p, p->opt.chunk_size, err);
    if (rc < 0) {
        return rc;
    }
    for (;;) {
        rc = check_cancelled(p, err);
        if (rc < 0) {
            return rc;
        }
        uint64_t allowed;
        rc = pace(p, p->opt.chunk_size, &allowed, err);
        if (rc < 0) {
            return rc;
        }
        ssize_t n = read_some(p, p->buf, (size_t)allowed, err);
        if (n < 0) {
            return (int)n;
        }
        if (n == 0) {
            return 0;
        }
        consume(p, (uint64_t)n);
        struct iovec iov = {.iov_base = p->buf, .iov_len = (size_t)n};
        rc = write_all(p, &iov, 1, err);
        if (rc < 0) {
            return rc;
        }
        add(&p->payload_bytes, (uint64_t)n);
        add(&p->chunks, 1);
    }
}

/* ---- splice plumbing ------------------------------------------------------------------------ */

static int make_pipe(int fds[2], size_t want, size_t *size, sc_error *err) {
    if (pipe2(fds, O_CLOEXEC | O_NONBLOCK) < 0) {
        return sc_fail_errno(err, -errno, "pump: pipe2");
    }
    /* A pipe as large as a chunk lets one splice move a whole chunk; fall back to what's allowed. */
    while (want >= MIN_PIPE_SIZE && fcntl(fds[1], F_SETPIPE_SZ, (int)want) < 0) {
        want /= 2;
    }
    int got = fcntl(fds[1], F_GETPIPE_SZ);
    *size = got > 0 ? (size_t)got : MIN_PIPE_SIZE;
    return 0;
}

int sc_pipe_open(int fds[2], uint32_t size, uint32_t *actual_size, sc_error *err) {
    if (fds == NULL) {
        return sc_fail(err, -EINVAL, "pipe: fds must not be NULL");
    }
    if (pipe2(fds, O_CLOEXEC) < 0) {
        return sc_fail_errno(err, -errno, "pipe: pipe2");
    }
    /* Above /proc/sys/fs/pipe-max-size an unprivileged caller gets EPERM: halve until it fits. */
    size_t want = size > (1u << 30) ? (1u << 30) : size;
    while (want > MIN_PIPE_SIZE && fcntl(fds[1], F_SETPIPE_SZ, (int)want) < 0) {
        want /= 2;
    }
    int got = fcntl(fds[1], F_GETPIPE_SZ);
    if (actual_size != NULL) {
        *actual_size = got > 0 ? (uint32_t)got : MIN_PIPE_SIZE;
    }
    return 0;
}

/* The intermediate pipe, plus (for framing) the pipe that receives tee()'d copies for the digest. */
static int open_pipes(sc_pump *p, bool with_tee, sc_error *err) {
    int rc = make_pipe(p->pipe_fds, p->opt.chunk_size, &p->pipe_size, err);
    if (rc == 0 && with_tee) {
        size_t tee_size = 0;
        rc = make_pipe(p->tee_fds, p->pipe_size, &tee_size, err);
        if (rc == 0 && tee_size < p->pipe_size) {
            p->pipe_size = tee_size; /* a tee must fit whole */
        }
    }
    return rc;
}

/* Reads exactly `len` bytes that are already in pipe `fd` into `dst`. */
static int read_pipe(int fd, unsigned char *dst, size_t len, sc_error *err) {
    while (len > 0) {
        ssize_t n = read(fd, dst, len);
        if (n < 0 && errno == EINTR) {
            continue;
        }
        if (n <= 0) {
            return sc_fail_errno(err, n < 0 ? -errno : -EIO, "pump: read back from the splice pipe");
        }
        dst += n;
        len -= (size_t)n;
    }
    return 0;
}

/*
 * Moves `len` bytes that sit in the intermediate pipe to the output: splice when the output takes it,
 * else (EINVAL, remembered for the rest of the run) read into the buffer and write.
 */
static int pipe_to_out(sc_pump *p, size_t len, sc_error *err) {
    while (len > 0 && !p->out_no_splice) {
        /* No SPLICE_F_MORE: the stream's last bytes (a VM's final dirty pages) must not wait in a cork. */
        ssize_t n = splice(p->pipe_fds[0], NULL, p->out_fd, NULL, len, SPLICE_F_MOVE | SPLICE_F_NONBLOCK);
        if (n > 0) {
            add(&p->bytes_out, (uint64_t)n);
            add(&p->payload_bytes, (uint64_t)n);
            len -= (size_t)n;
            continue;
        }
        if (n == 0) {
            return sc_fail(err, -EIO, "pump: splice pipe -> output fd %d moved nothing", p->out_fd);
        }
        if (errno == EINTR) {
            continue;
        }
        if (errno == EINVAL) {
            p->out_no_splice = true; /* the output refuses splice: copy from here on */
            break;
        }
        if (errno != EAGAIN) {
            return sc_fail_errno(err, -errno, "pump: splice pipe -> output fd %d", p->out_fd);
        }
        int rc = wait_ready(p, p->out_fd, POLLOUT, -1, "output", err);
        if (rc < 0) {
            return rc;
        }
    }
    if (len == 0) {
        return 0;
    }
    int rc = ensure_buffer(p, len, err);
    if (rc == 0) {
        rc = read_pipe(p->pipe_fds[0], p->buf, len, err);
    }
    if (rc < 0) {
        return rc;
    }
    struct iovec iov = {.iov_base = p->buf, .iov_len = len};
    rc = write_all(p, &iov, 1, err);
    if (rc == 0) {
        add(&p->payload_bytes, len);
    }
    return rc;
}

/*
 * Splices at most `len` bytes from the input into the intermediate pipe. Returns the bytes moved,
 * 0 at EOF, SPLICE_UNSUPPORTED when the input refuses splice, SPLICE_PIPE_FULL when the pipe has no
 * free slot although input is waiting (many tiny socket buffers), or a negative error.
 */
#define SPLICE_UNSUPPORTED (-100000)
#define SPLICE_PIPE_FULL (-100001)

static ssize_t in_to_pipe(sc_pump *p, size_t len, sc_error *err) {
    for (;;) {
        ssize_t n = splice(p->in_fd, NULL, p->pipe_fds[1], NULL, len, SPLICE_F_MOVE | SPLICE_F_NONBLOCK);
        if (n >= 0) {
            add(&p->bytes_in, (uint64_t)n);
            return n;
        }
        if (errno == EINTR) {
            continue;
        }
        if (errno == EINVAL) {
            return SPLICE_UNSUPPORTED;
        }
        if (errno != EAGAIN) {
            return sc_fail_errno(err, -errno, "pump: splice input fd %d -> pipe", p->in_fd);
        }
        int queued = 0;
        int waiting = 0;
        if (ioctl(p->pipe_fds[0], FIONREAD, &queued) == 0 && queued > 0 &&
            ioctl(p->in_fd, FIONREAD, &waiting) == 0 && waiting > 0) {
            return SPLICE_PIPE_FULL;
        }
        int rc = wait_ready(p, p->in_fd, POLLIN, -1, "input", err);
        if (rc < 0) {
            return rc;
        }
    }
}

/* ---- RAW: splice through an intermediate pipe ---------------------------------------------- */

/* Returns 1 when the input does not support splice (the caller switches to buffered copies). */
static int run_raw_splice(sc_pump *p, sc_error *err) {
    int rc = open_pipes(p, false, err);
    if (rc < 0) {
        return rc;
    }
    bool first = true;
    for (;;) {
        rc = check_cancelled(p, err);
        if (rc < 0) {
            return rc;
        }
        uint64_t want = p->opt.chunk_size < p->pipe_size ? p->opt.chunk_size : p->pipe_size;
        uint64_t allowed;
        rc = pace(p, want, &allowed, err);
        if (rc < 0) {
            return rc;
        }
        ssize_t n = in_to_pipe(p, (size_t)allowed, err);
        if (n == SPLICE_UNSUPPORTED && first) {
            return 1;
        }
        if (n == SPLICE_UNSUPPORTED || n == SPLICE_PIPE_FULL) {
            /* Whatever sits in the pipe goes out first; the next step splices again. */
            int queued = 0;
            n = ioctl(p->pipe_fds[0], FIONREAD, &queued) == 0 ? queued : 0;
            if (n == 0) {
                return sc_fail(err, -EIO, "pump: splice input fd %d -> pipe stalled", p->in_fd);
            }
        } else if (n < 0) {
            return (int)n;
        } else if (n == 0) {
            return 0;
        }
        consume(p, (uint64_t)n);
        first = false;
        atomic_store(&p->uses_splice, p->out_no_splice ? 0 : 1);
        rc = pipe_to_out(p, (size_t)n, err);
        if (rc < 0) {
            return rc;
        }
        add(&p->chunks, 1);
    }
}

/* ---- framing -------------------------------------------------------------------------------- */

static uint64_t payload_digest(int algo, uint64_t seq, const void *data, size_t len) {
    if (algo == SC_DIGEST_CRC32C) {
        unsigned char s[8];
        put_le64(s, seq);
        return sc_crc32c(sc_crc32c(0, s, sizeof s), data, len);
    }
    return sc_xxh64(data, len, seq);
}

static uint32_t header_crc(const unsigned char *h) {
    return sc_crc32c(sc_crc32c(0, h, 20), h + 24, 8);
}

static void build_header(unsigned char *h, int type, int algo, uint64_t seq, uint32_t len,
                         uint64_t value) {
    put_le32(h, SC_FRAME_MAGIC);
    h[4] = SC_FRAME_VERSION;
    h[5] = (unsigned char)type;
    h[6] = (unsigned char)algo;
    h[7] = 0;
    put_le64(h + 8, seq);
    put_le32(h + 16, len);
    put_le64(h + 24, value);
    put_le32(h + 20, header_crc(h));
}

static int write_header(sc_pump *p, int type, uint64_t seq, uint32_t len, uint64_t value,
                        sc_error *err) {
    unsigned char h[SC_FRAME_HEADER_SIZE];
    build_header(h, type, p->opt.digest, seq, len, value);
    struct iovec iov = {.iov_base = h, .iov_len = sizeof h};
    return write_all(p, &iov, 1, err);
}

/*
 * Puts a copy of the `len` bytes in the intermediate pipe into the buffer (for the digest) and
 * leaves the originals in the pipe for a zero-copy splice onwards: tee() duplicates the pipe's pages
 * into the second pipe, whose bytes are read out. Returns false when tee could not copy everything
 * (the buffer then holds the bytes and the intermediate pipe is empty).
 */
static int copy_for_digest(sc_pump *p, size_t len, bool *still_in_pipe, sc_error *err) {
    int rc = ensure_buffer(p, len, err);
    if (rc < 0) {
        return rc;
    }
    ssize_t t = p->out_no_splice ? -1 : tee(p->pipe_fds[0], p->tee_fds[1], len, SPLICE_F_NONBLOCK);
    if (t == (ssize_t)len) {
        *still_in_pipe = true;
        return read_pipe(p->tee_fds[0], p->buf, len, err);
    }
    if (t > 0) {
        rc = read_pipe(p->tee_fds[0], p->buf, (size_t)t, err); /* discard the partial copy */
        if (rc < 0) {
            return rc;
        }
    }
    *still_in_pipe = false;
    return read_pipe(p->pipe_fds[0], p->buf, len, err);
}

/* Writes `len` payload bytes from the pipe (or, when not there, the buffer), paced. */
static int forward_payload(sc_pump *p, size_t len, bool in_pipe, sc_error *err) {
    size_t off = 0;
    while (off < len) {
        uint64_t allowed;
        int rc = pace(p, len - off, &allowed, err);
        if (rc < 0) {
            return rc;
        }
        if (in_pipe) {
            rc = pipe_to_out(p, (size_t)allowed, err);
        } else {
            struct iovec iov = {.iov_base = p->buf + off, .iov_len = (size_t)allowed};
            rc = write_all(p, &iov, 1, err);
            if (rc == 0) {
                add(&p->payload_bytes, allowed);
            }
        }
        if (rc < 0) {
            return rc;
        }
        consume(p, allowed);
        off += (size_t)allowed;
    }
    return 0;
}

/* ---- ENCODE --------------------------------------------------------------------------------- */

static int run_encode(sc_pump *p, sc_error *err) {
    bool use_splice = (p->opt.flags & SC_PUMP_FLAG_NO_SPLICE) == 0;
    int rc = use_splice ? open_pipes(p, true, err) : 0;
    if (rc == 0) {
        rc = ensure_buffer(p, p->opt.chunk_size, err);
    }
    if (rc < 0) {
        return rc;
    }
    uint64_t seq = 0;
    uint64_t total = 0;
    for (;;) {
        rc = check_cancelled(p, err);
        if (rc < 0) {
            return rc;
        }
        uint64_t want = p->opt.chunk_size;
        if (use_splice && want > p->pipe_size) {
            want = p->pipe_size;
        }
        uint64_t allowed;
        rc = pace(p, want, &allowed, err);
        if (rc < 0) {
            return rc;
        }
        ssize_t n = -1;
        bool in_pipe = false;
        if (use_splice) {
            n = in_to_pipe(p, (size_t)allowed, err);
            if (n == SPLICE_UNSUPPORTED || n == SPLICE_PIPE_FULL) {
                int queued = 0;
                n = ioctl(p->pipe_fds[0], FIONREAD, &queued) == 0 ? queued : 0;
                if (n == 0) {
                    use_splice = false; /* nothing spliced yet: plain reads from here on */
                    continue;
                }
            }
            if (n > 0) {
                rc = copy_for_digest(p, (size_t)n, &in_pipe, err);
                if (rc < 0) {
                    return rc;
                }
                atomic_store(&p->uses_splice, in_pipe ? 1 : 0);
            }
        } else {
            n = read_some(p, p->buf, (size_t)allowed, err);
        }
        if (n < 0) {
            return (int)n;
        }
        if (n == 0) {
            return write_header(p, SC_FRAME_TYPE_END, seq, 0, total, err);
        }
        consume(p, (uint64_t)n);
        unsigned char h[SC_FRAME_HEADER_SIZE];
        build_header(h, SC_FRAME_TYPE_DATA, p->opt.digest, seq, (uint32_t)n,
                     payload_digest(p->opt.digest, seq, p->buf, (size_t)n));
        if (in_pipe) {
            /* MSG_MORE: the header rides in the same segment as the payload spliced right after. */
            struct iovec iov = {.iov_base = h, .iov_len = sizeof h};
            rc = write_all_flags(p, &iov, 1, MSG_MORE, err);
            if (rc == 0) {
                rc = pipe_to_out(p, (size_t)n, err);
            }
        } else {
            struct iovec iov[2] = {{.iov_base = h, .iov_len = sizeof h},
                                   {.iov_base = p->buf, .iov_len = (size_t)n}};
            rc = write_all(p, iov, 2, err);
            if (rc == 0) {
                add(&p->payload_bytes, (uint64_t)n);
            }
        }
        if (rc < 0) {
            return rc;
        }
        seq++;
        total += (uint64_t)n;
        add(&p->chunks, 1);
    }
}

/* ---- DECODE --------------------------------------------------------------------------------- */

static int truncated(sc_error *err, uint64_t seq, uint64_t total) {
    return sc_fail(err, -EPROTO,
                   "pump: stream truncated: input ended in or before frame %llu after %llu payload "
                   "bytes, without an end-of-stream frame",
                   (unsigned long long)seq, (unsigned long long)total);
}

/* Validates a header against the expected sequence number; fills type, length and value. */
static int check_header(const sc_pump *p, const unsigned char *h, uint64_t seq, int *type,
                        uint32_t *len, uint64_t *value, sc_error *err) {
    uint32_t magic = get_le32(h);
    if (magic != SC_FRAME_MAGIC) {
        return sc_fail(err, -EBADMSG, "pump: frame %llu: bad magic 0x%08x (expected 0x%08x)",
                       (unsigned long long)seq, magic, SC_FRAME_MAGIC);
    }
    uint32_t want_crc = get_le32(h + 20);
    uint32_t got_crc = header_crc(h);
    if (want_crc != got_crc) {
        return sc_fail(err, -EBADMSG,
                       "pump: frame %llu: header check mismatch (header says 0x%08x, computed 0x%08x)",
                       (unsigned long long)seq, want_crc, got_crc);
    }
    if (h[4] != SC_FRAME_VERSION) {
        return sc_fail(err, -EPROTO, "pump: frame %llu: unsupported version %u", (unsigned long long)seq,
                       h[4]);
    }
    int algo = h[6];
    if (algo != SC_DIGEST_XXH64 && algo != SC_DIGEST_CRC32C) {
        return sc_fail(err, -EPROTO, "pump: frame %llu: unknown digest algorithm %d",
                       (unsigned long long)seq, algo);
    }
    if (p->opt.digest != SC_DIGEST_ANY && algo != p->opt.digest) {
        return sc_fail(err, -EPROTO, "pump: frame %llu: digest algorithm %d, expected %d",
                       (unsigned long long)seq, algo, p->opt.digest);
    }
    uint64_t frame_seq = get_le64(h + 8);
    if (frame_seq != seq) {
        return sc_fail(err, -EPROTO, "pump: frame sequence %llu, expected %llu",
                       (unsigned long long)frame_seq, (unsigned long long)seq);
    }
    *type = h[5];
    *len = get_le32(h + 16);
    *value = get_le64(h + 24);
    if (*type == SC_FRAME_TYPE_END) {
        if (*len != 0) {
            return sc_fail(err, -EPROTO, "pump: end-of-stream frame %llu has length %u",
                           (unsigned long long)seq, *len);
        }
        return 0;
    }
    if (*type != SC_FRAME_TYPE_DATA) {
        return sc_fail(err, -EPROTO, "pump: frame %llu: unknown type %d", (unsigned long long)seq, *type);
    }
    if (*len == 0 || *len > SC_FRAME_MAX_PAYLOAD) {
        return sc_fail(err, -EPROTO, "pump: frame %llu: length %u outside [1, %u]",
                       (unsigned long long)seq, *len, SC_FRAME_MAX_PAYLOAD);
    }
    return 0;
}

/*
 * Receives a DATA payload of `len` bytes. With splice it lands in the intermediate pipe (a tee'd copy
 * in the buffer); otherwise, or when the pipe cannot take it, in the buffer. Returns the number of
 * bytes received (< len at EOF) and sets *in_pipe.
 */
static ssize_t receive_payload(sc_pump *p, bool *use_splice, size_t len, bool *in_pipe, sc_error *err) {
    *in_pipe = false;
    int rc = ensure_buffer(p, len, err);
    if (rc < 0) {
        return rc;
    }
    size_t got = 0;
    if (*use_splice && len <= p->pipe_size) {
        while (got < len) {
            ssize_t n = in_to_pipe(p, len - got, err);
            if (n > 0) {
                got += (size_t)n;
                continue;
            }
            if (n == 0 || n == SPLICE_PIPE_FULL || n == SPLICE_UNSUPPORTED) {
                if (n == SPLICE_UNSUPPORTED) {
                    *use_splice = false;
                }
                /* Take what the pipe holds into the buffer and go on with plain reads. */
                rc = read_pipe(p->pipe_fds[0], p->buf, got, err);
                if (rc < 0) {
                    return rc;
                }
                if (n == 0) {
                    return (ssize_t)got;
                }
                break;
            }
            return n;
        }
        if (got == len) {
            rc = copy_for_digest(p, len, in_pipe, err);
            return rc < 0 ? rc : (ssize_t)len;
        }
    }
    ssize_t n = read_exact(p, p->buf + got, len - got, err);
    return n < 0 ? n : (ssize_t)got + n;
}

static int run_decode(sc_pump *p, sc_error *err) {
    bool use_splice = (p->opt.flags & SC_PUMP_FLAG_NO_SPLICE) == 0;
    if (use_splice) {
        int rc = open_pipes(p, true, err);
        if (rc < 0) {
            return rc;
        }
    }
    unsigned char h[SC_FRAME_HEADER_SIZE];
    uint64_t seq = 0;
    uint64_t total = 0;
    for (;;) {
        int rc = check_cancelled(p, err);
        if (rc < 0) {
            return rc;
        }
        ssize_t n = read_exact(p, h, sizeof h, err);
        if (n < 0) {
            return (int)n;
        }
        if ((size_t)n < sizeof h) {
            return truncated(err, seq, total);
        }
        int type = 0;
        uint32_t len = 0;
        uint64_t value = 0;
        rc = check_header(p, h, seq, &type, &len, &value, err);
        if (rc < 0) {
            return rc;
        }
        if (type == SC_FRAME_TYPE_END) {
            if (value != total) {
                return sc_fail(err, -EPROTO,
                               "pump: end-of-stream frame says %llu payload bytes, received %llu",
                               (unsigned long long)value, (unsigned long long)total);
            }
            return 0;
        }
        bool in_pipe;
        n = receive_payload(p, &use_splice, len, &in_pipe, err);
        if (n < 0) {
            return (int)n;
        }
        if ((size_t)n < len) {
            return truncated(err, seq, total);
        }
        uint64_t digest = payload_digest(h[6], seq, p->buf, len);
        if (digest != value) {
            return sc_fail(err, -EBADMSG,
                           "pump: frame %llu: payload digest mismatch (frame says 0x%016llx, "
                           "computed 0x%016llx) at stream offset %llu",
                           (unsigned long long)seq, (unsigned long long)value,
                           (unsigned long long)digest, (unsigned long long)total);
        }
        atomic_store(&p->uses_splice, in_pipe ? 1 : 0);
        /* Only verified bytes move on; pacing applies to them on their way to the hypervisor. */
        rc = forward_payload(p, len, in_pipe, err);
        if (rc < 0) {
            return rc;
        }
        seq++;
        total += len;
        add(&p->chunks, 1);
    }
}

/* ---- run ------------------------------------------------------------------------------------ */

static int set_nonblocking(int fd, int flags, sc_error *err) {
    if (fcntl(fd, F_SETFL, flags | O_NONBLOCK) < 0) {
        return sc_fail_errno(err, -errno, "pump: make fd %d non-blocking", fd);
    }
    return 0;
}

int sc_pump_run(sc_pump *p, sc_error *err) {
    sc_clear(err);
    if (p == NULL) {
        return sc_fail(err, -EINVAL, "sc_pump_run: pump must not be NULL");
    }
    bool expected = false;
    if (!atomic_compare_exchange_strong(&p->started, &expected, true)) {
        return sc_fail(err, -EALREADY, "sc_pump_run: this pump already ran");
    }
    /*
     * Both flag words are read before either is changed: two fds may share one open file description
     * (a dup'ed socket), and restoring must bring back what the caller had.
     */
    int in_flags = fcntl(p->in_fd, F_GETFL);
    int out_flags = fcntl(p->out_fd, F_GETFL);
    int rc = 0;
    if (in_flags < 0 || out_flags < 0) {
        rc = sc_fail_errno(err, -errno, "pump: read the flags of fd %d", in_flags < 0 ? p->in_fd : p->out_fd);
        in_flags = out_flags = -1;
    }
    if (rc == 0) {
        rc = set_nonblocking(p->in_fd, in_flags, err);
    }
    if (rc == 0) {
        rc = set_nonblocking(p->out_fd, out_flags, err);
    }
    if (rc == 0) {
        atomic_store_explicit(&p->state, SC_PUMP_STATE_RUNNING, memory_order_release);
        /* One step of credit, no more: the run then takes bytes / rate, with no initial burst. */
        p->tokens = (double)p->step;
        p->last_refill_ns = now_ns();
        switch (p->opt.mode) {
        case SC_PUMP_ENCODE:
            rc = run_encode(p, err);
            break;
        case SC_PUMP_DECODE:
            rc = run_decode(p, err);
            break;
        default:
            rc = (p->opt.flags & SC_PUMP_FLAG_NO_SPLICE) != 0 ? 1 : run_raw_splice(p, err);
            if (rc == 1) {
                rc = run_raw_buffered(p, err);
            }
            break;
        }
    }
    if (in_flags >= 0) {
        fcntl(p->in_fd, F_SETFL, in_flags);
    }
    if (out_flags >= 0) {
        fcntl(p->out_fd, F_SETFL, out_flags);
    }
    int32_t state = rc == 0              ? SC_PUMP_STATE_SUCCEEDED
                    : rc == -ECANCELED ? SC_PUMP_STATE_CANCELLED
                                       : SC_PUMP_STATE_FAILED;
    atomic_store_explicit(&p->state, state, memory_order_release);
    return rc;
}
