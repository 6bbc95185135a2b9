internal import CSQLite
internal import CStore

/// A value bound to a statement parameter.
enum SQLValue {
    case integer(Int64)
    case text(String)
    case blob([UInt8])
    case null
}

extension Optional where Wrapped == Int64 {
    var sql: SQLValue { map(SQLValue.integer) ?? .null }
}

extension Optional where Wrapped == String {
    var sql: SQLValue { map(SQLValue.text) ?? .null }
}

/// One prepared statement; finalized when the object goes away (a login's connection keeps
/// its statements until it closes).
final class Statement {
    private let handle: OpaquePointer
    private let database: OpaquePointer
    private let path: String

    init(_ connection: Connection, _ sql: String, persistent: Bool) throws(StoreError) {
        var prepared: OpaquePointer?
        let flags = persistent ? UInt32(SQLITE_PREPARE_PERSISTENT) : 0
        let code = sqlite3_prepare_v3(connection.handle, sql, -1, flags, &prepared, nil)
        guard code == SQLITE_OK, let prepared else {
            sqlite3_finalize(prepared)
            throw connection.error(code)
        }
        handle = prepared
        database = connection.handle
        path = connection.path
    }

    deinit { sqlite3_finalize(handle) }

    private func error(_ code: Int32) -> StoreError { StoreError.from(code: code, connection: database, path: path) }

    /// Ends the statement's run (and the read snapshot it holds), keeping it prepared.
    func reset() { sqlite3_reset(handle) }

    func bind(_ values: [SQLValue]) throws(StoreError) {
        sqlite3_reset(handle)
        sqlite3_clear_bindings(handle)
        var index: Int32 = 1
        for value in values {
            let code: Int32
            switch value {
            case .integer(let number): code = sqlite3_bind_int64(handle, index, number)
            case .null: code = sqlite3_bind_null(handle, index)
            case .text(let text):
                code = lw_sqlite3_bind_text_copy(handle, index, text, Int32(clamping: text.utf8.count))
            case .blob(let bytes):
                code = bytes.withUnsafeBytes {
                    lw_sqlite3_bind_blob_copy(handle, index, $0.baseAddress, Int32(clamping: $0.count))
                }
            }
            guard code == SQLITE_OK else { throw error(code) }
            index += 1
        }
    }

    /// Advances; true while there is a row to read.
    func step() throws(StoreError) -> Bool {
        let code = sqlite3_step(handle)
        switch code {
        case SQLITE_ROW: return true
        case SQLITE_DONE: return false
        default: throw error(code)
        }
    }

    /// Runs a statement that returns no rows.
    func run(_ values: [SQLValue] = []) throws(StoreError) {
        try bind(values)
        while try step() {}
    }

    func isNull(_ column: Int32) -> Bool { sqlite3_column_type(handle, column) == SQLITE_NULL }
    func integer(_ column: Int32) -> Int64 { sqlite3_column_int64(handle, column) }
    func optionalInteger(_ column: Int32) -> Int64? { isNull(column) ? nil : integer(column) }

    func text(_ column: Int32) -> String {
        guard let pointer = sqlite3_column_text(handle, column) else { return "" }
        let count = Int(sqlite3_column_bytes(handle, column))
        return String(decoding: UnsafeBufferPointer(start: pointer, count: count), as: UTF8.self)
    }

    func optionalText(_ column: Int32) -> String? { isNull(column) ? nil : text(column) }

    /// A text column of space-separated integers (a list of timestamps), split on its bytes:
    /// splitting a String by Characters cost a login with a thousand-entry list milliseconds.
    /// Tokens that `Int64` does not read are skipped.
    func integerList(_ column: Int32) -> [Int64] {
        guard let pointer = sqlite3_column_text(handle, column) else { return [] }
        let bytes = UnsafeBufferPointer(start: pointer, count: Int(sqlite3_column_bytes(handle, column)))
        return bytes.split(separator: UInt8(ascii: " ")).compactMap { Int64(String(decoding: $0, as: UTF8.self)) }
    }

    func blob(_ column: Int32) -> [UInt8] {
        guard let pointer = sqlite3_column_blob(handle, column) else { return [] }
        let count = Int(sqlite3_column_bytes(handle, column))
        return Array(UnsafeRawBufferPointer(start: pointer, count: count))
    }
}

/// One SQLite connection; closed when the object goes away (or by `close`). Lives for one
/// login (all PAM calls of one PAM handle) or one CLI command.
final class Connection {
    let handle: OpaquePointer
    let path: String
    let keepsWAL: Bool
    /// A login's connection prepares each statement once and keeps it for the next calls.
    var cachesStatements = false
    private var statements: [String: Statement] = [:]
    private var closed = false

    /// `keepWAL`: leave the WAL and its index in place on close instead of checkpointing them
    /// into the database and deleting them, and empty the WAL only once it reaches
    /// `walPagesBeforeCheckpoint`. For login calls: a commit then costs one WAL sync, exactly as
    /// durable, and the next call neither re-creates the files nor reads a long WAL.
    init(path: String, flags: Int32, keepWAL: Bool = false) throws(StoreError) {
        guard lw_store_sqlite_available() == 1 else {
            throw .cannotOpen(path: path, detail: "libsqlite3 could not be loaded")
        }
        var opened: OpaquePointer?
        let code = sqlite3_open_v2(path, &opened, flags, lw_store_vfs_name())
        guard code == SQLITE_OK, let opened else {
            let error = StoreError.from(code: code, connection: opened, path: path)
            sqlite3_close_v2(opened)
            throw error
        }
        handle = opened
        self.path = path
        self.keepsWAL = keepWAL
        sqlite3_extended_result_codes(handle, 1)
        if keepWAL {
            lw_sqlite3_keep_wal_on_close(handle)
            lw_sqlite3_truncate_wal_after(handle, Self.walPagesBeforeCheckpoint)
        }
    }

    /// About ten failure commits: recovering a WAL this short costs a login ~0.1 ms.
    static let walPagesBeforeCheckpoint: Int32 = 64

    deinit { close() }

    func close() {
        guard !closed else { return }
        closed = true
        statements = [:]
        sqlite3_close_v2(handle)
    }

    /// Never closes or touches this connection again, in this process: for a child forked from
    /// the process that opened it (see `StateStore.abandon`). Its memory stays allocated.
    func abandon() {
        closed = true
        _ = Unmanaged.passRetained(self)
    }

    /// Resets every statement still stepping, for a login's connection, whose statements live
    /// on: no read snapshot outlives a call or waits for a lock. (Elsewhere a statement ends
    /// with its object, and one still being read must go on where it was.)
    func resetStatements() {
        if cachesStatements { lw_store_reset_statements(handle) }
    }

    func error(_ code: Int32) -> StoreError { StoreError.from(code: code, connection: handle, path: path) }

    func execute(_ sql: String) throws(StoreError) {
        let code = sqlite3_exec(handle, sql, nil, nil, nil)
        guard code == SQLITE_OK else { throw error(code) }
    }

    func prepare(_ sql: String) throws(StoreError) -> Statement {
        guard cachesStatements else { return try Statement(self, sql, persistent: false) }
        if let statement = statements[sql] { return statement }
        let statement = try Statement(self, sql, persistent: true)
        statements[sql] = statement
        return statement
    }

    /// The single integer a query such as `PRAGMA user_version` returns.
    func scalar(_ sql: String, _ values: [SQLValue] = []) throws(StoreError) -> Int64? {
        let statement = try prepare(sql)
        try statement.bind(values)
        defer { statement.reset() }
        return try statement.step() ? statement.optionalInteger(0) : nil
    }

    /// Whether a transaction is open (writes outside one would bypass the account index).
    var inTransaction: Bool { sqlite3_get_autocommit(handle) == 0 }

    var isReadOnly: Bool { sqlite3_db_readonly(handle, "main") == 1 }
    var changes: Int64 { Int64(sqlite3_changes(handle)) }
    var lastInsertedRow: Int64 { sqlite3_last_insert_rowid(handle) }

    func setBusyTimeout(milliseconds: Int) { lw_store_set_busy_wait(handle, Int32(clamping: milliseconds)) }

    /// Syncs the WAL, making commits made with synchronous = NORMAL durable.
    func syncWAL() throws(StoreError) {
        let code = lw_store_sync_wal(handle)
        if code != SQLITE_OK { throw error(code) }
    }
}
