import LockwardenCrypto
import LockwardenEngine
import LockwardenPolicy
import LockwardenStore
import LockwardenSystem
import Testing

private let root = Array("root".utf8)

/// The totp step with injected time: codes, replays, backup codes and failures.
@Suite("TOTP step of a login")
struct TOTPFlowTests {
    /// Root enrolled by an administrator at t0, confirmed with the code of t0.
    private func enrolled(_ fixture: EngineFixture) throws -> NewSecondFactor {
        var factor = try #require(NewSecondFactor.make(fixture.config))
        #expect(factor.confirm(totpCode(factor.secret, at: t0), now: t0) == .confirmed)
        let target = try #require(
            Accounts.user(uid: 0).map { AdminTarget(key: .user(uid: 0, name: $0.name), user: $0, eventName: "root") })
        let result = try fixture.administration(at: t0).perform(.enroll(factor, replace: false), on: target)
        #expect(result.outcome == .enrolled(replaced: false))
        return factor
    }

    private func answering(_ code: [UInt8]) -> ScriptedHost { ScriptedHost { _, _ in code } }

    @Test("the right code is accepted once; its replay and a wrong code count as failures")
    func codesAndReplays() throws {
        let fixture = try EngineFixture(settings: "totp = required\n")
        defer { fixture.remove() }
        let factor = try enrolled(fixture)
        let now = t0 + 90
        let code = totpCode(factor.secret, at: now)
        let first = answering(code)
        #expect(fixture.totpStep(user: root, at: now, host: first) == .allow)
        #expect(first.prompts == ["Verification code: "])

        let replay = answering(code)
        #expect(fixture.totpStep(user: root, at: now + 1, host: replay) == .deny)
        #expect(
            replay.lines == [
                "Login failed: user=root uid=0 service=sshd rhost=192.0.2.9 tty=ssh (failure 1 in a row; replayed code)"
            ])

        // The code of t0 was used to confirm the enrollment: it is a replay too.
        let enrollmentCode = answering(totpCode(factor.secret, at: t0))
        #expect(fixture.totpStep(user: root, at: t0 + 10, host: enrollmentCode) == .deny)

        let wrongDigits: [UInt8] = code == Array("000000".utf8) ? Array("111111".utf8) : Array("000000".utf8)
        let wrong = answering(wrongDigits)
        #expect(fixture.totpStep(user: root, at: now + 300, host: wrong) == .deny)
        #expect(wrong.lines.last?.hasSuffix(" (failure 3 in a row; wrong code)") == true)
        #expect(try fixture.openStore().account(.user(uid: 0, name: "root")).state.consecutiveFailures == 3)
    }

    @Test("a backup code works once, and says how many are left")
    func backupCodes() throws {
        let fixture = try EngineFixture(settings: "totp = required\n")
        defer { fixture.remove() }
        let factor = try enrolled(fixture)
        let backup = Array(factor.backupCodes[3].display.utf8)
        let first = answering(backup)
        #expect(fixture.totpStep(user: root, at: t0 + 60, host: first) == .allow)
        #expect(first.lines == ["Backup code used: user=root uid=0 service=sshd rhost=192.0.2.9 tty=ssh (9 left)"])
        let again = answering(backup)
        #expect(fixture.totpStep(user: root, at: t0 + 61, host: again) == .deny)
        #expect(again.lines.last?.hasSuffix(" (failure 1 in a row; wrong backup code)") == true)
        #expect(try fixture.openStore().backupCodes(uid: 0).count == 9)
    }

    @Test("no answer at the code prompt is a failure, and so is a malformed code")
    func noAnswer() throws {
        let fixture = try EngineFixture(settings: "totp = required\n")
        defer { fixture.remove() }
        _ = try enrolled(fixture)
        let silent = ScriptedHost { _, _ in nil }
        #expect(fixture.totpStep(user: root, at: t0 + 60, host: silent) == .deny)
        #expect(silent.lines.last?.hasSuffix(" (failure 1 in a row; no code given)") == true)
        let garbage = answering(Array("not a code".utf8))
        #expect(fixture.totpStep(user: root, at: t0 + 61, host: garbage) == .deny)
        #expect(garbage.lines.last?.hasSuffix(" (failure 2 in a row; malformed code)") == true)
    }

    @Test("a wrong first code at enrollment saves nothing and counts a failure")
    func enrollmentWrongCode() throws {
        let fixture = try EngineFixture(settings: "totp = required\n")
        defer { fixture.remove() }
        let host = ScriptedHost { _, shown in
            guard let secret = shownSecret(shown) else { return nil }
            let right = totpCode(secret, at: t0)
            return right == Array("000000".utf8) ? Array("111111".utf8) : Array("000000".utf8)
        }
        #expect(fixture.totpStep(user: root, at: t0, host: host) == .deny)
        #expect(host.lines.last?.hasSuffix(" (failure 1 in a row; wrong enrollment code)") == true)
        #expect(try fixture.openStore().mfa(uid: 0)?.isEnrolled != true)
    }
}
