#include "shim_internal.h"

#include <stdio.h>
#include <string.h>

void sc_clear(sc_error *err) {
    if (err != NULL) {
        err->code = 0;
        err->message[0] = '\0';
    }
}

int sc_fail(sc_error *err, int code, const char *fmt, ...) {
    if (err != NULL) {
        va_list ap;
        va_start(ap, fmt);
        vsnprintf(err->message, sizeof err->message, fmt, ap);
        va_end(ap);
        err->code = code;
    }
    return code;
}

int sc_fail_errno(sc_error *err, int code, const char *fmt, ...) {
    if (err != NULL) {
        va_list ap;
        va_start(ap, fmt);
        int n = vsnprintf(err->message, sizeof err->message, fmt, ap);
        va_end(ap);
        if (n >= 0 && (size_t)n < sizeof err->message) {
            char buf[128];
            /* strerror_r (GNU flavour) is thread-safe where strerror is not. */
            const char *text = strerror_r(-code, buf, sizeof buf);
            snprintf(err->message + n, sizeof err->message - (size_t)n, ": %s", text);
        }
        err->code = code;
    }
    return code;
}

int32_t sc_shim_abi_version(void) {
    return SC_SHIM_ABI_VERSION;
}
