/*
 * supercloud_shim.h - public C API of libsupercloud_shim.so.
 *
 * Two jobs:
 *   1. The memory-transfer fast path: a stream pump that moves a hypervisor's migration stream
 *      between two file descriptors (splice where the kernel allows it, buffered copies otherwise),
 *      with optional pacing, optional framing with per-chunk digests, live counters and cancellation.
 *   2. Xen-Blanket support: hypercall passthrough for a nested Dom0, Xen version / physinfo,
 *      read-only foreign page mapping and domain save/restore streams. libxen* are dlopen'ed at run
 *      time, so this library loads on any Linux host; without Xen every Xen entry point returns
 *      -ENOSYS with the message "Xen not available: /dev/xen/privcmd missing".
 *
 * Data path
 *   RAW: input -> pipe -> output with splice (page references move, no copy through user space).
 *   ENCODE/DECODE: the payload also travels by splice; tee() duplicates the pipe's pages into a second
 *   pipe whose copy is read for the digest, so the payload is copied once (for hashing) instead of
 *   twice. The decoder forwards a frame only after its digest matched. Where an fd refuses splice
 *   (EINVAL) or a frame does not fit the pipe, the pump switches to buffered read/write copies.
 *   vmsplice is not used: a vmspliced user buffer stays referenced by the pipe or socket after the call
 *   returns, so reusing it for the next chunk could alter bytes already "sent".
 *
 * Conventions
 *   - Every function that can fail returns 0 (or a non-negative value) on success and a negative errno
 *     value on failure. When `err` is not NULL it receives a NUL-terminated message naming what failed.
 *   - The library keeps no global state except the lazily dlopen'ed Xen function table (initialised
 *     once under pthread_once). All functions are thread-safe unless stated otherwise.
 *   - The library does not change signal dispositions: writing to a closed pipe raises SIGPIPE, so the
 *     host process should ignore SIGPIPE (the .NET runtime does).
 *
 * Frame format (SC_PUMP_ENCODE writes it, SC_PUMP_DECODE verifies it)
 *   The stream is a sequence of frames, each a 32-byte header followed by `length` payload bytes.
 *   All integers are little-endian.
 *
 *     offset size field
 *        0    4  magic        "SCPF" (0x53 0x43 0x50 0x46)
 *        4    1  version      1
 *        5    1  type         1 = DATA, 2 = END (end of stream)
 *        6    1  digest       1 = XXH64, 2 = CRC32C (zero-extended to 64 bits)
 *        7    1  reserved     0
 *        8    8  sequence     0 for the first frame, +1 for every frame (the END frame included)
 *       16    4  length       DATA: payload bytes, 1..SC_FRAME_MAX_PAYLOAD; END: 0
 *       20    4  header_crc   CRC32C of header bytes 0..19 followed by bytes 24..31
 *       24    8  value        DATA: digest of the payload seeded with the sequence number
 *                             (XXH64 seed = sequence; CRC32C over the 8 little-endian sequence
 *                             bytes followed by the payload); END: total payload bytes of the stream
 *
 *   The decoder checks every field, verifies a DATA frame completely before it forwards a single byte
 *   of it, and requires the END frame's total to match what it forwarded. A flipped bit anywhere
 *   fails with -EBADMSG (digest or header check) or -EPROTO (sequence, length, version); end of file
 *   before the END frame fails with -EPROTO ("stream truncated"). So a receiver never reports
 *   success for a corrupted or truncated migration stream. The decoder stops reading right after the
 *   END frame; bytes after it are left in the input for the caller.
 */
#ifndef SUPERCLOUD_SHIM_H
#define SUPERCLOUD_SHIM_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

#if defined(__GNUC__)
#define SC_API __attribute__((visibility("default")))
#else
#define SC_API
#endif

/** Size of the message buffers the API fills; callers pass buffers of at least this size. */
#define SC_ERROR_MESSAGE_MAX 256

/** Error report: the negative errno value and a message naming the operation that failed. */
typedef struct sc_error {
    int32_t code;
    char message[SC_ERROR_MESSAGE_MAX];
} sc_error;

/** ABI version of this header; bumped on any incompatible change. */
#define SC_SHIM_ABI_VERSION 1

/** Returns SC_SHIM_ABI_VERSION of the loaded library, so bindings can refuse a mismatched .so. */
SC_API int32_t sc_shim_abi_version(void);

/* ------------------------------------------------------------------------------------------------
 * Digests (exported so the bindings and tools can verify the frame format independently)
 * ---------------------------------------------------------------------------------------------- */

/** XXH64 of `len` bytes with `seed`. */
SC_API uint64_t sc_xxh64(const void *data, size_t len, uint64_t seed);

/** CRC32C (Castagnoli) of `len` bytes, continuing from `crc` (pass 0 to start). */
SC_API uint32_t sc_crc32c(uint32_t crc, const void *data, size_t len);

/* ------------------------------------------------------------------------------------------------
 * Stream pump
 * ---------------------------------------------------------------------------------------------- */

#define SC_FRAME_HEADER_SIZE 32
#define SC_FRAME_MAGIC 0x46504353u /* "SCPF" read as little-endian uint32 */
#define SC_FRAME_VERSION 1
#define SC_FRAME_TYPE_DATA 1
#define SC_FRAME_TYPE_END 2
/** Largest DATA payload a decoder accepts. */
#define SC_FRAME_MAX_PAYLOAD (16u * 1024u * 1024u)

/** What the pump does with the bytes it moves. */
typedef enum sc_pump_mode {
    SC_PUMP_RAW = 0,    /**< copy bytes unchanged (splice when possible) until EOF on the input */
    SC_PUMP_ENCODE = 1, /**< wrap the input into frames; write an END frame at EOF */
    SC_PUMP_DECODE = 2, /**< verify frames, write their payloads; stop after the END frame */
} sc_pump_mode;

/** Per-chunk digest used by the frame format. */
typedef enum sc_digest {
    SC_DIGEST_ANY = 0,    /**< DECODE only: accept either algorithm; ENCODE defaults to XXH64 */
    SC_DIGEST_XXH64 = 1,
    SC_DIGEST_CRC32C = 2,
} sc_digest;

/** Forces buffered copies even where splice would work (benchmarks, diagnostics). */
#define SC_PUMP_FLAG_NO_SPLICE 1u

/** Pump options; zero-initialise and set what you need. */
typedef struct sc_pump_options {
    int32_t mode;                /**< sc_pump_mode */
    int32_t digest;              /**< sc_digest */
    uint32_t chunk_size;         /**< bytes per copy step / frame; 0 = 1 MiB; at most SC_FRAME_MAX_PAYLOAD */
    uint32_t flags;              /**< SC_PUMP_FLAG_* bits */
    uint64_t rate_bytes_per_sec; /**< payload byte rate limit (token bucket); 0 = unlimited */
    uint64_t burst_bytes;        /**< token bucket depth; 0 = 250 ms of rate (paced steps are 20 ms) */
} sc_pump_options;

/** Life-cycle state of a pump, readable while it runs. */
typedef enum sc_pump_state {
    SC_PUMP_STATE_CREATED = 0,
    SC_PUMP_STATE_RUNNING = 1,
    SC_PUMP_STATE_SUCCEEDED = 2,
    SC_PUMP_STATE_FAILED = 3,
    SC_PUMP_STATE_CANCELLED = 4,
} sc_pump_state;

/** Counters of a pump; each field is read atomically (the set is not a snapshot across fields). */
typedef struct sc_pump_stats {
    uint64_t bytes_in;      /**< bytes read from the input fd (frame headers included when decoding) */
    uint64_t bytes_out;     /**< bytes written to the output fd (frame headers included when encoding) */
    uint64_t payload_bytes; /**< payload bytes moved (what progress reports) */
    uint64_t chunks;        /**< copy steps (RAW) or DATA frames (ENCODE/DECODE) completed */
    uint64_t throttled_ns;  /**< time spent waiting for pacing tokens */
    int32_t state;          /**< sc_pump_state */
    int32_t uses_splice;    /**< 1 when the data path is splice, 0 when it is buffered copies */
} sc_pump_stats;

typedef struct sc_pump sc_pump;

/**
 * Creates a pump from `in_fd` to `out_fd`. The fds stay owned by the caller and must stay open until
 * sc_pump_destroy. Fails with -EINVAL (message names the option) on bad options or fds.
 */
SC_API int sc_pump_create(int in_fd, int out_fd, const sc_pump_options *options, sc_pump **out,
                          sc_error *err);

/**
 * Runs the pump to completion on the calling thread: EOF on the input (RAW/ENCODE), the END frame
 * (DECODE), an error, or cancellation (-ECANCELED). While it runs, both fds are switched to
 * O_NONBLOCK (so cancellation is never stuck in a blocking call); their flags are restored on return.
 * A pump runs once; a second call fails with -EALREADY.
 */
SC_API int sc_pump_run(sc_pump *pump, sc_error *err);

/** Requests cancellation; safe from any thread, before or during sc_pump_run. Returns 0 or -errno. */
SC_API int sc_pump_cancel(sc_pump *pump);

/** Reads the counters; safe from any thread while the pump runs. */
SC_API void sc_pump_get_stats(const sc_pump *pump, sc_pump_stats *out);

/** Frees the pump. Must not race with sc_pump_run on the same pump (cancel and wait first). */
SC_API void sc_pump_destroy(sc_pump *pump);

/**
 * Opens a pipe (close-on-exec, blocking) whose capacity is `size` bytes, or the largest power-of-two
 * fraction of it the system allows (at least the default 64 KiB), and stores the capacity in
 * `*actual_size` when not NULL. A pump moving data to or from a program's thread through a pipe
 * needs this: with the default 64 KiB each megabyte costs sixteen wake-ups of both sides.
 * fds[0] is the read end, fds[1] the write end.
 */
SC_API int sc_pipe_open(int fds[2], uint32_t size, uint32_t *actual_size, sc_error *err);

/* ------------------------------------------------------------------------------------------------
 * Xen-Blanket support
 * ---------------------------------------------------------------------------------------------- */

/** Hypercall numbers (xen/include/public/xen.h) that sc_xen_hypercall passes through. */
#define SC_XEN_HYPERCALL_XEN_VERSION 17
#define SC_XEN_HYPERCALL_EVENT_CHANNEL_OP 32
#define SC_XEN_HYPERCALL_HVM_OP 34
#define SC_XEN_HYPERCALL_SYSCTL 35
#define SC_XEN_HYPERCALL_DOMCTL 36

/** Returns 1 when /dev/xen/privcmd exists and can be opened, else 0 (and fills `err` if given). */
SC_API int sc_xen_available(sc_error *err);

/** Returns 1 when hypercall `op` is on the passthrough allow-list, else 0. */
SC_API int sc_xen_hypercall_allowed(uint64_t op);

/**
 * Issues hypercall `op` with five arguments through IOCTL_PRIVCMD_HYPERCALL. Fails with -EPERM for a
 * hypercall that is not on the allow-list (checked first, on any host), -ENOSYS without Xen, or the
 * hypercall's negative error. On success `*result` receives the hypercall's return value.
 */
SC_API int sc_xen_hypercall(uint64_t op, const uint64_t args[5], int64_t *result, sc_error *err);

/** Reads the hypervisor version (XENVER_version). */
SC_API int sc_xen_version(int32_t *major, int32_t *minor, sc_error *err);

/** Host physical information, a stable subset of xen_sysctl_physinfo. */
typedef struct sc_xen_physinfo {
    uint32_t nr_cpus;
    uint32_t nr_nodes;
    uint32_t threads_per_core;
    uint32_t cores_per_socket;
    uint32_t cpu_khz;
    uint32_t reserved;
    uint64_t total_pages;
    uint64_t free_pages;
    uint64_t page_size;
} sc_xen_physinfo;

/** Queries physinfo through libxenctrl (requires a build against libxen-dev headers). */
SC_API int sc_xen_get_physinfo(sc_xen_physinfo *out, sc_error *err);

typedef struct sc_xen_mapping sc_xen_mapping;

/**
 * Maps `count` guest frames of domain `domid` read-only (libxenforeignmemory), for verification of a
 * migrated guest's memory. Fails with -EINVAL for count 0 or NULL frames.
 */
SC_API int sc_xen_map_foreign_ro(uint32_t domid, const uint64_t *gfns, size_t count,
                                 sc_xen_mapping **out, sc_error *err);

/** Address of the first mapped byte. */
SC_API const void *sc_xen_mapping_address(const sc_xen_mapping *mapping);

/** Length of the mapping in bytes. */
SC_API size_t sc_xen_mapping_length(const sc_xen_mapping *mapping);

/** Unmaps and frees a mapping. */
SC_API void sc_xen_unmap(sc_xen_mapping *mapping);

/**
 * Writes domain `domid`'s save stream to `fd` (the domain is destroyed afterwards unless
 * `keep_running`), so it can travel through a pump. Uses `xl save` with the fd passed as
 * /dev/fd/N; the xl binary is taken from $SUPERCLOUD_XL or PATH.
 */
SC_API int sc_xen_domain_save(uint32_t domid, int fd, int keep_running, sc_error *err);

/**
 * Restores a domain from a save stream read from `fd` (`xl restore`, paused when `paused`).
 * On success `*domid` receives the new domain id when xl reports it, else UINT32_MAX.
 */
SC_API int sc_xen_domain_restore(int fd, int paused, uint32_t *domid, sc_error *err);

#ifdef __cplusplus
}
#endif

#endif /* SUPERCLOUD_SHIM_H */
