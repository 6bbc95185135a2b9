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

            With reenroll_verification = mail (the default), that next login first mails the \
            user a device authorization code and asks for it before it shows the QR code. For a \
            user without an address, --show-code makes that code now and prints it once, for \
            you to hand over; it is valid for device_code_lifetime and never logged. A reset \
            makes any earlier device authorization code stop working.
            """)

    @OptionGroup var global: GlobalOptions

    @Argument(help: ArgumentHelp("The login name (a user the system knows).", valueName: "user"))
    var user: String

    @Flag(help: "Print a device authorization code to hand to the user (shown once, never logged).")
    var showCode = false

    func validate() throws {
        try RootCheck.require()
        try Target.validate(user)
    }

    func run() throws {
        let (config, store) = try global.openState()
        let target = Target.resolve(user)
        _ = try target.requireKnownUser()
        let outcome = try AdminRun.perform(
            .resetMFA(showCode: showCode), on: target, actor: Actor.current(), config: config, store: store)
        print("Reset the second factor of \(target.displayName); they will enroll a new one at their next login.")
        guard case .mfaReset(_, let noticeQueued, let deviceCode) = outcome else { return }
        if showCode {
            guard let deviceCode else {
                throw Failure.exit("could not get random bytes for a device authorization code; run it again")
            }
            let minutes = max(1, config.deviceCodeLifetime / 60)
            print("Device authorization code for \(target.displayName) (valid \(minutes) minutes, once): \(deviceCode)")
        } else if config.reenrollVerification == .mail && config.totp != .off {
            let member = try target.requireKnownUser()
            if (try? MailDirectory.address(of: member, store: store, config: config)) ?? nil == nil {
                Failure.report(
                    "warning: \(target.displayName) has no mail address for the device authorization code; "
                        + "run mfa reset again with --show-code, or set one with lockwarden user set-email")
            } else {
                print("Their next login mails them a device authorization code first.")
            }
        }
        if noticeQueued {
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
