/// The texts Lockwarden mails, with `{placeholder}` fields. Each can be replaced in the
/// configuration (`mail_<name>_subject`, `mail_<name>_body`; `\n` in a value is a line break).
public struct MailTemplate: Equatable, Sendable {
    public var subject: String
    public var body: String

    public init(subject: String, body: String) {
        self.subject = subject
        self.body = body
    }

    /// Fills `{name}` placeholders (at most 512 bytes each); unknown placeholders stay as written.
    /// Values are not escaped here: rendering does that once, for headers and body alike.
    public func fill(_ values: [String: String]) -> (subject: String, body: String) {
        (Self.substitute(subject, values), Self.substitute(body, values))
    }

    /// One pass over the template: a value is inserted as it is and never scanned again, so a
    /// name or GECOS holding "{pin}" stays that text.
    public static func substitute(_ text: String, _ values: [String: String]) -> String {
        let template = Array(text.utf8)
        var output: [UInt8] = []
        output.reserveCapacity(template.count)
        var index = 0
        while index < template.count {
            let byte = template[index]
            if byte == UInt8(ascii: "{"),
                let close = template[(index + 1)...].prefix(64).firstIndex(of: UInt8(ascii: "}")),
                let value = values[String(decoding: template[(index + 1)..<close], as: UTF8.self)]
            {
                output += value.utf8.prefix(512)
                index = close + 1
            } else {
                output.append(byte)
                index += 1
            }
        }
        // A value cut at 512 bytes may end inside a character; decoding repairs it.
        return String(decoding: output, as: UTF8.self)
    }
}

public enum MailTemplateName: String, CaseIterable, Sendable {
    /// To the user whose account was locked.
    case lockedUser = "locked_user"
    /// To the owners of the user's clinics.
    case lockedOwner = "locked_owner"
    /// To the administrator who asked to unlock an account.
    case unlockPIN = "unlock_pin"
    /// To a user whose second factor was reset.
    case mfaReset = "mfa_reset"
    /// To a user signing in after a reset: the code that lets them enroll a new second factor.
    case deviceAuthorization = "device_authorization"
    /// To a user whose password an administrator or clinic owner reset: the one-time code.
    case passwordReset = "password_reset"

    public var defaultTemplate: MailTemplate {
        switch self {
        case .lockedUser:
            return MailTemplate(
                subject: "Account Locked",
                body: """
                    Your account {user} on {host} has been locked after too many login attempts.

                    Please note that you will not be able to reset your password while the account is locked.

                    Please contact your administrator to resolve this issue.{escalation}
                    """)
        case .lockedOwner:
            return MailTemplate(
                subject: "User Account Locked",
                body: """
                    Please note that the account of {full_name} ({user}) on {host} has been locked after too many \
                    unsuccessful login attempts.

                    Please verify with the employee before reactivating the account.
                    """)
        case .unlockPIN:
            return MailTemplate(
                subject: "User Account Unlock",
                body: """
                    Use this PIN to unlock the account of this employee: {full_name} ({user}) on {host}.

                    {pin}

                    The PIN is valid for 10 minutes; only the most recent PIN works.
                    """)
        case .mfaReset:
            return MailTemplate(
                subject: "Two-factor authentication reset",
                body: """
                    The second factor of your account {user} on {host} was reset by {actor}.

                    You will set up a new one at your next login.
                    """)
        case .passwordReset:
            return MailTemplate(
                subject: "Reset your password",
                body: """
                    A password reset was requested for your account {user} on {host} by {actor}.

                    At your next login, type this code in place of your password:

                    {code}

                    You will then choose a new password. The code is valid for {minutes} minutes and works once; \
                    only the most recent code works. Until then your current password keeps working.
                    """)
        case .deviceAuthorization:
            return MailTemplate(
                subject: "Device Authorization",
                body: """
                    Someone signed in to your account {user} on {host} with your password and is about to set up \
                    a new second factor. If that is you, type this device authorization code at the prompt:

                    {code}

                    The code is valid for {minutes} minutes; only the most recent code works. If it was not you, \
                    contact your administrator: your password is known to someone else.
                    """)
        }
    }
}
