import LockwardenPolicy
import LockwardenStore
import LockwardenTOTP

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
        var change = AccountChange(store: store, config: config, host: host, context: eventContext(subject), now: now)
        change.subjectKind = subject.kind
        let applied = try change.apply(subject.key) { record throws(StoreError) -> (Decision, Void) in
            (try decide(record.state), ())
        }
        // Whether to sync follows the decision, made inside the transaction, where SQLite lets
        // the level no longer change: with sync = recorded the login's connection commits
        // without a sync (StateStore.open), and this syncs unless it was a success of a clean
        // account, before the module answers.
        if config.sync == .recorded && !applied.clean { try store.syncWAL() }
        change.report(applied)
        if applied.lockNoticeQueued {
            // The lock and its notice are committed; a failure here leaves the notice to notify,
            // and so would a power cut (the swap commits unsynced, as one transaction).
            let queued = (try? Notifications.expandLockNotices(store: store, config: config, now: now)) ?? 0
            if queued > 0 { Notifications.startSender(self) }
        }
        return applied.decision
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

    /// Shows a denied user the decision's message, where the configuration allows it.
    func tell(_ decision: Decision) {
        guard decision.verdict == .deny, let message = decision.userMessage, !request.silent,
            config.showLockMessage || !config.silent
        else { return }
        _ = host.converse(.errorMessage, message)
    }
}

/// Prompts whose answers are thrown away unread, so that a refused attempt looks exactly like
/// any other: same prompts, in the same order, whatever the reason.
enum Prompts {
    static let password = "Password: "
    static let code = "Verification code: "
    static let acknowledge = "Press Enter once the backup codes are saved: "

    static func discardSecrets(_ call: Call, codeToo: Bool) {
        discard(call, .promptEchoOff, password)
        if codeToo { discardCode(call) }
    }

    static func discardCode(_ call: Call) {
        discard(call, .promptEchoOff, code)
    }

    /// Asks, and clears the answer unread: it may be a password.
    static func discard(_ call: Call, _ style: ConversationStyle, _ prompt: String) {
        guard var answer = call.host.converse(style, prompt) else { return }
        SecretBytes.wipe(&answer)
    }
}
