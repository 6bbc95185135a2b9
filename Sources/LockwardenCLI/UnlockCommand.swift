import ArgumentParser
import Glibc
import LockwardenEngine
import LockwardenPolicy
import LockwardenStore
import LockwardenSystem

/// `lockwarden unlock USER`: lift the lock and reset the counters, in one transaction; with
/// `unlock_pin = yes`, only once the acting administrator confirms with a mailed PIN.
struct UnlockCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "unlock",
        abstract: "Lift an account's lock and reset its failure counters.",
        discussion: """
            Resets the failure counters and the lock streak, and records who unlocked \
            ("Unlocked by") and when. An account that is not locked but has failures only has \
            its counters reset. The password-change requirement of an escalated account stays.

            With unlock_pin = yes, a locked account of a user the system knows is unlocked only \
            with a PIN: a new 6-digit PIN is mailed to the acting administrator (admin_email for \
            root, otherwise their own address), and the command asks for it. The PIN is valid \
            for 10 minutes, for this account and this administrator only, once, with at most 5 \
            tries; only the latest one works. --pin gives it in a second call instead.
            """)

    @OptionGroup var global: GlobalOptions

    @Argument(help: ArgumentHelp("The login name.", valueName: "user"))
    var user: String

    @Option(
        help: ArgumentHelp(
            "The PIN mailed by an earlier unlock of this user (unlock_pin = yes); no new PIN is sent.",
            valueName: "pin"))
    var pin: String?

    func validate() throws {
        try RootCheck.require()
        try Target.validate(user)
        if let pin, pin.utf8.count > 64 { throw ValidationError("--pin has \(UnlockPIN.digits) digits") }
    }

    private enum Outcome { case unlocked, countersReset, notLocked, noRecord }

    func run() throws {
        let (config, store) = try global.openState()
        let target = Target.resolve(user)
        let authority = Authority.current(config)
        if pin != nil && !config.unlockPIN {
            throw Failure.exit(
                "--pin is for unlock_pin = yes, which \(Display.text(global.configPath)) does not set",
                status: ExitCode.validationFailure)
        }
        // Names the system does not know have no account to protect, and no UID to bind a PIN to.
        if config.unlockPIN, let member = target.systemUser, try isLocked(target, store: store) {
            try unlockWithPIN(member, target: target, authority: authority, config: config, store: store)
            return
        }
        try unlock(target, authority: authority, config: config, store: store)
    }

    private func isLocked(_ target: Target, store: StateStore) throws -> Bool {
        do {
            return try store.account(target.key).state.activeLock(at: CurrentProcess.now()) != nil
        } catch {
            throw Failure.exit(error.message)
        }
    }

    /// The unlock as it is without a PIN.
    private func unlock(_ target: Target, authority: Authority, config: LockwardenConfig, store: StateStore) throws {
        let now = CurrentProcess.now()
        let actor = authority.actor
        let tty = Actor.terminal()
        let policy = LockPolicy(config: config)
        var dropped: [String] = []
        let outcome: Outcome
        do {
            outcome = try store.immediateTransaction { store throws(StoreError) -> Outcome in
                var record = try store.account(target.key)
                guard record.id != nil else { return .noRecord }
                let wasLocked = record.state.activeLock(at: now) != nil
                let decision = policy.unlock(record.state, actor: actor, now: now)
                guard decision.newState != nil else { return .notLocked }
                let context = EventContext(
                    user: target.eventName, uid: target.systemUser?.uid ?? record.uid, service: Actor.service,
                    tty: tty, actor: actor)
                dropped = try store.record(decision, for: &record, context: context, now: now).map(\.rawValue)
                return wasLocked ? .unlocked : .countersReset
            }
        } catch {
            throw Failure.exit(error.message)
        }
        Failure.reportDropped(dropped)
        let name = target.displayName
        switch outcome {
        case .unlocked: print("Unlocked \(name).")
        case .countersReset: print("\(name) is not locked; its failure count was reset.")
        case .notLocked: print("\(name) is not locked; nothing to do.")
        case .noRecord:
            guard target.systemUser != nil else {
                throw Failure.exit("no record for \(name), and no such user", status: Failure.notFound)
            }
            print("\(name) is not locked; nothing to do.")
        }
    }

    // MARK: - With a PIN

    private func unlockWithPIN(
        _ member: SystemUser, target: Target, authority: Authority, config: LockwardenConfig, store: StateStore
    ) throws {
        let typed: String
        if let pin {
            typed = pin
        } else {
            let address = try sendPIN(member, target: target, authority: authority, config: config, store: store)
            let delivery = MailDelivery.deliverDue(config: config, store: store, now: CurrentProcess.now())
            if delivery.failed.isEmpty {
                print("An unlock PIN was mailed to \(Display.text(address)).")
            } else {
                for problem in delivery.failed { Failure.report("warning: delivery failed: \(problem)") }
                print(
                    "An unlock PIN was queued for \(Display.text(address)), but could not be delivered yet "
                        + "(lockwarden notify retries).")
            }
            print("Please enter the PIN code to unlock the account: ", terminator: "")
            _ = fflush(nil)
            guard let line = readLine(strippingNewline: true) else {
                print("")
                throw Failure.exit(
                    "no PIN given; \(target.displayName) stays locked (lockwarden unlock \(target.displayName) "
                        + "--pin PIN accepts this PIN for 10 minutes)")
            }
            typed = line
        }
        try confirm(typed, member: member, target: target, authority: authority, config: config, store: store)
    }

    /// Makes a new PIN and, in one transaction, stores its hash (the earlier PIN of this
    /// administrator for this account stops working), queues the mail and records
    /// "Unlock PIN sent". Returns the address.
    private func sendPIN(
        _ member: SystemUser, target: Target, authority: Authority, config: LockwardenConfig, store: StateStore
    ) throws -> String {
        let address = try pinAddress(authority, config: config, store: store)
        guard let pin = UnlockPIN.make(), let hashed = UnlockPIN.hash(pin) else {
            throw Failure.exit("could not get random bytes for a PIN; \(target.displayName) stays locked")
        }
        let text = config.template(.unlockPIN).fill([
            "user": member.name, "full_name": MailDirectory.fullName(of: member), "host": HostName.current(),
            "pin": pin,
        ])
        let message = MailMessage(to: address, subject: text.subject, body: text.body)
        let now = CurrentProcess.now()
        let actor = authority.actor
        let tty = Actor.terminal()
        var dropped: [String] = []
        let refusal: String?
        do {
            refusal = try store.immediateTransaction { store throws(StoreError) -> String? in
                let requests = try store.pinAttempts(
                    .request, actor: actor, targetUID: member.uid, since: now - UnlockPIN.limitWindow)
                if let reason = UnlockPIN.limitReached(
                    requests, limit: config.pinRequestsPerHour, what: "PIN requests")
                {
                    let event = EventRecord(
                        time: now, user: target.eventName, uid: member.uid, action: Action.accountUnlockFailed.rawValue,
                        service: Actor.service, tty: tty, actor: actor, detail: "no PIN sent: " + reason)
                    if !store.append(event) { dropped.append(Action.accountUnlockFailed.rawValue) }
                    return reason
                }
                try store.recordPINAttempt(
                    .request, actor: actor, targetUID: member.uid, now: now, keepSince: now - UnlockPIN.limitWindow)
                try store.addUnlockPIN(
                    targetUID: member.uid, actor: actor, salt: hashed.salt, hash: hashed.hash, now: now,
                    expiresAt: now.saturatingAdd(UnlockPIN.lifetime))
                try store.enqueue(kind: UnlockPIN.mailKind, message: message, now: now)
                let sent = store.append(
                    EventRecord(
                        time: now, user: target.eventName, uid: member.uid, action: Action.unlockPINSent.rawValue,
                        service: Actor.service, tty: tty, actor: actor, detail: "to " + Escape.text(address, limit: 254)
                    ))
                if !sent { dropped.append(Action.unlockPINSent.rawValue) }
                return nil
            }
        } catch {
            throw Failure.exit(error.message)
        }
        Failure.reportDropped(dropped)
        if let refusal {
            throw Failure.exit("no PIN sent: \(refusal); \(target.displayName) stays locked (try again later)")
        }
        return address
    }

    /// Root's PIN goes to admin_email; anyone else's to their own address (set-email, or user_email).
    private func pinAddress(_ authority: Authority, config: LockwardenConfig, store: StateStore) throws -> String {
        let configPath = Display.text(global.configPath)
        guard let user = authority.user, !authority.identity.isRoot else {
            guard !config.adminEmail.isEmpty else {
                throw Failure.exit("no address for root's unlock PIN: set admin_email in \(configPath)")
            }
            return config.adminEmail
        }
        let address: String?
        do {
            address = try MailDirectory.address(of: user, store: store, config: config)
        } catch {
            throw Failure.exit(error.message)
        }
        guard let address else {
            throw Failure.exit(
                "no address for \(authority.name)'s unlock PIN: set one with lockwarden user set-email "
                    + "\(authority.name) ADDRESS, or user_email in \(configPath)")
        }
        return address
    }

    private enum Confirmation {
        case unlocked, countersReset, notLocked
        case refused(reason: UnlockPIN.Refusal, triesLeft: Int?)
    }

    /// In one transaction: checks the PIN; a wrong one counts a try and records "Account unlock
    /// failed", the right one is spent and unlocks ("Account unlocked", the actor as Unlocked by).
    private func confirm(
        _ typed: String, member: SystemUser, target: Target, authority: Authority, config: LockwardenConfig,
        store: StateStore
    ) throws {
        let now = CurrentProcess.now()
        let actor = authority.actor
        let context = EventContext(
            user: target.eventName, uid: member.uid, service: Actor.service, tty: Actor.terminal(), actor: actor)
        let policy = LockPolicy(config: config)
        var dropped: [String] = []
        let confirmation: Confirmation
        do {
            confirmation = try store.immediateTransaction { store throws(StoreError) -> Confirmation in
                let stored = try store.latestUnlockPIN(targetUID: member.uid, actor: actor)
                var record = try store.account(target.key)
                let since = now - UnlockPIN.limitWindow
                let wrong = try store.pinAttempts(.wrongPIN, actor: actor, targetUID: member.uid, since: since)
                if let reason = UnlockPIN.limitReached(wrong, limit: config.pinFailuresPerHour, what: "wrong PINs") {
                    let refusal = UnlockPIN.Refusal.tooManyWrongPINs(reason)
                    let failed = Decision(.deny, events: [PolicyEvent(.accountUnlockFailed, refusal.description)])
                    dropped = try store.record(failed, for: &record, context: context, now: now).map(\.rawValue)
                    return .refused(reason: refusal, triesLeft: nil)
                }
                let check = UnlockPIN.check(typed, stored: stored, now: now)
                switch check {
                case .refused(let id, let reason):
                    if let id { try store.countUnlockPINTry(id: id) }
                    if reason == .wrongPIN {
                        try store.recordPINAttempt(.wrongPIN, actor: actor, targetUID: member.uid, now: now, keepSince: since)
                    }
                    let failed = Decision(.deny, events: [PolicyEvent(.accountUnlockFailed, reason.description)])
                    dropped = try store.record(failed, for: &record, context: context, now: now).map(\.rawValue)
                    let triesLeft = stored.map { max(0, UnlockPIN.maxTries - $0.tries - 1) }
                    return .refused(reason: reason, triesLeft: reason == .wrongPIN ? triesLeft : nil)
                case .accepted(let id):
                    try store.markUnlockPINUsed(id: id, now: now)
                    let wasLocked = record.state.activeLock(at: now) != nil
                    var decision = policy.unlock(record.state, actor: actor, now: now)
                    guard decision.newState != nil else { return .notLocked }
                    if wasLocked {
                        decision.events = decision.events.map { PolicyEvent($0.action, "confirmed with a mailed PIN") }
                    }
                    dropped = try store.record(decision, for: &record, context: context, now: now).map(\.rawValue)
                    return wasLocked ? .unlocked : .countersReset
                }
            }
        } catch {
            throw Failure.exit(error.message)
        }
        Failure.reportDropped(dropped)
        let name = target.displayName
        switch confirmation {
        case .unlocked: print("Unlocked \(name).")
        case .countersReset: print("\(name) is not locked any more; its failure count was reset.")
        case .notLocked: print("\(name) is not locked any more; nothing to do.")
        case .refused(let reason, let triesLeft):
            let advice: String
            switch reason {
            case .wrongPIN:
                let left = triesLeft.map { $0 == 1 ? "1 more try" : "\($0) more tries" } ?? "no more tries"
                advice = triesLeft == 0 ? "run lockwarden unlock \(name) for a new PIN" : "\(left) with this PIN"
            case .noPINRequested:
                advice = "run lockwarden unlock \(name) without --pin to be mailed one"
            case .tooManyWrongPINs:
                advice = "try again later"
            case .alreadyUsed, .tooManyTries, .expired:
                advice = "run lockwarden unlock \(name) for a new PIN"
            }
            throw Failure.exit("\(reason.description); \(name) stays locked (\(advice))")
        }
    }
}
