import LockwardenPolicy
import LockwardenStore
import LockwardenSystem

/// Lock notifications: queued with the lock, sent by `lockwarden notify`.
public enum Notifications {
    /// Turns queued lock notices into "Account Locked" to the user and "User Account Locked" to
    /// the owners of the user's clinics. The lookups (NSS, possibly LDAP) run before the short
    /// transaction that swaps each notice for its mails, never under the write lock a login
    /// holds. Run by the login right after its lock, and by `lockwarden notify` for notices a
    /// login left behind. Returns how many mails were queued.
    @discardableResult
    public static func expandLockNotices(store: StateStore, config: LockwardenConfig, now: Int64)
        throws(StoreError) -> Int
    {
        var queued = 0
        for notice in try store.lockNotices() {
            let mails = lockMails(uid: notice.uid, store: store, config: config)
            let expanded = try store.immediateTransaction { store throws(StoreError) -> Bool in
                try store.expandLockNotice(id: notice.id, into: mails, now: now)
            }
            if expanded { queued += mails.count }
        }
        return queued
    }

    private static func lockMails(uid: UInt32, store: StateStore, config: LockwardenConfig)
        -> [(kind: String, message: MailMessage)]
    {
        guard let user = Accounts.user(uid: uid) else { return [] }
        var values = ["user": user.name, "full_name": MailDirectory.fullName(of: user), "host": HostName.current()]
        values["escalation"] = escalationAdvice(uid: uid, name: user.name, store: store, config: config)
        var mails: [(kind: String, message: MailMessage)] = []
        if let address = (try? MailDirectory.address(of: user, store: store, config: config)) ?? nil {
            let text = config.template(.lockedUser).fill(values)
            mails.append(("locked-user", MailMessage(to: address, subject: text.subject, body: text.body)))
        }
        for owner in ClinicDirectory(config).owners(of: user) where owner.uid != user.uid {
            guard let address = (try? MailDirectory.address(of: owner, store: store, config: config)) ?? nil else {
                continue
            }
            let text = config.template(.lockedOwner).fill(values)
            mails.append(("locked-owner", MailMessage(to: address, subject: text.subject, body: text.body)))
        }
        return mails
    }

    /// For `{escalation}`: a user locked `lockouts_before_action` times in a row, with
    /// `lockout_action = require-password-change`, learns that a new password will be needed and
    /// how to get a reset code ("a user locked twice in a row is advised to reset the password").
    static func escalationAdvice(uid: UInt32, name: String, store: StateStore, config: LockwardenConfig) -> String {
        guard config.lockoutAction == .requirePasswordChange,
            let state = try? store.account(.user(uid: uid, name: name)).state, state.passwordChangeRequired
        else { return "" }
        return "\n\nYour account has been locked \(state.lockStreak) times in a row. Once it is active again, a "
            + "password change will be required at your next login. If you do not know your password, ask your "
            + "administrator or clinic owner for a password reset code (lockwarden password reset); it is mailed "
            + "to you and typed in place of the password."
    }

    /// Starts `lockwarden notify --background`, which detaches the real sender and returns at
    /// once, so the login is not held up and no child is left behind in the host process.
    /// If it cannot start, the mail stays queued for the timer.
    static func startSender(_ call: Call) {
        startSender(config: call.config, configPath: call.configPath, host: call.host)
    }

    static func startSender(config: LockwardenConfig, configPath: String, host: CallHost) {
        let program = config.notifyProgram
        let executable: String
        switch TrustedPath.program(program) {
        case .success(let resolved): executable = resolved
        case .failure(let problem):
            host.log(.warning, "mail queued but not sent now: notify_program refused: \(problem.message)")
            return
        }
        let argv = [program, "--conf", configPath, "notify", "--background"]
        switch Subprocess.runQuietly(argv, executable: executable, timeoutSeconds: 5) {
        case .success(0): break
        case .success(let status):
            host.log(.warning, "mail queued but not sent now: \(program) exited with status \(status)")
        case .failure(let error):
            host.log(.warning, "mail queued but not sent now: \(error.message)")
        }
    }
}
