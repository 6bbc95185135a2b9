import LockwardenPolicy
import LockwardenTOTP

/// A user's whole second factor on this host: the record and the unused backup codes. The
/// fleet compares it before and after a change, and the agent shares it.
public struct LocalSecondFactor: Equatable, Sendable {
    public var record: MFARecord
    public var backupCodes: [SharedBackupCode]
    /// When the current backup codes were made (nil with none left).
    public var codesAt: Int64?

    public init(record: MFARecord, backupCodes: [SharedBackupCode], codesAt: Int64?) {
        self.record = record
        self.backupCodes = backupCodes
        self.codesAt = codesAt
    }
}

extension StateStore {
    /// Nil when the user has no second-factor record.
    public func localSecondFactor(uid: UInt32) throws(StoreError) -> LocalSecondFactor? {
        guard let record = try mfa(uid: uid) else { return nil }
        let statement = try connection.prepare(
            "SELECT salt, hash, created_at FROM backup_codes WHERE uid = ? ORDER BY id")
        try statement.bind([.integer(Int64(uid))])
        var codes: [SharedBackupCode] = []
        var codesAt: Int64?
        while try statement.step() {
            codes.append(SharedBackupCode(salt: statement.blob(0), hash: statement.blob(1)))
            codesAt = max(codesAt ?? Int64.min, statement.integer(2))
        }
        return LocalSecondFactor(record: record, backupCodes: codes, codesAt: codesAt)
    }

    /// Inside a transaction: the record and the backup codes, as given.
    public func replaceLocalSecondFactor(_ factor: LocalSecondFactor, now: Int64) throws(StoreError) {
        try save(factor.record)
        try replaceBackupCodes(
            uid: factor.record.uid, with: factor.backupCodes.map { ($0.salt, $0.hash) }, now: factor.codesAt ?? now)
    }
}
