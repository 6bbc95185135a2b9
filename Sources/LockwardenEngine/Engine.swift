import LockwardenPolicy
import LockwardenStore
import LockwardenSystem

/// Handles one PAM call: configuration, subject, state transaction, logging, messages.
/// Every path that is not an explicit decision ends in a deny.
public enum Engine {
    /// `session`: what this login keeps between its calls (the module keeps one per PAM
    /// handle); nil opens and closes what the call needs.
    public static func handle(_ request: CallRequest, host: CallHost, now: Int64, session: LoginSession? = nil)
        -> Verdict
    {
        let entered = CurrentProcess.monotonicMicroseconds()
        guard let settings = CallSettings.load(arguments: request.arguments, host: host) else { return .deny }
        let config = settings.config
        guard let step = Step(stage: request.stage, mode: settings.mode) else {
            host.log(
                .error,
                "configuration error: mode \"\(settings.mode ?? "")\" does not fit the \(request.stage) stage; "
                    + "auth needs preauth, authfail, authsucc or totp")
            return .deny
        }
        guard request.service.count <= RequestLimits.maxFieldBytes, request.rhost.count <= RequestLimits.maxFieldBytes,
            request.tty.count <= RequestLimits.maxFieldBytes
        else {
            host.log(.error, "refused: service, rhost or tty longer than \(RequestLimits.maxFieldBytes) bytes")
            return .deny
        }
        let call = Call(
            request: request, config: config, configPath: settings.configPath, host: host, now: now,
            source: AttemptSource(
                service: Escape.bytes(request.service, limit: 64), rhost: Escape.bytes(request.rhost, limit: 128),
                tty: Escape.bytes(request.tty, limit: 64)))
        let login = session ?? LoginSession()
        if step == .preauth { login.authStartedAt = entered }
        let authStartedAt = login.authStartedAt
        if step == .authfail || step == .authsucc { login.authStartedAt = nil }
        guard let subject = login.subject(request.user, config: config) else {
            host.log(
                .notice,
                "refused: user name \"\(Escape.bytes(request.user, limit: 64))\" (\(request.user.count) bytes) "
                    + "is not a possible login name")
            if step == .preauth { Prompts.discardSecrets(call, codeToo: config.totp == .required) }
            if step == .totp || (step == .authfail && config.totp == .required) { Prompts.discardCode(call) }
            return .deny
        }
        let verdict: Verdict
        do {
            switch try CleanPath.decide(step, call: call, subject: subject) {
            case .decided(let answer):
                verdict = answer
            case .needsStore(let refreshIndex):
                let store = try login.store(for: config)
                defer { login.finishCall() }
                if step.recordsAttempts {
                    store.setBusyTimeout(
                        milliseconds: max(config.busyTimeoutMilliseconds, config.recordTimeoutMilliseconds))
                }
                if step == .totp {
                    verdict = try TOTPFlow(call: call, subject: subject, store: store).run()
                } else {
                    verdict = try runAccountStep(
                        step, call: call, subject: subject, store: store, authStartedAt: authStartedAt,
                        entered: entered)
                }
                if refreshIndex { store.refreshIndexIfStale() }
            }
        } catch {
            host.log(.error, error.message)
            return config.onError == .deny ? .deny : .ignore
        }
        if config.debug { host.log(.debug, "\(step) for \(subject.displayName): \(verdict)") }
        return verdict
    }

    /// The steps that are one decision over the account state, in one transaction.
    private static func runAccountStep(
        _ step: Step, call: Call, subject: CallSubject, store: StateStore, authStartedAt: Int64?, entered: Int64
    ) throws(StoreError) -> Verdict {
        // A reset code typed in place of the password: the reset happens here, in this login.
        if step == .authfail, let verdict = try PasswordReset(call: call, subject: subject, store: store).complete() {
            return verdict
        }
        // A wrong password must look like a wrong code: ask for the code that would have come.
        if step == .authfail, try TOTPFlow.wouldAskForCode(call.config, subject: subject, store: store) {
            Prompts.discardCode(call)
        }
        let policy = LockPolicy(config: call.config)
        let decide = { (state: AccountState) -> Decision in
            step.decide(
                policy, state, subject: subject, source: call.source, administrative: call.isAdministrative,
                now: call.now)
        }
        // authfail and authsucc always record the attempt: straight to the write transaction.
        // The other steps usually change nothing, so they read first.
        // A real user's failure is a sample of how long a failure takes here (preauth to
        // authfail, whose own work both kinds of failure do alike), kept with it.
        let sample =
            step == .authfail && subject.uid != nil ? EqualFailureTime.sample(since: authStartedAt, now: entered) : nil
        let decision =
            step.recordsAttempts
            ? try call.commit(subject: subject, store: store) { state throws(StoreError) -> Decision in
                if let sample { try store.recordFailureDuration(microseconds: sample) }
                return decide(state)
            }
            : try call.settle(subject: subject, store: store, decide)
        // The lock message goes first: sshd shows PAM messages only together with a prompt.
        call.tell(decision)
        if step == .authfail && subject.uid == nil {
            EqualFailureTime.pad(since: authStartedAt, until: entered, store: store)
        }
        if step == .preauth && decision.verdict == .deny {
            let codeToo = try TOTPFlow.wouldAskForCode(call.config, subject: subject, store: store)
            Prompts.discardSecrets(call, codeToo: codeToo)
        }
        return decision.verdict
    }
}
