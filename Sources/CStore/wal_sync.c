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
