/*
 * lw_loader.c - finds, checks and loads liblockwarden_core.so once per process.
 *
 * The core runs inside sshd, login and su as root, so it is loaded only
 * from a root-owned file in a root-owned directory that nobody else can
 * write. The core is never unloaded: a language runtime cannot be
 * unloaded safely, and a handle that stays open costs nothing.
 */
#include "lw_loader.h"

#include <dlfcn.h>
#include <errno.h>
#include <limits.h>
#include <pthread.h>
#include <string.h>
#include <sys/stat.h>
#include <syslog.h>

#include <security/pam_ext.h>

#include "lw_signals.h"
#include "lw_text.h"

static pthread_mutex_t lw_load_lock = PTHREAD_MUTEX_INITIALIZER;
static int lw_loaded;          /* guarded by lw_load_lock; never reset */
static lw_core lw_loaded_core; /* guarded by lw_load_lock */

/* Root-owned, not writable by group or others, and of the wanted type. */
static const char *unsafe_reason(const struct stat *st, mode_t type)
{
    if ((st->st_mode & S_IFMT) != type)
        return type == S_IFDIR ? "not a directory (symlinks are refused)"
                               : "not a regular file (symlinks are refused)";
    if (st->st_uid != 0)
        return "not owned by root";
    if (st->st_mode & (S_IWGRP | S_IWOTH))
        return "writable by group or others";
    return NULL;
}

static int check_core_path(pam_handle_t *pamh, const char *path)
{
    char dir[PATH_MAX];
    struct stat st;
    const char *reason;
    char *slash;
    size_t len = strnlen(path, sizeof(dir));

    if (path[0] != '/' || len >= sizeof(dir)) {
        pam_syslog(pamh, LOG_ERR, "core path %s is not an absolute path", path);
        return -1;
    }

    /* lstat: a symlink would let whoever owns its target choose the code. */
    if (lstat(path, &st) != 0) {
        pam_syslog(pamh, LOG_ERR, "cannot stat core %s: %s", path, strerror(errno));
        return -1;
    }
    if ((reason = unsafe_reason(&st, S_IFREG)) != NULL) {
        pam_syslog(pamh, LOG_ERR, "refusing core %s: %s", path, reason);
        return -1;
    }

    /* Whoever can write the directory can swap the file after our check. */
    memcpy(dir, path, len + 1);
    slash = strrchr(dir, '/');
    if (slash == dir)
        slash[1] = '\0'; /* the core sits in "/" */
    else
        *slash = '\0';
    if (lstat(dir, &st) != 0) {
        pam_syslog(pamh, LOG_ERR, "cannot stat core directory %s: %s", dir, strerror(errno));
        return -1;
    }
    if ((reason = unsafe_reason(&st, S_IFDIR)) != NULL) {
        pam_syslog(pamh, LOG_ERR, "refusing core directory %s: %s", dir, reason);
        return -1;
    }
    return 0;
}

/* dlerror() text comes from the file system and the loaded file: escape it. */
static void log_dlerror(pam_handle_t *pamh, const char *what)
{
    char text[LW_LOG_LINE_MAX];

    lw_escape_text(text, sizeof(text), dlerror(), 0);
    pam_syslog(pamh, LOG_ERR, "%s %s: %s", what, LW_CORE_PATH, text);
}

/* POSIX allows converting dlsym's void * to a function pointer this way. */
static int find_symbol(pam_handle_t *pamh, void *handle, const char *name,
                       void *fn, size_t fn_size)
{
    void *sym;

    (void)dlerror();
    sym = dlsym(handle, name);
    if (sym == NULL) {
        log_dlerror(pamh, "missing entry point in core");
        return -1;
    }
    memcpy(fn, &sym, fn_size);
    return 0;
}

/* Called with lw_load_lock held. */
static int load_locked(pam_handle_t *pamh, lw_core *core)
{
    lw_signal_state signals;
    void *handle;
    uint32_t version;

    if (check_core_path(pamh, LW_CORE_PATH) != 0)
        return -1;

    /* The core's constructors must not leave their crash handlers behind. */
    lw_signals_save(&signals);
    (void)dlerror();
    handle = dlopen(LW_CORE_PATH, RTLD_NOW | RTLD_LOCAL);
    if (lw_signals_restore(&signals) > 0)
        pam_syslog(pamh, LOG_NOTICE, "loading core %s changed signal handlers; restored",
                   LW_CORE_PATH);
    if (handle == NULL) {
        log_dlerror(pamh, "cannot load core");
        return -1;
    }

    /* From here on a failure leaves the handle open: the core is never unloaded. */
    if (find_symbol(pamh, handle, "lw_core_abi_version", &core->abi_version,
                    sizeof(core->abi_version)) != 0 ||
        find_symbol(pamh, handle, "lw_core_handle", &core->handle,
                    sizeof(core->handle)) != 0 ||
        find_symbol(pamh, handle, "lw_core_session_open", &core->session_open,
                    sizeof(core->session_open)) != 0 ||
        find_symbol(pamh, handle, "lw_core_session_close", &core->session_close,
                    sizeof(core->session_close)) != 0)
        return -1;

    lw_signals_save(&signals);
    version = core->abi_version();
    (void)lw_signals_restore(&signals);
    if (version != LW_ABI_VERSION) {
        pam_syslog(pamh, LOG_ERR, "refusing core %s: ABI version %u, module expects %u",
                   LW_CORE_PATH, (unsigned)version, (unsigned)LW_ABI_VERSION);
        return -1;
    }
    return 0;
}

int lw_core_load(pam_handle_t *pamh, lw_core *core)
{
    int rc = -1;

    if (pthread_mutex_lock(&lw_load_lock) != 0) {
        pam_syslog(pamh, LOG_ERR, "cannot lock the core loader");
        return -1;
    }
    if (!lw_loaded) {
        lw_core candidate = {0};

        if (load_locked(pamh, &candidate) == 0) {
            lw_loaded_core = candidate;
            lw_loaded = 1;
        }
    }
    if (lw_loaded) {
        *core = lw_loaded_core;
        rc = 0;
    }
    (void)pthread_mutex_unlock(&lw_load_lock);
    return rc;
}

int lw_core_loaded(lw_core *core)
{
    int rc = -1;

    if (pthread_mutex_lock(&lw_load_lock) != 0)
        return -1;
    if (lw_loaded) {
        *core = lw_loaded_core;
        rc = 0;
    }
    (void)pthread_mutex_unlock(&lw_load_lock);
    return rc;
}
