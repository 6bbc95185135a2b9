import LockwardenPolicy
import LockwardenStore
import LockwardenSystem
import LockwardenTOTP

/// The engine operation that writes the fleet's second factor of a user into this host's
/// database (the agent calls it when the fleet database announces a change): a secret enrolled
/// or reset on another host, a new set of backup codes, a backup code used, one-time codes, and
/// the replay mark, so that a code accepted on one host is refused here once the mark has
/// arrived. `unchanged` also covers this host's own change waiting to be pushed (the fleet's
/// answer to it comes back after the push).
extension FleetMirror {
    /// `factor` is on this host's clock; `secret` is its secret unsealed (nil when none).
    public func apply(
        user: String, factor: SharedSecondFactor, secret: [UInt8]?, version: Int64, updatedBy: String,
        pushedThrough: Int64 = 0
    ) throws(StoreError) -> Outcome {
        guard let system = Accounts.user(named: Array(user.utf8)) else { return .notHere }
        let change = fleetChange(user: user, uid: system.uid, updatedBy: updatedBy)
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
