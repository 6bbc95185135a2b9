/*
 * lw_loader.h - finds, checks and loads liblockwarden_core.so once per process.
 */
#ifndef LW_LOADER_H
#define LW_LOADER_H

#include <security/pam_modules.h>

#include "lockwarden_core.h"

/* Where the core lives; the test build points this into the build tree. */
#ifndef LW_CORE_PATH
#define LW_CORE_PATH "/usr/lib/lockwarden/liblockwarden_core.so"
#endif

/* The core's entry points, valid for the life of the process once loaded. */
typedef struct lw_core {
    uint32_t (*abi_version)(void);
    int32_t (*handle)(const lw_request *request, const lw_host *host, lw_session *session);
    lw_session *(*session_open)(void);
    void (*session_close)(lw_session *session);
} lw_core;

/*
 * Loads the core on first use (a failed attempt is retried on the next
 * call) and fills *core. Returns 0 on success, -1 after logging why the
 * core was refused; the caller then denies.
 */
int lw_core_load(pam_handle_t *pamh, lw_core *core);

/*
 * The core, if an earlier call loaded it: for cleanups, which must not log
 * or load. Returns 0 and fills *core, or -1.
 */
int lw_core_loaded(lw_core *core);

#endif /* LW_LOADER_H */
