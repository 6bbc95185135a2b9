import ArgumentParser
import LockwardenEngine
import LockwardenPolicy
import LockwardenStore
import LockwardenSystem

/// `lockwarden password reset USER`: a one-time code mailed to the user, who types it in
/// place of the password at the next login and chooses a new one there.
struct PasswordCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "password", abstract: "Password recovery.", subcommands: [Reset.self])

    struct Reset: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "reset",
            abstract: "Mail a user a one-time code to set a new password at their next login.",
            discussion: """
                The code goes to the user's own address (set-email, or user_email), never to \\
                whoever asks. It is valid for reset_code_lifetime (default 3600 s), works once, and \\
                only the most recent code works. At the next login the user types it at the \\
                Password prompt, then a new password twice; the old password works until then. \\
                While the account is locked nothing is sent (unlock it first). Local accounts \\
                only (an entry in /etc/shadow). Clinic owners may reset members of their clinics.
                """)

        @OptionGroup var global: GlobalOptions

        @Argument(help: ArgumentHelp("The login name (a local user).", valueName: "user"))
        var user: String

        func validate() throws {
            try RootCheck.require()
            try Target.validate(user)
        }

        func run() throws {
            let (config, store) = try global.openState()
            let target = Target.resolve(user)
            _ = try target.requireKnownUser()
            let authority = Authority.current(config)
            let outcome = try AdminRun.perform(
                .sendPasswordReset, on: target, actor: authority.actor, config: config, store: store,
                failureSuffix: "; no code was sent")
            switch outcome {
            case .passwordResetRefusedLocked(let until):
                let when = until.map { "until \(TimeText.format($0))" } ?? "until an administrator unlocks it"
                throw Failure.exit(
                    "\(target.displayName) is locked \(when); no reset code was sent (unlock it first)")
            case .passwordResetSent(let address):
                let delivery = MailDelivery.deliverDue(config: config, store: store, now: CurrentProcess.now())
                let minutes = max(1, config.resetCodeLifetime / 60)
                if delivery.failed.isEmpty {
                    print(
                        "A password reset code for \(target.displayName) was mailed to \(Display.text(address)) "
                            + "(valid \(minutes) minutes; only the most recent code works).")
                } else {
                    for problem in delivery.failed { Failure.report("warning: delivery failed: \(problem)") }
                    print(
                        "A password reset code for \(target.displayName) was queued for \(Display.text(address)), "
                            + "but could not be delivered yet (lockwarden notify retries).")
                }
            default:
                throw Failure.exit("no reset code was sent")
            }
        }
    }
}
