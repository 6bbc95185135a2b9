import ArgumentParser

/// The administrator's command: inspect, lock and unlock accounts, read the activity log,
/// check the installation. Runs as root only; never opens the database otherwise.
@main
struct Lockwarden: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "lockwarden",
        abstract: "Administer Lockwarden: failed-login lockout for PAM.",
        discussion: """
            Every command needs root (run it as root or through sudo); only --help works \
            without. Through sudo, members of admin_group are administrators; the owners of \
            [clinic NAME] sections may run list, show, unlock and log, on the members of their \
            clinics only. Account names, hosts, terminals, reasons and details are printed \
            escaped: control characters and invalid UTF-8 appear as \\xNN or \\u{NNNN}.

            EXIT STATUS
              0   success
              1   the operation failed (configuration or state error; message on stderr)
              3   no such user, or no record for it
              4   not run as root
              5   refused (a clinic owner outside their clinics, or administrators only)
              64  usage error (unknown option, invalid value)
            """,
        subcommands: [
            ListCommand.self, ShowCommand.self, UnlockCommand.self, LockCommand.self, LogCommand.self,
            MFACommand.self, PasswordCommand.self, UserCommand.self, NotifyCommand.self, DoctorCommand.self,
            InitCommand.self, FleetCommand.self,
        ])

    static var _errorPrefix: String { "lockwarden: " }

    /// ArgumentParser's own main, with `Authority.admit` between parsing (whose validation
    /// refuses non-root callers) and running.
    static func main() {
        do {
            var command = try parseAsRoot(RawArguments.all())
            try Authority.admit(command)
            try command.run()
        } catch {
            exit(withError: error)
        }
    }

    @OptionGroup var global: GlobalOptions
}
