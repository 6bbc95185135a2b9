import LockwardenEngine
import LockwardenPolicy
import LockwardenStore
import LockwardenSystem

/// Sends queued mail through `mail_command` (a sendmail-compatible program, no shell).
enum MailDelivery {
    struct Result {
        var sent = 0
        var failed: [String] = []
    }

    /// Delivers every due mail once; failures wait for their retry time.
    static func deliverDue(config: LockwardenConfig, store: StateStore, now: Int64) -> Result {
        var result = Result()
        let mails: [OutboxMail]
        do {
            // Lock notices a login queued but did not expand (it was killed, or NSS failed).
            try Notifications.expandLockNotices(store: store, config: config, now: now)
            try UnlockPIN.dropExpiredMail(store: store, now: now)
            mails = try store.claimDueMail(now: now, until: now.saturatingAdd(300))
        } catch {
            result.failed.append(error.message)
            return result
        }
        let command = config.mailCommand.split(separator: " ").map(String.init)
        guard !mails.isEmpty else { return result }
        // The program must be root's along its whole path: whoever could change it would run as root.
        let executable: String
        switch TrustedPath.program(command.first ?? "") {
        case .success(let program): executable = program
        case .failure(let problem):
            result.failed.append("mail_command refused: \(problem.message)")
            for mail in mails {
                try? store.markFailed(id: mail.id, attempts: mail.attempts, error: "mail_command refused", now: now)
            }
            return result
        }
        let sender = MailDirectory.sender(config)
        for mail in mails {
            let outcome = send(mail, command: command, executable: executable, sender: sender)
            do {
                if let problem = outcome {
                    try store.markFailed(id: mail.id, attempts: mail.attempts, error: problem, now: now)
                    result.failed.append("mail \(mail.id) to \(Display.text(mail.recipient)): \(problem)")
                } else {
                    try store.markSent(id: mail.id)
                    result.sent += 1
                }
            } catch {
                result.failed.append(error.message)
            }
        }
        if result.sent > 0 { store.truncateWAL() }
        return result
    }

    /// nil when the mail command accepted the message; otherwise why not.
    private static func send(_ mail: OutboxMail, command: [String], executable: String, sender: String) -> String? {
        let message = MailMessage(to: mail.recipient, subject: mail.subject, body: mail.body)
        guard let text = message.rendered(from: sender) else { return "not a plain mail address" }
        switch Subprocess.run(command, executable: executable, input: Array(text.utf8), timeoutSeconds: 60) {
        case .success(0): return nil
        case .success(let status): return "\(command.first ?? "mail command") exited with status \(status)"
        case .failure(let error): return error.message
        }
    }
}
