import LockwardenTOTP
import Testing

@testable import LockwardenCrypto

@Suite("Stored secrets and TOTP keep their meaning")
struct SecretHashTests {
    /// Backup codes and PINs already in databases were hashed by libcrypto's
    /// PKCS5_PBKDF2_HMAC with these parameters; they must still match.
    @Test("hashes made by libcrypto still match")
    func storedHashesStillMatch() {
        var bytes = TestBytes(seed: 6)
        for length in [0, 1, 6, 10, 64, 65, 1_024] {
            let secret = bytes.next(length)
            let salt = bytes.next(SecretHash.saltBytes)
            let stored = OpenSSLOracle.pbkdf2(.sha256, password: secret, salt: salt, iterations: 10_000, length: 32)
            #expect(SecretHash.derive(secret, salt: salt) == stored, "\(length)-byte secret")
            #expect(SecretHash.matches(secret, salt: salt, expected: stored), "\(length)-byte secret")
        }
        // One fixed row, so the parameters themselves cannot drift.
        let salt = [UInt8](0..<16)
        let fixed = hex("5b2774a8b8a3defdba018455d0ee2d83c479ca0f1256b33a8c89c5fed95722f1")
        #expect(SecretHash.matches(Array("ABCDE12345".utf8), salt: salt, expected: fixed))
    }

    @Test("a wrong secret, salt or stored length never matches")
    func mismatches() {
        let salt = [UInt8](0..<16)
        let secret = Array("ABCDE12345".utf8)
        let stored = SecretHash.derive(secret, salt: salt) ?? []
        #expect(stored.count == SecretHash.hashBytes)
        #expect(!SecretHash.matches(Array("ABCDE12346".utf8), salt: salt, expected: stored))
        #expect(!SecretHash.matches(secret, salt: Array(salt.reversed()), expected: stored))
        #expect(!SecretHash.matches(secret, salt: salt, expected: Array(stored.prefix(31))))
        #expect(!SecretHash.matches(secret, salt: salt, expected: stored + [0]))
        #expect(!SecretHash.matches(secret, salt: salt, expected: []))
    }

    @Test("out-of-range input is refused, not trapped on")
    func refusals() {
        #expect(SecretHash.derive([1], salt: [2], iterations: 0) == nil)
        #expect(SecretHash.derive([1], salt: [2], iterations: -5) == nil)
        #expect(SecretHash.derive([UInt8](repeating: 0, count: 1_025), salt: []) == nil)
        #expect(SecretHash.derive([], salt: [UInt8](repeating: 0, count: 1_025)) == nil)
        #expect(Hashing.pbkdf2(.sha256, password: [], salt: [], iterations: 1, length: -1) == nil)
        #expect(Hashing.pbkdf2(.sha256, password: [], salt: [], iterations: 1, length: 4_097) == nil)
        #expect(Hashing.pbkdf2(.sha256, password: [], salt: [], iterations: 1, length: 0) == [])
        #expect(!SecretHash.matches([UInt8](repeating: 0, count: 2_000), salt: [], expected: []))
    }

    @Test("NettleHMAC gives what libcrypto's HMAC gave, for every TOTP algorithm")
    func providerMatchesOracle() {
        var bytes = TestBytes(seed: 7)
        for (algorithm, oracle) in [(OTPAlgorithm.sha1, HashAlgorithm.sha1), (.sha256, .sha256), (.sha512, .sha512)] {
            for keyLength in [0, 10, 20, 32, 64, 65, 128, 129] {
                let key = bytes.next(keyLength)
                let counter = bytes.next(8)
                #expect(
                    NettleHMAC().hmac(algorithm, key: key, message: counter)
                        == OpenSSLOracle.hmac(oracle, key: key, message: counter), "\(algorithm) \(keyLength)")
            }
        }
    }

    @Test("random bytes come in the asked number, and not all alike")
    func randomBytes() {
        #expect(RandomBytes.make(0) == nil)
        #expect(RandomBytes.make(4_097) == nil)
        let first = RandomBytes.make(32) ?? []
        let second = RandomBytes.make(32) ?? []
        #expect(first.count == 32 && second.count == 32 && first != second)
        #expect(RandomBytes.make(4_096)?.count == 4_096)
    }
}
