/// A user's second factor as the fleet shares it: what every host needs to check a code, and
/// the marks that make a used code or backup code unusable everywhere. The secret travels only
/// sealed (the fleet database never sees it); `fingerprint` tells two secrets apart without it.
/// Times are on one clock: the database's while pushed and stored, the host's once mirrored.
public struct SharedSecondFactor: Equatable, Sendable {
    /// A digest of the secret, empty when none is enrolled (not yet, or since a reset).
    public var fingerprint: [UInt8]
    /// The secret, sealed with the fleet key (empty with no secret).
    public var sealedSecret: [UInt8]
    public var algorithm: String
    public var digits: Int
    public var period: Int64
    /// The highest time step accepted on any host: the replay mark.
    public var lastStep: UInt64?
    public var enrolledAt: Int64?
    public var reenrollRequired: Bool
    public var resetAt: Int64?
    public var resetBy: String?
    /// The backup codes still unused, as salt and slow hash.
    public var backupCodes: [SharedBackupCode]
    /// When the current set of backup codes was made.
    public var codesAt: Int64?
    /// The user's mailed or handed-out one-time codes (a device code after a reset, a password
    /// reset code), one per purpose, as salt and slow hash: typed on any host.
    public var oneTimeCodes: [SharedOneTimeCode]

    public init(
        fingerprint: [UInt8], sealedSecret: [UInt8], algorithm: String, digits: Int, period: Int64,
        lastStep: UInt64?, enrolledAt: Int64?, reenrollRequired: Bool, resetAt: Int64?, resetBy: String?,
        backupCodes: [SharedBackupCode], codesAt: Int64?, oneTimeCodes: [SharedOneTimeCode] = []
    ) {
        self.fingerprint = fingerprint
        self.sealedSecret = sealedSecret
        self.algorithm = algorithm
        self.digits = digits
        self.period = period
        self.lastStep = lastStep
        self.enrolledAt = enrolledAt
        self.reenrollRequired = reenrollRequired
        self.resetAt = resetAt
        self.resetBy = resetBy
        self.backupCodes = backupCodes
        self.codesAt = codesAt
        self.oneTimeCodes = oneTimeCodes
    }

    /// When the secret was last replaced: its enrollment or its reset, whichever is later.
    public var changedAt: Int64 { max(enrolledAt ?? Int64.min, resetAt ?? Int64.min) }

    /// The same factor on a clock `offset` seconds ahead.
    public func shifted(by offset: Int64) -> SharedSecondFactor {
        var factor = self
        factor.enrolledAt = enrolledAt.map { $0.saturatingAdd(offset) }
        factor.resetAt = resetAt.map { $0.saturatingAdd(offset) }
        factor.codesAt = codesAt.map { $0.saturatingAdd(offset) }
        factor.oneTimeCodes = oneTimeCodes.map { $0.shifted(by: offset) }
        return factor
    }

    /// Two pushes of the same moment from hosts whose clock offsets were measured a second
    /// apart must still count as the same moment.
    static let clockTolerance: Int64 = 2

    /// What the fleet holds after `pushed` arrives on top of `stored` (nil: nothing stored yet).
    /// A newer enrollment or reset replaces everything; an older one is stale and changes
    /// nothing. For the same secret the replay mark only grows, and a backup code used anywhere
    /// stays used; a newer set of backup codes replaces an older one.
    public static func merged(stored: SharedSecondFactor?, pushed: SharedSecondFactor) -> SharedSecondFactor {
        guard let stored else { return pushed }
        let codes = SharedOneTimeCode.merged(stored: stored.oneTimeCodes, pushed: pushed.oneTimeCodes)
        if pushed.fingerprint != stored.fingerprint {
            var winner = pushed.changedAt >= stored.changedAt ? pushed : stored
            winner.oneTimeCodes = codes
            return winner
        }
        var result = stored
        if let step = pushed.lastStep { result.lastStep = max(stored.lastStep ?? 0, step) }
        if pushed.changedAt > stored.changedAt {
            result.enrolledAt = pushed.enrolledAt
            result.reenrollRequired = pushed.reenrollRequired
            result.resetAt = pushed.resetAt
            result.resetBy = pushed.resetBy
        }
        let common = pushed.backupCodes.filter { code in stored.backupCodes.contains { $0.salt == code.salt } }
        if !common.isEmpty {
            // The same set, used on both sides: only what neither has used is left.
            result.backupCodes = common
        } else if pushed.backupCodes.isEmpty {
            // The pushing host used its last code. (A set renewed elsewhere in the same moment
            // is lost with it; the user then has none, as `show` says, and asks for new ones.)
            result.backupCodes = []
        } else if isNewer(pushed.codesAt, than: stored.codesAt) {
            result.backupCodes = pushed.backupCodes
            result.codesAt = pushed.codesAt
        }
        result.oneTimeCodes = codes
        return result
    }

    private static func isNewer(_ time: Int64?, than other: Int64?) -> Bool {
        guard let time else { return false }
        guard let other else { return true }
        return time > other.saturatingAdd(clockTolerance)
    }
}

/// One unused backup code: its salt and its slow hash, never the code.
public struct SharedBackupCode: Equatable, Sendable {
    public var salt: [UInt8]
    public var hash: [UInt8]

    public init(salt: [UInt8], hash: [UInt8]) {
        self.salt = salt
        self.hash = hash
    }
}

/// A one-time code for one purpose: its salt and slow hash, never the code, and its use.
public struct SharedOneTimeCode: Equatable, Sendable {
    public var purpose: String
    public var salt: [UInt8]
    public var hash: [UInt8]
    public var createdAt: Int64
    public var expiresAt: Int64
    public var tries: Int
    public var usedAt: Int64?

    public init(
        purpose: String, salt: [UInt8], hash: [UInt8], createdAt: Int64, expiresAt: Int64, tries: Int, usedAt: Int64?
    ) {
        self.purpose = purpose
        self.salt = salt
        self.hash = hash
        self.createdAt = createdAt
        self.expiresAt = expiresAt
        self.tries = tries
        self.usedAt = usedAt
    }

    func shifted(by offset: Int64) -> SharedOneTimeCode {
        var code = self
        code.createdAt = createdAt.saturatingAdd(offset)
        code.expiresAt = expiresAt.saturatingAdd(offset)
        code.usedAt = usedAt.map { $0.saturatingAdd(offset) }
        return code
    }

    /// Per purpose: a newer code replaces an older one; for the same code the tries add up to
    /// the most either side counted, and a use anywhere is a use.
    static func merged(stored: [SharedOneTimeCode], pushed: [SharedOneTimeCode]) -> [SharedOneTimeCode] {
        var result = stored
        for code in pushed {
            guard let index = result.firstIndex(where: { $0.purpose == code.purpose }) else {
                result.append(code)
                continue
            }
            let current = result[index]
            if current.salt == code.salt {
                result[index].tries = max(current.tries, code.tries)
                if let used = code.usedAt { result[index].usedAt = min(current.usedAt ?? used, used) }
            } else if code.createdAt >= current.createdAt {
                result[index] = code
            }
        }
        return result
    }
}
