internal import LockwardenTOTP

/// Salted, slow hashes for short secrets that are checked later (backup codes, unlock PINs):
/// PBKDF2-HMAC-SHA256. The database never holds the secret itself.
public enum SecretHash {
    public static let saltBytes = 16
    public static let hashBytes = 32
    /// Enough to make offline guessing of a 50-bit code pointless, cheap enough that a login
    /// checking ten codes stays under a tenth of a second (about 7 ms per code here).
    public static let iterations: Int32 = 10_000

    public static func derive(_ secret: [UInt8], salt: [UInt8], iterations: Int32 = SecretHash.iterations) -> [UInt8]? {
        guard secret.count <= 1_024, salt.count <= 1_024, iterations > 0 else { return nil }
        return Hashing.pbkdf2(.sha256, password: secret, salt: salt, iterations: Int(iterations), length: hashBytes)
    }

    /// Whether `secret` hashes to `expected` with `salt`, compared in constant time.
    public static func matches(_ secret: [UInt8], salt: [UInt8], expected: [UInt8]) -> Bool {
        guard let actual = derive(secret, salt: salt) else { return false }
        return constantTimeEqual(actual, expected)
    }
}
