import LockwardenCrypto
import LockwardenPolicy
import LockwardenStore
import LockwardenSystem

/// The account an administrative action is about, resolved the way a login resolves its
/// name: by UID for a user the system knows, by the exact bytes of the name otherwise.
public struct AdminTarget: Sendable {
    public var key: AccountKey
    public var user: SystemUser?
    /// How events name it (escaped, at most 64 bytes).
    public var eventName: String

    public init(key: AccountKey, user: SystemUser?, eventName: String) {
        self.key = key
        self.user = user
        self.eventName = eventName
    }
}

/// What an administrator asks of the engine. The CLI has already checked that they may.
public enum AdminAction {
    /// Lock by hand; `reason` is escaped already.
    case lock(reason: String, duration: Int64?)
    /// Lift the lock and reset the counters, without a PIN.
    case unlock
    /// Make a PIN, store its hash and queue it in mail to `address` (unlock_pin = yes).
    case sendUnlockPIN(address: String)
    /// Unlock with the PIN mailed by an earlier `sendUnlockPIN` of the same administrator.
    case unlockWithPIN(typed: [UInt8])
    /// Save a new second factor; `replace` allows replacing an enrolled one.
    case enroll(NewSecondFactor, replace: Bool)
    /// Forget the secret and backup codes; the next login enrolls anew. `showCode`: make the
    /// device authorization code now, for the administrator to hand over (no address needed).
    case resetMFA(showCode: Bool)
    /// New backup codes for an enrolled user; the old ones stop working.
    case renewBackupCodes([Enrollment.BackupCode])
    /// Mail the user a one-time password-reset code (refused while the account is locked).
    case sendPasswordReset
    /// Where the user's notifications go; nil clears it.
    case setEmail(String?)
    /// Record that the actor was refused `words` (delegation).
    case refuseAccess(words: String)
}

/// What came of an administrative action. Refusals of the engine are outcomes too: they
/// were recorded, and the CLI words them.
public enum AdminOutcome: Equatable {
    case locked(Lock)
    case unlocked
    /// Not locked, but it had failures: the counters were reset.
    case countersReset
    case notLocked
    /// Nothing is stored of this account.
    case noRecord
    case pinSent
    /// pin_requests_per_hour was reached; why, in words.
    case pinNotSent(String)
    case pinRefused(UnlockPIN.Refusal, triesLeft: Int?)
    case enrolled(replaced: Bool)
    /// Enrolled already (meanwhile, or before) and `replace` was not given.
    case alreadyEnrolled
    /// `deviceCode` only when asked for: shown once, never logged.
    case mfaReset(hadSecret: Bool, noticeQueued: Bool, deviceCode: String?)
    case codesRenewed
    case notEnrolled
    case emailSet
    /// The reset code was queued in mail to this address (the user's own).
    case passwordResetSent(address: String)
    /// The account is locked (until then; nil: until an administrator unlocks it): no mail.
    case passwordResetRefusedLocked(until: Int64?)
    case refusalRecorded
}

/// Why an administrative action could not be done; nothing was changed.
public enum AdminError: Error, Equatable {
    case store(StoreError)
    /// The action needs a user the system knows.
    case unknownUser
    /// The kernel supplied no random bytes for a PIN or code.
    case noRandomBytes
    /// The user has no entry in /etc/shadow (a directory user): chpasswd cannot set it.
    case noLocalPassword
    /// The user has no mail address (set-email, or user_email).
    case noAddress

    public var message: String {
        switch self {
        case .store(let error): return error.message
        case .unknownUser: return "no such user"
        case .noRandomBytes: return "could not get random bytes"
        case .noLocalPassword: return "not a local account (no entry in /etc/shadow); reset it where it is kept"
        case .noAddress: return "no mail address"
        }
    }
}

public struct AdminResult: Equatable {
    public var outcome: AdminOutcome
    /// Events that could not be written (the change itself stands).
    public var dropped: [Action]
}
