import LockwardenCrypto
import LockwardenEngine
import LockwardenSystem
import LockwardenTOTP

/// A user at a PAM conversation: answers each prompt with `answer`, given everything shown
/// so far (an enrollment shows the key before it asks for the first code).
final class ScriptedHost: CallHost {
    private(set) var lines: [String] = []
    private(set) var shown: [String] = []
    private(set) var prompts: [String] = []
    let answer: (_ prompt: String, _ shown: [String]) -> [UInt8]?

    init(answer: @escaping (_ prompt: String, _ shown: [String]) -> [UInt8]?) { self.answer = answer }

    func log(_ priority: LogPriority, _ message: String) { lines.append(message) }

    /// What pam_unix stored as the auth token: the typed password.
    var token: [UInt8]?

    func authToken() -> [UInt8]? { token }

    func converse(_ style: ConversationStyle, _ message: String) -> [UInt8]? {
        switch style {
        case .promptEchoOff, .promptEchoOn:
            prompts.append(message)
            return answer(message, shown)
        case .errorMessage, .textInfo:
            shown.append(message)
            return []
        }
    }
}

/// The TOTP code of `secret` at `now` (SHA-1, 6 digits, 30 s), as an authenticator app shows it.
func totpCode(_ secret: [UInt8], at now: Int64) -> [UInt8] {
    let step = OTP.timeStep(at: now, period: 30) ?? 0
    let code = OTP.hotp(secret: secret, counter: step, digits: 6, algorithm: .sha1, using: NettleHMAC()) ?? ""
    return Array(code.utf8)
}

/// The secret an enrollment showed as "Key: BASE32".
func shownSecret(_ shown: [String]) -> [UInt8]? {
    for text in shown.reversed() {
        for line in text.split(separator: "\n") where line.hasPrefix("Key: ") {
            return Base32.decode(String(line.dropFirst(5)))
        }
    }
    return nil
}
