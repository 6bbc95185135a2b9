/* lw_store_sync_wal: see lockwarden_store.h. A login commits with synchronous = NORMAL and then
   syncs only when what it wrote matters (a success of a clean account does not), so that the
   choice can follow the decision, which is made inside the transaction, where SQLite no
   longer lets the synchronous level change. */
#include "lockwarden_store.h"

#include <stddef.h>

int lw_store_sync_wal(sqlite3 *db)
{
    sqlite3_file *wal = NULL;
    int rc = sqlite3_file_control(db, "main", SQLITE_FCNTL_JOURNAL_POINTER, &wal);

    if (rc != SQLITE_OK)
        return rc;
    if (wal == NULL || wal->pMethods == NULL || wal->pMethods->xSync == NULL)
        return SQLITE_ERROR;
    return wal->pMethods->xSync(wal, SQLITE_SYNC_NORMAL);
}

void lw_store_reset_statements(sqlite3 *db)
{
    for (sqlite3_stmt *statement = sqlite3_next_stmt(db, NULL); statement != NULL;
         statement = sqlite3_next_stmt(db, statement)) {
        if (sqlite3_stmt_busy(statement))
            sqlite3_reset(statement);
    }
}

/* The login core defines lw_sqlite_load (scripts/embedded/lazy_sqlite.c); elsewhere SQLite
   is linked in and always there. */
int lw_sqlite_load(void) __attribute__((weak));

int lw_store_sqlite_available(void)
{
    return lw_sqlite_load ? lw_sqlite_load() : 1;
}
