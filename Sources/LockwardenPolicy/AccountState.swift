/// Where a login attempt came from, as recorded with a failure.
public struct AttemptSource: Equatable, Sendable {
    public var service: String
    public var rhost: String
    public var tty: String

    public init(service: String = "", rhost: String = "", tty: String = "") {
        self.service = service
        self.rhost = rhost
        self.tty = tty
    }
}

/// An account lock. `until == nil` means only an administrator can lift it.
public struct Lock: Equatable, Sendable {
    public var lockedAt: Int64
    public var until: Int64?
    public var reason: String

    public init(lockedAt: Int64, until: Int64?, reason: String) {
        self.lockedAt = lockedAt
        self.until = until
        self.reason = reason
    }

    /// A lock is in force until its reactivation time; an administrator-only lock always is.
    public func isInForce(at now: Int64) -> Bool {
        guard let until else { return true }
        return now < until
    }
}

/// Why the policy locks an account (the "Lock Reason" administrators see).
public enum LockReason {
    public static let failures = "Failures"
    public static let repeatedLockouts = "Repeated lockouts"
    public static let failureCap = "Failure cap"
}

/// Everything remembered about one account (a known UID, or the exact bytes of an unknown name).
public struct AccountState: Equatable, Sendable {
    /// Times of the failures inside the current window, oldest first; never more than `deny`.
    public var recentFailures: [Int64] = []
    /// Failures since the last successful authentication or administrator unlock.
    public var consecutiveFailures: Int = 0
    public var lastFailureAt: Int64?
    public var lastFailureSource: AttemptSource?
    public var lock: Lock?
    /// Locks in a row with no successful login in between.
    public var lockStreak: Int = 0
    public var passwordChangeRequired: Bool = false
    public var lastSuccessAt: Int64?
    public var unlockedBy: String?
    public var unlockedAt: Int64?

    public init() {}

    /// Whether anything here can change a decision: a lock, failures, a lock streak or a
    /// required password change. An account without any is decided exactly as one never seen
    /// (the last success, last failure source and last unlock are history only).
    public var hasState: Bool {
        lock != nil || !recentFailures.isEmpty || consecutiveFailures != 0 || lockStreak != 0 || passwordChangeRequired
    }

    /// The lock that is in force at `now`, if any.
    public func activeLock(at now: Int64) -> Lock? {
        guard let lock, lock.isInForce(at: now) else { return nil }
        return lock
    }
}
