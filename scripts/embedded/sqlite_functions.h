/* Every SQLite function the login core calls (scripts/embedded/lazy_libraries.c forwards them;
   scripts/build-core.sh exports exactly these, and sqlite3_db_config, from the core's own
   SQLite): return type, name, parameters, arguments, and what it answers while SQLite is not
   loaded. */
#ifndef LW_SQLITE_FUNCTIONS_H
#define LW_SQLITE_FUNCTIONS_H

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

#endif
