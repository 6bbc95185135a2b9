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

    public init(config: LockwardenConfig, store: StateStore, host: CallHost, now: Int64) {
        self.config = config
        self.store = store
        self.host = host
        self.now = now
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
    /// changes of this account, so that a late announcement never rolls it back.
    public func apply(user: String, state fleetState: AccountState, version: Int64, updatedBy: String)
        throws(StoreError) -> Outcome
    {
        guard let system = Accounts.user(named: Array(user.utf8)) else { return .notHere }
        var change = AccountChange(
            store: store, config: config, host: host,
            context: EventContext(
                user: Escape.bytes(Array(user.utf8), limit: 64), uid: system.uid, service: "lockwarden-fleet",
                actor: "fleet (\(Escape.text(updatedBy)))"),
            now: now)
        change.queuesLockNotice = false
        change.sendsToFleet = false
        let policy = LockPolicy(config: config)
        let applied = try change.apply(.user(uid: system.uid, name: system.name)) {
            record throws(StoreError) -> (Decision, Outcome) in
            guard version > (try store.fleetAppliedVersion(user: user)) else { return (Decision(.ignore), .unchanged) }
            try store.setFleetAppliedVersion(version, user: user)
            var merged = fleetState
            for waiting in try store.fleetOutbox(user: user, limit: 10_000) {
                merged = waiting.input.applied(to: merged, policy: policy).newState ?? merged
            }
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
        return applied.outcome
    }
}
