import LockwardenPolicy
import LockwardenTOTP

/// A user's whole second factor on this host: the record, the unused backup codes and the
/// one-time codes. The fleet compares it before and after a change, and the agent shares it.
public struct LocalSecondFactor: Equatable, Sendable {
    public var record: MFARecord
    public var backupCodes: [SharedBackupCode]
    /// When the current backup codes were made (nil with none left).
    public var codesAt: Int64?
    public var oneTimeCodes: [SharedOneTimeCode]

    public init(
        record: MFARecord, backupCodes: [SharedBackupCode], codesAt: Int64?, oneTimeCodes: [SharedOneTimeCode] = []
    ) {
        self.record = record
        self.backupCodes = backupCodes
        self.codesAt = codesAt
        self.oneTimeCodes = oneTimeCodes
    }
}

extension StateStore {
    /// Nil when the user has neither a second-factor record nor a one-time code.
    public func localSecondFactor(uid: UInt32) throws(StoreError) -> LocalSecondFactor? {
        let oneTime = try oneTimeCodes(uid: uid)
        guard let record = try mfa(uid: uid) ?? (oneTime.isEmpty ? nil : MFARecord(uid: uid)) else { return nil }
        let statement = try connection.prepare(
            "SELECT salt, hash, created_at FROM backup_codes WHERE uid = ? ORDER BY id")
        try statement.bind([.integer(Int64(uid))])
        var codes: [SharedBackupCode] = []
        var codesAt: Int64?
        while try statement.step() {
            codes.append(SharedBackupCode(salt: statement.blob(0), hash: statement.blob(1)))
            codesAt = max(codesAt ?? Int64.min, statement.integer(2))
        }
        return LocalSecondFactor(record: record, backupCodes: codes, codesAt: codesAt, oneTimeCodes: oneTime)
    }

    private func oneTimeCodes(uid: UInt32) throws(StoreError) -> [SharedOneTimeCode] {
        let statement = try connection.prepare(
            """
            SELECT purpose, salt, hash, created_at, expires_at, tries, used_at FROM one_time_codes
            WHERE uid = ? ORDER BY purpose
            """)
        try statement.bind([.integer(Int64(uid))])
        var codes: [SharedOneTimeCode] = []
        while try statement.step() {
            codes.append(
                SharedOneTimeCode(
                    purpose: statement.text(0), salt: statement.blob(1), hash: statement.blob(2),
                    createdAt: statement.integer(3), expiresAt: statement.integer(4),
                    tries: Int(clamping: statement.integer(5)), usedAt: statement.optionalInteger(6)))
        }
        return codes
    }

    /// Inside a transaction: the record and the backup codes, as given.
    public func replaceLocalSecondFactor(_ factor: LocalSecondFactor, now: Int64) throws(StoreError) {
        try save(factor.record)
        try replaceBackupCodes(
            uid: factor.record.uid, with: factor.backupCodes.map { ($0.salt, $0.hash) }, now: factor.codesAt ?? now)
        let uid = Int64(factor.record.uid)
        try connection.prepare("DELETE FROM one_time_codes WHERE uid = ?").run([.integer(uid)])
        let insert = try connection.prepare(
            """
            INSERT INTO one_time_codes (uid, purpose, salt, hash, created_at, expires_at, tries, used_at)
            VALUES (?, ?, ?, ?, ?, ?, ?, ?)
            """)
        for code in factor.oneTimeCodes where OneTimeCodePurpose(rawValue: code.purpose) != nil {
            try insert.run([
                .integer(uid), .text(code.purpose), .blob(code.salt), .blob(code.hash), .integer(code.createdAt),
                .integer(code.expiresAt), .integer(Int64(code.tries)), code.usedAt.sql,
            ])
        }
    }
}
