import LockwardenPolicy
import LockwardenStore
import LockwardenSystem

/// Handles one PAM call: configuration, subject, state transaction, logging, messages.
/// Every path that is not an explicit decision ends in a deny.
public enum Engine {
    public static func handle(_ request: CallRequest, host: CallHost, now: Int64) -> Verdict {
        guard let settings = CallSettings.load(arguments: request.arguments, host: host) else { return .deny }
        let config = settings.config
        guard let step = Step(stage: request.stage, mode: settings.mode) else {
            host.log(.error, "configuration error: mode \"\(settings.mode ?? "")\" does not fit the \(request.stage) stage; "
                + "auth needs preauth, authfail or authsucc")
            return .deny
        }
        guard request.service.count <= RequestLimits.maxFieldBytes, request.rhost.count <= RequestLimits.maxFieldBytes,
            request.tty.count <= RequestLimits.maxFieldBytes
        else {
            host.log(.error, "refused: service, rhost or tty longer than \(RequestLimits.maxFieldBytes) bytes")
            return .deny
        }
        let source = AttemptSource(
            service: Escape.bytes(request.service, limit: 64), rhost: Escape.bytes(request.rhost, limit: 128),
            tty: Escape.bytes(request.tty, limit: 64))
        guard let subject = CallSubject.resolve(request.user, config: config) else {
            host.log(.notice, "refused: user name \"\(Escape.bytes(request.user, limit: 64))\" (\(request.user.count) bytes) is not a possible login name")
            if step == .preauth { discardPasswordPrompt(host) }
            return .deny
        }
        let policy = LockPolicy(config: config)
        let administrative = CurrentProcess.realUID == 0 && !request.changeExpired
        let outcome: Decision
        do {
            let store = try StateStore.open(
                path: config.databasePath, busyTimeoutMilliseconds: config.busyTimeoutMilliseconds,
                maxEvents: config.maxEvents, maxUnknownUsers: config.maxUnknownUsers)
            outcome = try store.immediateTransaction { store throws(StoreError) in
                var record = try store.account(subject.key)
                let decision = step.decide(
                    policy, record.state, subject: subject, source: source, administrative: administrative, now: now)
                let context = EventContext(
                    user: subject.displayName, uid: subject.uid, service: source.service, rhost: source.rhost,
                    tty: source.tty)
                for action in try store.record(decision, for: &record, context: context, now: now) {
                    host.log(.warning, "event could not be recorded: \(action.rawValue)")
                }
                return decision
            }
        } catch {
            host.log(.error, error.message)
            return config.onError == .deny ? .deny : .ignore
        }
        report(outcome, subject: subject, source: source, host: host)
        if step == .preauth && outcome.verdict == .deny { discardPasswordPrompt(host) }
        if let message = outcome.userMessage, !request.silent, config.showLockMessage || !config.silent,
            outcome.verdict == .deny
        {
            _ = host.converse(.errorMessage, message)
        }
        if config.debug {
            host.log(.debug, "\(step) for \(subject.displayName): \(outcome.verdict)")
        }
        return outcome.verdict
    }

    /// A locked (or impossible) user is still asked for a password, which is then thrown
    /// away unread: the prompt looks the same as for everyone else, and nothing is verified.
    private static func discardPasswordPrompt(_ host: CallHost) {
        _ = host.converse(.promptEchoOff, "Password: ")
    }

    /// One syslog line per event, in the same words as the activity log.
    private static func report(_ decision: Decision, subject: CallSubject, source: AttemptSource, host: CallHost) {
        for event in decision.events {
            var line = "\(event.action.rawValue): user=\(subject.displayName)"
            if let uid = subject.uid { line += " uid=\(uid)" }
            line += " service=\(source.service) rhost=\(source.rhost) tty=\(source.tty)"
            if !event.detail.isEmpty { line += " (\(event.detail))" }
            host.log(priority(of: event.action), line)
        }
    }

    private static func priority(of action: Action) -> LogPriority {
        switch action {
        case .accountLocked, .passwordChangeRefused: return .warning
        case .loginFailed, .loginFailedLocked, .accountUnlockFailed, .passwordChangeRequired: return .notice
        case .mfaReset, .backupCodeUsed: return .notice
        case .accountUnlocked, .loginSucceeded, .passwordChanged, .mfaEnrolled, .backupCodesRenewed: return .info
        }
    }
}

/// What the module instance on this stack line does.
enum Step: Equatable, CustomStringConvertible {
    case preauth, authfail, authsucc, account, passwordCheck, passwordChanged, nothing

    init?(stage: CallStage, mode: String?) {
        switch (stage, mode) {
        case (.authenticate, "preauth"): self = .preauth
        case (.authenticate, "authfail"): self = .authfail
        case (.authenticate, "authsucc"): self = .authsucc
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

    var description: String {
        switch self {
        case .preauth: return "preauth"
        case .authfail: return "authfail"
        case .authsucc: return "authsucc"
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
