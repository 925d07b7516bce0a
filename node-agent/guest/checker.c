/*
 * The SuperCloud guest checker: PID 1's only job inside the test guest.
 *
 * It proves two things an observer outside the VM cannot see directly:
 *   - the guest is running (a heartbeat line with a counter every heartbeat_ms), and
 *   - guest memory is intact (N MiB of pages, each carrying its own index, generation and checksum,
 *     dirtied at a configurable rate and verified continuously).
 *
 * A page that is stale after a live migration (a dirty page the hypervisor forgot to resend) still has a
 * valid checksum, so the expected generation of every page is also kept in a separate table: a page whose
 * generation differs from the table is reported as a failure too.
 *
 * Configuration comes from the kernel command line (sc.mem_mib=64 sc.dirty_pages_per_sec=2000
 * sc.heartbeat_ms=100) or, for tests on the build host, from the same keys without the "sc." prefix as
 * arguments. Host-only keys: run_seconds=S stops after S seconds, corrupt_page=P flips a bit of page P once after
 * the first full pass, stale_page=P rewrites page P with a valid checksum but an old generation (a lost dirty page),
 * both to prove the verifier notices. In the guest it also forks the network services (netserver.h) on TCP 8080 and
 * 7000, or sc.http_port / sc.stream_port; on the build host only when http_port and stream_port are given.
 *
 * Disk mode (sc.disk=SERIAL or a device path, sc.disk_mib=64, sc.disk_writes_per_sec=200) does the same for a disk: the
 * first disk_mib MiB are blocks of 4 KiB carrying their index, generation and checksum, rewritten at the given rate and
 * read back continuously with O_DIRECT (so every read reaches the virtual disk, not the guest's page cache), checked
 * against a generation table kept in memory. A write lost by a migration (a block the disk mirror did not copy) is a
 * block whose generation is older than the table's. A SERIAL names the virtio disk by its serial (/sys/block/vdX/serial).
 *
 * Output lines (one write each, so lines never interleave):
 *   CHECKER START mem_mib=.. dirty_pages_per_sec=.. heartbeat_ms=..
 *   HEARTBEAT <n>
 *   MEMCHECK READY pages=<n>
 *   MEMCHECK OK gen=<generation> passes=<passes>
 *   MEMCHECK CORRUPT page=<index> reason=index|checksum|generation
 *   DISKCHECK START device=<path> blocks=<n>
 *   DISKCHECK READY blocks=<n>
 *   DISKCHECK OK gen=<generation> passes=<passes>
 *   DISKCHECK CORRUPT block=<index> reason=index|checksum|generation
 *   DISKCHECK IOERROR op=read|write block=<index> errno=<errno>
 * gen is the memory generation: the number of page rewrites so far. It grows while dirtying runs, so an OK line
 * with a higher gen proves the pages were verified after being rewritten, not only once after the fill.
 */
#define _DEFAULT_SOURCE /* MAP_ANONYMOUS is not POSIX */
#define _GNU_SOURCE     /* O_DIRECT */

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <time.h>
#include <unistd.h>

#include "netserver.h"

#define PAGE_BYTES 4096u
#define PAGE_WORDS (PAGE_BYTES / sizeof(uint64_t))
#define PAGE_MAGIC UINT64_C(0x5375706572436c64) /* "SuperCld" */
#define VERIFY_BATCH 32u

struct config {
    uint64_t mem_mib;
    uint64_t dirty_pages_per_sec;
    uint64_t heartbeat_ms;
    uint64_t run_seconds;  /* 0: forever */
    int64_t corrupt_page;  /* -1: never */
    int64_t stale_page;    /* -1: never */
    uint64_t http_port;    /* the network server's ports; 0 on the build host: no server */
    uint64_t stream_port;
    char disk[128];        /* "": no disk check */
    uint64_t disk_mib;
    uint64_t disk_writes_per_sec;
};

static void emit(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

static void emit(const char *fmt, ...)
{
    char line[256];
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(line, sizeof line - 1, fmt, ap);
    va_end(ap);
    if (n < 0) {
        return;
    }
    if ((size_t)n > sizeof line - 2) {
        n = (int)(sizeof line - 2);
    }
    line[n++] = '\n';
    size_t off = 0;
    while (off < (size_t)n) {
        ssize_t w = write(STDOUT_FILENO, line + off, (size_t)n - off);
        if (w < 0) {
            if (errno == EINTR) {
                continue;
            }
            return;
        }
        off += (size_t)w;
    }
}

static uint64_t now_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * UINT64_C(1000000000) + (uint64_t)ts.tv_nsec;
}

/* splitmix64: a cheap, well-mixed generator for page contents and the dirtying order. */
static uint64_t mix(uint64_t x)
{
    x += UINT64_C(0x9e3779b97f4a7c15);
    x = (x ^ (x >> 30)) * UINT64_C(0xbf58476d1ce4e5b9);
    x = (x ^ (x >> 27)) * UINT64_C(0x94d049bb133111eb);
    return x ^ (x >> 31);
}

/* Word 2 holds the checksum, so it is skipped; every other word counts, position included. */
static uint64_t page_checksum(const uint64_t *page)
{
    uint64_t h = UINT64_C(0xcbf29ce484222325);
    for (size_t i = 0; i < PAGE_WORDS; i++) {
        if (i == 2) {
            continue;
        }
        h = (h ^ page[i]) * UINT64_C(0x100000001b3);
        h ^= h >> 29;
    }
    return h;
}

static void page_write(uint64_t *page, uint64_t index, uint64_t generation)
{
    page[0] = PAGE_MAGIC ^ index;
    page[1] = generation;
    uint64_t seed = mix(index * UINT64_C(0x100000001) + generation);
    for (size_t i = 3; i < PAGE_WORDS; i++) {
        seed = mix(seed);
        page[i] = seed;
    }
    page[2] = page_checksum(page);
}

/* Returns NULL when the page is intact, otherwise a short reason. */
static const char *page_verify(const uint64_t *page, uint64_t index, uint64_t expected_generation)
{
    if (page[0] != (PAGE_MAGIC ^ index)) {
        return "index";
    }
    if (page_checksum(page) != page[2]) {
        return "checksum";
    }
    if (page[1] != expected_generation) {
        return "generation";
    }
    return NULL;
}

static int parse_u64(const char *value, uint64_t *out)
{
    char *end = NULL;
    errno = 0;
    unsigned long long v = strtoull(value, &end, 10);
    if (errno != 0 || end == value || *end != '\0') {
        return -1;
    }
    *out = (uint64_t)v;
    return 0;
}

/* Applies one key=value setting; unknown keys are ignored (the kernel command line has many). */
static int apply_setting(struct config *cfg, const char *token)
{
    const char *eq = strchr(token, '=');
    if (eq == NULL) {
        return 0;
    }
    size_t key_len = (size_t)(eq - token);
    const char *value = eq + 1;
    uint64_t v = 0;
    struct {
        const char *key;
        uint64_t *target;
    } keys[] = {
        {"mem_mib", &cfg->mem_mib},
        {"dirty_pages_per_sec", &cfg->dirty_pages_per_sec},
        {"heartbeat_ms", &cfg->heartbeat_ms},
        {"run_seconds", &cfg->run_seconds},
        {"http_port", &cfg->http_port},
        {"stream_port", &cfg->stream_port},
        {"disk_mib", &cfg->disk_mib},
        {"disk_writes_per_sec", &cfg->disk_writes_per_sec},
    };
    if (key_len == 4 && strncmp(token, "disk", 4) == 0) {
        if (strlen(value) >= sizeof cfg->disk) {
            emit("CHECKER BADARG %s", token);
            return -1;
        }
        strcpy(cfg->disk, value);
        return 0;
    }
    for (size_t i = 0; i < sizeof keys / sizeof keys[0]; i++) {
        if (strlen(keys[i].key) == key_len && strncmp(token, keys[i].key, key_len) == 0) {
            if (parse_u64(value, &v) != 0) {
                emit("CHECKER BADARG %s", token);
                return -1;
            }
            *keys[i].target = v;
            return 0;
        }
    }
    int64_t *page_keys[] = {&cfg->corrupt_page, &cfg->stale_page};
    const char *page_names[] = {"corrupt_page", "stale_page"};
    for (size_t i = 0; i < 2; i++) {
        if (strlen(page_names[i]) == key_len && strncmp(token, page_names[i], key_len) == 0) {
            if (parse_u64(value, &v) != 0) {
                emit("CHECKER BADARG %s", token);
                return -1;
            }
            *page_keys[i] = (int64_t)v;
        }
    }
    return 0;
}

static int read_kernel_cmdline(struct config *cfg)
{
    FILE *f = fopen("/proc/cmdline", "r");
    if (f == NULL) {
        return 0;
    }
    char buf[4096];
    size_t n = fread(buf, 1, sizeof buf - 1, f);
    fclose(f);
    buf[n] = '\0';
    char *save = NULL;
    for (char *tok = strtok_r(buf, " \t\n", &save); tok != NULL; tok = strtok_r(NULL, " \t\n", &save)) {
        if (strncmp(tok, "sc.", 3) == 0 && apply_setting(cfg, tok + 3) != 0) {
            return -1;
        }
    }
    return 0;
}

/* The disk check's state: a region of the disk in 4 KiB blocks and the generation each block must carry. */
struct disk_check {
    int fd;
    uint64_t blocks;
    uint64_t *generations;
    uint64_t *buffer; /* VERIFY_BATCH blocks, 4 KiB aligned for O_DIRECT */
    uint64_t filled;
    uint64_t dirtied;
    uint64_t generation;
    uint64_t cursor;
    uint64_t verify_cursor;
    uint64_t passes;
    uint64_t failures_this_pass;
    uint64_t start_ns;
    uint64_t last_ok_report;
};

/* A device path as given, or the /dev node of the virtio disk whose serial is the given name. */
static int resolve_disk(const char *name, char *path, size_t size)
{
    if (name[0] == '/') {
        snprintf(path, size, "%s", name);
        return 0;
    }
    DIR *dir = opendir("/sys/block");
    if (dir == NULL) {
        return -1;
    }
    struct dirent *entry;
    int found = -1;
    while ((entry = readdir(dir)) != NULL) {
        char serial_path[300];
        char serial[128] = {0};
        snprintf(serial_path, sizeof serial_path, "/sys/block/%s/serial", entry->d_name);
        FILE *f = fopen(serial_path, "r");
        if (f == NULL) {
            continue;
        }
        size_t n = fread(serial, 1, sizeof serial - 1, f);
        fclose(f);
        while (n > 0 && (serial[n - 1] == '\n' || serial[n - 1] == ' ')) {
            serial[--n] = '\0';
        }
        if (strcmp(serial, name) == 0) {
            snprintf(path, size, "/dev/%s", entry->d_name);
            found = 0;
            break;
        }
    }
    closedir(dir);
    return found;
}

static int disk_open(struct disk_check *d, const struct config *cfg)
{
    char path[300];
    /* The disk may appear a moment after the checker starts (module loading): look for a few seconds. */
    for (int attempt = 0; resolve_disk(cfg->disk, path, sizeof path) != 0; attempt++) {
        if (attempt == 50) {
            emit("DISKCHECK NODISK name=%s", cfg->disk);
            return -1;
        }
        usleep(100000);
    }
    d->fd = open(path, O_RDWR | O_DIRECT);
    if (d->fd < 0) {
        emit("DISKCHECK IOERROR op=open device=%s errno=%d", path, errno);
        return -1;
    }
    d->blocks = cfg->disk_mib * (1024u * 1024u / PAGE_BYTES);
    d->generations = calloc(d->blocks, sizeof *d->generations);
    if (d->generations == NULL || posix_memalign((void **)&d->buffer, PAGE_BYTES, VERIFY_BATCH * PAGE_BYTES) != 0) {
        emit("CHECKER NOMEM disk_mib=%" PRIu64, cfg->disk_mib);
        return -1;
    }
    emit("DISKCHECK START device=%s blocks=%" PRIu64, path, d->blocks);
    return 0;
}

static int disk_io(struct disk_check *d, int write_op, uint64_t first, uint64_t count)
{
    size_t bytes = (size_t)count * PAGE_BYTES;
    off_t offset = (off_t)(first * PAGE_BYTES);
    ssize_t done = write_op ? pwrite(d->fd, d->buffer, bytes, offset) : pread(d->fd, d->buffer, bytes, offset);
    if (done != (ssize_t)bytes) {
        emit("DISKCHECK IOERROR op=%s block=%" PRIu64 " errno=%d", write_op ? "write" : "read", first, done < 0 ? errno : 0);
        return -1;
    }
    return 0;
}

/* One step of the disk check: fill, then dirty at the configured rate and verify a batch. */
static void disk_step(struct disk_check *d, const struct config *cfg, uint64_t heartbeat_ns)
{
    if (d->filled < d->blocks) {
        uint64_t count = d->blocks - d->filled < VERIFY_BATCH ? d->blocks - d->filled : VERIFY_BATCH;
        for (uint64_t i = 0; i < count; i++) {
            page_write(d->buffer + i * PAGE_WORDS, d->filled + i, 0);
        }
        if (disk_io(d, 1, d->filled, count) == 0) {
            d->filled += count;
        }
        if (d->filled == d->blocks) {
            emit("DISKCHECK READY blocks=%" PRIu64, d->blocks);
            d->start_ns = now_ns();
        }
        return;
    }

    uint64_t due = (now_ns() - d->start_ns) / UINT64_C(1000) * cfg->disk_writes_per_sec / UINT64_C(1000000);
    for (uint64_t budget = 4; d->dirtied < due && budget > 0; budget--) {
        uint64_t index = mix(d->cursor++ ^ UINT64_C(0x6469736b)) % d->blocks;
        page_write(d->buffer, index, d->generations[index] + 1);
        if (disk_io(d, 1, index, 1) != 0) {
            /* A failed write may or may not have reached the disk: accept either generation from now on is not
             * possible with one table, so stop dirtying and keep verifying what is known. */
            d->dirtied = UINT64_MAX;
            break;
        }
        d->generations[index]++;
        d->dirtied++;
        d->generation++;
    }
    if (d->dirtied != UINT64_MAX && d->dirtied + 10 * cfg->disk_writes_per_sec < due) {
        d->dirtied = due;
    }

    uint64_t first = d->verify_cursor;
    uint64_t count = d->blocks - first < VERIFY_BATCH ? d->blocks - first : VERIFY_BATCH;
    if (disk_io(d, 0, first, count) != 0) {
        d->failures_this_pass++;
    } else {
        for (uint64_t i = 0; i < count; i++) {
            const char *reason = page_verify(d->buffer + i * PAGE_WORDS, first + i, d->generations[first + i]);
            if (reason != NULL) {
                emit("DISKCHECK CORRUPT block=%" PRIu64 " reason=%s", first + i, reason);
                d->failures_this_pass++;
            }
        }
    }
    d->verify_cursor += count;
    if (d->verify_cursor == d->blocks) {
        d->verify_cursor = 0;
        d->passes++;
        uint64_t pass_end = now_ns();
        if (d->failures_this_pass == 0 && pass_end - d->last_ok_report >= heartbeat_ns) {
            emit("DISKCHECK OK gen=%" PRIu64 " passes=%" PRIu64, d->generation, d->passes);
            d->last_ok_report = pass_end;
        }
        d->failures_this_pass = 0;
    }
}

int main(int argc, char **argv)
{
    struct config cfg = {
        .mem_mib = 64, .dirty_pages_per_sec = 2000, .heartbeat_ms = 100, .run_seconds = 0, .corrupt_page = -1, .stale_page = -1,
        .disk = "", .disk_mib = 64, .disk_writes_per_sec = 200};

    /* Arguments win over the kernel command line, so a host test is never influenced by the host's cmdline. */
    if (argc > 1) {
        for (int i = 1; i < argc; i++) {
            if (apply_setting(&cfg, argv[i]) != 0) {
                return 2;
            }
        }
    } else {
        /* In the guest: the network services on their usual ports unless the command line moves them. */
        cfg.http_port = 8080;
        cfg.stream_port = 7000;
        if (read_kernel_cmdline(&cfg) != 0) {
            return 2;
        }
    }
    if (cfg.mem_mib == 0 || cfg.heartbeat_ms == 0) {
        emit("CHECKER BADARG mem_mib and heartbeat_ms must be positive");
        return 2;
    }

    emit("CHECKER START mem_mib=%" PRIu64 " dirty_pages_per_sec=%" PRIu64 " heartbeat_ms=%" PRIu64, cfg.mem_mib,
         cfg.dirty_pages_per_sec, cfg.heartbeat_ms);

    /* Forked before the test memory exists, so the server process stays small. */
    volatile uint64_t *shared_beat = NULL;
    if (cfg.http_port != 0 && cfg.stream_port != 0 && cfg.http_port <= 65535 && cfg.stream_port <= 65535) {
        shared_beat = netserver_start((uint16_t)cfg.http_port, (uint16_t)cfg.stream_port, cfg.heartbeat_ms);
    }

    const uint64_t pages = cfg.mem_mib * (1024u * 1024u / PAGE_BYTES);
    uint64_t *mem = mmap(NULL, pages * PAGE_BYTES, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    uint64_t *generations = calloc(pages, sizeof *generations);
    if (mem == MAP_FAILED || generations == NULL) {
        emit("CHECKER NOMEM mem_mib=%" PRIu64, cfg.mem_mib);
        return 1;
    }

    struct disk_check disk = {.fd = -1};
    if (cfg.disk[0] != '\0' && (cfg.disk_mib == 0 || disk_open(&disk, &cfg) != 0)) {
        disk.fd = -1;
    }

    const uint64_t start = now_ns();
    const uint64_t heartbeat_ns = cfg.heartbeat_ms * UINT64_C(1000000);
    uint64_t next_heartbeat = start;
    uint64_t heartbeat = 0;

    /* Filling is interleaved with heartbeats: under TCG it can take longer than one heartbeat period. */
    uint64_t filled = 0;
    uint64_t dirtied = 0;     /* dirtying schedule position (may skip a backlog) */
    uint64_t mem_generation = 0; /* page rewrites actually done: the gen of MEMCHECK OK */
    uint64_t dirty_cursor = 0;
    uint64_t verify_cursor = 0;
    uint64_t passes = 0;
    uint64_t failures_this_pass = 0;
    uint64_t dirty_start = 0;
    uint64_t last_ok_report = 0;
    int corrupted = 0;
    int staled = 0;

    for (;;) {
        uint64_t now = now_ns();
        if (now >= next_heartbeat) {
            if (shared_beat != NULL) {
                *shared_beat = heartbeat;
            }
            emit("HEARTBEAT %" PRIu64, heartbeat++);
            next_heartbeat += heartbeat_ns;
            /* After a pause (or a migration) do not replay the missed beats in a burst. */
            if (now > next_heartbeat + 10 * heartbeat_ns) {
                next_heartbeat = now + heartbeat_ns;
            }
        }
        if (cfg.run_seconds != 0 && now - start >= cfg.run_seconds * UINT64_C(1000000000)) {
            emit("CHECKER STOP passes=%" PRIu64, passes);
            return 0;
        }

        if (disk.fd >= 0) {
            disk_step(&disk, &cfg, heartbeat_ns);
        }

        if (filled < pages) {
            uint64_t end = filled + VERIFY_BATCH < pages ? filled + VERIFY_BATCH : pages;
            for (; filled < end; filled++) {
                page_write(mem + filled * PAGE_WORDS, filled, 0);
            }
            if (filled == pages) {
                emit("MEMCHECK READY pages=%" PRIu64, pages);
                dirty_start = now_ns();
            }
            continue;
        }

        /* Dirty pages to keep up with the configured rate since dirtying began, in a scattered order. */
        uint64_t due = (now - dirty_start) / UINT64_C(1000) * cfg.dirty_pages_per_sec / UINT64_C(1000000);
        uint64_t budget = VERIFY_BATCH;
        while (dirtied < due && budget-- > 0) {
            uint64_t index = mix(dirty_cursor++) % pages;
            uint64_t generation = generations[index] + 1;
            page_write(mem + index * PAGE_WORDS, index, generation);
            generations[index] = generation;
            dirtied++;
            mem_generation++;
        }
        if (dirtied + 10 * cfg.dirty_pages_per_sec < due) {
            /* The guest was paused or is too slow to keep up: forget the backlog instead of bursting. */
            dirtied = due;
        }

        for (uint64_t i = 0; i < VERIFY_BATCH; i++) {
            uint64_t index = verify_cursor;
            uint64_t *page = mem + index * PAGE_WORDS;
            const char *reason = page_verify(page, index, generations[index]);
            if (reason != NULL) {
                emit("MEMCHECK CORRUPT page=%" PRIu64 " reason=%s", index, reason);
                failures_this_pass++;
                /* Repair so later passes report new damage rather than the same page forever. */
                page_write(page, index, generations[index]);
            }
            if (++verify_cursor == pages) {
                verify_cursor = 0;
                passes++;
                /* At most one OK line per heartbeat period keeps the console log small on fast hosts. */
                uint64_t pass_end = now_ns();
                if (failures_this_pass == 0 && pass_end - last_ok_report >= heartbeat_ns) {
                    emit("MEMCHECK OK gen=%" PRIu64 " passes=%" PRIu64, mem_generation, passes);
                    last_ok_report = pass_end;
                }
                failures_this_pass = 0;
                if (!corrupted && cfg.corrupt_page >= 0 && (uint64_t)cfg.corrupt_page < pages) {
                    mem[(uint64_t)cfg.corrupt_page * PAGE_WORDS + 100] ^= 1;
                    corrupted = 1;
                }
                if (!staled && cfg.stale_page >= 0 && (uint64_t)cfg.stale_page < pages) {
                    uint64_t index = (uint64_t)cfg.stale_page;
                    page_write(mem + index * PAGE_WORDS, index, generations[index] + 1);
                    staled = 1;
                }
                break;
            }
        }
    }
}
