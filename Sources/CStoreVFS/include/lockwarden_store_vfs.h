/* The SQLite VFS of the state database (see store_vfs.c). */
#ifndef LOCKWARDEN_STORE_VFS_H
#define LOCKWARDEN_STORE_VFS_H

/* The VFS name to pass to sqlite3_open_v2, or NULL (SQLite's default VFS) if it could not be
   set up. Safe to call from any thread; registers the VFS on first use. */
const char *lw_store_vfs_name(void);

#endif
