import LockwardenPolicy
import LockwardenStore

/// What the module instance on this stack line does.
enum Step: Equatable, CustomStringConvertible {
    case preauth, authfail, authsucc, totp, account, passwordCheck, passwordChanged, nothing

    init?(stage: CallStage, mode: String?) {
        switch (stage, mode) {
        case (.authenticate, "preauth"): self = .preauth
        case (.authenticate, "authfail"): self = .authfail
        case (.authenticate, "authsucc"): self = .authsucc
        case (.authenticate, "totp"): self = .totp
        case (.account, nil): self = .account
        case (.passwordPrelim, nil), (.passwordUpdate, nil): self = .passwordCheck
        case (.passwordPrelim, "changed"): self = .nothing
        case (.passwordUpdate, "changed"): self = .passwordChanged
        // The account and password stacks may share an argument list with the auth lines.
        case (.account, .some): self = .account
        case (.passwordPrelim, .some), (.passwordUpdate, .some): self = .passwordCheck
        default: return nil
        }
    }

    /// The steps that store an attempt's outcome; they wait record_timeout for the write lock.
    var recordsAttempts: Bool { self == .authfail || self == .authsucc || self == .totp }

    var description: String {
        switch self {
        case .preauth: return "preauth"
        case .authfail: return "authfail"
        case .authsucc: return "authsucc"
        case .totp: return "totp"
        case .account: return "account"
        case .passwordCheck: return "password check"
        case .passwordChanged: return "password changed"
        case .nothing: return "nothing"
        }
    }

    func decide(
        _ policy: LockPolicy, _ state: AccountState, subject: CallSubject, source: AttemptSource, administrative: Bool,
        now: Int64
    ) -> Decision {
        switch self {
        case .preauth: return policy.beforeAuthentication(state, now: now)
        case .authfail: return policy.afterFailure(state, kind: subject.kind, source: source, now: now)
        // The totp step has its own flow (TOTPFlow); reaching here is a programming slip: deny.
        case .totp: return Decision(.deny)
        case .authsucc: return policy.afterSuccess(state, now: now)
        case .account: return policy.accountCheck(state, kind: subject.kind, now: now)
        case .passwordCheck:
            if subject.kind == .unknown { return Decision(.ignore) }
            return policy.beforePasswordChange(state, administrative: administrative, now: now)
        case .passwordChanged: return policy.afterPasswordChange(state)
        case .nothing: return Decision(.ignore)
        }
    }
}
