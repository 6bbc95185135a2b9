import LockwardenCrypto
import LockwardenStore
import LockwardenTOTP

/// The PIN that confirms an unlock when `unlock_pin = yes`: six random digits mailed to the
/// acting administrator, stored only as a salted hash, bound to one account and one
/// administrator, valid for 10 minutes, single use, at most 5 tries.
public enum UnlockPIN {
    public static let lifetime: Int64 = 600
    public static let maxTries = 5
    public static let digits = 6
    /// The window of the PIN limits (pin_requests_per_hour, pin_failures_per_hour).
    public static let limitWindow: Int64 = 3_600
    /// The outbox kind of PIN mail, which is dropped once its PIN has expired.
    public static let mailKind = "unlock-pin"

    /// Why the limits refuse another attempt now, or nil. `count` is what the last hour holds.
    static func limitReached(_ count: (byActor: Int, onAccount: Int), limit: Int, what: String) -> String? {
        if count.byActor >= limit { return "\(limit) \(what) by this administrator in the last hour" }
        if count.onAccount >= limit { return "\(limit) \(what) for this account in the last hour" }
        return nil
    }

    /// A PIN that has expired is of no use to anyone: its mail is not sent, nor kept.
    public static func dropExpiredMail(store: StateStore, now: Int64) throws(StoreError) {
        _ = try store.immediateTransaction { store throws(StoreError) in
            try store.dropMail(kind: mailKind, createdAtOrBefore: now - lifetime)
        }
    }

    /// Why a typed PIN did not unlock.
    public enum Refusal: Equatable, Sendable {
        case noPINRequested, alreadyUsed, tooManyTries, expired, wrongPIN
        /// pin_failures_per_hour was reached; the PIN was not checked.
        case tooManyWrongPINs(String)

        public var description: String {
            switch self {
            case .noPINRequested: return "no PIN requested"
            case .alreadyUsed: return "PIN already used"
            case .tooManyTries: return "too many tries"
            case .expired: return "expired PIN"
            case .wrongPIN: return "wrong PIN"
            case .tooManyWrongPINs(let limit): return "PIN not checked: \(limit)"
            }
        }
    }

    enum Check: Equatable {
        case accepted(id: Int64)
        /// `id` is the PIN whose try counts; nil when none was requested.
        case refused(id: Int64?, reason: Refusal)
    }

    /// Checks what was typed against the latest PIN of this account and administrator.
    static func check(_ typed: [UInt8], stored: StoredUnlockPIN?, now: Int64) -> Check {
        guard let stored else { return .refused(id: nil, reason: .noPINRequested) }
        if stored.usedAt != nil { return .refused(id: stored.id, reason: .alreadyUsed) }
        if stored.tries >= maxTries { return .refused(id: stored.id, reason: .tooManyTries) }
        if now >= stored.expiresAt { return .refused(id: stored.id, reason: .expired) }
        guard MailedCode.matches(typed, salt: stored.salt, hash: stored.hash) else {
            return .refused(id: stored.id, reason: .wrongPIN)
        }
        return .accepted(id: stored.id)
    }
}
