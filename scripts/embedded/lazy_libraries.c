/* The login core loads libsqlite3, libnettle and libqrencode only when a login needs them: a
   login of an account with nothing recorded is decided from the account index and never pays
   for loading SQLite or Nettle (their relocations, constructors and pages), only a code check
   hashes, and only an enrollment draws a QR code. This file
   is linked into the core only (scripts/build-core.sh): it defines the few functions the core
   calls, each forwarding to the real one, found with dlopen + dlsym on first use. The CLI and
   the tests link the libraries directly and never see this file. The version script keeps
   these definitions local to the core. */
#include <dlfcn.h>
#include <pthread.h>
#include <stdarg.h>
#include <stddef.h>

#include <nettle/hmac.h>
#include <nettle/pbkdf2.h>
#include <nettle/sha1.h>
#include <nettle/sha2.h>
#include <nettle/version.h>
#include <qrencode.h>
#include <sqlite3.h>

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

/* Every SQLite function the core calls: return type, name, parameters, arguments, and what it
   answers while libsqlite3 is not loaded. */
#define SQLITE_FUNCTIONS(X) \
    X(int, sqlite3_open_v2, (const char *f, sqlite3 **db, int flags, const char *vfs), (f, db, flags, vfs), SQLITE_CANTOPEN) \
    X(int, sqlite3_close_v2, (sqlite3 *db), (db), SQLITE_MISUSE) \
    X(int, sqlite3_prepare_v3, (sqlite3 *db, const char *sql, int n, unsigned int flags, sqlite3_stmt **s, const char **tail), (db, sql, n, flags, s, tail), SQLITE_MISUSE) \
    X(int, sqlite3_step, (sqlite3_stmt *s), (s), SQLITE_MISUSE) \
    X(int, sqlite3_reset, (sqlite3_stmt *s), (s), SQLITE_MISUSE) \
    X(int, sqlite3_finalize, (sqlite3_stmt *s), (s), SQLITE_OK) \
    X(int, sqlite3_clear_bindings, (sqlite3_stmt *s), (s), SQLITE_MISUSE) \
    X(int, sqlite3_bind_blob, (sqlite3_stmt *s, int i, const void *p, int n, void (*d)(void *)), (s, i, p, n, d), SQLITE_MISUSE) \
    X(int, sqlite3_bind_text, (sqlite3_stmt *s, int i, const char *p, int n, void (*d)(void *)), (s, i, p, n, d), SQLITE_MISUSE) \
    X(int, sqlite3_bind_int64, (sqlite3_stmt *s, int i, sqlite3_int64 v), (s, i, v), SQLITE_MISUSE) \
    X(int, sqlite3_bind_null, (sqlite3_stmt *s, int i), (s, i), SQLITE_MISUSE) \
    X(const void *, sqlite3_column_blob, (sqlite3_stmt *s, int i), (s, i), NULL) \
    X(const unsigned char *, sqlite3_column_text, (sqlite3_stmt *s, int i), (s, i), NULL) \
    X(int, sqlite3_column_bytes, (sqlite3_stmt *s, int i), (s, i), 0) \
    X(sqlite3_int64, sqlite3_column_int64, (sqlite3_stmt *s, int i), (s, i), 0) \
    X(int, sqlite3_column_type, (sqlite3_stmt *s, int i), (s, i), SQLITE_NULL) \
    X(int, sqlite3_changes, (sqlite3 *db), (db), 0) \
    X(sqlite3_int64, sqlite3_last_insert_rowid, (sqlite3 *db), (db), 0) \
    X(int, sqlite3_get_autocommit, (sqlite3 *db), (db), 1) \
    X(int, sqlite3_db_readonly, (sqlite3 *db, const char *name), (db, name), -1) \
    X(const char *, sqlite3_errmsg, (sqlite3 *db), (db), "libsqlite3 is not loaded") \
    X(const char *, sqlite3_errstr, (int code), (code), "libsqlite3 is not loaded") \
    X(int, sqlite3_system_errno, (sqlite3 *db), (db), 0) \
    X(int, sqlite3_extended_result_codes, (sqlite3 *db, int on), (db, on), SQLITE_MISUSE) \
    X(int, sqlite3_exec, (sqlite3 *db, const char *sql, int (*cb)(void *, int, char **, char **), void *arg, char **err), (db, sql, cb, arg, err), SQLITE_MISUSE) \
    X(int, sqlite3_busy_handler, (sqlite3 *db, int (*cb)(void *, int), void *arg), (db, cb, arg), SQLITE_MISUSE) \
    X(int, sqlite3_file_control, (sqlite3 *db, const char *name, int op, void *arg), (db, name, op, arg), SQLITE_MISUSE) \
    X(sqlite3_stmt *, sqlite3_next_stmt, (sqlite3 *db, sqlite3_stmt *s), (db, s), NULL) \
    X(int, sqlite3_stmt_busy, (sqlite3_stmt *s), (s), 0) \
    X(sqlite3_vfs *, sqlite3_vfs_find, (const char *name), (name), NULL) \
    X(int, sqlite3_vfs_register, (sqlite3_vfs *vfs, int make_default), (vfs, make_default), SQLITE_MISUSE) \
    X(int, sqlite3_wal_checkpoint_v2, (sqlite3 *db, const char *name, int mode, int *log, int *done), (db, name, mode, log, done), SQLITE_MISUSE) \
    X(void *, sqlite3_wal_hook, (sqlite3 *db, int (*cb)(void *, sqlite3 *, const char *, int), void *arg), (db, cb, arg), NULL)

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

static void load_sqlite(void) {
    /* Never closed: statements and connections may live as long as the process. */
    void *handle = dlopen(SQLITE_LIBRARY, RTLD_NOW | RTLD_LOCAL | RTLD_NODELETE);
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
