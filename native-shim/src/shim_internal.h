/* Internal helpers shared by the library's translation units (not installed). */
#ifndef SC_SHIM_INTERNAL_H
#define SC_SHIM_INTERNAL_H

#include "supercloud_shim.h"

#include <stdarg.h>

#define SC_INTERNAL __attribute__((visibility("hidden")))

/* Fills `err` (when not NULL) with `code` (a negative errno) and a formatted message; returns code. */
SC_INTERNAL int sc_fail(sc_error *err, int code, const char *fmt, ...) __attribute__((format(printf, 3, 4)));

/* Like sc_fail for a failed system call: appends strerror(-code) to the message. */
SC_INTERNAL int sc_fail_errno(sc_error *err, int code, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/* Clears `err` to "no error". */
SC_INTERNAL void sc_clear(sc_error *err);

/* Runs xl (or $SUPERCLOUD_XL) with `fd` as the child's fd 3; 0 when it exits with status 0. */
SC_INTERNAL int sc_xen_run_xl(const char *operation, char *const argv[], int fd, sc_error *err);

#endif
