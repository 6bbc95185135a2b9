import LockwardenPolicy
import LockwardenStore
import LockwardenSystem
import LockwardenTOTP

/// "Forgot Password": an administrator or clinic owner has a one-time code mailed to the user
/// (`lockwarden password reset`); at the next login the user types it in place of the
/// password. pam_unix has refused it and stored it as the auth token; `authfail` recognises
/// it, asks for a new password twice in the same conversation and sets it as root with
/// chpasswd (pam_unix itself would first ask for the forgotten password), then the login goes
/// on. The old password works until then. A code that does not match is just a wrong password.
struct PasswordReset {
    static let digits = 9
    static let mailKind = "password-reset"
    static let chpasswd = "/usr/sbin/chpasswd"
    static let newPrompt = "New password: "
    static let retypePrompt = "Retype new password: "
    static let rounds = 2

    let call: Call
    let subject: CallSubject
    let store: StateStore

    /// At `authfail`: nil when what was typed is no pending reset code (the failure goes on as
    /// usual); otherwise the verdict of the reset.
    func complete() throws(StoreError) -> Verdict? {
        let now = call.now
        guard let uid = subject.uid, var token = call.host.authToken() else { return nil }
        defer { SecretBytes.wipe(&token) }
        // Almost every failure is a wrong password, not a code: only code-shaped text costs the
        // lookup (and the slow hash), so a failed login pays no extra statement for this.
        guard MailedCode.hasShape(token, digits: Self.digits),
            let pending = try store.oneTimeCode(uid: uid, purpose: .passwordReset),
            pending.isUsable(at: now, maxTries: Int.max),
            MailedCode.matches(token, salt: pending.salt, hash: pending.hash), let user = Accounts.user(uid: uid)
        else { return nil }
        // A locked account refuses the code like any password (preauth has already said so).
        if try store.account(subject.key).state.activeLock(at: now) != nil { return nil }
        _ = call.host.converse(.textInfo, "Password reset code accepted. Choose a new password.")
        guard try setNewPassword(for: user) else {
            call.host.log(.notice, "password reset for \(subject.displayName) not completed; the code stays valid")
            return .deny
        }
        let policy = LockPolicy(config: call.config)
        let decision = try call.commit(subject: subject, store: store) { state throws(StoreError) -> Decision in
            try store.markOneTimeCodeUsed(uid: uid, purpose: .passwordReset, now: now)
            var changed = policy.afterPasswordChange(state)
            changed.events = [
                PolicyEvent(.passwordResetCodeUsed, "code accepted at login"),
                PolicyEvent(
                    .passwordChanged,
                    state.passwordChangeRequired ? "with a reset code; requirement cleared" : "with a reset code"),
            ]
            return changed
        }
        _ = call.host.converse(.textInfo, "Your password has been changed.")
        return decision.verdict
    }

    /// Asks twice, at most `rounds` times; true once chpasswd has set it.
    private func setNewPassword(for user: SystemUser) throws(StoreError) -> Bool {
        for _ in 0..<Self.rounds {
            guard var first = call.host.converse(.promptEchoOff, Self.newPrompt) else { return false }
            guard var second = call.host.converse(.promptEchoOff, Self.retypePrompt) else {
                SecretBytes.wipe(&first)
                return false
            }
            let same = first == second
            SecretBytes.wipe(&second)
            defer { SecretBytes.wipe(&first) }
            guard same else {
                _ = call.host.converse(.errorMessage, "The passwords do not match. Try again.")
                continue
            }
            guard !first.isEmpty, !first.contains(0), !first.contains(10), !first.contains(13) else {
                _ = call.host.converse(.errorMessage, "A password cannot be empty or contain a line break. Try again.")
                continue
            }
            switch run(user: user.name, password: first) {
            case .set: return true
            case .refused:
                _ = call.host.converse(
                    .errorMessage,
                    "The new password was refused by this system's password rules (too short, too simple or "
                        + "too like the old one). Choose another.")
            case .failed(let why):
                call.host.log(.error, "password reset for \(subject.displayName): \(why)")
                _ = call.host.converse(.errorMessage, "The password could not be set. Ask your administrator.")
                return false
            }
        }
        return false
    }

    private enum Outcome {
        case set
        case refused
        case failed(String)
    }

    /// chpasswd, as root, through its own PAM service (the host's password-quality rules).
    private func run(user: String, password: [UInt8]) -> Outcome {
        let executable: String
        switch TrustedPath.program(Self.chpasswd) {
        case .success(let path): executable = path
        case .failure(let problem): return .failed("chpasswd refused: \(problem.message)")
        }
        var input = Array(user.utf8) + [UInt8(ascii: ":")] + password + [10]
        defer { SecretBytes.wipe(&input) }
        switch Subprocess.run([Self.chpasswd], executable: executable, input: input, timeoutSeconds: 30) {
        case .success(0): return .set
        case .success: return .refused
        case .failure(let error): return .failed(error.message)
        }
    }
}
