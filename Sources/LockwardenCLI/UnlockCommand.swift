import ArgumentParser
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
        let outcome = try AdminRun.perform(.unlock, on: target, actor: authority.actor, config: config, store: store)
        let name = target.displayName
        switch outcome {
        case .unlocked: print("Unlocked \(name).")
        case .countersReset: print("\(name) is not locked; its failure count was reset.")
        case .noRecord where target.systemUser == nil:
            throw Failure.exit("no record for \(name), and no such user", status: Failure.notFound)
        default: print("\(name) is not locked; nothing to do.")
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
            Console.flushOutput()
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

    /// Has the engine make a new PIN, store its hash and queue its mail. Returns the address.
    private func sendPIN(
        _ member: SystemUser, target: Target, authority: Authority, config: LockwardenConfig, store: StateStore
    ) throws -> String {
        let address = try pinAddress(authority, config: config, store: store)
        let outcome = try AdminRun.perform(
            .sendUnlockPIN(address: address), on: target, actor: authority.actor, config: config, store: store,
            failureSuffix: "; \(target.displayName) stays locked")
        if case .pinNotSent(let refusal) = outcome {
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

    /// Has the engine check the PIN: a wrong one counts a try and records "Account unlock
    /// failed", the right one is spent and unlocks ("Account unlocked", the actor as Unlocked by).
    private func confirm(
        _ typed: String, member: SystemUser, target: Target, authority: Authority, config: LockwardenConfig,
        store: StateStore
    ) throws {
        let confirmation = try AdminRun.perform(
            .unlockWithPIN(typed: Array(typed.utf8)), on: target, actor: authority.actor, config: config, store: store)
        let name = target.displayName
        switch confirmation {
        case .unlocked: print("Unlocked \(name).")
        case .countersReset: print("\(name) is not locked any more; its failure count was reset.")
        case .pinRefused(let reason, let triesLeft):
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
        default: print("\(name) is not locked any more; nothing to do.")
        }
    }
}
