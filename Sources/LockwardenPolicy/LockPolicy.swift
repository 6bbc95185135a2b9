/// An activity-log entry the policy wants written along with the new state.
public struct PolicyEvent: Equatable, Sendable {
    public var action: Action
    public var detail: String

    public init(_ action: Action, _ detail: String = "") {
        self.action = action
        self.detail = detail
    }
}

/// The answer to one step: the verdict, the state to store (nil = unchanged), events to
/// record, and a message for the user (shown only where the configuration allows it).
public struct Decision: Equatable, Sendable {
    public var verdict: Verdict
    public var newState: AccountState?
    public var events: [PolicyEvent]
    public var userMessage: String?

    public init(
        _ verdict: Verdict, newState: AccountState? = nil, events: [PolicyEvent] = [], userMessage: String? = nil
    ) {
        self.verdict = verdict
        self.newState = newState
        self.events = events
        self.userMessage = userMessage
    }
}

/// Failed-attempt counting, locking, reactivation and escalation, as pure functions of
/// (state, configuration, subject, now). Nothing here reads a clock, a file or a database.
public struct LockPolicy: Sendable {
    public let config: LockwardenConfig

    public init(config: LockwardenConfig) { self.config = config }

    /// Before the password is checked: a locked account is refused without verifying anything.
    public func beforeAuthentication(_ state: AccountState, now: Int64) -> Decision {
        guard let lock = state.activeLock(at: now) else { return Decision(.allow) }
        return refusedWhileLocked(lock, now: now, detail: "")
    }

    /// After the password (or code) was wrong. `reason` (e.g. "wrong code") joins the event detail.
    public func afterFailure(
        _ state: AccountState, kind: SubjectKind, source: AttemptSource, now: Int64, reason: String? = nil
    ) -> Decision {
        if let lock = state.activeLock(at: now) {
            return refusedWhileLocked(lock, now: now, detail: "")
        }
        var next = state
        next.lock = nil
        next.consecutiveFailures = state.consecutiveFailures.saturatingIncrement()
        next.lastFailureAt = now
        next.lastFailureSource = source
        let windowStart = now.saturatingSubtract(config.failInterval)
        next.recentFailures = (state.recentFailures.filter { $0 > windowStart } + [now]).suffix(max(config.deny, 1))

        var detail = failureDetail(next, lockable: isLockable(kind))
        if let reason { detail += "; " + reason }
        var events = [PolicyEvent(.loginFailed, detail)]
        guard isLockable(kind), let reason = lockReason(next) else {
            return Decision(.deny, newState: next, events: events)
        }
        next.lockStreak = state.lockStreak.saturatingIncrement()
        next.recentFailures = []
        var until = reactivationTime(kind: kind, streak: next.lockStreak, now: now)
        var finalReason = reason
        if reason == LockReason.failures, reachedEscalation(next.lockStreak) {
            switch config.lockoutAction {
            case .adminUnlock:
                until = nil
                finalReason = LockReason.repeatedLockouts
            case .requirePasswordChange:
                next.passwordChangeRequired = true
            case .none:
                break
            }
        }
        if reason == LockReason.failureCap { until = nil }
        let lock = Lock(lockedAt: now, until: until, reason: finalReason)
        next.lock = lock
        events.append(PolicyEvent(.accountLocked, lockDetail(lock, streak: next.lockStreak, now: now)))
        if next.passwordChangeRequired && !state.passwordChangeRequired {
            events.append(PolicyEvent(.passwordChangeRequired, "after \(next.lockStreak) lockouts in a row"))
        }
        return Decision(.deny, newState: next, events: events, userMessage: lockMessage(lock, now: now))
    }

    /// Whether a decision only notes a success of an account with nothing recorded: no lock, no
    /// failures, no streak. Losing such a commit to a power cut loses one "Login succeeded"
    /// event and a last-success time, nothing a lock depends on, so it needs no sync.
    public static func isCleanSuccess(_ decision: Decision, before state: AccountState) -> Bool {
        decision.verdict == .allow && decision.events.map { $0.action } == [.loginSucceeded] && !state.hasState
    }

    /// After the whole authentication stack succeeded: the only thing that resets the counters.
    public func afterSuccess(_ state: AccountState, now: Int64) -> Decision {
        if let lock = state.activeLock(at: now) {
            return refusedWhileLocked(lock, now: now, detail: "")
        }
        var next = state
        next.lock = nil
        next.recentFailures = []
        next.consecutiveFailures = 0
        next.lockStreak = 0
        next.lastSuccessAt = now
        return Decision(.allow, newState: next, events: [PolicyEvent(.loginSucceeded)])
    }

    /// The account stage: stops locked accounts whatever authenticated them (e.g. SSH keys),
    /// and asks for a new password once escalation requires it.
    public func accountCheck(_ state: AccountState, kind: SubjectKind, now: Int64) -> Decision {
        if let lock = state.activeLock(at: now) {
            return refusedWhileLocked(lock, now: now, detail: "account check")
        }
        if kind == .unknown { return Decision(.ignore) }
        if state.passwordChangeRequired {
            return Decision(.changeRequired, userMessage: "You are required to change your password.")
        }
        return Decision(.allow)
    }

    /// Before a password change: refused while locked, unless an administrator (root,
    /// not an expired-password change) is setting another user's password.
    public func beforePasswordChange(_ state: AccountState, administrative: Bool, now: Int64) -> Decision {
        guard !administrative, let lock = state.activeLock(at: now) else { return Decision(.ignore) }
        return Decision(
            .deny, events: [PolicyEvent(.passwordChangeRefused, "account is locked")],
            userMessage: lockMessage(lock, now: now))
    }

    /// After a successful password change: clears "change required".
    public func afterPasswordChange(_ state: AccountState) -> Decision {
        guard state.passwordChangeRequired else { return Decision(.allow) }
        var next = state
        next.passwordChangeRequired = false
        return Decision(
            .allow, newState: next, events: [PolicyEvent(.passwordChanged, "password change requirement cleared")])
    }

    /// An administrator lifts the lock; the counters and the streak start again.
    public func unlock(_ state: AccountState, actor: String, now: Int64) -> Decision {
        guard state.activeLock(at: now) != nil || !state.recentFailures.isEmpty || state.consecutiveFailures > 0
        else { return Decision(.ignore) }
        var next = state
        let wasLocked = state.activeLock(at: now) != nil
        next.lock = nil
        next.recentFailures = []
        next.consecutiveFailures = 0
        next.lockStreak = 0
        next.unlockedBy = actor
        next.unlockedAt = now
        let detail = wasLocked ? "" : "failure count reset"
        return Decision(.allow, newState: next, events: [PolicyEvent(.accountUnlocked, detail)])
    }

    /// An administrator locks an account until unlocked, or for `duration` seconds.
    public func lock(_ state: AccountState, reason: String, duration: Int64?, now: Int64) -> Decision {
        var next = state
        let until = duration.map { now.saturatingAdd($0) }
        let lock = Lock(lockedAt: now, until: until, reason: reason)
        next.lock = lock
        return Decision(
            .allow, newState: next, events: [PolicyEvent(.accountLocked, lockDetail(lock, streak: nil, now: now))])
    }

    // MARK: - Rules

    private func isLockable(_ kind: SubjectKind) -> Bool {
        switch kind {
        case .regular, .unknown: return true
        case .root: return config.evenDenyRoot
        case .exempt: return false
        }
    }

    private func lockReason(_ state: AccountState) -> String? {
        if config.maxConsecutiveFailures > 0 && state.consecutiveFailures >= config.maxConsecutiveFailures {
            return LockReason.failureCap
        }
        if config.deny > 0 && state.recentFailures.count >= config.deny { return LockReason.failures }
        return nil
    }

    private func reachedEscalation(_ streak: Int) -> Bool {
        config.lockoutsBeforeAction > 0 && streak >= config.lockoutsBeforeAction
    }

    /// unlock_time × multiplier^(streak-1), capped by max_unlock_time; nil = administrator only.
    func reactivationTime(kind: SubjectKind, streak: Int, now: Int64) -> Int64? {
        let base = config.baseUnlockTime(for: kind)
        guard base > 0 else { return nil }
        var duration = base
        var step = 1
        while step < streak && config.unlockTimeMultiplier > 1 && step < 64 {
            duration = duration.saturatingMultiply(config.unlockTimeMultiplier)
            step += 1
        }
        if config.maxUnlockTime > 0 { duration = min(duration, max(config.maxUnlockTime, base)) }
        return now.saturatingAdd(duration)
    }

    public func refusedWhileLocked(_ lock: Lock, now: Int64, detail: String) -> Decision {
        Decision(.deny, events: [PolicyEvent(.loginFailedLocked, detail)], userMessage: lockMessage(lock, now: now))
    }

    /// What a locked user may be told (only with show_lock_message).
    public func lockMessage(_ lock: Lock, now: Int64) -> String {
        guard let until = lock.until else {
            return "The account is locked. Contact your administrator."
        }
        let minutes = max(1, (until.saturatingSubtract(now).saturatingAdd(59)) / 60)
        return "The account is locked. Try again in \(describeDuration(minutes.saturatingMultiply(60)))."
    }

    private func failureDetail(_ state: AccountState, lockable: Bool) -> String {
        lockable && config.deny > 0
            ? "failure \(state.recentFailures.count) of \(config.deny)"
            : "failure \(state.consecutiveFailures) in a row"
    }

    private func lockDetail(_ lock: Lock, streak: Int?, now: Int64) -> String {
        var detail = lock.reason
        if let until = lock.until {
            detail += "; reactivates in \(describeDuration(until.saturatingSubtract(now)))"
        } else {
            detail += "; until an administrator unlocks it"
        }
        if let streak, streak > 1 { detail += "; lockout \(streak) in a row" }
        return detail
    }
}
