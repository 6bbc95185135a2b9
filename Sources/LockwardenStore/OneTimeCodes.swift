/// What one-time codes are for; each user has at most one of each, the most recent.
public enum OneTimeCodePurpose: String, Sendable {
    case deviceAuthorization = "device"
    case passwordReset = "password"
}

/// A stored one-time code: only its salt and slow hash.
public struct StoredOneTimeCode: Equatable, Sendable {
    public var salt: [UInt8]
    public var hash: [UInt8]
    public var createdAt: Int64
    public var expiresAt: Int64
    public var tries: Int
    public var usedAt: Int64?

    /// Unused, unexpired and not tried too often.
    public func isUsable(at now: Int64, maxTries: Int) -> Bool {
        usedAt == nil && now < expiresAt && tries < maxTries
    }
}

extension StateStore {
    /// Inside a transaction: the user's new code for this purpose; any earlier one stops working.
    public func replaceOneTimeCode(
        uid: UInt32, purpose: OneTimeCodePurpose, salt: [UInt8], hash: [UInt8], now: Int64, expiresAt: Int64
    ) throws(StoreError) {
        try requireTransaction()
        secondFactorWrites += 1
        try connection.prepare(
            """
            INSERT OR REPLACE INTO one_time_codes (uid, purpose, salt, hash, created_at, expires_at, tries, used_at)
            VALUES (?, ?, ?, ?, ?, ?, 0, NULL)
            """
        ).run([
            .integer(Int64(uid)), .text(purpose.rawValue), .blob(salt), .blob(hash), .integer(now), .integer(expiresAt),
        ])
    }

    public func oneTimeCode(uid: UInt32, purpose: OneTimeCodePurpose) throws(StoreError) -> StoredOneTimeCode? {
        let statement = try connection.prepare(
            "SELECT salt, hash, created_at, expires_at, tries, used_at FROM one_time_codes WHERE uid = ? AND purpose = ?"
        )
        try statement.bind([.integer(Int64(uid)), .text(purpose.rawValue)])
        guard try statement.step() else { return nil }
        return StoredOneTimeCode(
            salt: statement.blob(0), hash: statement.blob(1), createdAt: statement.integer(2),
            expiresAt: statement.integer(3), tries: Int(clamping: statement.integer(4)),
            usedAt: statement.optionalInteger(5))
    }

    public func countOneTimeCodeTry(uid: UInt32, purpose: OneTimeCodePurpose) throws(StoreError) {
        secondFactorWrites += 1
        try connection.prepare("UPDATE one_time_codes SET tries = tries + 1 WHERE uid = ? AND purpose = ?").run([
            .integer(Int64(uid)), .text(purpose.rawValue),
        ])
    }

    public func markOneTimeCodeUsed(uid: UInt32, purpose: OneTimeCodePurpose, now: Int64) throws(StoreError) {
        secondFactorWrites += 1
        try connection.prepare("UPDATE one_time_codes SET used_at = ? WHERE uid = ? AND purpose = ?").run([
            .integer(now), .integer(Int64(uid)), .text(purpose.rawValue),
        ])
    }
}
