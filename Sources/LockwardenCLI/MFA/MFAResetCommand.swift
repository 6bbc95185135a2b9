import ArgumentParser
import LockwardenEngine
import LockwardenPolicy
import LockwardenStore
import LockwardenSystem

/// `lockwarden mfa reset USER`: forget the secret and backup codes; the next login enrolls anew.
struct MFAResetCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "reset",
        abstract: "Delete a user's TOTP secret and backup codes; they enroll again at their next login.",
        discussion: """
            For a lost or replaced phone. In one transaction: the secret, its last used code and \
            every backup code are deleted, the user is marked for re-enrollment, and who reset \
            it and when are recorded (an "MFA reset" event). Works for a user who never \
            enrolled too: they are marked for enrollment.
            """)

    @OptionGroup var global: GlobalOptions

    @Argument(help: ArgumentHelp("The login name (a user the system knows).", valueName: "user"))
    var user: String

    func validate() throws {
        try RootCheck.require()
        try Target.validate(user)
    }

    func run() throws {
        let (config, store) = try global.openState()
        let target = Target.resolve(user)
        _ = try target.requireKnownUser()
        let outcome = try AdminRun.perform(.resetMFA, on: target, actor: Actor.current(), config: config, store: store)
        print("Reset the second factor of \(target.displayName); they will enroll a new one at their next login.")
        if case .mfaReset(_, noticeQueued: true) = outcome {
            let delivery = MailDelivery.deliverDue(config: config, store: store, now: CurrentProcess.now())
            for problem in delivery.failed { Failure.report("warning: notice queued, not sent yet: \(problem)") }
        }
        if config.totp == .off {
            Failure.report(
                "warning: totp = off in \(Display.text(global.configPath)): logins ask for no second factor "
                    + "until it is turned on")
        }
    }
}
