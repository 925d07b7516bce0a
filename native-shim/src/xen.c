/*
 * Xen-Blanket support. Nothing here links against libxen*: the libraries are dlopen'ed on first use
 * (the only global of the library, set up under pthread_once), so libsupercloud_shim.so loads on any
 * Linux host and each entry point reports clearly when Xen is absent.
 */
#include "shim_internal.h"

#include <dlfcn.h>
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <unistd.h>

/*
 * The privcmd ioctl ABI (Linux include/uapi/xen/privcmd.h, stable since 2.6.38), declared here because
 * the distribution's <xen/privcmd.h> pulls in kernel-internal headers that userspace does not have.
 */
struct sc_privcmd_hypercall {
    uint64_t op;
    uint64_t arg[5];
};
#define SC_IOCTL_PRIVCMD_HYPERCALL _IOC(_IOC_NONE, 'P', 0, sizeof(struct sc_privcmd_hypercall))

#ifdef SC_HAVE_LIBXEN
#include <xenctrl.h>
#include <xenforeignmemory.h>
#endif

#define PRIVCMD_PATH "/dev/xen/privcmd"
#define XEN_MISSING "Xen not available: " PRIVCMD_PATH " missing"
#define XENVER_VERSION_CMD 0

extern char **environ;

static const uint64_t allowed_hypercalls[] = {
    SC_XEN_HYPERCALL_XEN_VERSION, SC_XEN_HYPERCALL_EVENT_CHANNEL_OP, SC_XEN_HYPERCALL_HVM_OP,
    SC_XEN_HYPERCALL_SYSCTL,      SC_XEN_HYPERCALL_DOMCTL,
};

int sc_xen_hypercall_allowed(uint64_t op) {
    for (size_t i = 0; i < sizeof allowed_hypercalls / sizeof allowed_hypercalls[0]; i++) {
        if (allowed_hypercalls[i] == op) {
            return 1;
        }
    }
    return 0;
}

/* Returns 0 when privcmd exists, else -ENOSYS with the message every Xen entry point shares. */
static int require_xen(const char *operation, sc_error *err) {
    if (access(PRIVCMD_PATH, F_OK) != 0) {
        return sc_fail(err, -ENOSYS, "%s: " XEN_MISSING, operation);
    }
    return 0;
}

int sc_xen_available(sc_error *err) {
    sc_clear(err);
    int rc = require_xen("sc_xen_available", err);
    if (rc < 0) {
        return 0;
    }
    int fd = open(PRIVCMD_PATH, O_RDWR | O_CLOEXEC);
    if (fd < 0) {
        sc_fail_errno(err, -errno, "sc_xen_available: open " PRIVCMD_PATH);
        return 0;
    }
    close(fd);
    return 1;
}

static int raw_hypercall(const char *operation, uint64_t op, const uint64_t args[5], int64_t *result,
                         sc_error *err) {
    int rc = require_xen(operation, err);
    if (rc < 0) {
        return rc;
    }
    int fd = open(PRIVCMD_PATH, O_RDWR | O_CLOEXEC);
    if (fd < 0) {
        return sc_fail_errno(err, -errno, "%s: open " PRIVCMD_PATH, operation);
    }
    struct sc_privcmd_hypercall call = {.op = op};
    for (int i = 0; i < 5; i++) {
        call.arg[i] = args[i];
    }
    long ret = ioctl(fd, SC_IOCTL_PRIVCMD_HYPERCALL, &call);
    int saved = errno;
    close(fd);
    if (ret < 0) {
        return sc_fail_errno(err, -saved, "%s: hypercall %llu", operation, (unsigned long long)op);
    }
    *result = ret;
    return 0;
}

int sc_xen_hypercall(uint64_t op, const uint64_t args[5], int64_t *result, sc_error *err) {
    sc_clear(err);
    if (!sc_xen_hypercall_allowed(op)) {
        return sc_fail(err, -EPERM, "sc_xen_hypercall: hypercall %llu is not on the allow-list",
                       (unsigned long long)op);
    }
    if (args == NULL || result == NULL) {
        return sc_fail(err, -EINVAL, "sc_xen_hypercall: args and result must not be NULL");
    }
    return raw_hypercall("sc_xen_hypercall", op, args, result, err);
}

int sc_xen_version(int32_t *major, int32_t *minor, sc_error *err) {
    sc_clear(err);
    if (major == NULL || minor == NULL) {
        return sc_fail(err, -EINVAL, "sc_xen_version: major and minor must not be NULL");
    }
    const uint64_t args[5] = {XENVER_VERSION_CMD, 0, 0, 0, 0};
    int64_t v = 0;
    int rc = raw_hypercall("sc_xen_version", SC_XEN_HYPERCALL_XEN_VERSION, args, &v, err);
    if (rc < 0) {
        return rc;
    }
    *major = (int32_t)((uint64_t)v >> 16);
    *minor = (int32_t)(v & 0xFFFF);
    return 0;
}

/* ---- dlopen'ed libraries -------------------------------------------------------------------- */

#ifdef SC_HAVE_LIBXEN
struct xen_table {
    void *ctrl_lib;
    void *fmem_lib;
    char error[160];
    __typeof__(&xc_interface_open) xc_interface_open;
    __typeof__(&xc_interface_close) xc_interface_close;
    __typeof__(&xc_physinfo) xc_physinfo;
    __typeof__(&xenforeignmemory_open) fmem_open;
    __typeof__(&xenforeignmemory_close) fmem_close;
    __typeof__(&xenforeignmemory_map) fmem_map;
    __typeof__(&xenforeignmemory_unmap) fmem_unmap;
};

static struct xen_table xen_table;
static pthread_once_t xen_table_once = PTHREAD_ONCE_INIT;

static void *open_first(const char *const *names) {
    for (; *names != NULL; names++) {
        void *h = dlopen(*names, RTLD_NOW | RTLD_LOCAL);
        if (h != NULL) {
            return h;
        }
    }
    return NULL;
}

static void *sym(void *lib, const char *name) {
    void *p = dlsym(lib, name);
    if (p == NULL && xen_table.error[0] == '\0') {
        snprintf(xen_table.error, sizeof xen_table.error, "symbol %s missing", name);
    }
    return p;
}

static void xen_table_load(void) {
    static const char *const ctrl[] = {"libxenctrl.so",      "libxenctrl.so.4.20", "libxenctrl.so.4.19",
                                       "libxenctrl.so.4.18", "libxenctrl.so.4.17", "libxenctrl.so.4.16",
                                       "libxenctrl.so.4.15", "libxenctrl.so.4.14", NULL};
    static const char *const fmem[] = {"libxenforeignmemory.so", "libxenforeignmemory.so.1", NULL};
    xen_table.ctrl_lib = open_first(ctrl);
    xen_table.fmem_lib = open_first(fmem);
    if (xen_table.ctrl_lib != NULL) {
        /* POSIX guarantees object/function pointer conversion through dlsym's result. */
        *(void **)&xen_table.xc_interface_open = sym(xen_table.ctrl_lib, "xc_interface_open");
        *(void **)&xen_table.xc_interface_close = sym(xen_table.ctrl_lib, "xc_interface_close");
        *(void **)&xen_table.xc_physinfo = sym(xen_table.ctrl_lib, "xc_physinfo");
    }
    if (xen_table.fmem_lib != NULL) {
        *(void **)&xen_table.fmem_open = sym(xen_table.fmem_lib, "xenforeignmemory_open");
        *(void **)&xen_table.fmem_close = sym(xen_table.fmem_lib, "xenforeignmemory_close");
        *(void **)&xen_table.fmem_map = sym(xen_table.fmem_lib, "xenforeignmemory_map");
        *(void **)&xen_table.fmem_unmap = sym(xen_table.fmem_lib, "xenforeignmemory_unmap");
    }
}

static const struct xen_table *xen_libs(void) {
    pthread_once(&xen_table_once, xen_table_load);
    return &xen_table;
}
#endif

int sc_xen_get_physinfo(sc_xen_physinfo *out, sc_error *err) {
    sc_clear(err);
    if (out == NULL) {
        return sc_fail(err, -EINVAL, "sc_xen_get_physinfo: out must not be NULL");
    }
    int rc = require_xen("sc_xen_get_physinfo", err);
    if (rc < 0) {
        return rc;
    }
#ifdef SC_HAVE_LIBXEN
    const struct xen_table *t = xen_libs();
    if (t->xc_interface_open == NULL || t->xc_physinfo == NULL || t->xc_interface_close == NULL) {
        return sc_fail(err, -ENOSYS, "sc_xen_get_physinfo: libxenctrl not loadable (%s)",
                       t->error[0] ? t->error : dlerror() ? "dlopen failed" : "not found");
    }
    xc_interface *xch = t->xc_interface_open(NULL, NULL, 0);
    if (xch == NULL) {
        return sc_fail_errno(err, -(errno ? errno : EIO), "sc_xen_get_physinfo: xc_interface_open");
    }
    xc_physinfo_t info;
    memset(&info, 0, sizeof info);
    int r = t->xc_physinfo(xch, &info);
    int saved = errno;
    t->xc_interface_close(xch);
    if (r != 0) {
        return sc_fail_errno(err, -(saved ? saved : EIO), "sc_xen_get_physinfo: xc_physinfo");
    }
    memset(out, 0, sizeof *out);
    out->nr_cpus = info.nr_cpus;
    out->nr_nodes = info.nr_nodes;
    out->threads_per_core = info.threads_per_core;
    out->cores_per_socket = info.cores_per_socket;
    out->cpu_khz = info.cpu_khz;
    out->total_pages = info.total_pages;
    out->free_pages = info.free_pages;
    out->page_size = (uint64_t)sysconf(_SC_PAGESIZE);
    return 0;
#else
    return sc_fail(err, -ENOSYS,
                   "sc_xen_get_physinfo: this build of libsupercloud_shim has no libxen-dev headers");
#endif
}

struct sc_xen_mapping {
    void *handle;
    void *address;
    size_t pages;
};

int sc_xen_map_foreign_ro(uint32_t domid, const uint64_t *gfns, size_t count, sc_xen_mapping **out,
                          sc_error *err) {
    sc_clear(err);
    if (out == NULL || gfns == NULL || count == 0) {
        return sc_fail(err, -EINVAL,
                       "sc_xen_map_foreign_ro: out and gfns must not be NULL and count must be > 0");
    }
    *out = NULL;
    int rc = require_xen("sc_xen_map_foreign_ro", err);
    if (rc < 0) {
        return rc;
    }
#ifdef SC_HAVE_LIBXEN
    const struct xen_table *t = xen_libs();
    if (t->fmem_open == NULL || t->fmem_map == NULL || t->fmem_unmap == NULL || t->fmem_close == NULL) {
        return sc_fail(err, -ENOSYS, "sc_xen_map_foreign_ro: libxenforeignmemory not loadable (%s)",
                       t->error[0] ? t->error : "not found");
    }
    xenforeignmemory_handle *h = t->fmem_open(NULL, 0);
    if (h == NULL) {
        return sc_fail_errno(err, -(errno ? errno : EIO), "sc_xen_map_foreign_ro: open");
    }
    xen_pfn_t *pfns = calloc(count, sizeof *pfns);
    int *errs = calloc(count, sizeof *errs);
    sc_xen_mapping *m = calloc(1, sizeof *m);
    if (pfns == NULL || errs == NULL || m == NULL) {
        free(pfns);
        free(errs);
        free(m);
        t->fmem_close(h);
        return sc_fail(err, -ENOMEM, "sc_xen_map_foreign_ro: out of memory for %zu frames", count);
    }
    for (size_t i = 0; i < count; i++) {
        pfns[i] = (xen_pfn_t)gfns[i];
    }
    void *addr = t->fmem_map(h, domid, PROT_READ, count, pfns, errs);
    rc = 0;
    if (addr == NULL) {
        rc = sc_fail_errno(err, -(errno ? errno : EIO), "sc_xen_map_foreign_ro: map %zu frames of domain %u",
                           count, domid);
    } else {
        for (size_t i = 0; i < count; i++) {
            if (errs[i] != 0) {
                rc = sc_fail_errno(err, errs[i] < 0 ? errs[i] : -errs[i],
                                   "sc_xen_map_foreign_ro: frame 0x%llx of domain %u",
                                   (unsigned long long)gfns[i], domid);
                t->fmem_unmap(h, addr, count);
                break;
            }
        }
    }
    free(pfns);
    free(errs);
    if (rc < 0) {
        free(m);
        t->fmem_close(h);
        return rc;
    }
    m->handle = h;
    m->address = addr;
    m->pages = count;
    *out = m;
    return 0;
#else
    (void)domid;
    return sc_fail(err, -ENOSYS,
                   "sc_xen_map_foreign_ro: this build of libsupercloud_shim has no libxen-dev headers");
#endif
}

const void *sc_xen_mapping_address(const sc_xen_mapping *m) {
    return m != NULL ? m->address : NULL;
}

size_t sc_xen_mapping_length(const sc_xen_mapping *m) {
    return m != NULL ? m->pages * (size_t)sysconf(_SC_PAGESIZE) : 0;
}

void sc_xen_unmap(sc_xen_mapping *m) {
    if (m == NULL) {
        return;
    }
#ifdef SC_HAVE_LIBXEN
    const struct xen_table *t = xen_libs();
    t->fmem_unmap(m->handle, m->address, m->pages);
    t->fmem_close(m->handle);
#endif
    free(m);
}

/* ---- save / restore through xl -------------------------------------------------------------- */

/*
 * Runs `xl <argv...>` with `fd` as the child's fd 3, so xl reads or writes the stream through
 * /dev/fd/3 (a pipe or socket the pump serves). libxl's save/restore needs the toolstack's domain
 * bookkeeping (suspend callbacks, the saved domain config), which xl provides and the bare
 * libxenguest calls do not; hence xl as the implementation.
 */
int sc_xen_run_xl(const char *operation, char *const argv[], int fd, sc_error *err) {
    int child_fd = fcntl(fd, F_DUPFD_CLOEXEC, 10); /* never 3, so dup2 below clears CLOEXEC */
    if (child_fd < 0) {
        return sc_fail_errno(err, -errno, "%s: duplicate fd %d", operation, fd);
    }
    posix_spawn_file_actions_t actions;
    posix_spawn_file_actions_init(&actions);
    posix_spawn_file_actions_adddup2(&actions, child_fd, 3);
    const char *xl = getenv("SUPERCLOUD_XL");
    pid_t pid;
    int rc = xl != NULL ? posix_spawn(&pid, xl, &actions, NULL, argv, environ)
                        : posix_spawnp(&pid, "xl", &actions, NULL, argv, environ);
    posix_spawn_file_actions_destroy(&actions);
    close(child_fd);
    if (rc != 0) {
        return sc_fail_errno(err, -rc, "%s: start %s", operation, xl != NULL ? xl : "xl");
    }
    int status;
    while (waitpid(pid, &status, 0) < 0) {
        if (errno != EINTR) {
            return sc_fail_errno(err, -errno, "%s: wait for xl", operation);
        }
    }
    if (WIFEXITED(status) && WEXITSTATUS(status) == 0) {
        return 0;
    }
    if (WIFEXITED(status)) {
        return sc_fail(err, -EIO, "%s: xl exited with status %d", operation, WEXITSTATUS(status));
    }
    return sc_fail(err, -EIO, "%s: xl killed by signal %d", operation, WTERMSIG(status));
}

int sc_xen_domain_save(uint32_t domid, int fd, int keep_running, sc_error *err) {
    sc_clear(err);
    if (fd < 0) {
        return sc_fail(err, -EBADF, "sc_xen_domain_save: fd %d is negative", fd);
    }
    int rc = require_xen("sc_xen_domain_save", err);
    if (rc < 0) {
        return rc;
    }
    char dom[16];
    snprintf(dom, sizeof dom, "%u", domid);
    char *argv[] = {"xl", "save", keep_running ? "-c" : dom, keep_running ? dom : "/dev/fd/3",
                    keep_running ? "/dev/fd/3" : NULL, NULL};
    return sc_xen_run_xl("sc_xen_domain_save", argv, fd, err);
}

int sc_xen_domain_restore(int fd, int paused, uint32_t *domid, sc_error *err) {
    sc_clear(err);
    if (fd < 0 || domid == NULL) {
        return sc_fail(err, -EINVAL, "sc_xen_domain_restore: fd must be >= 0 and domid not NULL");
    }
    *domid = UINT32_MAX;
    int rc = require_xen("sc_xen_domain_restore", err);
    if (rc < 0) {
        return rc;
    }
    char *argv[] = {"xl", "restore", paused ? "-p" : "/dev/fd/3", paused ? "/dev/fd/3" : NULL, NULL};
    return sc_xen_run_xl("sc_xen_domain_restore", argv, fd, err);
}
