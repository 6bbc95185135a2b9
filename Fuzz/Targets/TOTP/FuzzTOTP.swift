// fuzz-totp: code checks, base32 and backup-code input handling.
//
// Input: a selector byte, raw settings (digits, period, window: any value, including ones
// the configuration would refuse), a time, a last-used step, then fields: the secret, the
// typed code, base32 text, a typed backup code, an HMAC for truncation. Invariants:
//  - TOTPVerifier.verify accepts only exactly `digits` ASCII digits, only a step within the
//    window and after the last used one, and only the code OTP.hotp gives for that step;
//  - the code TOTPVerifier.code gives for `now` is accepted (sane settings);
//  - base32: decode(encode(x)) == x, and whatever decode accepts re-encodes to the same bytes;
//  - BackupCodeFormat.normalize yields 10 base32 symbols or nil; a real code is matched
//    whatever case, dashes and spaces it is typed with, and a wrong one never is.

import FuzzSupport
import LockwardenCrypto
import LockwardenTOTP

private let hmac = NettleHMAC()

/// One real backup code (salted slow hash), made once: matching it is the slow path.
private let storedCode: (display: String, candidates: [(id: Int64, salt: [UInt8], hash: [UInt8])])? = {
    guard let codes = Enrollment.newBackupCodes(), let first = codes.first else { return nil }
    return (first.display, [(id: 1, salt: first.salt, hash: first.hash)])
}()

private let words: [[UInt8]] =
    [
        "123456", "00000000", "12345", "1234567", "12345a", "١٢٣٤٥٦", "GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ", "gezdgnbv",
        "====", "A=B", "ABCDE-FGHIJ", "abcde fghij", "ABCDE-FGHI", "ABCDE--FGHIJ", "0O1I8", "%n%s", "\u{1B}[2J",
        "'; DROP TABLE backup_codes;--",
    ].map { Array(text: $0) } + [[0xC0, 0x80], [0xED, 0xA0, 0x80], [0xFF], [0x00, 0x31, 0x32, 0x33, 0x34, 0x35]]

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzTOTP(_ data: UnsafePointer<UInt8>?, _ size: Int) -> Int32 {
    var input = FuzzInput(data, size)
    let selector = input.byte()
    var settings = TOTPSettings()
    settings.algorithm = OTPAlgorithm.allCases[Int(input.byte()) % OTPAlgorithm.allCases.count]
    if selector & 0x01 != 0 {
        // Anything at all: the verifier must not trap on settings the parser would refuse.
        settings.digits = Int(Int8(bitPattern: input.byte()))
        settings.period = input.int64()
        settings.window = Int(truncatingIfNeeded: input.int64())
    } else {
        settings.digits = input.byte() & 1 == 0 ? 6 : 8
        settings.period = 15 + Int64(input.byte())
        settings.window = Int(input.byte() % 12)
    }
    let now = selector & 0x02 != 0 ? input.int64() : 1_700_000_000 + Int64(input.uint16()) * 30
    let lastStep: UInt64? = selector & 0x04 != 0 ? input.uint64() : nil
    let secret = input.field(dictionary: words)
    let typed = input.field(dictionary: words)

    checkVerify(code: typed, secret: secret, settings: settings, now: now, lastStep: lastStep)
    if let right = TOTPVerifier.code(secret: secret, settings: settings, at: now, using: hmac) {
        checkVerify(code: Array(right.utf8), secret: secret, settings: settings, now: now, lastStep: lastStep)
        let sane = (6...9).contains(settings.digits) && settings.period > 0 && now >= 0 && settings.window >= 0
        let verdict = TOTPVerifier.verify(
            code: Array(right.utf8), secret: secret, settings: settings, now: now, lastAcceptedStep: nil, using: hmac)
        if sane, case .accepted = verdict {
        } else if sane {
            fuzzFailure("the current code is not accepted", "\(verdict) for \(right) with \(settings) at \(now)")
        }
    }

    let text = input.field(dictionary: words)
    checkBase32(text)
    checkBackupCode(input.field(dictionary: words), selector: selector)
    let mac = input.field(dictionary: words)
    if let code = OTP.truncate(mac, digits: Int(Int8(bitPattern: input.byte()))) {
        if !code.utf8.allSatisfy({ $0 >= 48 && $0 <= 57 }) { fuzzFailure("truncation gave non-digits", code) }
    }
    return 0
}

private func checkVerify(code: [UInt8], secret: [UInt8], settings: TOTPSettings, now: Int64, lastStep: UInt64?) {
    let verdict = TOTPVerifier.verify(
        code: code, secret: secret, settings: settings, now: now, lastAcceptedStep: lastStep, using: hmac)
    let shaped = code.count == settings.digits && code.allSatisfy { $0 >= 48 && $0 <= 57 }
    switch verdict {
    case .malformed:
        if shaped { fuzzFailure("a well-formed code was called malformed", showBytes(code)) }
    case .wrong, .replayed:
        if !shaped { fuzzFailure("a malformed code was checked", showBytes(code)) }
    case .accepted(let step):
        guard shaped, settings.period > 0, now >= 0 else {
            fuzzFailure("accepted with impossible input", "\(showBytes(code)) \(settings) at \(now)")
        }
        let current = UInt64(now / settings.period)
        let window = UInt64(max(0, min(settings.window, 10)))
        let distance = step > current ? step - current : current - step
        if distance > window { fuzzFailure("accepted outside the window", "step \(step), current \(current)") }
        if let lastStep, step <= lastStep { fuzzFailure("accepted a used step", "step \(step) <= \(lastStep)") }
        let expected = OTP.hotp(
            secret: secret, counter: step, digits: settings.digits, algorithm: settings.algorithm, using: hmac)
        if expected.map({ Array($0.utf8) }) != code { fuzzFailure("accepted a wrong code", showBytes(code)) }
    }
}

private func checkBase32(_ text: [UInt8]) {
    let encoded = Base32.encode(text)
    if !encoded.utf8.allSatisfy({ (65...90).contains($0) || (50...55).contains($0) }) {
        fuzzFailure("base32 output outside the alphabet", encoded)
    }
    if Base32.decode(encoded) != text { fuzzFailure("base32 does not round-trip", showBytes(text)) }
    if let decoded = Base32.decode(String(decoding: text, as: UTF8.self)),
        Base32.decode(Base32.encode(decoded)) != decoded
    {
        fuzzFailure("decoded base32 does not re-encode", showBytes(text))
    }
}

private func checkBackupCode(_ typed: [UInt8], selector: UInt8) {
    if let symbols = BackupCodeFormat.normalize(typed) {
        let alphabet = Set("ABCDEFGHIJKLMNOPQRSTUVWXYZ234567".utf8)
        guard symbols.count == BackupCodeFormat.length, symbols.allSatisfy(alphabet.contains) else {
            fuzzFailure("normalized backup code is not 10 base32 symbols", showBytes(symbols))
        }
    }
    if let made = BackupCodeFormat.make(from: typed) {
        let plain = Array(made.utf8).filter { $0 != UInt8(ascii: "-") }
        if BackupCodeFormat.normalize(Array(made.utf8)) != plain {
            fuzzFailure("a made backup code does not normalize to itself", made)
        }
    }
    // The slow hash (PBKDF2, very slow under AddressSanitizer): only for selector 0xFF, which
    // the seed corpus holds, or the whole target would crawl.
    guard selector == 0xFF, let stored = storedCode else { return }
    if Enrollment.matchingBackupCode(typed, among: stored.candidates) != nil {
        let canonical = Array(stored.display.utf8).filter { $0 != UInt8(ascii: "-") }
        if BackupCodeFormat.normalize(typed) != canonical {
            fuzzFailure("a wrong backup code matched", showBytes(typed))
        }
    }
    var variant = Array(stored.display.utf8)
    let style = typed.first ?? 0
    if style & 0x01 != 0 { variant = variant.map { $0 >= 65 && $0 <= 90 ? $0 + 32 : $0 } }
    if style & 0x02 != 0 { variant = variant.filter { $0 != UInt8(ascii: "-") } }
    if style & 0x04 != 0 { variant.insert(UInt8(ascii: " "), at: 0) }
    if Enrollment.matchingBackupCode(variant, among: stored.candidates) == nil {
        fuzzFailure("the real backup code was not matched", showBytes(variant))
    }
}
