/* The state database's C parts: its SQLite VFS (store_vfs.c), its busy wait (busy_wait.c), the
   WAL sync (wal_sync.c) and the account index (account_index.c). */
#ifndef LOCKWARDEN_STORE_H
#define LOCKWARDEN_STORE_H

#include <sqlite3.h>
#include <stddef.h>
#include <stdint.h>

/* The VFS name to pass to sqlite3_open_v2, or NULL (SQLite's default VFS) if it could not be
   set up. Safe to call from any thread; registers the VFS on first use. */
const char *lw_store_vfs_name(void);

/* Waits up to `milliseconds` for another connection's lock, polling every 0.25 to 5 ms. */
int lw_store_set_busy_wait(sqlite3 *db, int milliseconds);

/* Syncs the WAL of the main database (what synchronous = FULL does at every commit): a
   commit made with synchronous = NORMAL is durable once this returns SQLITE_OK. */
int lw_store_sync_wal(sqlite3 *db);

/* Resets every statement of the connection that is still stepping, so that no read
   transaction stays open between the calls of one login. */
void lw_store_reset_statements(sqlite3 *db);

/* Whether SQLite can be used: 1 in a program linked with it; in the login core, which loads
   libsqlite3 only when a login needs it, loads it on first use (0 if that failed). */
int lw_store_sqlite_available(void);

/* ---- The account index (account_index.c): no SQLite here. ---- */

/* What the database files looked like when the index last matched them. */
typedef struct lw_index_stamp {
    uint64_t db_dev, db_ino, db_size;
    int64_t db_mtime;
    uint64_t wal_ino, wal_size;
    int64_t wal_mtime;
    uint64_t reserved[3];
} lw_index_stamp;

enum { LW_INDEX_CLEAN = 0, LW_INDEX_HAS_STATE = 1, LW_INDEX_UNKNOWN = 2 };

/* The stamp of the database and its WAL now; -1 if the database is missing or not a file. */
int lw_index_stamp_files(const char *database_path, lw_index_stamp *stamp);

/* LW_INDEX_CLEAN only when the index is intact, matches the database files exactly and holds
   no entry for `key`; LW_INDEX_UNKNOWN for any doubt. Takes no lock; never writes. */
int lw_index_lookup(const char *index_path, const char *database_path, uint64_t key);

/* The index lock (flock on the database directory), waited for up to the timeout; the
   descriptor, or -1 with errno set. Writers of the database hold it around each change. */
int lw_index_lock(const char *directory, int timeout_milliseconds);
void lw_index_unlock(int lock);

/* One database transaction's change to the index, with the index lock held: begin before
   BEGIN, set each key the transaction touched, end after COMMIT (committed = 1) or after a
   rollback (committed = 0, which leaves the index unusable until rebuilt). */
typedef struct lw_index_writer lw_index_writer;
lw_index_writer *lw_index_begin(const char *index_path, const char *database_path);
int lw_index_usable(const lw_index_writer *writer);
void lw_index_set(lw_index_writer *writer, uint64_t key, int has_state);
void lw_index_end(lw_index_writer *writer, const char *database_path, int committed);

/* A whole new index holding `keys`, stamped with the database files as they are now (call it
   with the index lock and SQLite's write lock held). 0 on success. */
int lw_index_write(const char *index_path, const char *database_path, const uint64_t *keys, size_t count);

/* Removes the index: the next login that needs it rebuilds it. */
void lw_index_discard(const char *index_path);

#endif
