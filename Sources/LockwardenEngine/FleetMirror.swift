import LockwardenPolicy
import LockwardenStore
import LockwardenSystem

/// The engine operation that writes the fleet's state of an account into this host's database
/// (the fleet agent calls it when the fleet database announces a change). The account then
/// holds the fleet-wide state plus whatever this host has queued and not yet pushed, so that
/// logins here lock on the fleet's count without asking the network, and keep locking on
/// their own count while the database cannot be reached.
public struct FleetMirror {
    let config: LockwardenConfig
    let store: StateStore
    let host: CallHost
    let now: Int64
    /// For `lockwarden notify`, which sends the lock mails this host owes.
    let configPath: String

    public init(config: LockwardenConfig, store: StateStore, host: CallHost, now: Int64, configPath: String) {
        self.config = config
        self.store = store
        self.host = host
        self.now = now
        self.configPath = configPath
    }

    public enum Outcome: Equatable {
        /// Written; the events it recorded here (a lock or an unlock that came from the fleet).
        case applied([Action])
        /// This version, or a newer one, is here already.
        case unchanged
        /// No such user on this host.
        case notHere
    }

    /// `state` is the fleet's, already on this host's clock; `version` orders the fleet's
    /// changes of this account, so that a late announcement never rolls it back. Outbox rows up
    /// to `pushedThrough` are in the fleet's state already (pushed, not yet removed).
    public func apply(
        user: String, state fleetState: AccountState, version: Int64, updatedBy: String, pushedThrough: Int64 = 0
    ) throws(StoreError) -> Outcome {
        guard let system = Accounts.user(named: Array(user.utf8)) else { return .notHere }
        var change = fleetChange(user: user, uid: system.uid, updatedBy: updatedBy)
        // The host whose input made the fleet lock sends its mails (notify_on_lock), once: the
        // others only mirror it. Had its own count locked first, the lock is already here.
        change.queuesLockNotice = updatedBy == config.fleetHost
        let policy = LockPolicy(config: config)
        let key = AccountKey.user(uid: system.uid, name: system.name)
        // Most announcements are this host's own push coming back, which changes nothing here:
        // found by reading, they take no write lock from the logins.
        if try merging(fleetState, user: user, policy: policy, after: pushedThrough) == (try store.account(key)).state {
            return .unchanged
        }
        let applied = try change.apply(key) { record throws(StoreError) -> (Decision, Outcome) in
            guard version > (try store.fleetAppliedVersion(user: user)) else { return (Decision(.ignore), .unchanged) }
            try store.setFleetAppliedVersion(version, user: user)
            let merged = try merging(fleetState, user: user, policy: policy, after: pushedThrough)
            let wasLocked = record.state.activeLock(at: now) != nil
            let isLocked = merged.activeLock(at: now) != nil
            var events: [PolicyEvent] = []
            if isLocked && !wasLocked, let lock = merged.lock {
                events.append(PolicyEvent(.accountLocked, "fleet: \(lock.reason)"))
            } else if wasLocked && !isLocked {
                events.append(PolicyEvent(.accountUnlocked, "fleet"))
            }
            guard merged != record.state else { return (Decision(.ignore), .applied([])) }
            return (Decision(.allow, newState: merged, events: events), .applied(events.map { $0.action }))
        }
        change.report(applied)
        if applied.lockNoticeQueued,
            (try? Notifications.expandLockNotices(store: store, config: config, now: now)) ?? 0 > 0
        {
            Notifications.startSender(config: config, configPath: configPath, host: host)
        }
        return applied.outcome
    }

    /// A change that comes from the fleet: attributed to the host that made it, never queued
    /// for the fleet again, and with no lock mail unless the caller says so.
    func fleetChange(user: String, uid: UInt32, updatedBy: String) -> AccountChange {
        var change = AccountChange(
            store: store, config: config, host: host,
            context: EventContext(
                user: Escape.bytes(Array(user.utf8), limit: 64), uid: uid, service: "lockwarden-fleet",
                actor: "fleet (\(Escape.text(updatedBy)))"),
            now: now)
        change.queuesLockNotice = false
        change.sendsToFleet = false
        return change
    }

    /// The fleet's state with what this host has queued and not pushed yet.
    private func merging(_ fleetState: AccountState, user: String, policy: LockPolicy, after: Int64)
        throws(StoreError) -> AccountState
    {
        var merged = fleetState
        for waiting in try store.fleetOutbox(user: user, after: after, limit: 10_000) {
            merged = waiting.input.applied(to: merged, policy: policy).newState ?? merged
        }
        return merged
    }
}
