import LockwardenPolicy
import LockwardenStore
import LockwardenSystem
import LockwardenTOTP

/// The engine operation that writes the fleet's second factor of a user into this host's
/// database (the agent calls it when the fleet database announces a change): a secret enrolled
/// or reset on another host, a new set of backup codes, a backup code used, and the replay
/// mark, so that a code accepted on one host is refused here once the mark has arrived.
public struct FleetSecondFactorMirror {
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
        case applied([Action])
        /// This version or a newer one is here, or this host's own change waits to be pushed
        /// (the fleet's answer to it comes back after the push).
        case unchanged
        case notHere
    }

    /// `factor` is on this host's clock; `secret` is its secret unsealed (nil when none).
    public func apply(
        user: String, factor: SharedSecondFactor, secret: [UInt8]?, version: Int64, updatedBy: String,
        pushedThrough: Int64 = 0
    ) throws(StoreError) -> Outcome {
        guard let system = Accounts.user(named: Array(user.utf8)) else { return .notHere }
        var change = AccountChange(
            store: store, config: config, host: host,
            context: EventContext(
                user: Escape.bytes(Array(user.utf8), limit: 64), uid: system.uid, service: "lockwarden-fleet",
                actor: "fleet (\(Escape.text(updatedBy)))"),
            now: now)
        change.queuesLockNotice = false
        change.sendsToFleet = false
        let applied = try change.apply(.user(uid: system.uid, name: system.name)) {
            _ throws(StoreError) -> (Decision, Outcome) in
            guard version > (try store.fleetAppliedSecondFactorVersion(user: user)),
                !(try store.fleetInputWaits(user: user, kind: .secondFactor, after: pushedThrough))
            else { return (Decision(.ignore), .unchanged) }
            try store.setFleetAppliedSecondFactorVersion(version, user: user)
            let local = try store.localSecondFactor(uid: system.uid)
            let incoming = Self.local(factor, secret: secret, uid: system.uid, keepingMarkOf: local)
            guard incoming != local else { return (Decision(.ignore), .applied([])) }
            try store.replaceLocalSecondFactor(incoming, now: now)
            let events = Self.events(from: local, to: incoming)
            return (Decision(.ignore, events: events), .applied(events.map { $0.action }))
        }
        change.report(applied)
        return applied.outcome
    }

    /// The fleet's factor as this host stores it; the replay mark never goes back.
    static func local(
        _ factor: SharedSecondFactor, secret: [UInt8]?, uid: UInt32, keepingMarkOf local: LocalSecondFactor?
    ) -> LocalSecondFactor {
        let settings = TOTPSettings(
            algorithm: OTPAlgorithm(rawValue: factor.algorithm) ?? .sha1, digits: factor.digits,
            period: factor.period)
        var lastStep = factor.lastStep
        if let local, local.record.secret == secret, let mark = local.record.lastStep {
            lastStep = max(lastStep ?? 0, mark)
        }
        let record = MFARecord(
            uid: uid, secret: secret, settings: settings, lastStep: lastStep, enrolledAt: factor.enrolledAt,
            reenrollRequired: factor.reenrollRequired, resetAt: factor.resetAt, resetBy: factor.resetBy)
        return LocalSecondFactor(
            record: record, backupCodes: factor.backupCodes, codesAt: factor.backupCodes.isEmpty ? nil : factor.codesAt,
            oneTimeCodes: factor.oneTimeCodes)
    }

    /// What the log here says: a new secret or a reset, and new backup codes. A used code or
    /// a replay mark is logged by the host where it was used.
    static func events(from local: LocalSecondFactor?, to incoming: LocalSecondFactor) -> [PolicyEvent] {
        var events: [PolicyEvent] = []
        if local?.record.secret != incoming.record.secret
            || local?.record.reenrollRequired
                != incoming.record
                .reenrollRequired
        {
            events.append(PolicyEvent(incoming.record.secret == nil ? .mfaReset : .mfaEnrolled, "fleet"))
        } else if let codesAt = incoming.codesAt, codesAt != local?.codesAt,
            !incoming.backupCodes.contains(where: { code in local?.backupCodes.contains(code) ?? false })
        {
            events.append(PolicyEvent(.backupCodesRenewed, "fleet"))
        }
        return events
    }
}
