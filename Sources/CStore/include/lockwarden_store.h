/* The state database's C parts: its SQLite VFS (store_vfs.c) and its busy wait (busy_wait.c). */
#ifndef LOCKWARDEN_STORE_H
#define LOCKWARDEN_STORE_H

#include <sqlite3.h>

/* The VFS name to pass to sqlite3_open_v2, or NULL (SQLite's default VFS) if it could not be
   set up. Safe to call from any thread; registers the VFS on first use. */
const char *lw_store_vfs_name(void);

/* Waits up to `milliseconds` for another connection's lock, polling every 0.25 to 5 ms. */
int lw_store_set_busy_wait(sqlite3 *db, int milliseconds);

/* Syncs the WAL of the main database (what synchronous = FULL does at every commit): a
   commit made with synchronous = NORMAL is durable once this returns SQLITE_OK. */
int lw_store_sync_wal(sqlite3 *db);

#endif
