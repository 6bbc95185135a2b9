/* SQLite for Swift: the system header plus what Swift cannot import from it. */
#include <sqlite3.h>

/* SQLITE_TRANSIENT is a cast macro Swift does not import: tell SQLite to copy bound data. */
static inline int lw_sqlite3_bind_blob_copy(sqlite3_stmt *statement, int index, const void *bytes, int length) {
    return sqlite3_bind_blob(statement, index, bytes, length, SQLITE_TRANSIENT);
}

static inline int lw_sqlite3_bind_text_copy(sqlite3_stmt *statement, int index, const char *text, int length) {
    return sqlite3_bind_text(statement, index, text, length, SQLITE_TRANSIENT);
}

/* For login calls (see Connection in LockwardenStore). sqlite3_db_config is variadic, which
   Swift cannot call: keep the WAL and its index when a connection closes, instead of
   checkpointing and deleting them, so that a call costs one WAL sync and re-creates nothing. */
static inline int lw_sqlite3_keep_wal_on_close(sqlite3 *db) {
    return sqlite3_db_config(db, SQLITE_DBCONFIG_NO_CKPT_ON_CLOSE, 1, (int *)0);
}

/* Every process that opens the database alone rebuilds the WAL index by reading the whole
   WAL, and forgets what earlier checkpoints copied: an ordinary (passive) checkpoint never
   shortens the WAL for the next login. So once a commit leaves `pages` frames or more, copy
   them into the database and truncate the WAL to nothing. Failure (busy) is harmless: the
   next commit tries again. */
static inline int lw_sqlite3_truncating_wal_hook(void *pages, sqlite3 *db, const char *schema, int frames) {
    if (frames >= (int)(long)pages) {
        sqlite3_wal_checkpoint_v2(db, schema, SQLITE_CHECKPOINT_TRUNCATE, (int *)0, (int *)0);
    }
    return SQLITE_OK;
}

static inline void lw_sqlite3_truncate_wal_after(sqlite3 *db, int pages) {
    sqlite3_wal_hook(db, lw_sqlite3_truncating_wal_hook, (void *)(long)pages);
}
