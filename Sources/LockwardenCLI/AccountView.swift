import LockwardenPolicy
import LockwardenStore
import LockwardenSystem

/// One account as `list` and `show` present it, computed once at `now`.
struct AccountView {
    var user: String
    var uid: UInt32?
    /// The system knows this user now.
    var known: Bool
    var hasRecord: Bool
    var state: AccountState
    var activeLock: Lock?
    var failuresInWindow: Int
    var deny: Int
    var failInterval: Int64

    init(record: AccountRecord, systemUser: SystemUser?, hasRecord: Bool, config: LockwardenConfig, now: Int64) {
        let user = systemUser ?? record.uid.flatMap { Accounts.user(uid: $0) }
        self.user = user.map { Display.text($0.name) } ?? Display.bytes(record.name)
        self.uid = record.uid
        self.known = user != nil
        self.hasRecord = hasRecord
        self.state = record.state
        self.activeLock = record.state.activeLock(at: now)
        let windowStart = now.saturatingAdd(-config.failInterval)
        self.failuresInWindow = record.state.recentFailures.filter { $0 > windowStart }.count
        self.deny = config.deny
        self.failInterval = config.failInterval
    }

    /// The user column: unknown names and vanished UIDs are marked.
    var userLabel: String {
        if known { return user }
        return uid == nil ? "\(user) (unknown)" : "\(user) (no such user now)"
    }

    var uidLabel: String { uid.map(String.init) ?? "-" }

    /// active / locked until TIME / locked (administrator only)
    var status: String {
        guard let lock = activeLock else { return "active" }
        guard let until = lock.until else { return "locked (administrator only)" }
        return "locked until \(TimeText.format(until))"
    }

    /// The last failure's time and where it came from, for the table.
    var lastFailureShort: String {
        guard let at = state.lastFailureAt else { return "-" }
        var text = TimeText.format(at)
        if let source = state.lastFailureSource {
            if !source.rhost.isEmpty {
                text += " from " + Display.stored(source.rhost)
            } else if !source.tty.isEmpty {
                text += " on " + Display.stored(source.tty)
            }
        }
        return text
    }

    /// Time, service, rhost and tty of the last failure.
    var lastFailureLong: String {
        guard let at = state.lastFailureAt else { return "never" }
        var parts = [TimeText.format(at)]
        if let source = state.lastFailureSource {
            if !source.service.isEmpty { parts.append("service " + Display.stored(source.service)) }
            if !source.rhost.isEmpty { parts.append("from " + Display.stored(source.rhost)) }
            if !source.tty.isEmpty { parts.append("tty " + Display.stored(source.tty)) }
        }
        return parts.joined(separator: ", ")
    }

    var json: JSON {
        let lock = state.lock
        let source = state.lastFailureSource
        return .object([
            ("user", .string(user)),
            ("uid", .optional(uid)),
            ("known", .bool(known)),
            ("has_record", .bool(hasRecord)),
            ("locked", .bool(activeLock != nil)),
            ("locked_at", .optional(lock?.lockedAt)),
            ("locked_until", .optional(lock?.until)),
            ("lock_reason", .optional(lock.map { Display.stored($0.reason) })),
            ("failures", .int(Int64(failuresInWindow))),
            ("deny", .int(Int64(deny))),
            ("consecutive_failures", .int(Int64(state.consecutiveFailures))),
            ("last_failure_at", .optional(state.lastFailureAt)),
            ("last_failure_service", .optional(source.map { Display.stored($0.service) })),
            ("last_failure_rhost", .optional(source.map { Display.stored($0.rhost) })),
            ("last_failure_tty", .optional(source.map { Display.stored($0.tty) })),
            ("lock_streak", .int(Int64(state.lockStreak))),
            ("password_change_required", .bool(state.passwordChangeRequired)),
            ("last_success_at", .optional(state.lastSuccessAt)),
            ("unlocked_by", .optional(state.unlockedBy.map(Display.stored))),
            ("unlocked_at", .optional(state.unlockedAt)),
        ])
    }
}
