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
        return pbkdf2(SHA256.self, password: secret, salt: salt, iterations: Int(iterations), length: hashBytes)
    }

    /// Whether `secret` hashes to `expected` with `salt`, compared in constant time.
    public static func matches(_ secret: [UInt8], salt: [UInt8], expected: [UInt8]) -> Bool {
        guard let actual = derive(secret, salt: salt) else { return false }
        return constantTimeEqual(actual, expected)
    }

    /// PBKDF2 (RFC 8018 §5.2): output block i is U1 ^ U2 ^ ... ^ Uc, where U1 = HMAC(P, S || i)
    /// with i as four big-endian bytes, and Uj = HMAC(P, Uj-1). nil for a count below 1 or a
    /// length beyond what any caller needs.
    static func pbkdf2<H: BlockHash>(_ hash: H.Type, password: [UInt8], salt: [UInt8], iterations: Int, length: Int)
        -> [UInt8]?
    {
        guard iterations >= 1, (0...4_096).contains(length) else { return nil }
        let key = HMACKey<H>(password)
        var message = salt + [0, 0, 0, 0]
        var output: [UInt8] = []
        output.reserveCapacity(length)
        var blockIndex: UInt32 = 1
        while output.count < length {
            for byte in 0..<4 {
                message[salt.count + byte] = UInt8(truncatingIfNeeded: blockIndex &>> UInt32(24 - 8 * byte))
            }
            var chained = message.withUnsafeBytes { key.macState($0) }
            var sum = chained
            for _ in 1..<iterations {
                chained = key.chain(chained)
                for word in 0..<H.digestWords { sum[word] ^= chained[word] }
            }
            output += H.digest(sum).prefix(length - output.count)
            blockIndex &+= 1
        }
        return output
    }
}
