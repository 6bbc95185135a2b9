import LockwardenCrypto
import LockwardenPolicy
import LockwardenStore
import LockwardenTOTP

/// Short numeric codes that reach a person out of band (unlock PINs, device authorization and
/// password-reset codes): made uniformly at random, stored only as a salted slow hash, and
/// compared without keeping a copy of what was typed.
enum MailedCode {
    /// A uniformly random code of `digits` digits (at most 9): 32 random bits, drawn again
    /// when they fall in the incomplete last run (rejection sampling, no modulo bias).
    static func make(digits: Int) -> String? {
        guard (1...9).contains(digits) else { return nil }
        var range: UInt64 = 1
        for _ in 0..<digits { range *= 10 }
        let bound: UInt64 = (1 << 32) - (1 << 32) % range
        for _ in 0..<16 {
            guard let bytes = RandomBytes.make(4), bytes.count == 4 else { return nil }
            let value = bytes.reduce(UInt64(0)) { ($0 << 8) | UInt64($1) }
            guard value < bound else { continue }
            let text = String(value % range)
            return String(repeating: "0", count: max(0, digits - text.count)) + text
        }
        return nil
    }

    /// A fresh salt and the code's hash under it.
    static func hash(_ code: String) -> (salt: [UInt8], hash: [UInt8])? {
        guard let salt = RandomBytes.make(SecretHash.saltBytes),
            let hash = SecretHash.derive(Array(code.utf8), salt: salt)
        else { return nil }
        return (salt, hash)
    }

    /// Inside a transaction: a new code for this user and purpose, valid for the purpose's
    /// configured lifetime, replacing any earlier one; nil without randomness.
    static func issue(
        _ purpose: OneTimeCodePurpose, uid: UInt32, config: LockwardenConfig, store: StateStore, now: Int64
    ) throws(StoreError) -> String? {
        let digits: Int
        let lifetime: Int64
        switch purpose {
        case .deviceAuthorization: (digits, lifetime) = (DeviceAuthorization.digits, config.deviceCodeLifetime)
        case .passwordReset: (digits, lifetime) = (PasswordReset.digits, config.resetCodeLifetime)
        }
        guard let code = make(digits: digits), let hashed = hash(code) else { return nil }
        try store.replaceOneTimeCode(
            uid: uid, purpose: purpose, salt: hashed.salt, hash: hashed.hash, now: now,
            expiresAt: now.saturatingAdd(lifetime))
        return code
    }

    /// Whether typed text could be a code of `digits` digits (blanks aside), without a copy.
    static func hasShape(_ typed: [UInt8], digits: Int) -> Bool {
        var count = 0
        for byte in typed where byte != UInt8(ascii: " ") && byte != UInt8(ascii: "\t") && byte != 13 {
            guard byte >= 48 && byte <= 57 else { return false }
            count += 1
        }
        return count == digits
    }

    /// Whether the typed bytes, without blanks, are the code; keeps no copy of them.
    static func matches(_ typed: [UInt8], salt: [UInt8], hash: [UInt8]) -> Bool {
        var candidate = typed.filter { $0 != UInt8(ascii: " ") && $0 != UInt8(ascii: "\t") && $0 != 13 }
        defer { SecretBytes.wipe(&candidate) }
        return candidate.count <= 64 && SecretHash.matches(candidate, salt: salt, expected: hash)
    }
}
