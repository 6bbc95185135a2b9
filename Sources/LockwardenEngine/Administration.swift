import LockwardenCrypto
import LockwardenPolicy
import LockwardenStore
import LockwardenSystem

/// The engine's entry for administrators: every action the CLI takes on an account runs here,
/// in one transaction, through the same `AccountChange` as a login, so that the state, the
/// events, the queued mail and the syslog lines of an unlock or an enrollment are decided in
/// one place. The CLI parses, checks who may act (Authority), calls `perform` and prints.
public struct Administration {
    public static let service = "lockwarden"

    let config: LockwardenConfig
    let store: StateStore
    /// Syslog, as the PAM module's host is for a login; the conversation is not used.
    let host: CallHost
    /// "NAME (uid N)" or "NAME (uid N, via sudo)", escaped: events, "Unlocked by", PIN binding.
    let actor: String
    let tty: String
    let now: Int64

    public init(config: LockwardenConfig, store: StateStore, host: CallHost, actor: String, tty: String, now: Int64) {
        self.config = config
        self.store = store
        self.host = host
        self.actor = actor
        self.tty = tty
        self.now = now
    }

    public func perform(_ action: AdminAction, on target: AdminTarget) throws(AdminError) -> AdminResult {
        switch action {
        case .unlock: return try unlock(target)
        case .refuseAccess(let words): return try refuseAccess(target, words: words)
        case .lock(let reason, let duration):
            return try lock(target, try known(target), reason: reason, duration: duration)
        case .sendUnlockPIN(let address):
            let member = try known(target)
            guard let pin = MailedCode.make(digits: UnlockPIN.digits), let hashed = MailedCode.hash(pin) else {
                throw AdminError.noRandomBytes
            }
            return try sendUnlockPIN(target, member, pin: pin, hashed: hashed, to: address)
        case .unlockWithPIN(let typed): return try unlockWithPIN(target, try known(target), typed: typed)
        case .enroll(let factor, let replace): return try enroll(target, try known(target), factor, replace: replace)
        case .resetMFA(let showCode): return try resetMFA(target, try known(target), showCode: showCode)
        case .renewBackupCodes(let codes): return try renewBackupCodes(target, try known(target), codes)
        case .setEmail(let address): return try setEmail(target, try known(target), address)
        case .sendPasswordReset: return try sendPasswordReset(target, try known(target))
        }
    }

    /// The actions that bind to a UID: names the system does not know have none.
    private func known(_ target: AdminTarget) throws(AdminError) -> SystemUser {
        guard let user = target.user else { throw .unknownUser }
        return user
    }

    // MARK: - One change

    private func change(_ target: AdminTarget) -> AccountChange {
        var change = AccountChange(
            store: store, config: config, host: host,
            context: EventContext(
                user: target.eventName, uid: target.user?.uid, service: Self.service, tty: tty, actor: actor),
            now: now)
        change.queuesLockNotice = false
        return change
    }

    /// Runs `decide` in one transaction over the target's record and reports its events.
    private func apply(
        _ target: AdminTarget, _ decide: (inout AccountRecord) throws(StoreError) -> (Decision, AdminOutcome)
    ) throws(AdminError) -> AdminResult {
        let change = change(target)
        let applied: AccountChange.Applied<AdminOutcome>
        do {
            applied = try change.apply(target.key, decide)
        } catch {
            throw .store(error)
        }
        change.report(applied)
        return AdminResult(outcome: applied.outcome, dropped: applied.dropped)
    }

    private var policy: LockPolicy { LockPolicy(config: config) }

    // MARK: - Locks

    private func lock(_ target: AdminTarget, _ member: SystemUser, reason: String, duration: Int64?) throws(AdminError)
        -> AdminResult
    {
        return try apply(target) { record throws(StoreError) -> (Decision, AdminOutcome) in
            let decision = policy.lock(record.state, reason: reason, duration: duration, now: now)
            guard let lock = decision.newState?.lock else { return (Decision(.ignore), .notLocked) }
            return (decision, .locked(lock))
        }
    }

    private func unlock(_ target: AdminTarget) throws(AdminError) -> AdminResult {
        return try apply(target) { record throws(StoreError) -> (Decision, AdminOutcome) in
            guard record.id != nil else { return (Decision(.ignore), .noRecord) }
            let wasLocked = record.state.activeLock(at: now) != nil
            let decision = policy.unlock(record.state, actor: actor, now: now)
            guard decision.newState != nil else { return (Decision(.ignore), .notLocked) }
            return (decision, wasLocked ? .unlocked : .countersReset)
        }
    }

    /// In one transaction: the request limit, the PIN's hash (the earlier PIN of this
    /// administrator for this account stops working), its mail and "Unlock PIN sent".
    private func sendUnlockPIN(
        _ target: AdminTarget, _ member: SystemUser, pin: String, hashed: (salt: [UInt8], hash: [UInt8]),
        to address: String
    ) throws(AdminError) -> AdminResult {
        let text = config.template(.unlockPIN).fill([
            "user": member.name, "full_name": MailDirectory.fullName(of: member), "host": HostName.current(),
            "pin": pin,
        ])
        let message = MailMessage(to: address, subject: text.subject, body: text.body)
        let since = now - UnlockPIN.limitWindow
        return try apply(target) { _ throws(StoreError) -> (Decision, AdminOutcome) in
            let requests = try store.pinAttempts(.request, actor: actor, targetUID: member.uid, since: since)
            if let reason = UnlockPIN.limitReached(requests, limit: config.pinRequestsPerHour, what: "PIN requests") {
                let event = PolicyEvent(.accountUnlockFailed, "no PIN sent: " + reason)
                return (Decision(.deny, events: [event]), .pinNotSent(reason))
            }
            try store.recordPINAttempt(.request, actor: actor, targetUID: member.uid, now: now, keepSince: since)
            try store.addUnlockPIN(
                targetUID: member.uid, actor: actor, salt: hashed.salt, hash: hashed.hash, now: now,
                expiresAt: now.saturatingAdd(UnlockPIN.lifetime))
            try store.enqueue(kind: UnlockPIN.mailKind, message: message, now: now)
            let event = PolicyEvent(.unlockPINSent, "to " + Escape.text(address, limit: 254))
            return (Decision(.allow, events: [event]), .pinSent)
        }
    }

    /// In one transaction: checks the PIN; a wrong one counts a try and records "Account unlock
    /// failed", the right one is spent and unlocks ("Account unlocked", the actor as Unlocked by).
    private func unlockWithPIN(_ target: AdminTarget, _ member: SystemUser, typed: [UInt8]) throws(AdminError)
        -> AdminResult
    {
        let since = now - UnlockPIN.limitWindow
        return try apply(target) { record throws(StoreError) -> (Decision, AdminOutcome) in
            let stored = try store.latestUnlockPIN(targetUID: member.uid, actor: actor)
            let wrong = try store.pinAttempts(.wrongPIN, actor: actor, targetUID: member.uid, since: since)
            if let reason = UnlockPIN.limitReached(wrong, limit: config.pinFailuresPerHour, what: "wrong PINs") {
                let refusal = UnlockPIN.Refusal.tooManyWrongPINs(reason)
                let event = PolicyEvent(.accountUnlockFailed, refusal.description)
                return (Decision(.deny, events: [event]), .pinRefused(refusal, triesLeft: nil))
            }
            switch UnlockPIN.check(typed, stored: stored, now: now) {
            case .refused(let id, let reason):
                if let id { try store.countUnlockPINTry(id: id) }
                var triesLeft: Int?
                if reason == .wrongPIN {
                    try store.recordPINAttempt(
                        .wrongPIN, actor: actor, targetUID: member.uid, now: now, keepSince: since)
                    triesLeft = stored.map { max(0, UnlockPIN.maxTries - $0.tries - 1) }
                }
                let event = PolicyEvent(.accountUnlockFailed, reason.description)
                return (Decision(.deny, events: [event]), .pinRefused(reason, triesLeft: triesLeft))
            case .accepted(let id):
                try store.markUnlockPINUsed(id: id, now: now)
                let wasLocked = record.state.activeLock(at: now) != nil
                var decision = policy.unlock(record.state, actor: actor, now: now)
                guard decision.newState != nil else { return (Decision(.ignore), .notLocked) }
                if wasLocked {
                    decision.events = decision.events.map { PolicyEvent($0.action, "confirmed with a mailed PIN") }
                }
                return (decision, wasLocked ? .unlocked : .countersReset)
            }
        }
    }

    // MARK: - Second factor

    private func enroll(_ target: AdminTarget, _ member: SystemUser, _ factor: NewSecondFactor, replace: Bool)
        throws(AdminError)
        -> AdminResult
    {
        return try apply(target) { _ throws(StoreError) -> (Decision, AdminOutcome) in
            if !replace, try store.mfa(uid: member.uid)?.isEnrolled == true {
                return (Decision(.ignore), .alreadyEnrolled)
            }
            let replaced = try factor.save(uid: member.uid, store: store, now: now)
            var detail = factor.settings.eventText
            detail += factor.confirmedStep == nil ? "; not confirmed with a code" : "; confirmed with a code"
            if replaced { detail += "; replaced the previous secret" }
            return (Decision(.allow, events: [PolicyEvent(.mfaEnrolled, detail)]), .enrolled(replaced: replaced))
        }
    }

    /// Deletes the secret, its last step and every backup code, marks the user for
    /// enrollment, records who and when, and mails the user (a reset they did not ask for is
    /// worth a question).
    private func resetMFA(_ target: AdminTarget, _ member: SystemUser, showCode: Bool) throws(AdminError) -> AdminResult
    {
        return try apply(target) { _ throws(StoreError) -> (Decision, AdminOutcome) in
            let previous = try store.mfa(uid: member.uid)
            let hadSecret = previous?.isEnrolled ?? false
            let codes = try store.backupCodes(uid: member.uid).count
            try store.save(
                MFARecord(
                    uid: member.uid, secret: nil, settings: previous?.settings ?? TOTPSetup.settings(config),
                    lastStep: nil, enrolledAt: nil, reenrollRequired: true, resetAt: now, resetBy: actor))
            try store.replaceBackupCodes(uid: member.uid, with: [], now: now)
            var queued = false
            if let address = try MailDirectory.address(of: member, store: store, config: config) {
                let text = config.template(.mfaReset).fill(
                    ["user": member.name, "host": HostName.current(), "actor": actor])
                try store.enqueue(
                    kind: "mfa-reset", message: MailMessage(to: address, subject: text.subject, body: text.body),
                    now: now)
                queued = true
            }
            var detail =
                hadSecret ? "secret and \(codes) backup codes deleted" : "no secret was enrolled; marked for enrollment"
            // A code from before this reset must not open the new enrollment.
            var deviceCode: String?
            if showCode {
                deviceCode = try MailedCode.issue(
                    .deviceAuthorization, uid: member.uid, config: config, store: store, now: now)
                detail += "; device authorization code shown to the administrator"
            } else {
                try store.markOneTimeCodeUsed(uid: member.uid, purpose: .deviceAuthorization, now: now)
            }
            return (
                Decision(.allow, events: [PolicyEvent(.mfaReset, detail)]),
                .mfaReset(hadSecret: hadSecret, noticeQueued: queued, deviceCode: deviceCode)
            )
        }
    }

    private func renewBackupCodes(_ target: AdminTarget, _ member: SystemUser, _ codes: [Enrollment.BackupCode])
        throws(AdminError)
        -> AdminResult
    {
        return try apply(target) { _ throws(StoreError) -> (Decision, AdminOutcome) in
            guard try store.mfa(uid: member.uid)?.isEnrolled == true else { return (Decision(.ignore), .notEnrolled) }
            let previous = try store.backupCodes(uid: member.uid).count
            try store.replaceBackupCodes(uid: member.uid, with: codes.map { ($0.salt, $0.hash) }, now: now)
            let detail = "\(codes.count) new codes; \(previous) unused old codes no longer work"
            return (Decision(.allow, events: [PolicyEvent(.backupCodesRenewed, detail)]), .codesRenewed)
        }
    }

    // MARK: - Password reset

    /// In one transaction: refused while locked (an event, no mail); otherwise a new code
    /// (the earlier one stops working), its mail to the user's own address, and an event.
    private func sendPasswordReset(_ target: AdminTarget, _ member: SystemUser) throws(AdminError) -> AdminResult {
        guard Accounts.hasLocalPassword(member.name) else { throw .noLocalPassword }
        let found: String?
        do {
            found = try MailDirectory.address(of: member, store: store, config: config)
        } catch {
            throw .store(error)
        }
        guard let address = found else { throw .noAddress }
        var noRandom = false
        let result = try apply(target) { record throws(StoreError) -> (Decision, AdminOutcome) in
            if let lock = record.state.activeLock(at: now) {
                let when = lock.until.map { "locked until " + (LocalTime.format($0) ?? "@\($0)") }
                let event = PolicyEvent(.passwordResetRefusedLocked, when ?? "locked until an administrator unlocks it")
                return (Decision(.deny, events: [event]), .passwordResetRefusedLocked(until: lock.until))
            }
            guard
                let code = try MailedCode.issue(.passwordReset, uid: member.uid, config: config, store: store, now: now)
            else {
                noRandom = true
                return (Decision(.ignore), .noRecord)
            }
            let text = config.template(.passwordReset).fill([
                "user": member.name, "full_name": MailDirectory.fullName(of: member), "host": HostName.current(),
                "actor": actor, "code": code, "minutes": String(max(1, config.resetCodeLifetime / 60)),
            ])
            try store.enqueue(
                kind: PasswordReset.mailKind, message: MailMessage(to: address, subject: text.subject, body: text.body),
                now: now)
            let event = PolicyEvent(.passwordResetRequested, "code mailed to " + Escape.text(address, limit: 254))
            return (Decision(.allow, events: [event]), .passwordResetSent(address: address))
        }
        if noRandom { throw .noRandomBytes }
        return result
    }

    // MARK: - Settings and refusals

    private func setEmail(_ target: AdminTarget, _ member: SystemUser, _ address: String?) throws(AdminError)
        -> AdminResult
    {
        return try apply(target) { _ throws(StoreError) -> (Decision, AdminOutcome) in
            try store.setEmail(uid: member.uid, email: address)
            return (Decision(.ignore), .emailSet)
        }
    }

    private func refuseAccess(_ target: AdminTarget, words: String) throws(AdminError) -> AdminResult {
        return try apply(target) { _ throws(StoreError) -> (Decision, AdminOutcome) in
            let event = PolicyEvent(.accessRefused, Escape.text(words, limit: 64))
            return (Decision(.deny, events: [event]), .refusalRecorded)
        }
    }

}

/// A refusal with no account (a command that names nobody) is recorded under an empty name.
extension AdminTarget {
    public static let nobody = AdminTarget(key: .unknown(name: []), user: nil, eventName: "")
}
