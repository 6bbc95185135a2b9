/* SQLite syncs the directory after the first write to any WAL it opened with
   SQLITE_OPEN_CREATE, and it always asks for CREATE, even when the WAL already exists: with a
   new connection per PAM call, that is a second fsync for every recorded attempt. The
   directory needs syncing only when the WAL is really created, so this VFS (the default one
   with a different open) drops CREATE when the WAL is already there, and asks again with
   CREATE if that fails (an administrative command deleted the WAL in between). */
#include "lockwarden_store.h"

#include <pthread.h>
#include <sqlite3.h>
#include <sys/stat.h>

static sqlite3_vfs existing_wal_vfs;
static sqlite3_vfs *default_vfs;
static pthread_once_t registration = PTHREAD_ONCE_INIT;

static int open_existing_wal(sqlite3_vfs *vfs, const char *name, sqlite3_file *file, int flags, int *out_flags) {
    (void)vfs;
    if (name && (flags & SQLITE_OPEN_WAL) && (flags & SQLITE_OPEN_CREATE)) {
        struct stat status;
        if (lstat(name, &status) == 0 && S_ISREG(status.st_mode) &&
            default_vfs->xOpen(default_vfs, name, file, flags & ~SQLITE_OPEN_CREATE, out_flags) == SQLITE_OK) {
            return SQLITE_OK;
        }
    }
    return default_vfs->xOpen(default_vfs, name, file, flags, out_flags);
}

static void register_vfs(void) {
    sqlite3_vfs *base = sqlite3_vfs_find(0);
    if (!base) return;
    existing_wal_vfs = *base;
    existing_wal_vfs.pNext = 0;
    existing_wal_vfs.zName = "lockwarden";
    existing_wal_vfs.xOpen = open_existing_wal;
    default_vfs = base;
    if (sqlite3_vfs_register(&existing_wal_vfs, 0) != SQLITE_OK) default_vfs = 0;
}

const char *lw_store_vfs_name(void) {
    pthread_once(&registration, register_vfs);
    return default_vfs ? "lockwarden" : 0;
}
