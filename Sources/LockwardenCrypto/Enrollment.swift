public import LockwardenTOTP

/// New second-factor material: a 160-bit secret and ten backup codes. Shared by
/// `lockwarden mfa enroll` and enrollment during a login, so both make the same thing.
public enum Enrollment {
    public static let secretBytes = 20

    /// A backup code as shown once to the user, and what is stored of it.
    public struct BackupCode: Sendable {
        public var display: String
        public var salt: [UInt8]
        public var hash: [UInt8]
    }

    /// 160 bits from the kernel's CSPRNG; nil if it cannot supply them.
    public static func newSecret() -> [UInt8]? { RandomBytes.make(secretBytes) }

    /// Ten fresh codes, each salted and hashed; nil if randomness or hashing failed.
    public static func newBackupCodes() -> [BackupCode]? {
        var codes: [BackupCode] = []
        for _ in 0..<BackupCodeFormat.count {
            guard let random = RandomBytes.make(BackupCodeFormat.randomBytesPerCode),
                let display = BackupCodeFormat.make(from: random),
                let canonical = BackupCodeFormat.normalize(Array(display.utf8)),
                let salt = RandomBytes.make(SecretHash.saltBytes),
                let hash = SecretHash.derive(canonical, salt: salt)
            else { return nil }
            codes.append(BackupCode(display: display, salt: salt, hash: hash))
        }
        return codes
    }

    /// The stored code (by id) that `typed` matches, if any. Every candidate is hashed.
    public static func matchingBackupCode(_ typed: [UInt8], among stored: [(id: Int64, salt: [UInt8], hash: [UInt8])])
        -> Int64?
    {
        guard var canonical = BackupCodeFormat.normalize(typed) else { return nil }
        defer { SecretBytes.wipe(&canonical) }
        var found: Int64?
        for code in stored where SecretHash.matches(canonical, salt: code.salt, expected: code.hash) && found == nil {
            found = code.id
        }
        return found
    }
}
