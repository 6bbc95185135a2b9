import LockwardenPolicy
import LockwardenStore
import LockwardenSystem

/// Lock notifications: queued with the lock, sent by `lockwarden notify`.
enum Notifications {
    /// Queues "Account Locked" to the user and "User Account Locked" to the owners of the
    /// user's clinics; returns how many mails were queued. Runs inside the lock's transaction.
    static func queueLockMails(uid: UInt32, store: StateStore, config: LockwardenConfig, now: Int64)
        throws(StoreError) -> Int
    {
        guard config.notifyOnLock, let user = Accounts.user(uid: uid) else { return 0 }
        let values = ["user": user.name, "full_name": MailDirectory.fullName(of: user), "host": HostName.current()]
        var queued = 0
        if let address = try MailDirectory.address(of: user, store: store, config: config) {
            let text = config.template(.lockedUser).fill(values)
            try store.enqueue(
                kind: "locked-user", message: MailMessage(to: address, subject: text.subject, body: text.body), now: now)
            queued += 1
        }
        for owner in ClinicDirectory(config).owners(of: user) where owner.uid != user.uid {
            guard let address = try MailDirectory.address(of: owner, store: store, config: config) else { continue }
            let text = config.template(.lockedOwner).fill(values)
            try store.enqueue(
                kind: "locked-owner", message: MailMessage(to: address, subject: text.subject, body: text.body), now: now)
            queued += 1
        }
        return queued
    }

    /// Starts `lockwarden notify --background`, which detaches the real sender and returns at
    /// once, so the login is not held up and no child is left behind in the host process.
    /// If it cannot start, the mail stays queued for the timer.
    static func startSender(_ call: Call) {
        let program = call.config.notifyProgram
        let executable: String
        switch TrustedPath.program(program) {
        case .success(let resolved): executable = resolved
        case .failure(let problem):
            call.host.log(.warning, "mail queued but not sent now: notify_program refused: \(problem.message)")
            return
        }
        let argv = [program, "--conf", call.configPath, "notify", "--background"]
        switch Subprocess.runQuietly(argv, executable: executable, timeoutSeconds: 5) {
        case .success(0): break
        case .success(let status):
            call.host.log(.warning, "mail queued but not sent now: \(program) exited with status \(status)")
        case .failure(let error):
            call.host.log(.warning, "mail queued but not sent now: \(error.message)")
        }
    }
}
