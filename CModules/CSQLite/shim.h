/* SQLite for Swift: the system header plus what Swift cannot import from it. */
#include <sqlite3.h>

/* SQLITE_TRANSIENT is a cast macro Swift does not import: tell SQLite to copy bound data. */
static inline int lw_sqlite3_bind_blob_copy(sqlite3_stmt *statement, int index, const void *bytes, int length) {
    return sqlite3_bind_blob(statement, index, bytes, length, SQLITE_TRANSIENT);
}

static inline int lw_sqlite3_bind_text_copy(sqlite3_stmt *statement, int index, const char *text, int length) {
    return sqlite3_bind_text(statement, index, text, length, SQLITE_TRANSIENT);
}
