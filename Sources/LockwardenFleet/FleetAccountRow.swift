import LockwardenPolicy

/// An account's fleet-wide state as `lockwarden.accounts` holds it, on the database's clock.
public struct FleetAccount: Equatable, Sendable {
    public var account: String
    public var state: AccountState
    public var version: Int64
    public var updatedBy: String

    static let columns = """
        recent_failures, consecutive_failures, last_failure_at, last_failure_service, last_failure_rhost, \
        last_failure_tty, locked_at, locked_until, lock_reason, lock_streak, password_change_required, \
        last_success_at, unlocked_by, unlocked_at, version, updated_by, account
        """

    /// From a row selected with `columns`, in that order.
    init?(row: [String?]) {
        guard row.count == 17, let account = row[16] else { return nil }
        var state = AccountState()
        state.recentFailures = Self.integerArray(row[0])
        state.consecutiveFailures = Int(row[1] ?? "0") ?? 0
        state.lastFailureAt = row[2].flatMap { Int64($0) }
        if row[3] != nil || row[4] != nil || row[5] != nil {
            state.lastFailureSource = AttemptSource(service: row[3] ?? "", rhost: row[4] ?? "", tty: row[5] ?? "")
        }
        if let lockedAt = row[6].flatMap({ Int64($0) }) {
            state.lock = Lock(lockedAt: lockedAt, until: row[7].flatMap { Int64($0) }, reason: row[8] ?? "")
        }
        state.lockStreak = Int(row[9] ?? "0") ?? 0
        state.passwordChangeRequired = row[10] == "t"
        state.lastSuccessAt = row[11].flatMap { Int64($0) }
        state.unlockedBy = row[12]
        state.unlockedAt = row[13].flatMap { Int64($0) }
        self.account = account
        self.state = state
        self.version = Int64(row[14] ?? "0") ?? 0
        self.updatedBy = row[15] ?? ""
    }

    /// The values of `columns` 1 to 14 for an UPDATE, as parameters $2 to $15.
    static func parameters(_ state: AccountState) -> [String?] {
        [
            "{" + state.recentFailures.map { String($0) }.joined(separator: ",") + "}",
            String(state.consecutiveFailures), state.lastFailureAt.map { String($0) },
            state.lastFailureSource?.service, state.lastFailureSource?.rhost, state.lastFailureSource?.tty,
            state.lock.map { String($0.lockedAt) }, state.lock?.until.map { String($0) }, state.lock?.reason,
            String(state.lockStreak), state.passwordChangeRequired ? "true" : "false",
            state.lastSuccessAt.map { String($0) }, state.unlockedBy, state.unlockedAt.map { String($0) },
        ]
    }

    private static func integerArray(_ text: String?) -> [Int64] {
        guard let text, text.count > 2 else { return [] }
        return text.dropFirst().dropLast().split(separator: ",").compactMap { Int64($0) }
    }
}

extension AccountState {
    /// The same state on a clock that runs `offset` seconds ahead (a host's clock against the
    /// database's): every time moves, nothing else.
    public func shifted(by offset: Int64) -> AccountState {
        var state = self
        state.recentFailures = recentFailures.map { $0.saturatingAdd(offset) }
        state.lastFailureAt = lastFailureAt.map { $0.saturatingAdd(offset) }
        state.lock = lock.map {
            Lock(
                lockedAt: $0.lockedAt.saturatingAdd(offset), until: $0.until.map { $0.saturatingAdd(offset) },
                reason: $0.reason)
        }
        state.lastSuccessAt = lastSuccessAt.map { $0.saturatingAdd(offset) }
        state.unlockedAt = unlockedAt.map { $0.saturatingAdd(offset) }
        return state
    }
}
