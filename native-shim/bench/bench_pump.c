/*
 * Pump throughput next to baselines measured in the same run: every stage moves the same bytes from a
 * writer thread through a socket pair (or pipes, where named) into the stage and out to a reader
 * thread. Printed as a table: each pump figure beside each baseline (cat, socat, a read/write loop),
 * value, baseline and ratio; GB/s (1e9 bytes) and CPU seconds of the copying stage per GB.
 * Usage: sc_bench [bytes]   (default 4 GiB; SC_BENCH_BYTES overrides too)
 */
#include "supercloud_shim.h"

#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <signal.h>
#include <spawn.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define IO_SIZE (1024u * 1024u)

extern char **environ;

static double now(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static double cpu_of(const struct rusage *r) {
    return (double)r->ru_utime.tv_sec + (double)r->ru_utime.tv_usec / 1e6 + (double)r->ru_stime.tv_sec +
           (double)r->ru_stime.tv_usec / 1e6;
}

static double thread_cpu(void) {
    struct rusage r;
    getrusage(RUSAGE_THREAD, &r);
    return cpu_of(&r);
}

static void die(const char *what) {
    fprintf(stderr, "sc_bench: %s: %s\n", what, strerror(errno));
    exit(1);
}

typedef struct io_job {
    int fd;
    uint64_t bytes;
    uint64_t done;
} io_job;

static void *writer(void *arg) {
    io_job *j = arg;
    unsigned char *buf = malloc(IO_SIZE);
    for (size_t i = 0; i < IO_SIZE; i++) {
        buf[i] = (unsigned char)(i * 2654435761u >> 13);
    }
    while (j->done < j->bytes) {
        size_t n = j->bytes - j->done < IO_SIZE ? (size_t)(j->bytes - j->done) : IO_SIZE;
        ssize_t w = write(j->fd, buf, n);
        if (w < 0) {
            if (errno == EINTR) {
                continue;
            }
            die("writer");
        }
        j->done += (uint64_t)w;
    }
    close(j->fd);
    free(buf);
    return NULL;
}

static void *reader(void *arg) {
    io_job *j = arg;
    unsigned char *buf = malloc(IO_SIZE);
    for (;;) {
        ssize_t n = read(j->fd, buf, IO_SIZE);
        if (n < 0 && errno == EINTR) {
            continue;
        }
        if (n < 0) {
            die("reader");
        }
        if (n == 0) {
            break;
        }
        j->done += (uint64_t)n;
    }
    free(buf);
    return NULL;
}

typedef struct stage {
    int in_fd;
    int out_fd;
    int mode;     /* -1: plain read/write loop; else sc_pump_mode */
    uint32_t flags;
    double cpu;
    int rc;
    char message[SC_ERROR_MESSAGE_MAX];
} stage;

static void *run_stage(void *arg) {
    stage *s = arg;
    double c0 = thread_cpu();
    if (s->mode < 0) {
        unsigned char *buf = malloc(IO_SIZE);
        for (;;) {
            ssize_t n = read(s->in_fd, buf, IO_SIZE);
            if (n <= 0) {
                break;
            }
            for (ssize_t off = 0; off < n;) {
                ssize_t w = write(s->out_fd, buf + off, (size_t)(n - off));
                if (w < 0) {
                    die("copy loop");
                }
                off += w;
            }
        }
        free(buf);
    } else {
        sc_pump_options o;
        memset(&o, 0, sizeof o);
        o.mode = s->mode;
        o.flags = s->flags;
        sc_pump *p;
        sc_error err;
        s->rc = sc_pump_create(s->in_fd, s->out_fd, &o, &p, &err);
        if (s->rc == 0) {
            s->rc = sc_pump_run(p, &err);
            sc_pump_destroy(p);
        }
        if (s->rc != 0) {
            snprintf(s->message, sizeof s->message, "%s", err.message);
        }
    }
    s->cpu = thread_cpu() - c0;
    close(s->out_fd);
    return NULL;
}

static void pair(bool sockets, int fds[2]) {
    int rc = sockets ? socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, fds) : pipe2(fds, O_CLOEXEC);
    if (rc != 0) {
        die("socketpair/pipe");
    }
}

typedef struct result {
    const char *name;
    double gbps;       /* 1e9 bytes per second */
    double cpu_per_gb; /* CPU seconds of the copying stage per 1e9 bytes */
    bool measured;
} result;

#define MAX_RESULTS 16
static result results[MAX_RESULTS];
static int result_count;

static void report(const char *name, uint64_t bytes, double secs, double cpu) {
    double gb = (double)bytes / 1e9;
    if (result_count < MAX_RESULTS) {
        results[result_count++] = (result){.name = name, .gbps = gb / secs, .cpu_per_gb = cpu / gb, .measured = true};
    }
    fprintf(stderr, "  measured %-40s %8.2f GB/s %8.3f CPU s/GB\n", name, gb / secs, cpu / gb);
}

static const result *find_result(const char *name) {
    for (int i = 0; i < result_count; i++) {
        if (strcmp(results[i].name, name) == 0) {
            return &results[i];
        }
    }
    return NULL;
}

/* One row per figure and baseline: value, baseline, value/baseline (same layout as the .NET bench). */
static void print_row(const char *figure, const char *metric, double value, double baseline, const char *unit,
                      const char *baseline_name) {
    char label[96];
    snprintf(label, sizeof label, "%s, %s", figure, metric);
    printf("%-56s %9.3f %-8s %9.3f %-8s %7.2fx  %s\n", label, value, unit, baseline, unit, value / baseline,
           baseline_name);
}

static void print_table(const char *const *figures, int nfigures, const char *const *baselines, int nbaselines) {
    printf("\n%-56s %18s %18s %8s  %s\n", "figure", "value", "baseline", "ratio", "baseline is");
    for (int b = 0; b < nbaselines; b++) {
        const result *base = find_result(baselines[b]);
        if (base == NULL) {
            printf("(baseline \"%s\" not measured: skipped)\n", baselines[b]);
            continue;
        }
        for (int f = 0; f < nfigures; f++) {
            const result *r = find_result(figures[f]);
            if (r == NULL) {
                continue;
            }
            print_row(r->name, "throughput", r->gbps, base->gbps, "GB/s", base->name);
        }
        for (int f = 0; f < nfigures; f++) {
            const result *r = find_result(figures[f]);
            if (r == NULL) {
                continue;
            }
            /* Lower is better here: a ratio below 1 means less CPU than the baseline. */
            print_row(r->name, "CPU per GB", r->cpu_per_gb, base->cpu_per_gb, "CPU s/GB", base->name);
        }
    }
}

/* Pump stage (mode >= 0) or copy loop (mode -1) in a thread between two socket pairs. */
static void bench_thread(const char *name, uint64_t bytes, int mode, uint32_t flags) {
    int a[2], b[2];
    pair(true, a);
    pair(true, b);
    io_job w = {.fd = a[1], .bytes = bytes}, r = {.fd = b[0]};
    stage s = {.in_fd = a[0], .out_fd = b[1], .mode = mode, .flags = flags};
    pthread_t tw, tr, ts;
    double t0 = now();
    pthread_create(&tr, NULL, reader, &r);
    pthread_create(&ts, NULL, run_stage, &s);
    pthread_create(&tw, NULL, writer, &w);
    pthread_join(tw, NULL);
    pthread_join(ts, NULL);
    pthread_join(tr, NULL);
    double secs = now() - t0;
    close(a[0]);
    close(b[0]);
    if (s.rc != 0) {
        fprintf(stderr, "sc_bench: %s failed: %s\n", name, s.message);
        exit(1);
    }
    uint64_t expected = mode == SC_PUMP_ENCODE ? r.done : bytes; /* framing adds headers */
    if (r.done != expected || (mode == SC_PUMP_ENCODE && r.done <= bytes)) {
        fprintf(stderr, "sc_bench: %s delivered %llu of %llu bytes\n", name, (unsigned long long)r.done,
                (unsigned long long)bytes);
        exit(1);
    }
    report(name, bytes, secs, s.cpu);
}

/* The receiving side too: encoder and decoder in a chain; CPU is the sum of both stages. */
static void bench_framed_chain(const char *name, uint64_t bytes) {
    int a[2], b[2], c[2];
    pair(true, a);
    pair(true, b);
    pair(true, c);
    io_job w = {.fd = a[1], .bytes = bytes}, r = {.fd = c[0]};
    stage enc = {.in_fd = a[0], .out_fd = b[1], .mode = SC_PUMP_ENCODE};
    stage dec = {.in_fd = b[0], .out_fd = c[1], .mode = SC_PUMP_DECODE};
    pthread_t tw, tr, te, td;
    double t0 = now();
    pthread_create(&tr, NULL, reader, &r);
    pthread_create(&td, NULL, run_stage, &dec);
    pthread_create(&te, NULL, run_stage, &enc);
    pthread_create(&tw, NULL, writer, &w);
    pthread_join(tw, NULL);
    pthread_join(te, NULL);
    pthread_join(td, NULL);
    pthread_join(tr, NULL);
    double secs = now() - t0;
    close(a[0]);
    close(b[0]);
    close(c[0]);
    if (enc.rc != 0 || dec.rc != 0 || r.done != bytes) {
        fprintf(stderr, "sc_bench: %s failed: %s%s\n", name, enc.message, dec.message);
        exit(1);
    }
    report(name, bytes, secs, enc.cpu + dec.cpu);
}

/* An external program as the stage, its stdin and stdout connected through pipes or socket pairs. */
static void bench_process(const char *name, uint64_t bytes, char *const argv[], bool sockets) {
    int a[2], b[2];
    pair(sockets, a);
    pair(sockets, b);
    posix_spawn_file_actions_t fa;
    posix_spawn_file_actions_init(&fa);
    posix_spawn_file_actions_adddup2(&fa, a[0], 0);
    posix_spawn_file_actions_adddup2(&fa, b[1], 1);
    io_job w = {.fd = a[1], .bytes = bytes}, r = {.fd = b[0]};
    pthread_t tw, tr;
    double t0 = now();
    pid_t pid;
    if (posix_spawnp(&pid, argv[0], &fa, NULL, argv, environ) != 0) {
        fprintf(stderr, "  skipped  %-40s (%s not found)\n", name, argv[0]);
        posix_spawn_file_actions_destroy(&fa);
        for (int i = 0; i < 2; i++) {
            close(a[i]);
            close(b[i]);
        }
        return;
    }
    posix_spawn_file_actions_destroy(&fa);
    close(a[0]);
    close(b[1]);
    pthread_create(&tr, NULL, reader, &r);
    pthread_create(&tw, NULL, writer, &w);
    pthread_join(tw, NULL);
    int status;
    struct rusage ru;
    while (wait4(pid, &status, 0, &ru) < 0 && errno == EINTR) {
    }
    pthread_join(tr, NULL);
    double secs = now() - t0;
    close(b[0]);
    if (r.done != bytes) {
        fprintf(stderr, "sc_bench: %s delivered %llu of %llu bytes\n", name, (unsigned long long)r.done,
                (unsigned long long)bytes);
        exit(1);
    }
    report(name, bytes, secs, cpu_of(&ru));
}

int main(int argc, char **argv) {
    signal(SIGPIPE, SIG_IGN);
    uint64_t bytes = 4ull << 30;
    const char *env = getenv("SC_BENCH_BYTES");
    if (argc > 1) {
        env = argv[1];
    }
    if (env != NULL) {
        bytes = strtoull(env, NULL, 10);
        if (bytes == 0) {
            fprintf(stderr, "sc_bench: byte count must be a positive integer, got \"%s\"\n", env);
            return 2;
        }
    }
    printf("moving %.2f GiB per stage (writer -> socket pair -> stage -> socket pair -> reader), all stages in this run\n",
           (double)bytes / (1u << 30));
    fflush(stdout);
    static const char *const pumps[] = {
        "sc_pump raw (splice)",
        "sc_pump raw (buffered copies)",
        "sc_pump encode (xxh64, splice + tee)",
        "sc_pump encode (xxh64, buffered copies)",
        "sc_pump encode+decode (xxh64, 2 stages)",
    };
    static const char *const baselines[] = {
        "cat (socket pairs)",
        "socat -u -b 1MiB (socket pairs)",
        "read/write loop, 1 MiB (socket pairs)",
    };
    bench_thread(pumps[0], bytes, SC_PUMP_RAW, 0);
    bench_thread(pumps[1], bytes, SC_PUMP_RAW, SC_PUMP_FLAG_NO_SPLICE);
    bench_thread(pumps[2], bytes, SC_PUMP_ENCODE, 0);
    bench_thread(pumps[3], bytes, SC_PUMP_ENCODE, SC_PUMP_FLAG_NO_SPLICE);
    bench_framed_chain(pumps[4], bytes);
    char *cat[] = {"cat", NULL};
    bench_process(baselines[0], bytes, cat, true);
    char *socat[] = {"socat", "-u", "-b", "1048576", "STDIN", "STDOUT", NULL};
    bench_process(baselines[1], bytes, socat, true);
    bench_thread(baselines[2], bytes, -1, 0);
    print_table(pumps, (int)(sizeof pumps / sizeof pumps[0]), baselines, (int)(sizeof baselines / sizeof baselines[0]));
    return 0;
}
