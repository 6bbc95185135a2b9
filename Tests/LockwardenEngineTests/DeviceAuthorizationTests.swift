import LockwardenEngine
import LockwardenPolicy
import LockwardenStore
import LockwardenSystem
import Testing

private let root = Array("root".utf8)
private let rootTarget = Accounts.user(uid: 0).map {
    AdminTarget(key: .user(uid: 0, name: $0.name), user: $0, eventName: "root")
}

/// After `mfa reset`, the login proves with a mailed code that it is the user's own before the
/// QR code is shown. Injected time; the mail is read from the outbox.
@Suite("Device authorization before re-enrollment")
struct DeviceAuthorizationTests {
    private func resetFixture(_ settings: String = "user_email = {user}@clinic.example\n") throws -> EngineFixture {
        let fixture = try EngineFixture(settings: "totp = required\n" + settings)
        let target = try #require(rootTarget)
        _ = try fixture.administration(at: t0).perform(.resetMFA(showCode: false), on: target)
        return fixture
    }

    private func mailedCode(_ fixture: EngineFixture) throws -> String {
        let mail = try #require(
            try fixture.openStore().dueMail(now: t0 + 10).first { $0.kind == "device-authorization" })
        #expect(mail.recipient == "root@clinic.example")
        #expect(mail.subject == "Device Authorization")
        let line = try #require(
            mail.body.split(separator: "\n" as Character).first { $0.count == 8 && $0.allSatisfy(\.isNumber) })
        return String(line)
    }

    @Test("the QR code comes only after the mailed code; a wrong code is a counted failure")
    func mailedCodeFirst() throws {
        let fixture = try resetFixture()
        defer { fixture.remove() }
        let wrong = ScriptedHost { _, _ in Array("00000000".utf8) }
        #expect(fixture.totpStep(user: root, at: t0 + 10, host: wrong) == .deny)
        #expect(wrong.prompts == ["Device authorization code: "])
        #expect(shownSecret(wrong.shown) == nil, "no key before the device is authorized")
        let code = try mailedCode(fixture)
        if code == "00000000" { return }  // one in 10^8: the wrong code was right
        #expect(wrong.lines.contains { $0.hasSuffix("(failure 1 in a row; wrong device authorization code)") })

        // The same code still works (the most recent one), and leads to the enrollment.
        let right = ScriptedHost { prompt, shown in
            prompt == "Device authorization code: "
                ? Array(code.utf8) : shownSecret(shown).map { totpCode($0, at: t0 + 20) }
        }
        #expect(fixture.totpStep(user: root, at: t0 + 20, host: right) == .allow)
        #expect(
            right.prompts == [
                "Device authorization code: ", "Verification code: ", "Press Enter once the backup codes are saved: ",
            ])
        #expect(right.lines.contains { $0.hasPrefix("Device authorized: user=root uid=0 ") })
        #expect(try fixture.openStore().mfa(uid: 0)?.isEnrolled == true)
        // Spent: the code cannot be used again.
        #expect(try fixture.openStore().oneTimeCode(uid: 0, purpose: .deviceAuthorization)?.usedAt == t0 + 20)
    }

    @Test("an expired code is replaced by a new mail; the old one no longer works")
    func expiry() throws {
        let fixture = try resetFixture()
        defer { fixture.remove() }
        let silent = ScriptedHost { _, _ in nil }
        #expect(fixture.totpStep(user: root, at: t0 + 10, host: silent) == .deny)
        let first = try mailedCode(fixture)
        let late = t0 + 10 + 900
        let old = ScriptedHost { _, _ in Array(first.utf8) }
        #expect(fixture.totpStep(user: root, at: late, host: old) == .deny)
        #expect(old.shown.contains { $0.contains("A device authorization code was mailed to your address") })
        let codes = try mailedCodes(fixture, at: late)
        #expect(codes.count == 2, "a new mail for the expired code")
        if codes.last == first { return }  // one in 10^8: the new code is the old one
        #expect(old.lines.contains { $0.hasSuffix("wrong device authorization code)") })
    }

    @Test("without an address the login says to ask an administrator, and --show-code's code works")
    func noAddress() throws {
        let fixture = try resetFixture("")
        defer { fixture.remove() }
        let host = ScriptedHost { _, _ in Array("12345678".utf8) }
        #expect(fixture.totpStep(user: root, at: t0 + 10, host: host) == .deny)
        #expect(host.prompts.isEmpty)
        #expect(
            host.shown == [
                "Two-factor authentication was reset for this account. Ask your administrator for a device "
                    + "authorization code."
            ])
        let target = try #require(rootTarget)
        let reset = try fixture.administration(at: t0 + 20).perform(.resetMFA(showCode: true), on: target)
        guard case .mfaReset(_, _, let code?) = reset.outcome else {
            Issue.record("no code: \(reset.outcome)")
            return
        }
        let right = ScriptedHost { prompt, shown in
            prompt == "Device authorization code: "
                ? Array(code.utf8) : shownSecret(shown).map { totpCode($0, at: t0 + 30) }
        }
        #expect(fixture.totpStep(user: root, at: t0 + 30, host: right) == .allow)
        #expect(try fixture.openStore().dueMail(now: t0 + 40).isEmpty, "the code was never mailed")
    }

    @Test("reenroll_verification = none goes straight to the QR code")
    func none() throws {
        let fixture = try resetFixture("reenroll_verification = none\n")
        defer { fixture.remove() }
        let host = ScriptedHost { _, shown in shownSecret(shown).map { totpCode($0, at: t0 + 10) } }
        #expect(fixture.totpStep(user: root, at: t0 + 10, host: host) == .allow)
        #expect(host.prompts.first == "Verification code: ")
    }
}

/// The codes of the device authorization mails due at `now`, oldest first.
private func mailedCodes(_ fixture: EngineFixture, at now: Int64) throws -> [String] {
    let mails = try fixture.openStore().dueMail(now: now).filter { $0.kind == "device-authorization" }
    return mails.compactMap { mail in
        mail.body.split(separator: "\n" as Character).first { $0.count == 8 && $0.allSatisfy(\.isNumber) }.map(
            String.init)
    }
}
