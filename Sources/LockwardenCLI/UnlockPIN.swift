import LockwardenCrypto
import LockwardenStore

/// The PIN that confirms an unlock when `unlock_pin = yes`: six random digits mailed to the
/// acting administrator, stored only as a salted hash, bound to one account and one
/// administrator, valid for 10 minutes, single use, at most 5 tries.
enum UnlockPIN {
    static let lifetime: Int64 = 600
    static let maxTries = 5
    static let digits = 6

    /// A uniformly random PIN from 000000 to 999999: 32 random bits, drawn again when they fall
    /// in the incomplete last run of a million (rejection sampling, no modulo bias).
    static func make() -> String? {
        let range: UInt64 = 1_000_000
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

    /// A fresh salt and the PIN's hash under it.
    static func hash(_ pin: String) -> (salt: [UInt8], hash: [UInt8])? {
        guard let salt = RandomBytes.make(SecretHash.saltBytes),
            let hash = SecretHash.derive(Array(pin.utf8), salt: salt)
        else { return nil }
        return (salt, hash)
    }

    enum Check: Equatable {
        case accepted(id: Int64)
        /// `id` is the PIN whose try counts; nil when none was requested.
        case refused(id: Int64?, reason: String)
    }

    /// Checks what was typed against the latest PIN of this account and administrator.
    static func check(_ typed: String, stored: StoredUnlockPIN?, now: Int64) -> Check {
        guard let stored else { return .refused(id: nil, reason: "no PIN requested") }
        if stored.usedAt != nil { return .refused(id: stored.id, reason: "PIN already used") }
        if stored.tries >= maxTries { return .refused(id: stored.id, reason: "too many tries") }
        if now >= stored.expiresAt { return .refused(id: stored.id, reason: "expired PIN") }
        let candidate = Array(typed.utf8.filter { $0 != UInt8(ascii: " ") && $0 != UInt8(ascii: "\t") && $0 != 13 })
        guard candidate.count <= 64, SecretHash.matches(candidate, salt: stored.salt, expected: stored.hash) else {
            return .refused(id: stored.id, reason: "wrong PIN")
        }
        return .accepted(id: stored.id)
    }
}
