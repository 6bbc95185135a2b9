import LockwardenPolicy

/// How an account's state is keyed: by UID for users the system knows (so renames and
/// aliases share one record), by the exact name bytes for names it does not.
public enum AccountKey: Equatable, Sendable {
    case user(uid: UInt32, name: String)
    case unknown(name: [UInt8])
}

/// One stored account row.
public struct AccountRecord: Equatable, Sendable {
    public var id: Int64?
    public var uid: UInt32?
    /// The login name as last seen, exact bytes (escape before showing).
    public var name: [UInt8]
    public var state: AccountState
    public var updatedAt: Int64

    public init(id: Int64?, uid: UInt32?, name: [UInt8], state: AccountState, updatedAt: Int64) {
        self.id = id
        self.uid = uid
        self.name = name
        self.state = state
        self.updatedAt = updatedAt
    }
}

private let accountColumns = """
    id, uid, name, recent_failures, consecutive_failures, last_failure_at, last_failure_service,
    last_failure_rhost, last_failure_tty, locked_at, locked_until, lock_reason, lock_streak,
    password_change_required, last_success_at, unlocked_by, unlocked_at, updated_at
    """

extension StateStore {
    /// The record for a key, or a fresh one (not yet stored) if there is none.
    public func account(_ key: AccountKey) throws(StoreError) -> AccountRecord {
        let statement: Statement
        switch key {
        case .user(let uid, let name):
            statement = try connection.prepare("SELECT \(accountColumns) FROM accounts WHERE uid = ?")
            try statement.bind([.integer(Int64(uid))])
            if try statement.step() {
                // Keyed by UID: after a rename the record follows, with the current name.
                var record = readAccount(statement)
                record.name = Array(name.utf8)
                return record
            }
            return AccountRecord(id: nil, uid: uid, name: Array(name.utf8), state: AccountState(), updatedAt: 0)
        case .unknown(let name):
            statement = try connection.prepare("SELECT \(accountColumns) FROM accounts WHERE uid IS NULL AND name = ?")
            try statement.bind([.blob(name)])
            if try statement.step() { return readAccount(statement) }
            return AccountRecord(id: nil, uid: nil, name: name, state: AccountState(), updatedAt: 0)
        }
    }

    /// Writes a record back (insert or update). New unknown names may evict the oldest ones.
    public func save(_ record: AccountRecord, now: Int64) throws(StoreError) {
        let state = record.state
        try requireTransaction()
        touchedKeys.append(record.uid.map { AccountKey.user(uid: $0, name: "") } ?? .unknown(name: record.name))
        let values: [SQLValue] = [
            record.uid.map { .integer(Int64($0)) } ?? .null, .blob(record.name),
            .text(state.recentFailures.map(String.init).joined(separator: " ")),
            .integer(Int64(state.consecutiveFailures)), state.lastFailureAt.sql,
            state.lastFailureSource.map { $0.service }.sql, state.lastFailureSource.map { $0.rhost }.sql,
            state.lastFailureSource.map { $0.tty }.sql, state.lock.map { $0.lockedAt }.sql,
            state.lock.flatMap { $0.until }.sql, state.lock.map { $0.reason }.sql, .integer(Int64(state.lockStreak)),
            .integer(state.passwordChangeRequired ? 1 : 0), state.lastSuccessAt.sql, state.unlockedBy.sql,
            state.unlockedAt.sql, .integer(now),
        ]
        if let id = record.id {
            try connection.prepare(
                """
                UPDATE accounts SET uid = ?, name = ?, recent_failures = ?, consecutive_failures = ?,
                    last_failure_at = ?, last_failure_service = ?, last_failure_rhost = ?, last_failure_tty = ?,
                    locked_at = ?, locked_until = ?, lock_reason = ?, lock_streak = ?, password_change_required = ?,
                    last_success_at = ?, unlocked_by = ?, unlocked_at = ?, updated_at = ? WHERE id = ?
                """
            ).run(values + [.integer(id)])
            return
        }
        try connection.prepare(
            """
            INSERT INTO accounts (uid, name, recent_failures, consecutive_failures, last_failure_at,
                last_failure_service, last_failure_rhost, last_failure_tty, locked_at, locked_until, lock_reason,
                lock_streak, password_change_required, last_success_at, unlocked_by, unlocked_at, updated_at)
            VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
            """
        ).run(values)
        if record.uid == nil { try evictOldUnknownNames() }
    }

    /// Every stored account, known users first by UID, then unknown names.
    public func allAccounts() throws(StoreError) -> [AccountRecord] {
        let statement = try connection.prepare(
            "SELECT \(accountColumns) FROM accounts ORDER BY uid IS NULL, uid, name")
        try statement.bind([])
        var records: [AccountRecord] = []
        while try statement.step() { records.append(readAccount(statement)) }
        return records
    }

    /// Keeps the table of unknown names bounded: guessing names cannot fill the disk.
    private func evictOldUnknownNames() throws(StoreError) {
        let count = try connection.scalar("SELECT count(*) FROM accounts WHERE uid IS NULL") ?? 0
        let excess = count - Int64(maxUnknownUsers)
        guard excess > 0 else { return }
        try connection.prepare(
            """
            DELETE FROM accounts WHERE id IN
                (SELECT id FROM accounts WHERE uid IS NULL ORDER BY updated_at, id LIMIT ?)
            """
        ).run([.integer(excess)])
    }

    private func readAccount(_ row: Statement) -> AccountRecord {
        var state = AccountState()
        state.recentFailures = row.integerList(3)
        state.consecutiveFailures = Int(clamping: row.integer(4))
        state.lastFailureAt = row.optionalInteger(5)
        if state.lastFailureAt != nil {
            state.lastFailureSource = AttemptSource(service: row.text(6), rhost: row.text(7), tty: row.text(8))
        }
        if let lockedAt = row.optionalInteger(9) {
            state.lock = Lock(lockedAt: lockedAt, until: row.optionalInteger(10), reason: row.text(11))
        }
        state.lockStreak = Int(clamping: row.integer(12))
        state.passwordChangeRequired = row.integer(13) != 0
        state.lastSuccessAt = row.optionalInteger(14)
        state.unlockedBy = row.optionalText(15)
        state.unlockedAt = row.optionalInteger(16)
        let uid = row.optionalInteger(1).flatMap { UInt32(exactly: $0) }
        return AccountRecord(id: row.integer(0), uid: uid, name: row.blob(2), state: state, updatedAt: row.integer(17))
    }
}
