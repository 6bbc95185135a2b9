/// An unlock PIN as stored: bound to one target and one administrator, hashed.
public struct StoredUnlockPIN: Equatable, Sendable {
    public var id: Int64
    public var targetUID: UInt32
    public var actor: String
    public var salt: [UInt8]
    public var hash: [UInt8]
    public var expiresAt: Int64
    public var tries: Int
    public var usedAt: Int64?
}

extension StateStore {
    /// Stores a new PIN; earlier PINs for the same target and administrator stop working.
    public func addUnlockPIN(
        targetUID: UInt32, actor: String, salt: [UInt8], hash: [UInt8], now: Int64, expiresAt: Int64
    )
        throws(StoreError)
    {
        try connection.prepare("DELETE FROM unlock_pins WHERE target_uid = ? AND actor = ?")
            .run([.integer(Int64(targetUID)), .text(actor)])
        try connection.prepare(
            """
            INSERT INTO unlock_pins (target_uid, actor, salt, hash, created_at, expires_at) VALUES (?, ?, ?, ?, ?, ?)
            """
        ).run([.integer(Int64(targetUID)), .text(actor), .blob(salt), .blob(hash), .integer(now), .integer(expiresAt)])
    }

    /// The latest PIN for this target and administrator, if any.
    public func latestUnlockPIN(targetUID: UInt32, actor: String) throws(StoreError) -> StoredUnlockPIN? {
        let statement = try connection.prepare(
            """
            SELECT id, salt, hash, expires_at, tries, used_at FROM unlock_pins
            WHERE target_uid = ? AND actor = ? ORDER BY id DESC LIMIT 1
            """)
        try statement.bind([.integer(Int64(targetUID)), .text(actor)])
        guard try statement.step() else { return nil }
        return StoredUnlockPIN(
            id: statement.integer(0), targetUID: targetUID, actor: actor, salt: statement.blob(1),
            hash: statement.blob(2), expiresAt: statement.integer(3), tries: Int(clamping: statement.integer(4)),
            usedAt: statement.optionalInteger(5))
    }

    public func countUnlockPINTry(id: Int64) throws(StoreError) {
        try connection.prepare("UPDATE unlock_pins SET tries = tries + 1 WHERE id = ?").run([.integer(id)])
    }

    public func markUnlockPINUsed(id: Int64, now: Int64) throws(StoreError) {
        try connection.prepare("UPDATE unlock_pins SET used_at = ? WHERE id = ?").run([.integer(now), .integer(id)])
    }
}

/// What the PIN limits count: PINs requested and wrong PINs typed.
public enum PINAttemptKind: String, Sendable {
    case request
    case wrongPIN = "wrong"
}

extension StateStore {
    /// How many attempts of this kind the administrator, and how many were made on this
    /// account, since `since`.
    public func pinAttempts(_ kind: PINAttemptKind, actor: String, targetUID: UInt32, since: Int64)
        throws(StoreError) -> (byActor: Int, onAccount: Int)
    {
        let byActor = try connection.prepare(
            "SELECT count(*) FROM pin_attempts WHERE actor = ? AND kind = ? AND time >= ?")
        try byActor.bind([.text(actor), .text(kind.rawValue), .integer(since)])
        let onAccount = try connection.prepare(
            "SELECT count(*) FROM pin_attempts WHERE target_uid = ? AND kind = ? AND time >= ?")
        try onAccount.bind([.integer(Int64(targetUID)), .text(kind.rawValue), .integer(since)])
        guard try byActor.step(), try onAccount.step() else { return (0, 0) }
        return (Int(clamping: byActor.integer(0)), Int(clamping: onAccount.integer(0)))
    }

    /// Records an attempt and forgets those older than `keepSince`.
    public func recordPINAttempt(_ kind: PINAttemptKind, actor: String, targetUID: UInt32, now: Int64, keepSince: Int64)
        throws(StoreError)
    {
        try connection.prepare("DELETE FROM pin_attempts WHERE time < ?").run([.integer(keepSince)])
        try connection.prepare("INSERT INTO pin_attempts (kind, actor, target_uid, time) VALUES (?, ?, ?, ?)")
            .run([.text(kind.rawValue), .text(actor), .integer(Int64(targetUID)), .integer(now)])
    }
}
