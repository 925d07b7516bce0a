/* Loads the shared library the way the agent does and checks its exported surface. */
#include "supercloud_shim.h"
#include "test_util.h"

#include <dlfcn.h>

int main(void) {
    void *lib = dlopen(SC_SHIM_PATH, RTLD_NOW | RTLD_LOCAL);
    if (lib == NULL) {
        fprintf(stderr, "dlopen %s: %s\n", SC_SHIM_PATH, dlerror());
        return 1;
    }
    static const char *const exported[] = {
        "sc_shim_abi_version", "sc_xxh64", "sc_crc32c", "sc_pump_create", "sc_pump_run",
        "sc_pump_cancel", "sc_pump_get_stats", "sc_pump_destroy", "sc_xen_available",
        "sc_xen_hypercall_allowed", "sc_xen_hypercall", "sc_xen_version", "sc_xen_get_physinfo",
        "sc_xen_map_foreign_ro", "sc_xen_mapping_address", "sc_xen_mapping_length", "sc_xen_unmap",
        "sc_xen_domain_save", "sc_xen_domain_restore", NULL};
    for (const char *const *name = exported; *name != NULL; name++) {
        if (dlsym(lib, *name) == NULL) {
            fprintf(stderr, "%s is not exported\n", *name);
            return 1;
        }
    }
    /* Internals stay hidden so the ABI is exactly the header. */
    CHECK(dlsym(lib, "sc_fail") == NULL);
    CHECK(dlsym(lib, "sc_crc32c_portable") == NULL);
    int32_t (*abi)(void);
    *(void **)&abi = dlsym(lib, "sc_shim_abi_version");
    CHECK(abi() == SC_SHIM_ABI_VERSION);
    dlclose(lib);
    puts("abi: ok");
    return 0;
}
