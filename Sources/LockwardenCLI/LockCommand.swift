import ArgumentParser
import LockwardenEngine
import LockwardenPolicy
import LockwardenStore
import LockwardenSystem

/// `lockwarden lock USER --reason TEXT`: lock a known user by hand.
struct LockCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "lock",
        abstract: "Lock an account until an administrator unlocks it, or for a time.",
        discussion: """
            The user must be known to the system. The lock applies at the next login through \
            any service whose PAM stack uses pam_lockwarden.so; sessions already open are not \
            touched. Locking again replaces the previous lock.
            """)

    static let maxReasonCharacters = 200
    static let maxDuration: Int64 = 10 * 31_536_000

    @OptionGroup var global: GlobalOptions

    @Argument(help: ArgumentHelp("The login name.", valueName: "user"))
    var user: String

    @Option(
        help: ArgumentHelp(
            "Why the account is locked; shown as Lock Reason (at most 200 characters).", valueName: "text"))
    var reason: String

    @Option(help: ArgumentHelp("Lift the lock automatically after this many seconds.", valueName: "seconds"))
    var duration: Int64?

    func validate() throws {
        try RootCheck.require()
        try Target.validate(user)
        guard !reason.trimmingBlanks.isEmpty else { throw ValidationError("--reason must not be empty") }
        guard reason.count <= Self.maxReasonCharacters else {
            throw ValidationError("--reason has \(reason.count) characters; at most \(Self.maxReasonCharacters)")
        }
        if let duration, !(1...Self.maxDuration).contains(duration) {
            throw ValidationError("--duration must be from 1 to \(Self.maxDuration) seconds")
        }
    }

    func run() throws {
        let config = try global.loadConfig()
        let target = Target.resolve(user)
        guard let systemUser = target.systemUser else {
            throw Failure.exit("no such user: \(target.displayName)", status: Failure.notFound)
        }
        let store = try global.openStore(config)
        let storedReason = Escape.text(reason.trimmingBlanks, limit: 4 * Self.maxReasonCharacters)
        let outcome = try AdminRun.perform(
            .lock(reason: storedReason, duration: duration), on: target, actor: Actor.current(), config: config,
            store: store)
        guard case .locked(let lock) = outcome else { throw Failure.exit("the lock was not recorded") }
        if let until = lock.until {
            print("Locked \(target.displayName) until \(TimeText.format(until)).")
        } else {
            print("Locked \(target.displayName) until an administrator unlocks it.")
        }
        if systemUser.isRoot {
            Failure.report("warning: root is now locked for every service that uses pam_lockwarden.so")
        }
    }
}
