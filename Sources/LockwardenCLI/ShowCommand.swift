import ArgumentParser
import LockwardenEngine
import LockwardenPolicy
import LockwardenStore
import LockwardenSystem

/// `lockwarden show USER`: what an administrator needs to know before unlocking.
struct ShowCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "show",
        abstract: "Show one account in detail.",
        discussion: """
            A user the system knows is looked up by UID, so every name variant shares one \
            record; any other name is looked up by its exact bytes. A known user without a \
            record is shown as active with no failures; an unknown name without a record \
            ends with status 3.
            """)

    @OptionGroup var global: GlobalOptions

    @Argument(help: ArgumentHelp("The login name.", valueName: "user"))
    var user: String

    @Flag(help: "Print one JSON object.")
    var json = false

    @Flag(help: "The fleet database's state of the account (administrators only).")
    var fleet = false

    func validate() throws {
        try RootCheck.require()
        try Target.validate(user)
    }

    func run() throws {
        let (config, store) = try global.openState()
        let now = CurrentProcess.now()
        if fleet {
            let authority = Authority.current(config)
            guard authority.role == .administrator else {
                throw authority.refuse("show --fleet", target: nil, because: .administratorsOnly, config: config)
            }
            return try FleetViews.show(user, config: config, json: json)
        }
        let target = Target.resolve(user)
        let record: AccountRecord
        do {
            record = try store.account(target.key)
        } catch {
            throw Failure.exit(error.message)
        }
        let hasRecord = record.id != nil
        if !hasRecord && target.systemUser == nil {
            throw Failure.exit("no record for \(target.displayName), and no such user", status: Failure.notFound)
        }
        let view = AccountView(
            record: record, systemUser: target.systemUser, hasRecord: hasRecord, config: config, now: now)
        let mfa: MFAView
        var deviceCodeUntil: Int64?
        var resetCodeUntil: Int64?
        if let systemUser = target.systemUser {
            do {
                mfa = try MFAView.load(store, uid: systemUser.uid, name: systemUser.name)
                // Whether one is pending and until when; never the code (only its hash is kept).
                deviceCodeUntil = try store.oneTimeCode(uid: systemUser.uid, purpose: .deviceAuthorization)
                    .flatMap { $0.isUsable(at: now, maxTries: DeviceAuthorization.maxTries) ? $0.expiresAt : nil }
                resetCodeUntil = try store.oneTimeCode(uid: systemUser.uid, purpose: .passwordReset)
                    .flatMap { $0.isUsable(at: now, maxTries: Int.max) ? $0.expiresAt : nil }
            } catch {
                throw Failure.exit(error.message)
            }
        } else {
            mfa = MFAView.none(uid: record.uid, name: nil)
        }
        if json {
            guard case .object(let members) = view.json else { return }
            print(
                JSON.object(
                    members + mfa.showMembers + [
                        ("device_code_until", .optional(deviceCodeUntil)),
                        ("reset_code_until", .optional(resetCodeUntil)),
                    ]
                ).rendered)
            return
        }
        print(
            Self.describe(
                view, mfa: mfa, config: config, now: now, deviceCodeUntil: deviceCodeUntil,
                resetCodeUntil: resetCodeUntil))
    }

    static func describe(
        _ view: AccountView, mfa: MFAView, config: LockwardenConfig, now: Int64, deviceCodeUntil: Int64? = nil,
        resetCodeUntil: Int64? = nil
    ) -> String {
        let state = view.state
        var fields = Fields()
        fields.add("User", view.userLabel)
        fields.add("UID", view.uidLabel)
        var status = view.status
        if !view.hasRecord {
            status = "active, no failures (no record)"
        } else if let lock = view.activeLock, let until = lock.until {
            status += " (in \(describeDuration(until.saturatingAdd(-now))))"
        } else if view.activeLock == nil, let lock = state.lock, let until = lock.until {
            status += " (the last lock ended \(TimeText.format(until)))"
        }
        fields.add("Status", status)
        let window = describeDuration(view.failInterval)
        fields.add(
            "Failures",
            view.deny > 0
                ? "\(view.failuresInWindow) of \(view.deny) within \(window)"
                : "\(view.failuresInWindow) within \(window) (deny = 0: never locks for failures)")
        fields.add("Consecutive failures", String(state.consecutiveFailures))
        fields.add("Last failure", view.lastFailureLong)
        fields.add("Locked Date", TimeText.formatOrDash(state.lock?.lockedAt))
        fields.add("Lock Reason", state.lock.map { Display.stored($0.reason) } ?? "-")
        if let lock = state.lock {
            fields.add("Locked until", lock.until.map(TimeText.format) ?? "until an administrator unlocks it")
        } else {
            fields.add("Locked until", "-")
        }
        fields.add("Unlocked by", Display.storedOrDash(state.unlockedBy))
        fields.add("Unlocked at", TimeText.formatOrDash(state.unlockedAt))
        var streak = String(state.lockStreak)
        if config.lockoutsBeforeAction > 0 && config.lockoutAction != .none {
            streak += " (\(config.lockoutAction.rawValue) at \(config.lockoutsBeforeAction) in a row)"
        }
        fields.add("Lock streak", streak)
        fields.add("Password change required", state.passwordChangeRequired ? "yes" : "no")
        fields.add("Last successful login", state.lastSuccessAt.map(TimeText.format) ?? "never")
        fields.add("MFA", mfa.summary)
        fields.add("Device code", deviceCodeUntil.map { "pending until " + TimeText.format($0) } ?? "-")
        fields.add("Reset code", resetCodeUntil.map { "pending until " + TimeText.format($0) } ?? "-")
        return fields.rendered
    }
}
