import LockwardenPolicy
import Testing

@Suite("Mail rendering")
struct MailMessageTests {
    private func headerLines(_ rendered: String) -> [Substring] {
        let head = rendered.split(separator: "\n\n", maxSplits: 1, omittingEmptySubsequences: false).first ?? ""
        return head.split(separator: "\n", omittingEmptySubsequences: false)
    }

    @Test("line breaks in a subject, name or body never make a header")
    func noHeaderInjection() {
        let hostile = "Alice\r\nBcc: victim@evil.example\rX-Injected: 1\n"
        let message = MailMessage(to: "owner@clinic.example", subject: "Locked: " + hostile, body: "Name: " + hostile)
        let rendered = message.rendered(from: "lockwarden@clinic.example") ?? ""
        let headers = headerLines(rendered)
        #expect(
            headers.map { $0.split(separator: ":").first ?? "" } == [
                "From", "To", "Subject", "MIME-Version", "Content-Type", "Content-Transfer-Encoding", "Auto-Submitted",
            ])
        #expect(!headers.contains { $0.contains("Bcc") && !$0.hasPrefix("Subject:") })
        #expect(rendered.contains("Name: Alice\\x0D"))
        #expect(!rendered.contains("\r"))
    }

    @Test(
        "addresses must be plain local@domain",
        arguments: [
            ("alice@clinic.example", true), ("a.b+c@x-y.example", true), ("Alice <a@b.example>", false),
            ("a@b.example\r\nBcc: c@d", false), ("a@@b", false), ("@b.example", false), ("a@", false),
            ("a b@c.example", false), ("a@.example", false), ("\"a\"@b.example", false),
        ])
    func addresses(_ address: String, _ valid: Bool) {
        #expect((MailAddress.checked(address) != nil) == valid)
        #expect((MailMessage(to: address, subject: "s", body: "b").rendered(from: "x@y.example") != nil) == valid)
    }

    @Test("non-ASCII subjects are RFC 2047 encoded")
    func encodedSubject() {
        #expect(MailHeader.encode("Compte verrouillé") == "=?UTF-8?B?Q29tcHRlIHZlcnJvdWlsbMOp?=")
        #expect(MailHeader.encode("Account Locked") == "Account Locked")
    }

    @Test("bidi overrides and line separators in a subject become spaces, even when encoded")
    func subjectControls() {
        #expect(MailHeader.encode("Locked: \u{202E}nimda") == "Locked:  nimda")
        #expect(MailHeader.encode("\u{E9}\u{2028}\u{2066}x") == "=?UTF-8?B?w6kgIHg=?=")
        let rendered = MailMessage(to: "a@b.example", subject: "\u{202E}{full_name}", body: "").rendered(
            from: "c@d.example")
        #expect(rendered?.contains("Subject:  {full_name}\n") == true)
    }

    @Test("text that looks like an encoded word is encoded, so readers never decode what a name smuggled in")
    func smuggledEncodedWord() {
        // "=?UTF-8?B?4oCu?=" is U+202E encoded: a reader would decode it if it went out as plain text.
        #expect(MailHeader.encode("=?UTF-8?B?4oCu?=") == "=?UTF-8?B?PT9VVEYtOD9CPzRvQ3U/PQ==?=")
        #expect(MailHeader.encode("a = b?") == "a = b?")
    }

    @Test("templates fill placeholders and keep unknown ones")
    func templates() {
        let text = MailTemplateName.lockedOwner.defaultTemplate.fill(["full_name": "Alice Martin", "user": "alice"])
        #expect(text.subject == "User Account Locked")
        #expect(text.body.contains("the account of Alice Martin (alice) on {host} has been locked"))
        #expect(text.body.contains("verify with the employee before reactivating"))
    }
}

@Suite("Mail templates")
struct MailTemplateTests {
    @Test("placeholders are filled in one pass: a value holding a placeholder stays as it is")
    func onePass() {
        let template = MailTemplate(subject: "Unlock {user}", body: "{full_name} ({user}) on {host}: {pin} {unknown}")
        let filled = template.fill(["user": "bob", "full_name": "Eve {pin} {host}", "host": "ws1", "pin": "123456"])
        #expect(filled.subject == "Unlock bob")
        #expect(filled.body == "Eve {pin} {host} (bob) on ws1: 123456 {unknown}")
    }

    @Test("a value is cut at 512 bytes and stray braces stay")
    func limits() {
        let filled = MailTemplate(subject: "{", body: "{a}{a}}{").fill(["a": String(repeating: "x", count: 600)])
        #expect(filled.subject == "{")
        #expect(filled.body == String(repeating: "x", count: 512) + String(repeating: "x", count: 512) + "}{")
    }
}

@Suite("Text replacement without _StringProcessing")
struct TextReplaceTests {
    @Test("every occurrence is replaced in one pass, and contains finds substrings")
    func replaceAndContains() {
        #expect(TextReplace.all(in: "a\\nb\\n", "\\n", with: "\n") == "a\nb\n")
        #expect(TextReplace.all(in: "aaa", "aa", with: "a") == "aa")
        #expect(TextReplace.all(in: "café {x}", "{x}", with: "{x}{x}") == "café {x}{x}")
        #expect(TextReplace.all(in: "x", "", with: "y") == "x")
        #expect(TextReplace.contains("Subject =?utf-8?", "=?"))
        #expect(!TextReplace.contains("=", "=?"))
        #expect(TextReplace.contains("", ""))
    }
}
