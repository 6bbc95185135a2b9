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
        let systemUser = try target.requireKnownUser()
        let now = CurrentProcess.now()
        let actor = Actor.current()
        let tty = Actor.terminal()
        var eventDropped = false
        var noticeQueued = false
        do {
            try store.immediateTransaction { store throws(StoreError) in
                let previous = try store.mfa(uid: systemUser.uid)
                let hadSecret = previous?.isEnrolled ?? false
                let codes = try store.backupCodes(uid: systemUser.uid).count
                try store.save(
                    MFARecord(
                        uid: systemUser.uid, secret: nil, settings: previous?.settings ?? TOTPSetup.settings(config),
                        lastStep: nil, enrolledAt: nil, reenrollRequired: true, resetAt: now, resetBy: actor))
                try store.replaceBackupCodes(uid: systemUser.uid, with: [], now: now)
                let detail =
                    hadSecret
                    ? "secret and \(codes) backup codes deleted" : "no secret was enrolled; marked for enrollment"
                eventDropped = !store.append(
                    EventRecord(
                        time: now, user: target.eventName, uid: systemUser.uid, action: Action.mfaReset.rawValue,
                        service: Actor.service, tty: tty, actor: actor, detail: detail))
                // The user hears of it (a reset they did not ask for is worth a question).
                if let address = try MailDirectory.address(of: systemUser, store: store, config: config) {
                    let text = config.template(.mfaReset).fill(
                        ["user": systemUser.name, "host": HostName.current(), "actor": actor])
                    try store.enqueue(
                        kind: "mfa-reset", message: MailMessage(to: address, subject: text.subject, body: text.body),
                        now: now)
                    noticeQueued = true
                }
            }
        } catch {
            throw Failure.exit(error.message)
        }
        if eventDropped { Failure.reportDropped([Action.mfaReset.rawValue]) }
        print("Reset the second factor of \(target.displayName); they will enroll a new one at their next login.")
        if noticeQueued {
            let delivery = MailDelivery.deliverDue(config: config, store: store, now: now)
            for problem in delivery.failed { Failure.report("warning: notice queued, not sent yet: \(problem)") }
        }
        if config.totp == .off {
            Failure.report(
                "warning: totp = off in \(Display.text(global.configPath)): logins ask for no second factor "
                    + "until it is turned on")
        }
    }
}
