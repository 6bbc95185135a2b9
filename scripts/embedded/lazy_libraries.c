/* The login core loads libsqlite3, libnettle and libqrencode only when a login needs them: a
   login of an account with nothing recorded is decided from the account index and never pays
   for loading SQLite or Nettle (their relocations, constructors and pages), only a code check
   hashes, and only an enrollment draws a QR code. This file
   is linked into the core only (scripts/build-core.sh): it defines the few functions the core
   calls, each forwarding to the real one, found with dlopen + dlsym on first use. The CLI and
   the tests link the libraries directly and never see this file. The version script keeps
   these definitions local to the core. */
#include <dlfcn.h>
#include <limits.h>
#include <pthread.h>
#include <string.h>
#include <sys/stat.h>
#include <stdarg.h>
#include <stddef.h>

#include <nettle/hmac.h>
#include <nettle/pbkdf2.h>
#include <nettle/sha1.h>
#include <nettle/sha2.h>
#include <nettle/version.h>
#include <qrencode.h>
#include <sqlite3.h>

/* SQLite linked from Debian's libsqlite3.a into a library of the core's own (build-core.sh),
   exporting only the functions below: loading it binds about 90 symbols, where the system's
   libsqlite3.so.0 binds some 1,200 (its API table), which was most of a failed login's load.
   It sits beside the core; the system library is the fallback. */
#define PRIVATE_SQLITE_LIBRARY "liblockwarden_sqlite.so"
#define SQLITE_LIBRARY "libsqlite3.so.0"
#define NETTLE_LIBRARY "libnettle.so.8"
#define QRENCODE_LIBRARY "libqrencode.so.4"

/* Each forwarded function: its pointer, filled by dlsym, and a definition that calls it. Until
   the library is loaded (the callers check lw_sqlite_load first) the definitions answer as a
   failure would: an error code, NULL or nothing. */
#define FORWARD(library, ret, name, params, args, fallback)                 \
    static ret(*real_##name) params;                                        \
    ret name params {                                                       \
        if (!library##_ready() || !real_##name) return fallback;           \
        return real_##name args;                                            \
    }
#define FORWARD_VOID(library, name, params, args)                           \
    static void(*real_##name) params;                                       \
    void name params {                                                      \
        if (library##_ready() && real_##name) real_##name args;             \
    }

static pthread_once_t sqlite_once = PTHREAD_ONCE_INIT, nettle_once = PTHREAD_ONCE_INIT,
                      qrencode_once = PTHREAD_ONCE_INIT;
static int sqlite_loaded, nettle_loaded, qrencode_loaded;
static void load_sqlite(void);
static void load_nettle(void);
static void load_qrencode(void);

static int sqlite_ready(void) { return pthread_once(&sqlite_once, load_sqlite) == 0 && sqlite_loaded; }
static int nettle_ready(void) { return pthread_once(&nettle_once, load_nettle) == 0 && nettle_loaded; }
static int qrencode_ready(void) { return pthread_once(&qrencode_once, load_qrencode) == 0 && qrencode_loaded; }

/* Called by lw_store_sqlite_available (CStore) before the store opens a connection. */
int lw_sqlite_load(void) { return sqlite_ready(); }

/* Called by lw_nettle_available (CNettle) before anything is hashed: the void functions below
   can report nothing, so every caller checks this first and fails closed. */
int lw_nettle_load(void) { return nettle_ready(); }

#include "sqlite_functions.h"

#define FORWARD_SQLITE(ret, name, params, args, fallback) FORWARD(sqlite, ret, name, params, args, fallback)
SQLITE_FUNCTIONS(FORWARD_SQLITE)

/* sqlite3_db_config is variadic. The core passes one int and one int * (the on/off options,
   e.g. SQLITE_DBCONFIG_NO_CKPT_ON_CLOSE); only those are forwarded. */
static int (*real_sqlite3_db_config)(sqlite3 *, int, ...);
int sqlite3_db_config(sqlite3 *db, int op, ...) {
    if (!sqlite_ready() || !real_sqlite3_db_config) return SQLITE_MISUSE;
    va_list args;
    va_start(args, op);
    int value = va_arg(args, int);
    int *result = va_arg(args, int *);
    va_end(args);
    return real_sqlite3_db_config(db, op, value, result);
}

/* Nettle 4 dropped the length argument of the digest functions. */
#if NETTLE_VERSION_MAJOR >= 4
#define DIGEST_PARAMS(ctx) (struct ctx *c, uint8_t *d)
#define DIGEST_ARGS (c, d)
#else
#define DIGEST_PARAMS(ctx) (struct ctx *c, size_t n, uint8_t *d)
#define DIGEST_ARGS (c, n, d)
#endif
#define HASH_FUNCTIONS(X, hash)                                                                  \
    X(nettle_##hash##_init, (struct hash##_ctx *c), (c))                                        \
    X(nettle_##hash##_update, (struct hash##_ctx *c, size_t n, const uint8_t *p), (c, n, p))    \
    X(nettle_##hash##_digest, DIGEST_PARAMS(hash##_ctx), DIGEST_ARGS)                           \
    X(nettle_hmac_##hash##_set_key, (struct hmac_##hash##_ctx *c, size_t n, const uint8_t *k), (c, n, k)) \
    X(nettle_hmac_##hash##_update, (struct hmac_##hash##_ctx *c, size_t n, const uint8_t *p), (c, n, p)) \
    X(nettle_hmac_##hash##_digest, DIGEST_PARAMS(hmac_##hash##_ctx), DIGEST_ARGS)               \
    X(nettle_pbkdf2_hmac_##hash,                                                                 \
      (size_t kn, const uint8_t *k, unsigned i, size_t sn, const uint8_t *s, size_t n, uint8_t *d), \
      (kn, k, i, sn, s, n, d))
#define NETTLE_FUNCTIONS(X) HASH_FUNCTIONS(X, sha1) HASH_FUNCTIONS(X, sha256) HASH_FUNCTIONS(X, sha512)
#define FORWARD_NETTLE(name, params, args) FORWARD_VOID(nettle, name, params, args)
NETTLE_FUNCTIONS(FORWARD_NETTLE)

FORWARD(qrencode, QRcode *, QRcode_encodeString, (const char *s, int version, QRecLevel level, QRencodeMode hint, int casesensitive), (s, version, level, hint, casesensitive), NULL)
FORWARD_VOID(qrencode, QRcode_free, (QRcode *code), (code))

/* POSIX lets dlsym's void * be converted to a function pointer this way. */
#define FIND(handle, name, missing)                                          \
    do {                                                                     \
        void *symbol = dlsym(handle, #name);                                 \
        if (!symbol) missing = 1;                                            \
        *(void **)(&real_##name) = symbol;                                   \
    } while (0)

/* The private SQLite beside this core, if it is there and as trusted as the core's directory
   (root-owned, not writable by group or others, not a symlink); NULL otherwise. */
static void *open_private_sqlite(void) {
    Dl_info self;
    char path[PATH_MAX];
    struct stat status;
    if (!dladdr((void *)&lw_sqlite_load, &self) || !self.dli_fname || self.dli_fname[0] != '/') return 0;
    const char *slash = strrchr(self.dli_fname, '/');
    size_t directory = (size_t)(slash - self.dli_fname) + 1;
    if (directory + sizeof(PRIVATE_SQLITE_LIBRARY) > sizeof(path)) return 0;
    memcpy(path, self.dli_fname, directory);
    memcpy(path + directory, PRIVATE_SQLITE_LIBRARY, sizeof(PRIVATE_SQLITE_LIBRARY));
    if (lstat(path, &status) != 0 || !S_ISREG(status.st_mode) || status.st_uid != 0 ||
        (status.st_mode & (S_IWGRP | S_IWOTH)) != 0)
        return 0;
    return dlopen(path, RTLD_NOW | RTLD_LOCAL | RTLD_NODELETE);
}

static void load_sqlite(void) {
    /* Never closed: statements and connections may live as long as the process. */
    void *handle = open_private_sqlite();
    if (!handle) handle = dlopen(SQLITE_LIBRARY, RTLD_NOW | RTLD_LOCAL | RTLD_NODELETE);
    int missing = 0;
    if (!handle) return;
#define FIND_SQLITE(ret, name, params, args, fallback) FIND(handle, name, missing);
    SQLITE_FUNCTIONS(FIND_SQLITE)
    FIND(handle, sqlite3_db_config, missing);
    sqlite_loaded = !missing;
}

static void load_nettle(void) {
    void *handle = dlopen(NETTLE_LIBRARY, RTLD_NOW | RTLD_LOCAL | RTLD_NODELETE);
    int missing = 0;
    if (!handle) return;
#define FIND_NETTLE(name, params, args) FIND(handle, name, missing);
    NETTLE_FUNCTIONS(FIND_NETTLE)
    nettle_loaded = !missing;
}

static void load_qrencode(void) {
    void *handle = dlopen(QRENCODE_LIBRARY, RTLD_NOW | RTLD_LOCAL | RTLD_NODELETE);
    int missing = 0;
    if (!handle) return;
    FIND(handle, QRcode_encodeString, missing);
    FIND(handle, QRcode_free, missing);
    qrencode_loaded = !missing;
}
