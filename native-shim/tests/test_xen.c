/* Without Xen every Xen entry point fails cleanly with -ENOSYS and the same clear message. */
#include "shim_internal.h"
#include "test_util.h"

#include <sys/stat.h>

#include <errno.h>
#include <unistd.h>

#define MISSING "Xen not available: /dev/xen/privcmd missing"

/* The save/restore plumbing: xl gets the stream fd as /dev/fd/3 and its exit status is reported. */
static void xl_plumbing(void) {
    char script[] = "/tmp/sc-fake-xl-XXXXXX";
    int sfd = mkstemp(script);
    CHECK(sfd >= 0);
    static const char body[] = "#!/bin/sh\n"
                               "[ \"$2\" = fail ] && exit 3\n"
                               "printf '%s %s -> ' \"$1\" \"$2\" > \"$3\"\n"
                               "readlink /proc/self/fd/3 > /dev/null && printf 'fd3 ok' > \"$3\"\n";
    CHECK(write(sfd, body, sizeof body - 1) == (ssize_t)(sizeof body - 1));
    CHECK(fchmod(sfd, 0700) == 0);
    close(sfd);
    CHECK(setenv("SUPERCLOUD_XL", script, 1) == 0);

    int fds[2];
    CHECK(pipe(fds) == 0);
    sc_error err;
    char *save[] = {"xl", "save", "7", "/dev/fd/3", NULL};
    CHECK_RC(sc_xen_run_xl("sc_xen_domain_save", save, fds[1], &err), 0, &err);
    close(fds[1]);
    char out[64] = {0};
    ssize_t n = read(fds[0], out, sizeof out - 1);
    CHECK(n > 0);
    CHECK_CONTAINS(out, "save 7 -> fd3 ok");
    close(fds[0]);

    CHECK(pipe(fds) == 0);
    char *failing[] = {"xl", "save", "fail", "/dev/fd/3", NULL};
    CHECK_RC(sc_xen_run_xl("sc_xen_domain_save", failing, fds[1], &err), -EIO, &err);
    CHECK_CONTAINS(err.message, "sc_xen_domain_save: xl exited with status 3");

    CHECK(setenv("SUPERCLOUD_XL", "/nonexistent/xl", 1) == 0);
    CHECK_RC(sc_xen_run_xl("sc_xen_domain_restore", save, fds[1], &err), -ENOENT, &err);
    CHECK_CONTAINS(err.message, "sc_xen_domain_restore: start /nonexistent/xl");
    unsetenv("SUPERCLOUD_XL");
    close(fds[0]);
    close(fds[1]);
    unlink(script);
}

int main(void) {
    xl_plumbing();
    if (access("/dev/xen/privcmd", F_OK) == 0) {
        puts("xen: /dev/xen/privcmd exists; the no-Xen checks do not apply (skipped)");
        return 77;
    }
    sc_error err;

    CHECK(sc_xen_available(&err) == 0);
    CHECK_CONTAINS(err.message, MISSING);
    CHECK(sc_xen_available(NULL) == 0);

    /* The allow-list is enforced first, on any host. */
    CHECK(sc_xen_hypercall_allowed(SC_XEN_HYPERCALL_XEN_VERSION) == 1);
    CHECK(sc_xen_hypercall_allowed(SC_XEN_HYPERCALL_DOMCTL) == 1);
    CHECK(sc_xen_hypercall_allowed(12) == 0); /* memory_op */
    CHECK(sc_xen_hypercall_allowed(UINT64_MAX) == 0);
    uint64_t args[5] = {0, 0, 0, 0, 0};
    int64_t result = 42;
    CHECK_RC(sc_xen_hypercall(12, args, &result, &err), -EPERM, &err);
    CHECK_CONTAINS(err.message, "hypercall 12 is not on the allow-list");
    CHECK(result == 42);
    CHECK_RC(sc_xen_hypercall(SC_XEN_HYPERCALL_XEN_VERSION, NULL, &result, &err), -EINVAL, &err);

    CHECK_RC(sc_xen_hypercall(SC_XEN_HYPERCALL_XEN_VERSION, args, &result, &err), -ENOSYS, &err);
    CHECK(err.code == -ENOSYS);
    CHECK_CONTAINS(err.message, "sc_xen_hypercall: " MISSING);

    int32_t major = -1, minor = -1;
    CHECK_RC(sc_xen_version(&major, &minor, &err), -ENOSYS, &err);
    CHECK_CONTAINS(err.message, "sc_xen_version: " MISSING);
    CHECK(major == -1 && minor == -1);
    CHECK_RC(sc_xen_version(NULL, &minor, &err), -EINVAL, &err);

    sc_xen_physinfo info;
    CHECK_RC(sc_xen_get_physinfo(&info, &err), -ENOSYS, &err);
    CHECK_CONTAINS(err.message, "sc_xen_get_physinfo: " MISSING);
    CHECK_RC(sc_xen_get_physinfo(NULL, &err), -EINVAL, &err);

    uint64_t gfns[2] = {0x1000, 0x1001};
    sc_xen_mapping *m = (sc_xen_mapping *)&info; /* must be reset to NULL on failure */
    CHECK_RC(sc_xen_map_foreign_ro(1, gfns, 2, &m, &err), -ENOSYS, &err);
    CHECK_CONTAINS(err.message, "sc_xen_map_foreign_ro: " MISSING);
    CHECK(m == NULL);
    CHECK_RC(sc_xen_map_foreign_ro(1, gfns, 0, &m, &err), -EINVAL, &err);
    CHECK(sc_xen_mapping_address(NULL) == NULL);
    CHECK(sc_xen_mapping_length(NULL) == 0);
    sc_xen_unmap(NULL);

    int fds[2];
    CHECK(pipe(fds) == 0);
    CHECK_RC(sc_xen_domain_save(3, fds[1], 0, &err), -ENOSYS, &err);
    CHECK_CONTAINS(err.message, "sc_xen_domain_save: " MISSING);
    CHECK_RC(sc_xen_domain_save(3, -1, 0, &err), -EBADF, &err);
    uint32_t domid = 0;
    CHECK_RC(sc_xen_domain_restore(fds[0], 1, &domid, &err), -ENOSYS, &err);
    CHECK_CONTAINS(err.message, "sc_xen_domain_restore: " MISSING);
    CHECK(domid == UINT32_MAX);
    close(fds[0]);
    close(fds[1]);
    puts("xen: ok");
    return 0;
}
