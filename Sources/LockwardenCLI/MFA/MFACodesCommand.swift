import ArgumentParser
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
        let (_, store) = try global.openState()
        let target = Target.resolve(user)
        let systemUser = try target.requireKnownUser()
        let name = target.displayName
        guard let codes = Enrollment.newBackupCodes() else {
            throw Failure.exit("could not make backup codes; nothing was changed")
        }
        let now = CurrentProcess.now()
        let actor = Actor.current()
        let tty = Actor.terminal()
        var eventDropped = false
        let enrolled: Bool
        do {
            enrolled = try store.immediateTransaction { store throws(StoreError) -> Bool in
                guard let record = try store.mfa(uid: systemUser.uid), record.isEnrolled else { return false }
                let previous = try store.backupCodes(uid: systemUser.uid).count
                try store.replaceBackupCodes(uid: systemUser.uid, with: codes.map { ($0.salt, $0.hash) }, now: now)
                eventDropped = !store.append(
                    EventRecord(
                        time: now, user: target.eventName, uid: systemUser.uid,
                        action: Action.backupCodesRenewed.rawValue, service: Actor.service, tty: tty, actor: actor,
                        detail: "\(codes.count) new codes; \(previous) unused old codes no longer work"))
                return true
            }
        } catch {
            throw Failure.exit(error.message)
        }
        guard enrolled else { throw Failure.exit("\(name) has no second factor", status: Failure.notFound) }
        if eventDropped {
            Failure.reportDropped([Action.backupCodesRenewed.rawValue])
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
