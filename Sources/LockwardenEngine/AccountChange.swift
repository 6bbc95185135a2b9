import LockwardenPolicy
import LockwardenStore
import LockwardenSystem

/// One change of one account, the same for a login and an administrator: inside one
/// `BEGIN IMMEDIATE` transaction the caller decides over the account record, then its new
/// state and events are stored and, for a new lock, the lock notice is queued. After the
/// commit, `report` writes one syslog line per event.
struct AccountChange {
    let store: StateStore
    let config: LockwardenConfig
    let host: CallHost
    let context: EventContext
    let now: Int64
    /// Whether a new lock queues the lock mails (notify_on_lock): a login's automatic lock
    /// does; a lock by hand does not, since the administrator who chose it is told already.
    var queuesLockNotice = true
    /// The subject's kind, which a fleet input carries (the fleet applies the same exemptions).
    var subjectKind: SubjectKind = .regular
    /// Whether the change goes to the fleet outbox (fleet_host set): not for a change that
    /// comes from the fleet itself.
    var sendsToFleet = true

    struct Applied<Outcome> {
        var decision: Decision
        var outcome: Outcome
        /// A success of an account with nothing to record (left unrecorded unless log_successes).
        var clean: Bool
        var lockNoticeQueued: Bool
        var dropped: [Action]
    }

    /// `decide` runs inside the transaction and may read or write other rows of the same
    /// account (its second factor, its PINs) through the store.
    func apply<Outcome>(
        _ key: AccountKey, _ decide: (inout AccountRecord) throws(StoreError) -> (Decision, Outcome)
    ) throws(StoreError) -> Applied<Outcome> {
        var clean = false
        var queued = false
        var dropped: [Action] = []
        let (decision, outcome) = try store.immediateTransaction { store throws(StoreError) -> (Decision, Outcome) in
            var record = try store.account(key)
            let before = record.state
            let factorWrites = store.secondFactorWrites
            let (decision, outcome) = try decide(&record)
            if store.secondFactorWrites != factorWrites { try queueSecondFactor(key) }
            clean = LockPolicy.isCleanSuccess(decision, before: before)
            // Such a success is left to the system's login records unless log_successes is on
            // (the same as when the account index decides it without SQLite).
            if clean && !config.logSuccesses { return (decision, outcome) }
            dropped = try store.record(decision, for: &record, context: context, now: now)
            for action in dropped { host.log(.warning, "event could not be recorded: \(action.rawValue)") }
            try queueForFleet(decision, key)
            // Only the uid under the write lock: the lookups the mails need come after the commit.
            if queuesLockNotice, config.notifyOnLock, decision.events.contains(where: { $0.action == .accountLocked }),
                let uid = context.uid
            {
                try store.enqueueLockNotice(uid: uid, now: now)
                queued = true
            }
            return (decision, outcome)
        }
        return Applied(decision: decision, outcome: outcome, clean: clean, lockNoticeQueued: queued, dropped: dropped)
    }

    /// Known users only: an invented name is not an account of the fleet.
    private func queueForFleet(_ decision: Decision, _ key: AccountKey) throws(StoreError) {
        guard sendsToFleet, config.inFleet, case .user(_, let name) = key else { return }
        let source = AttemptSource(service: context.service, rhost: context.rhost, tty: context.tty)
        for input in FleetInput.inputs(
            of: decision, subject: subjectKind, actor: context.actor, source: source, now: now)
        {
            try store.enqueueFleet(input, user: name, limit: config.fleetOutboxLimit)
        }
    }

    /// A second factor written by the change (enrolled, reset, a code, a backup code or a
    /// one-time code used) is queued; the agent sends it as it is when it pushes. Found by the
    /// store's count of such writes, so a login that touches none reads nothing more.
    private func queueSecondFactor(_ key: AccountKey) throws(StoreError) {
        guard sendsToFleet, config.inFleet, case .user(_, let name) = key else { return }
        try store.enqueueFleet(FleetInput(.secondFactor, time: now), user: name, limit: config.fleetOutboxLimit)
    }

    /// After the commit: one syslog line per recorded event.
    func report<Outcome>(_ applied: Applied<Outcome>) {
        if applied.clean && !config.logSuccesses { return }
        EventLines.report(applied.decision.events, context: context, host: host)
    }
}
