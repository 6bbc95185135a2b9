import ArgumentParser
import LockwardenSystem

/// `lockwarden mfa`: the TOTP second factor of users (enroll, reset, backup codes, status).
struct MFACommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "mfa",
        abstract: "Manage users' TOTP second factor and backup codes.",
        discussion: """
            Secrets and backup codes are shown only by enroll and codes, once, on standard \
            output; the activity log records who did what, never a secret or a code.
            """,
        subcommands: [
            MFAEnrollCommand.self, MFAResetCommand.self, MFACodesCommand.self, MFAStatusCommand.self,
        ])

    @OptionGroup var global: GlobalOptions
}

extension Target {
    /// The system user behind the argument; a second factor belongs to a UID, so a name the
    /// system does not know ends the command with status 3.
    func requireKnownUser() throws -> SystemUser {
        guard let systemUser else {
            throw Failure.exit("no such user: \(displayName)", status: Failure.notFound)
        }
        return systemUser
    }
}
