internal import CStore
import CLibc
import LockwardenPolicy
import LockwardenSystem

/// The accounts that have any state, kept beside the database (`<database>-index`) so that a
/// login of an account with none is decided without loading SQLite. SQLite stays the store of
/// record: the index is derived from it, changed under the index lock in the same transactions
/// (`StateStore.immediateTransaction`), checked against the database files at every read, and
/// rebuilt when missing, damaged or older than the database. Every doubt reads as "unknown".
public enum AccountIndex {
    public enum Answer: Equatable {
        /// The account has nothing recorded that a decision reads.
        case clean
        case hasState
        /// No usable index: ask SQLite.
        case unknown
    }

    static func path(of databasePath: String) -> String { databasePath + "-index" }

    /// Whether an account is known to have no state, with the checks opening the database
    /// makes (so a refused database is refused here too, with the same error).
    public static func lookup(_ key: AccountKey, databasePath: String) throws(StoreError) -> Answer {
        try StateStore.checkFiles(path: databasePath)
        switch Int32(lw_index_lookup(path(of: databasePath), databasePath, key.indexKey)) {
        case Int32(LW_INDEX_CLEAN): return .clean
        case Int32(LW_INDEX_HAS_STATE): return .hasState
        default: return .unknown
        }
    }

    /// Whether the index matches the database now (any answer but "unknown").
    static func isCurrent(databasePath: String) -> Bool {
        lw_index_lookup(path(of: databasePath), databasePath, AccountKey.probeKey) != Int32(LW_INDEX_UNKNOWN)
    }

    /// The account rows a decision reads, in SQL; `AccountState.hasState` in Swift.
    static let accountHasStateSQL =
        "(recent_failures <> '' OR consecutive_failures <> 0 OR locked_at IS NOT NULL OR lock_streak <> 0"
        + " OR password_change_required <> 0)"
}

extension AccountKey {
    /// A known user's entry is its UID, exactly (top bit set): no two users share one, so an
    /// entry removed for one can never hide another's state. An unknown name's entry is a
    /// 63-bit FNV-1a hash of its bytes: names can collide only with names, and a name with
    /// state can never log in, so a collision costs nothing but a trip to SQLite.
    var indexKey: UInt64 {
        switch self {
        case .user(let uid, _):
            return 1 << 63 | UInt64(uid)
        case .unknown(let name):
            var hash: UInt64 = 0xcbf2_9ce4_8422_2325
            for byte in name { hash = (hash ^ UInt64(byte)) &* 0x0000_0100_0000_01b3 }
            let key = hash & ~(1 << 63)
            return key < 2 ? key + 2 : key
        }
    }

    /// A key only used to ask whether the index is current.
    static let probeKey: UInt64 = 2
}

extension StateStore {
    /// The change this transaction makes to the index: begun before BEGIN, ended after COMMIT.
    struct IndexChange {
        let lock: Int32
        let writer: OpaquePointer?
    }

    func beginIndexChange() throws(StoreError) -> IndexChange {
        let lock = lw_index_lock(FileSafety.directory(of: path), Int32(clamping: busyTimeoutMilliseconds))
        guard lock >= 0 else {
            let code = lw_errno()
            if code == EAGAIN { throw .busy(path: path) }
            throw .cannotOpen(path: FileSafety.directory(of: path), detail: errorText(code))
        }
        return IndexChange(lock: lock, writer: lw_index_begin(AccountIndex.path(of: path), path))
    }

    /// Writes the touched keys into the index, inside the transaction, before COMMIT.
    func applyIndexChange(_ change: IndexChange) throws(StoreError) {
        guard lw_index_usable(change.writer) != 0 else { return }
        for key in touchedKeys {
            lw_index_set(change.writer, key.indexKey, try hasState(key) ? 1 : 0)
        }
    }

    /// `committed`: whether the database may hold the transaction's changes (false after a
    /// failed COMMIT, which leaves the index unusable until rebuilt).
    func endIndexChange(_ change: IndexChange, committed: Bool) {
        lw_index_end(change.writer, path, committed ? 1 : 0)
        lw_index_unlock(change.lock)
    }

    /// Account and second-factor rows are written only inside `immediateTransaction`, so that
    /// the index always follows them.
    func requireTransaction() throws(StoreError) {
        guard connection.inTransaction else {
            throw .invalidArgument("account state is written only inside a transaction")
        }
    }

    func hasState(_ key: AccountKey) throws(StoreError) -> Bool {
        switch key {
        case .user(let uid, _):
            return try connection.scalar(
                "SELECT EXISTS (SELECT 1 FROM accounts WHERE uid = ?1 AND \(AccountIndex.accountHasStateSQL))"
                    + " OR EXISTS (SELECT 1 FROM mfa WHERE uid = ?1)", [.integer(Int64(uid))]) == 1
        case .unknown(let name):
            return try connection.scalar(
                "SELECT EXISTS (SELECT 1 FROM accounts WHERE uid IS NULL AND name = ? AND \(AccountIndex.accountHasStateSQL))",
                [.blob(name)]) == 1
        }
    }

    /// Rebuilds the index from the database if it does not match it. Under the index lock and
    /// SQLite's write lock, so that nothing changes between reading the keys and stamping the
    /// files. Best effort: a failure leaves logins on the SQLite path, which is always right.
    public func refreshIndexIfStale() {
        guard !AccountIndex.isCurrent(databasePath: path) else { return }
        connection.resetStatements()
        let lock = lw_index_lock(FileSafety.directory(of: path), Int32(clamping: busyTimeoutMilliseconds))
        guard lock >= 0 else { return }
        defer { lw_index_unlock(lock) }
        guard !AccountIndex.isCurrent(databasePath: path) else { return }
        guard (try? connection.execute("BEGIN IMMEDIATE")) != nil else { return }
        defer { try? connection.execute("ROLLBACK") }
        guard let keys = try? indexedKeys() else { return }
        _ = keys.withUnsafeBufferPointer { buffer in
            lw_index_write(AccountIndex.path(of: path), path, buffer.baseAddress, buffer.count)
        }
    }

    /// Every key with state, as the index holds them.
    func indexedKeys() throws(StoreError) -> [UInt64] {
        let statement = try connection.prepare(
            "SELECT uid, name FROM accounts WHERE \(AccountIndex.accountHasStateSQL) UNION ALL SELECT uid, NULL FROM mfa"
        )
        try statement.bind([])
        var keys: [UInt64] = []
        while try statement.step() {
            if let uid = statement.optionalInteger(0).flatMap({ UInt32(exactly: $0) }) {
                keys.append(AccountKey.user(uid: uid, name: "").indexKey)
            } else {
                keys.append(AccountKey.unknown(name: statement.blob(1)).indexKey)
            }
        }
        statement.reset()
        return keys
    }

    /// For a change made outside a transaction of this store (a checkpoint, a schema change):
    /// keeps the index current when it was current before.
    func preservingIndex<T>(_ body: () throws(StoreError) -> T) throws(StoreError) -> T {
        connection.resetStatements()
        let change = try beginIndexChange()
        do throws(StoreError) {
            let result = try body()
            endIndexChange(change, committed: true)
            return result
        } catch {
            endIndexChange(change, committed: true)
            throw error
        }
    }
}
