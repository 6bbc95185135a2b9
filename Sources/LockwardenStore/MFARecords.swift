import LockwardenTOTP

/// A user's second factor. `secret == nil` means not enrolled (yet, or since a reset).
public struct MFARecord: Equatable, Sendable {
    public var uid: UInt32
    public var secret: [UInt8]?
    public var settings: TOTPSettings
    /// The highest time step ever accepted: no code for it or an earlier step is accepted again.
    public var lastStep: UInt64?
    public var enrolledAt: Int64?
    /// Set by `lockwarden mfa reset`: the next login enrolls a new secret.
    public var reenrollRequired: Bool
    public var resetAt: Int64?
    public var resetBy: String?

    public init(
        uid: UInt32, secret: [UInt8]? = nil, settings: TOTPSettings = TOTPSettings(), lastStep: UInt64? = nil,
        enrolledAt: Int64? = nil, reenrollRequired: Bool = false, resetAt: Int64? = nil, resetBy: String? = nil
    ) {
        self.uid = uid
        self.secret = secret
        self.settings = settings
        self.lastStep = lastStep
        self.enrolledAt = enrolledAt
        self.reenrollRequired = reenrollRequired
        self.resetAt = resetAt
        self.resetBy = resetBy
    }

    public var isEnrolled: Bool { secret != nil }
}

/// A stored backup code: only its salt and slow hash.
public struct StoredBackupCode: Equatable, Sendable {
    public var id: Int64
    public var salt: [UInt8]
    public var hash: [UInt8]
}

extension StateStore {
    public func mfa(uid: UInt32) throws(StoreError) -> MFARecord? {
        let statement = try connection.prepare(
            """
            SELECT secret, algorithm, digits, period, last_step, enrolled_at, reenroll_required, reset_at, reset_by
            FROM mfa WHERE uid = ?
            """)
        try statement.bind([.integer(Int64(uid))])
        guard try statement.step() else { return nil }
        let settings = TOTPSettings(
            algorithm: OTPAlgorithm(rawValue: statement.text(1)) ?? .sha1,
            digits: Int(clamping: statement.integer(2)), period: statement.integer(3))
        return MFARecord(
            uid: uid, secret: statement.isNull(0) ? nil : statement.blob(0), settings: settings,
            lastStep: statement.optionalInteger(4).flatMap { UInt64(exactly: $0) },
            enrolledAt: statement.optionalInteger(5),
            reenrollRequired: statement.integer(6) != 0, resetAt: statement.optionalInteger(7),
            resetBy: statement.optionalText(8))
    }

    public func save(_ record: MFARecord) throws(StoreError) {
        try requireTransaction()
        touchedKeys.append(.user(uid: record.uid, name: ""))
        secondFactorWrites += 1
        try connection.prepare(
            """
            INSERT INTO mfa (uid, secret, algorithm, digits, period, last_step, enrolled_at, reenroll_required,
                reset_at, reset_by) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
            ON CONFLICT(uid) DO UPDATE SET secret = excluded.secret, algorithm = excluded.algorithm,
                digits = excluded.digits, period = excluded.period, last_step = excluded.last_step,
                enrolled_at = excluded.enrolled_at, reenroll_required = excluded.reenroll_required,
                reset_at = excluded.reset_at, reset_by = excluded.reset_by
            """
        ).run([
            .integer(Int64(record.uid)), record.secret.map(SQLValue.blob) ?? .null,
            .text(record.settings.algorithm.rawValue),
            .integer(Int64(record.settings.digits)), .integer(record.settings.period),
            record.lastStep.map { .integer(Int64(clamping: $0)) } ?? .null, record.enrolledAt.sql,
            .integer(record.reenrollRequired ? 1 : 0), record.resetAt.sql, record.resetBy.sql,
        ])
    }

    /// Every user with a second-factor record, by UID.
    public func allMFA() throws(StoreError) -> [MFARecord] {
        let statement = try connection.prepare("SELECT uid FROM mfa ORDER BY uid")
        try statement.bind([])
        var uids: [UInt32] = []
        while try statement.step() {
            if let uid = UInt32(exactly: statement.integer(0)) { uids.append(uid) }
        }
        var records: [MFARecord] = []
        for uid in uids {
            if let record = try mfa(uid: uid) { records.append(record) }
        }
        return records
    }

    public func backupCodes(uid: UInt32) throws(StoreError) -> [StoredBackupCode] {
        let statement = try connection.prepare("SELECT id, salt, hash FROM backup_codes WHERE uid = ? ORDER BY id")
        try statement.bind([.integer(Int64(uid))])
        var codes: [StoredBackupCode] = []
        while try statement.step() {
            codes.append(StoredBackupCode(id: statement.integer(0), salt: statement.blob(1), hash: statement.blob(2)))
        }
        return codes
    }

    /// Replaces all of a user's backup codes (old ones stop working at once).
    public func replaceBackupCodes(uid: UInt32, with codes: [(salt: [UInt8], hash: [UInt8])], now: Int64)
        throws(StoreError)
    {
        secondFactorWrites += 1
        try connection.prepare("DELETE FROM backup_codes WHERE uid = ?").run([.integer(Int64(uid))])
        let insert = try connection.prepare(
            "INSERT INTO backup_codes (uid, salt, hash, created_at) VALUES (?, ?, ?, ?)")
        for code in codes {
            try insert.run([.integer(Int64(uid)), .blob(code.salt), .blob(code.hash), .integer(now)])
        }
    }

    /// Uses up one backup code; true if it was still there (a concurrent login may have won).
    public func consumeBackupCode(id: Int64) throws(StoreError) -> Bool {
        secondFactorWrites += 1
        try connection.prepare("DELETE FROM backup_codes WHERE id = ?").run([.integer(id)])
        return connection.changes == 1
    }
}
