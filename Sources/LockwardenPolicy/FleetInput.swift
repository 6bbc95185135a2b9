/// What a fleet host tells the others about one account: the inputs of the policy (a failure, a
/// success, a lock or an unlock by hand, a password change), never what the policy made of them,
/// so that the fleet database applies the same policy to the fleet-wide history; and that its
/// second factor changed (enrolled, reset, a code or backup code used), which the agent sends
/// as a `SharedSecondFactor` taken when it pushes.
public struct FleetInput: Equatable, Sendable {
    public enum Kind: String, CaseIterable, Sendable {
        case failure
        case success
        case lock
        case unlock
        case passwordChanged = "password-changed"
        case secondFactor = "second-factor"
    }

    public var kind: Kind
    /// When it happened, on the clock of whoever applies it.
    public var time: Int64
    public var subject: SubjectKind
    /// Failures folded into this one while the outbox was full (at least 1).
    public var count: Int
    /// A lock by hand: its length in seconds, nil until unlocked.
    public var duration: Int64?
    public var reason: String
    public var actor: String
    public var source: AttemptSource

    public init(
        _ kind: Kind, time: Int64, subject: SubjectKind = .regular, count: Int = 1, duration: Int64? = nil,
        reason: String = "", actor: String = "", source: AttemptSource = AttemptSource()
    ) {
        self.kind = kind
        self.time = time
        self.subject = subject
        self.count = count
        self.duration = duration
        self.reason = reason
        self.actor = actor
        self.source = source
    }

    /// The inputs behind a local decision. A lock that follows failures is the policy's own
    /// answer, and the fleet reaches it again from the failures; only a lock by hand is an input.
    public static func inputs(
        of decision: Decision, subject: SubjectKind, actor: String, source: AttemptSource, now: Int64
    ) -> [FleetInput] {
        let actions = decision.events.map { $0.action }
        var inputs: [FleetInput] = []
        if actions.contains(.loginFailed) {
            inputs.append(FleetInput(.failure, time: now, subject: subject, source: source))
        } else if actions.contains(.accountLocked), let lock = decision.newState?.lock {
            inputs.append(
                FleetInput(
                    .lock, time: now, subject: subject,
                    duration: lock.until.map { $0.saturatingSubtract(lock.lockedAt) },
                    reason: lock.reason, actor: actor))
        }
        if actions.contains(.loginSucceeded) { inputs.append(FleetInput(.success, time: now, subject: subject)) }
        if actions.contains(.accountUnlocked) { inputs.append(FleetInput(.unlock, time: now, actor: actor)) }
        if actions.contains(.passwordChanged) { inputs.append(FleetInput(.passwordChanged, time: now)) }
        return inputs
    }

    /// The state after this input, by the same policy a login applies; its events are the ones a
    /// login would have written.
    public func applied(to state: AccountState, policy: LockPolicy) -> Decision {
        switch kind {
        case .failure:
            var decision = Decision(.deny, newState: state)
            for _ in 0..<max(count, 1) {
                let next = policy.afterFailure(decision.newState ?? state, kind: subject, source: source, now: time)
                decision = Decision(
                    next.verdict, newState: next.newState ?? decision.newState, events: decision.events + next.events,
                    userMessage: next.userMessage)
            }
            return decision
        case .success: return policy.afterSuccess(state, now: time)
        case .lock: return policy.lock(state, reason: reason, duration: duration, now: time)
        case .unlock: return policy.unlock(state, actor: actor, now: time)
        case .passwordChanged: return policy.afterPasswordChange(state)
        case .secondFactor: return Decision(.ignore, newState: state)
        }
    }
}

extension SubjectKind {
    /// The name a fleet input carries.
    public var fleetName: String {
        switch self {
        case .regular: return "regular"
        case .root: return "root"
        case .exempt: return "exempt"
        case .unknown: return "unknown"
        }
    }

    public init?(fleetName: String) {
        switch fleetName {
        case "regular": self = .regular
        case "root": self = .root
        case "exempt": self = .exempt
        case "unknown": self = .unknown
        default: return nil
        }
    }
}
