import LockwardenEngine
import LockwardenPolicy
import LockwardenStore
import LockwardenSystem
import Testing

@testable import LockwardenEngine

/// Root is the one user every test machine has; its second factor and lock live only in the
/// fixture's database.
private let root = Array("root".utf8)
private let rootTarget = Accounts.user(uid: 0).map {
    AdminTarget(key: .user(uid: 0, name: $0.name), user: $0, eventName: "root")
}
private let actor = "admin (uid 1000, via sudo)"

extension EngineFixture {
    var config: LockwardenConfig {
        let text = (try? String(contentsOfFileBytes: configPath)) ?? ""
        return ConfigParser.parseFile(text, fileName: configPath).config
    }

    func administration(_ host: CallHost = RecordingHost(), at now: Int64) throws -> Administration {
        Administration(config: config, store: try openStore(), host: host, actor: actor, tty: "pts/9", now: now)
    }

    /// The totp step of a login of `user`, through the engine as the module calls it.
    func totpStep(user: [UInt8], at now: Int64, host: CallHost) -> Verdict {
        let request = CallRequest(
            stage: .authenticate, callerIsRoot: true, user: user, service: Array("sshd".utf8),
            rhost: Array("192.0.2.9".utf8), tty: Array("ssh".utf8),
            arguments: [Array("conf=\(configPath)".utf8), Array("totp".utf8)])
        return Engine.handle(request, host: host, now: now)
    }
}

extension String {
    init(contentsOfFileBytes path: String) throws {
        guard case .success(let bytes) = Files.read(path, limit: 1 << 20) else { throw FixtureError("read \(path)") }
        self = String(decoding: bytes, as: UTF8.self)
    }
}

@Suite("Administration: the engine's entry for administrators")
struct AdministrationTests {
    @Test("a reset's time and actor stay on record when the user enrolls anew at login")
    func resetHistorySurvivesEnrollment() throws {
        let fixture = try EngineFixture(settings: "totp = required\n")
        defer { fixture.remove() }
        let target = try #require(rootTarget)
        let reset = try fixture.administration(at: t0).perform(.resetMFA(showCode: true), on: target)
        guard case .mfaReset(hadSecret: false, noticeQueued: false, let deviceCode?) = reset.outcome else {
            Issue.record("unexpected \(reset.outcome)")
            return
        }
        let host = ScriptedHost { prompt, shown in
            prompt == "Device authorization code: "
                ? Array(deviceCode.utf8) : shownSecret(shown).map { totpCode($0, at: t0 + 60) }
        }
        #expect(fixture.totpStep(user: root, at: t0 + 60, host: host) == .allow)
        let record = try #require(try fixture.openStore().mfa(uid: 0))
        #expect(record.isEnrolled)
        #expect(record.enrolledAt == t0 + 60)
        #expect(record.resetAt == t0)
        #expect(record.resetBy == actor)
    }

    @Test("each administrative event is one syslog line naming the actor")
    func eventsReachSyslog() throws {
        let fixture = try EngineFixture()
        defer { fixture.remove() }
        let target = try #require(rootTarget)
        let host = RecordingHost()
        let locked = try fixture.administration(host, at: t0).perform(
            .lock(reason: "stolen laptop", duration: 60), on: target)
        #expect(locked.outcome == .locked(Lock(lockedAt: t0, until: t0 + 60, reason: "stolen laptop")))
        let unlocked = try fixture.administration(host, at: t0 + 1).perform(.unlock, on: target)
        #expect(unlocked.outcome == .unlocked)
        let origin = "user=root uid=0 service=lockwarden rhost= tty=pts/9 actor=\(actor)"
        #expect(host.texts.count == 2)
        #expect(host.texts.first?.hasPrefix("Account locked: \(origin) (") == true)
        #expect(host.texts.last == "Account unlocked: \(origin)")
        #expect(host.lines.map(\.priority) == [.warning, .info])
        let events = try fixture.openStore().events(EventFilter(limit: 10)).map(\.action)
        #expect(events == ["Account locked", "Account unlocked"])
    }

    @Test("an unlock PIN is refused when wrong, expired or spent, and unlocks once")
    func unlockPIN() throws {
        let fixture = try EngineFixture()
        defer { fixture.remove() }
        let target = try #require(rootTarget)
        _ = try fixture.administration(at: t0).perform(.lock(reason: "x", duration: nil), on: target)
        let sent = try fixture.administration(at: t0).perform(
            .sendUnlockPIN(address: "admin@clinic.example"), on: target)
        #expect(sent.outcome == .pinSent)
        let mail = try #require(try fixture.openStore().dueMail(now: t0).first)
        #expect(mail.recipient == "admin@clinic.example")
        let pin = try #require(sixDigits(in: mail.body))
        let wrong: [UInt8] = pin == "000000" ? Array("111111".utf8) : Array("000000".utf8)

        let refused = try fixture.administration(at: t0 + 1).perform(.unlockWithPIN(typed: wrong), on: target)
        #expect(refused.outcome == .pinRefused(.wrongPIN, triesLeft: 4))
        let late = try fixture.administration(at: t0 + UnlockPIN.lifetime).perform(
            .unlockWithPIN(typed: Array(pin.utf8)), on: target)
        #expect(late.outcome == .pinRefused(.expired, triesLeft: nil))
        let spaced = Array(" \(pin.prefix(3)) \(pin.dropFirst(3))".utf8)
        let accepted = try fixture.administration(at: t0 + UnlockPIN.lifetime - 1).perform(
            .unlockWithPIN(typed: spaced), on: target)
        #expect(accepted.outcome == .unlocked)
        let again = try fixture.administration(at: t0 + 2).perform(.unlockWithPIN(typed: Array(pin.utf8)), on: target)
        #expect(again.outcome == .pinRefused(.alreadyUsed, triesLeft: nil))
        let state = try fixture.openStore().account(target.key).state
        #expect(state.lock == nil)
        #expect(state.unlockedBy == actor)
    }

    @Test("a password reset is refused while locked, with an event and no mail; otherwise mailed to the user")
    func passwordReset() throws {
        let fixture = try EngineFixture(settings: "user_email = {user}@clinic.example\n")
        defer { fixture.remove() }
        let target = try #require(rootTarget)
        _ = try fixture.administration(at: t0).perform(.lock(reason: "x", duration: 600), on: target)
        let refused = try fixture.administration(at: t0 + 1).perform(.sendPasswordReset, on: target)
        #expect(refused.outcome == .passwordResetRefusedLocked(until: t0 + 600))
        #expect(try fixture.openStore().dueMail(now: t0 + 1).isEmpty)
        #expect(try fixture.openStore().oneTimeCode(uid: 0, purpose: .passwordReset) == nil)
        let events = try fixture.openStore().events(EventFilter(action: "Password reset refused (locked)"))
        #expect(events.count == 1 && events.first?.detail.hasPrefix("locked until ") == true)

        let sent = try fixture.administration(at: t0 + 601).perform(.sendPasswordReset, on: target)
        #expect(sent.outcome == .passwordResetSent(address: "root@clinic.example"))
        let mail = try #require(try fixture.openStore().dueMail(now: t0 + 601).first)
        #expect(mail.subject == "Reset your password" && mail.recipient == "root@clinic.example")
        let code = try #require(try fixture.openStore().oneTimeCode(uid: 0, purpose: .passwordReset))
        #expect(code.expiresAt == t0 + 601 + 3_600 && code.usedAt == nil)
    }

    @Test("names the system does not know are refused where a UID is needed")
    func unknownNames() throws {
        let fixture = try EngineFixture()
        defer { fixture.remove() }
        let unknown = AdminTarget(key: .unknown(name: unknownUser), user: nil, eventName: "lw-no-such-user-xyz")
        #expect(throws: AdminError.unknownUser) {
            try fixture.administration(at: t0).perform(.lock(reason: "x", duration: nil), on: unknown)
        }
        #expect(try fixture.administration(at: t0).perform(.unlock, on: unknown).outcome == .noRecord)
    }
}

private func sixDigits(in text: String) -> String? {
    let bytes = Array(text.utf8)
    guard bytes.count >= 6 else { return nil }
    for start in 0...(bytes.count - 6) {
        let run = bytes[start..<(start + 6)]
        let before = start == 0 ? UInt8(ascii: " ") : bytes[start - 1]
        let after = start + 6 == bytes.count ? UInt8(ascii: " ") : bytes[start + 6]
        let isDigit = { (byte: UInt8) in byte >= 48 && byte <= 57 }
        if run.allSatisfy(isDigit) && !isDigit(before) && !isDigit(after) {
            return String(decoding: run, as: UTF8.self)
        }
    }
    return nil
}
