import ArgumentParser
import LockwardenEngine
import LockwardenPolicy
import LockwardenStore

/// `lockwarden user set-email USER ADDRESS`: where a user's notifications go.
struct UserCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "user", abstract: "Per-user settings.", subcommands: [SetEmail.self])

    struct SetEmail: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "set-email",
            abstract: "Set (or with \"-\" clear) the address a user's notifications go to.")

        @OptionGroup var global: GlobalOptions

        @Argument(help: ArgumentHelp("The login name.", valueName: "user"))
        var user: String

        @Argument(
            help: ArgumentHelp("A plain address such as alice@clinic.example, or - to clear it.", valueName: "address"))
        var address: String

        func validate() throws {
            try RootCheck.require()
            try Target.validate(user)
            guard address == "-" || MailAddress.checked(address) != nil else {
                throw ValidationError("\(Display.text(address)) is not a plain mail address (local@domain)")
            }
        }

        func run() throws {
            let (config, store) = try global.openState()
            let target = Target.resolve(user)
            let systemUser = try target.requireKnownUser()
            _ = try AdminRun.perform(
                .setEmail(address == "-" ? nil : address), on: target, actor: Actor.current(), config: config,
                store: store)
            print(
                address == "-"
                    ? "Cleared the address of \(systemUser.name)." : "Mail for \(systemUser.name) goes to \(address).")
        }
    }
}
