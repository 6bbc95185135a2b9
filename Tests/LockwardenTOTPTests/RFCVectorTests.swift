import LockwardenCrypto
import LockwardenTOTP
import Testing

private let hmac = NettleHMAC()
private let seed20 = Array("12345678901234567890".utf8)
private let seed32 = Array("12345678901234567890123456789012".utf8)
private let seed64 = Array("1234567890123456789012345678901234567890123456789012345678901234".utf8)

/// RFC 6238 Appendix B: all 18 rows, 8 digits, 30-second steps.
private let rfc6238: [(time: Int64, algorithm: OTPAlgorithm, code: String)] = [
    (59, .sha1, "94287082"), (59, .sha256, "46119246"), (59, .sha512, "90693936"),
    (1_111_111_109, .sha1, "07081804"), (1_111_111_109, .sha256, "68084774"), (1_111_111_109, .sha512, "25091201"),
    (1_111_111_111, .sha1, "14050471"), (1_111_111_111, .sha256, "67062674"), (1_111_111_111, .sha512, "99943326"),
    (1_234_567_890, .sha1, "89005924"), (1_234_567_890, .sha256, "91819424"), (1_234_567_890, .sha512, "93441116"),
    (2_000_000_000, .sha1, "69279037"), (2_000_000_000, .sha256, "90698825"), (2_000_000_000, .sha512, "38618901"),
    (20_000_000_000, .sha1, "65353130"), (20_000_000_000, .sha256, "77737706"), (20_000_000_000, .sha512, "47863826"),
]

/// RFC 4226 Appendix D: HOTP values for counters 0...9, 6 digits, SHA-1.
private let rfc4226 = [
    "755224", "287082", "359152", "969429", "338314", "254676", "287922", "162583", "399871", "520489",
]

private func seed(for algorithm: OTPAlgorithm) -> [UInt8] {
    switch algorithm {
    case .sha1: return seed20
    case .sha256: return seed32
    case .sha512: return seed64
    }
}

@Test("RFC 6238 Appendix B vectors", arguments: rfc6238.indices)
func rfc6238Vector(_ index: Int) {
    let row = rfc6238[index]
    let settings = TOTPSettings(algorithm: row.algorithm, digits: 8)
    #expect(
        TOTPVerifier.code(secret: seed(for: row.algorithm), settings: settings, at: row.time, using: hmac) == row.code)
}

@Test("RFC 4226 Appendix D vectors", arguments: rfc4226.indices)
func rfc4226Vector(_ counter: Int) {
    let code = OTP.hotp(secret: seed20, counter: UInt64(counter), digits: 6, algorithm: .sha1, using: hmac)
    #expect(code == rfc4226[counter])
}

@Test("a code is accepted one step either side and rejected two steps away")
func windowEdges() {
    let settings = TOTPSettings(digits: 6)
    let now: Int64 = 1_700_000_010
    for (offset, accepted) in [(-2, false), (-1, true), (0, true), (1, true), (2, false)] {
        let code =
            TOTPVerifier.code(secret: seed20, settings: settings, at: now + Int64(offset) * 30, using: hmac) ?? ""
        let result = TOTPVerifier.verify(
            code: Array(code.utf8), secret: seed20, settings: settings, now: now, lastAcceptedStep: nil, using: hmac)
        if accepted {
            #expect(result == .accepted(step: UInt64((now / 30) + Int64(offset))), "offset \(offset)")
        } else {
            #expect(result == .wrong, "offset \(offset)")
        }
    }
}

@Test("the same step is never accepted twice, nor an older one after a newer")
func replay() {
    let settings = TOTPSettings()
    let now: Int64 = 1_700_000_010
    let step = UInt64(now / 30)
    let current = Array((TOTPVerifier.code(secret: seed20, settings: settings, at: now, using: hmac) ?? "").utf8)
    let older = Array((TOTPVerifier.code(secret: seed20, settings: settings, at: now - 30, using: hmac) ?? "").utf8)
    #expect(
        TOTPVerifier.verify(
            code: current, secret: seed20, settings: settings, now: now, lastAcceptedStep: step, using: hmac)
            == .replayed)
    #expect(
        TOTPVerifier.verify(
            code: older, secret: seed20, settings: settings, now: now, lastAcceptedStep: step, using: hmac) == .replayed
    )
    #expect(
        TOTPVerifier.verify(
            code: current, secret: seed20, settings: settings, now: now, lastAcceptedStep: step - 1, using: hmac)
            == .accepted(step: step))
}

@Test(
    "anything but exactly the configured number of ASCII digits is malformed",
    arguments: ["", "12345", "1234567", "12345a", " 123456", "123456\n", "１２３４５６", "-12345", "123 456"])
func strictFormat(_ typed: String) {
    let result = TOTPVerifier.verify(
        code: Array(typed.utf8), secret: seed20, settings: TOTPSettings(), now: 1_700_000_000, lastAcceptedStep: nil,
        using: hmac)
    #expect(result == .malformed)
}

@Test("base32 round-trips and matches RFC 4648 examples")
func base32() {
    #expect(Base32.encode(Array("foobar".utf8)) == "MZXW6YTBOI")
    #expect(Base32.encode(Array("f".utf8)) == "MY")
    #expect(Base32.decode("MZXW6YTBOI======") == Array("foobar".utf8))
    #expect(Base32.decode("mzxw6ytboi") == Array("foobar".utf8))
    #expect(Base32.decode("MZ1") == nil)
    let secret: [UInt8] = (0..<20).map { UInt8($0 * 13 & 0xFF) }
    #expect(Base32.decode(Base32.encode(secret)) == secret)
}

@Test("otpauth URI carries issuer, label and parameters, percent-encoded")
func otpauthURI() {
    let uri = OTPAuthURI.make(
        issuer: "Lockwarden host", account: "alice@example", secret: Array("12345678901234567890".utf8),
        settings: TOTPSettings())
    #expect(
        uri == "otpauth://totp/Lockwarden%20host:alice%40example?secret=GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ"
            + "&issuer=Lockwarden%20host&algorithm=SHA1&digits=6&period=30")
}

@Test("backup codes have 50 bits in XXXXX-XXXXX form and normalise what users type")
func backupCodes() {
    // RFC 4648 base32 of these 7 bytes is 74AKUVISGRLA (Python's base64.b32encode); the first 10.
    let code = BackupCodeFormat.make(from: [0xFF, 0x00, 0xAA, 0x55, 0x12, 0x34, 0x56]) ?? ""
    #expect(code == "74AKU-VISGR")
    #expect(BackupCodeFormat.normalize(Array(code.lowercased().utf8)) == Array(code.replacingDash.utf8))
    #expect(BackupCodeFormat.normalize(Array("ABCDE-FGHI1".utf8)) == nil)
    #expect(BackupCodeFormat.normalize(Array("123456".utf8)) == nil)
    #expect(BackupCodeFormat.normalize(Array(" 74aku-visgr".utf8)) == Array("74AKUVISGR".utf8))
    #expect(BackupCodeFormat.isWellFormed(Array("74AKU VISGR".utf8)))
    #expect(!BackupCodeFormat.isWellFormed(Array("74AKU-VISG".utf8)))
}

@Test("salted hashes match only the same secret and salt")
func secretHash() {
    let salt = RandomBytes.make(SecretHash.saltBytes) ?? []
    #expect(salt.count == SecretHash.saltBytes)
    let hash = SecretHash.derive(Array("ABCDEFGHIJ".utf8), salt: salt) ?? []
    #expect(SecretHash.matches(Array("ABCDEFGHIJ".utf8), salt: salt, expected: hash))
    #expect(!SecretHash.matches(Array("ABCDEFGHIK".utf8), salt: salt, expected: hash))
    #expect(!SecretHash.matches(Array("ABCDEFGHIJ".utf8), salt: salt.reversed(), expected: hash))
}

extension String {
    fileprivate var replacingDash: String { String(self.filter { $0 != "-" }) }
}
