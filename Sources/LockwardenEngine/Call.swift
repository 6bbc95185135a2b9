import LockwardenPolicy
import LockwardenStore

/// Everything one PAM call carries through the engine.
struct Call {
    let request: CallRequest
    let config: LockwardenConfig
    let configPath: String
    let host: CallHost
    let now: Int64
    let source: AttemptSource

    /// Root's own password change (not a user's through a set-uid passwd, not an expired one).
    var isAdministrative: Bool { request.callerIsRoot && !request.changeExpired }

    /// Decides over the account state inside one `BEGIN IMMEDIATE` transaction, stores the
    /// result and its events (and, for a new lock, its notifications), writes one syslog line
    /// per event, and starts the mail sender if mail was queued.
    func commit(subject: CallSubject, store: StateStore, _ decide: (AccountState) throws(StoreError) -> Decision)
        throws(StoreError) -> Decision
    {
        var locked = false
        // Whether to sync follows the decision, made inside the transaction, where SQLite lets
        // the level no longer change: with sync = recorded the login's connection commits
        // without a sync (StateStore.open), and this syncs unless it was a success of a clean
        // account, before the module answers.
        let syncAfter = config.sync == .recorded
        var clean = false
        let decision = try store.immediateTransaction { store throws(StoreError) -> Decision in
            var record = try store.account(subject.key)
            let decision = try decide(record.state)
            clean = LockPolicy.isCleanSuccess(decision, before: record.state)
            // Such a success is left to the system's login records unless log_successes is on
            // (the same as when the account index decides it without SQLite).
            if clean && !config.logSuccesses { return decision }
            for action in try store.record(decision, for: &record, context: eventContext(subject), now: now) {
                host.log(.warning, "event could not be recorded: \(action.rawValue)")
            }
            // Only the uid under the write lock: the lookups the mails need come after the commit.
            if config.notifyOnLock, decision.events.contains(where: { $0.action == .accountLocked }),
                let uid = subject.uid
            {
                try store.enqueueLockNotice(uid: uid, now: now)
                locked = true
            }
            return decision
        }
        if syncAfter && !clean { try store.syncWAL() }
        if clean && !config.logSuccesses { return decision }
        report(decision.events, subject: subject)
        if locked {
            // The lock and its notice are committed; a failure here leaves the notice to notify,
            // and so would a power cut (the swap commits unsynced, as one transaction).
            let queued = (try? Notifications.expandLockNotices(store: store, config: config, now: now)) ?? 0
            if queued > 0 { Notifications.startSender(self) }
        }
        return decision
    }

    /// For a decision that is a pure function of the account state: reads first, and takes the
    /// write lock (through `commit`) only when the decision changes the state or records an
    /// event. A preauth or account check of a user in good standing then writes nothing.
    func settle(subject: CallSubject, store: StateStore, _ decide: (AccountState) -> Decision)
        throws(StoreError) -> Decision
    {
        let current = try store.account(subject.key).state
        let preview = decide(current)
        if preview.events.isEmpty && (preview.newState == nil || preview.newState == current) { return preview }
        return try commit(subject: subject, store: store) { state throws(StoreError) -> Decision in decide(state) }
    }

    func eventContext(_ subject: CallSubject) -> EventContext {
        EventContext(
            user: subject.displayName, uid: subject.uid, service: source.service, rhost: source.rhost, tty: source.tty)
    }

    /// One syslog line per event, in the same words as the activity log.
    func report(_ events: [PolicyEvent], subject: CallSubject) {
        for event in events {
            var line = "\(event.action.rawValue): user=\(subject.displayName)"
            if let uid = subject.uid { line += " uid=\(uid)" }
            line += " service=\(source.service) rhost=\(source.rhost) tty=\(source.tty)"
            if !event.detail.isEmpty { line += " (\(event.detail))" }
            host.log(Self.priority(of: event.action), line)
        }
    }

    /// Shows a denied user the decision's message, where the configuration allows it.
    func tell(_ decision: Decision) {
        guard decision.verdict == .deny, let message = decision.userMessage, !request.silent,
            config.showLockMessage || !config.silent
        else { return }
        _ = host.converse(.errorMessage, message)
    }

    static func priority(of action: Action) -> LogPriority {
        switch action {
        case .accountLocked, .passwordChangeRefused, .accessRefused: return .warning
        case .loginFailed, .loginFailedLocked, .accountUnlockFailed, .passwordChangeRequired, .mfaReset,
            .backupCodeUsed:
            return .notice
        case .accountUnlocked, .loginSucceeded, .passwordChanged, .mfaEnrolled, .backupCodesRenewed, .unlockPINSent:
            return .info
        }
    }
}

/// Prompts whose answers are thrown away unread, so that a refused attempt looks exactly like
/// any other: same prompts, in the same order, whatever the reason.
enum Prompts {
    static let password = "Password: "
    static let code = "Verification code: "
    static let acknowledge = "Press Enter once the backup codes are saved: "

    static func discardSecrets(_ call: Call, codeToo: Bool) {
        _ = call.host.converse(.promptEchoOff, password)
        if codeToo { discardCode(call) }
    }

    static func discardCode(_ call: Call) {
        _ = call.host.converse(.promptEchoOff, code)
    }
}
