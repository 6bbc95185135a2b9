import ArgumentParser
import LockwardenEngine
import LockwardenCrypto
import LockwardenPolicy
import LockwardenStore
import LockwardenSystem

/// `lockwarden mfa codes USER`: ten new backup codes; the old ones stop working.
struct MFACodesCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "codes",
        abstract: "Give an enrolled user ten new backup codes.",
        discussion: """
            The previous backup codes stop working at once. The new ones are shown only this \
            once; the database keeps only salted hashes. A user with no enrolled secret ends \
            with status 3.
            """)

    @OptionGroup var global: GlobalOptions

    @Argument(help: ArgumentHelp("The login name (a user the system knows).", valueName: "user"))
    var user: String

    @Flag(help: "Print one JSON object.")
    var json = false

    func validate() throws {
        try RootCheck.require()
        try Target.validate(user)
    }

    func run() throws {
        let (config, store) = try global.openState()
        let target = Target.resolve(user)
        _ = try target.requireKnownUser()
        let name = target.displayName
        guard let codes = Enrollment.newBackupCodes() else {
            throw Failure.exit("could not make backup codes; nothing was changed")
        }
        let outcome = try AdminRun.perform(
            .renewBackupCodes(codes), on: target, actor: Actor.current(), config: config, store: store)
        guard outcome == .codesRenewed else {
            throw Failure.exit("\(name) has no second factor", status: Failure.notFound)
        }
        if json {
            print(
                JSON.object([
                    ("user", .string(name)),
                    ("backup_codes", .array(codes.map { .string($0.display) })),
                ]).rendered)
            return
        }
        print("New backup codes for \(name) (shown only this once; each one works once; the old ones no longer work):")
        for code in codes { print(code.display) }
    }
}
