internal import CCrypto

/// Salted, slow hashes for short secrets that are checked later (backup codes, unlock PINs):
/// PBKDF2-HMAC-SHA256 from libcrypto. The database never holds the secret itself.
public enum SecretHash {
    public static let saltBytes = 16
    public static let hashBytes = 32
    /// Enough to make offline guessing of a 50-bit code pointless, cheap enough that a login
    /// checking ten codes stays well under a tenth of a second.
    public static let iterations: Int32 = 10_000

    public static func derive(_ secret: [UInt8], salt: [UInt8], iterations: Int32 = SecretHash.iterations) -> [UInt8]? {
        guard secret.count <= 1_024, salt.count <= 1_024, iterations > 0 else { return nil }
        var output = [UInt8](repeating: 0, count: hashBytes)
        let status = secret.withUnsafeBytes { secretBytes in
            salt.withUnsafeBytes { saltBytes in
                output.withUnsafeMutableBufferPointer { buffer in
                    PKCS5_PBKDF2_HMAC(
                        secretBytes.baseAddress?.assumingMemoryBound(to: CChar.self), Int32(secretBytes.count),
                        saltBytes.baseAddress?.assumingMemoryBound(to: UInt8.self), Int32(saltBytes.count),
                        iterations, EVP_sha256(), Int32(buffer.count), buffer.baseAddress)
                }
            }
        }
        return status == 1 ? output : nil
    }

    /// Whether `secret` hashes to `expected` with `salt`, compared in constant time.
    public static func matches(_ secret: [UInt8], salt: [UInt8], expected: [UInt8]) -> Bool {
        guard let actual = derive(secret, salt: salt), actual.count == expected.count else { return false }
        return actual.withUnsafeBytes { left in
            expected.withUnsafeBytes { right in CRYPTO_memcmp(left.baseAddress, right.baseAddress, left.count) == 0 }
        }
    }
}
