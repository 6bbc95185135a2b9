import Glibc
import LockwardenEngine
import LockwardenPolicy
import LockwardenStore
import LockwardenSystem
import Testing

private let origin = "service=sshd rhost=192.0.2.9 tty=ssh"
private let lockedMessage = "The account is locked. Try again in 5 minutes."

/// Whether this machine has root as uid 0 in its passwd database.

@Suite("Engine: one PAM call end to end")
struct EngineTests {
    @Test("a name the system does not know is counted under its bytes, with no uid")
    func unknownNameIsCountedByName() throws {
        let fixture = try EngineFixture()
        defer { fixture.remove() }
        let lines = fixture.failedLogin(at: t0).flatMap(\.texts)
        #expect(
            lines == ["Login failed: user=lw-no-such-user-xyz service=sshd rhost=192.0.2.9 tty=ssh (failure 1 of 5)"])
        let store = try fixture.openStore()
        #expect(try store.account(.unknown(name: unknownUser)).state.consecutiveFailures == 1)
    }

    @Test("failures counted across calls lock at deny with an Account locked line")
    func lockFlow() throws {
        let fixture = try EngineFixture()
        defer { fixture.remove() }
        for attempt in 1...4 {
            let now = t0 + Int64(attempt)
            let preauth = fixture.call(.authenticate, "preauth", now: now)
            #expect(preauth.verdict == .allow)
            #expect(preauth.host.lines.isEmpty)
            #expect(preauth.host.conversation.isEmpty)
            let failed = fixture.call(.authenticate, "authfail", now: now)
            #expect(failed.verdict == .deny)
            #expect(
                failed.host.lines == [
                    .init(
                        priority: .notice,
                        text: "Login failed: user=lw-no-such-user-xyz \(origin) (failure \(attempt) of 5)")
                ])
        }
        let fifth = fixture.call(.authenticate, "authfail", now: t0 + 5)
        #expect(fifth.verdict == .deny)
        #expect(
            fifth.host.lines == [
                .init(priority: .notice, text: "Login failed: user=lw-no-such-user-xyz \(origin) (failure 5 of 5)"),
                .init(
                    priority: .warning,
                    text: "Account locked: user=lw-no-such-user-xyz \(origin) (Failures; reactivates in 5 minutes)"),
            ])
        #expect(fifth.host.conversation.isEmpty)

        let store = try fixture.openStore()
        let record = try store.account(.unknown(name: unknownUser))
        #expect(record.state.lock == Lock(lockedAt: t0 + 5, until: t0 + 305, reason: "Failures"))
        #expect(record.state.lastFailureSource == AttemptSource(service: "sshd", rhost: "192.0.2.9", tty: "ssh"))
        let events = try store.events(EventFilter(user: "lw-no-such-user-xyz"))
        #expect(events.map(\.action) == Array(repeating: "Login failed", count: 5) + ["Account locked"])
        #expect(events.allSatisfy { $0.uid == nil && $0.service == "sshd" && $0.rhost == "192.0.2.9" && $0.time > t0 })
    }

    @Test("a configuration changed between calls of one process takes effect at the next call")
    func configurationChangesAreSeen() throws {
        let fixture = try EngineFixture()
        defer { fixture.remove() }
        let first = fixture.call(.authenticate, "authfail", now: t0)
        #expect(first.host.lines.map(\.text).contains { $0.hasSuffix("(failure 1 of 5)") })
        try fixture.writeConfiguration("db = \(fixture.databasePath)\ndeny = 2\n")
        let second = fixture.call(.authenticate, "authfail", now: t0 + 1)
        #expect(second.host.lines.map(\.text).contains { $0.hasPrefix("Account locked") })
        try fixture.writeConfiguration("db = \(fixture.databasePath)\ndeny = lots\n")
        let broken = fixture.call(.authenticate, "preauth", now: t0 + 2)
        #expect(broken.verdict == .deny)
        #expect(broken.host.lines.map(\.text).contains { $0.hasPrefix("configuration error") })
    }

    @Test("a successful login resets the count")
    func successResets() throws {
        let fixture = try EngineFixture()
        defer { fixture.remove() }
        for attempt in 1...4 { fixture.failedLogin(at: t0 + Int64(attempt)) }
        let success = fixture.call(.authenticate, "authsucc", now: t0 + 5)
        #expect(success.verdict == .allow)
        #expect(
            success.host.lines == [.init(priority: .info, text: "Login succeeded: user=lw-no-such-user-xyz \(origin)")])
        for attempt in 6...9 { fixture.failedLogin(at: t0 + Int64(attempt)) }
        #expect(fixture.call(.authenticate, "preauth", now: t0 + 10).verdict == .allow)
        #expect(try fixture.openStore().account(.unknown(name: unknownUser)).state.consecutiveFailures == 4)
    }

    @Test("a locked account is prompted once, verified never, denied at every stage, and not extended")
    func lockedAccount() throws {
        let fixture = try EngineFixture()
        defer { fixture.remove() }
        for attempt in 0..<5 { fixture.failedLogin(at: t0 + Int64(attempt)) }
        let lockedLine = RecordingHost.LogLine(
            priority: .notice, text: "Login failed (locked): user=lw-no-such-user-xyz \(origin)")

        let preauth = fixture.call(.authenticate, "preauth", now: t0 + 10)
        #expect(preauth.verdict == .deny)
        #expect(preauth.host.conversation == [.init(style: .promptEchoOff, text: "Password: ")])
        #expect(preauth.host.lines == [lockedLine])

        for mode in ["authfail", "authsucc"] {
            let call = fixture.call(.authenticate, mode, now: t0 + 11)
            #expect(call.verdict == .deny, "\(mode)")
            #expect(call.host.conversation.isEmpty, "\(mode)")
            #expect(call.host.lines == [lockedLine], "\(mode)")
        }
        let account = fixture.call(.account, nil, now: t0 + 12)
        #expect(account.verdict == .deny)
        #expect(account.host.texts == ["Login failed (locked): user=lw-no-such-user-xyz \(origin) (account check)"])

        // Hammering the locked account does not move the reactivation time (locked at t0+4).
        for second in Array(13..<40) + Array(295..<304) { fixture.failedLogin(at: t0 + Int64(second)) }
        #expect(fixture.call(.authenticate, "preauth", now: t0 + 303).verdict == .deny)
        let reopened = fixture.call(.authenticate, "preauth", now: t0 + 304)
        #expect(reopened.verdict == .allow)
        #expect(reopened.host.conversation.isEmpty)
        #expect(try fixture.openStore().account(.unknown(name: unknownUser)).state.consecutiveFailures == 5)
    }

    struct MessageVector: Sendable, CustomTestStringConvertible {
        var settings: String
        var silentFlag: Bool
        var shown: Bool
        var testDescription: String { "\(settings.isEmpty ? "defaults" : settings)\(silentFlag ? ", PAM_SILENT" : "")" }
    }

    @Test(
        "the lock message is shown after the prompt only when enabled and the call is not silent",
        arguments: [
            MessageVector(settings: "", silentFlag: false, shown: false),
            MessageVector(settings: "show_lock_message = yes", silentFlag: false, shown: true),
            MessageVector(settings: "show_lock_message = yes", silentFlag: true, shown: false),
            MessageVector(settings: "show_lock_message = no\nsilent = yes", silentFlag: false, shown: false),
            // silent = no allows informative messages, the lock message among them.
            MessageVector(settings: "silent = no", silentFlag: false, shown: true),
            MessageVector(settings: "silent = no", silentFlag: true, shown: false),
        ])
    func lockMessage(_ vector: MessageVector) throws {
        let fixture = try EngineFixture(settings: vector.settings + "\n")
        defer { fixture.remove() }
        for attempt in 0..<4 { fixture.failedLogin(at: t0 + Int64(attempt)) }
        let message = RecordingHost.Message(style: .errorMessage, text: lockedMessage)

        let locking = fixture.call(.authenticate, "authfail", now: t0 + 4, silent: vector.silentFlag)
        #expect(locking.verdict == .deny)
        #expect(locking.host.conversation == (vector.shown ? [message] : []))

        let preauth = fixture.call(.authenticate, "preauth", now: t0 + 5, silent: vector.silentFlag)
        #expect(preauth.verdict == .deny)
        let prompt = RecordingHost.Message(style: .promptEchoOff, text: "Password: ")
        #expect(preauth.host.conversation == (vector.shown ? [message, prompt] : [prompt]))
    }

    @Test("an invalid configuration value denies every stage and logs the error")
    func invalidConfiguration() throws {
        let fixture = try EngineFixture(settings: "deny = many\non_error = ignore\n")
        defer { fixture.remove() }
        let stages: [(CallStage, String?)] = [
            (.authenticate, "preauth"), (.authenticate, "authsucc"), (.account, nil), (.passwordPrelim, nil),
        ]
        for (stage, mode) in stages {
            let call = fixture.call(stage, mode, now: t0)
            #expect(call.verdict == .deny, "\(stage)")
            #expect(
                call.host.lines == [
                    .init(
                        priority: .error,
                        text:
                            "configuration error: \(fixture.configPath) line 2: deny must be a whole number from 0 to 1000"
                    )
                ], "\(stage)")
            #expect(call.host.conversation.isEmpty)
        }
        let badArgument = fixture.call(.authenticate, "preauth", now: t0, arguments: ["unlock_time=-1"])
        #expect(badArgument.verdict == .deny)
        #expect(
            badArgument.host.texts.contains(
                "configuration error: module argument \"unlock_time=-1\": unlock_time must be a whole number from 0 to 31536000"
            ))
        #expect(try fixture.openStore().allAccounts().isEmpty)
    }

    @Test("unknown settings only warn, and the call goes on")
    func configurationWarning() throws {
        let fixture = try EngineFixture(settings: "colour = blue\n")
        defer { fixture.remove() }
        let call = fixture.call(.authenticate, "preauth", now: t0, arguments: ["frobnicate"])
        #expect(call.verdict == .allow)
        #expect(
            call.host.lines == [
                .init(
                    priority: .warning,
                    text: "configuration warning: \(fixture.configPath) line 2: unknown key \"colour\" ignored"),
                .init(
                    priority: .warning,
                    text: "configuration warning: module argument \"frobnicate\": unknown argument ignored"),
            ])
    }

    @Test("the auth stage denies without a fitting mode")
    func authWithoutMode() throws {
        let fixture = try EngineFixture()
        defer { fixture.remove() }
        let bare = fixture.call(.authenticate, nil, now: t0)
        #expect(bare.verdict == .deny)
        #expect(
            bare.host.texts == [
                "configuration error: mode \"\" does not fit the authenticate stage; auth needs preauth, authfail, authsucc or totp"
            ])
        let changed = fixture.call(.authenticate, "changed", now: t0)
        #expect(changed.verdict == .deny)
        #expect(changed.host.texts.first?.hasPrefix("configuration error: mode \"changed\" does not fit") == true)
        let conflicting = fixture.call(.authenticate, "preauth", now: t0, arguments: ["authsucc"])
        #expect(conflicting.verdict == .deny)
        #expect(
            conflicting.host.texts == ["configuration error: module argument \"authsucc\": conflicts with mode preauth"]
        )
        #expect(try fixture.openStore().allAccounts().isEmpty)
    }

    @Test("an unsafe, missing or unreadable configuration file denies")
    func unsafeConfigurationFile() throws {
        let fixture = try EngineFixture()
        defer { fixture.remove() }
        try fixture.writeConfiguration("db = \(fixture.databasePath)\n", mode: 0o666)
        let writable = fixture.call(.authenticate, "preauth", now: t0)
        #expect(writable.verdict == .deny)
        #expect(
            writable.host.texts == [
                "configuration error: \(fixture.configPath) has mode 666; group and others must not be able to write it"
            ])
        // A relative conf= would be resolved against the host's working directory (for su, the user's).
        let relative = fixture.call(.authenticate, "preauth", now: t0, arguments: ["conf=lockwarden.conf"])
        #expect(relative.verdict == .deny)
        #expect(relative.host.texts == ["configuration error: conf=lockwarden.conf is not an absolute path"])
        // Root-owned and read-only, but written by whoever runs the process.
        let proc = fixture.call(.authenticate, "preauth", now: t0, arguments: ["conf=/proc/self/cmdline"])
        #expect(proc.verdict == .deny)
        #expect(proc.host.texts == ["configuration error: /proc/self/cmdline is in /proc, /sys or /dev; refusing it"])

        let missing = fixture.call(
            .authenticate, "preauth", now: t0, arguments: ["conf=\(fixture.directory)/absent.conf"])
        #expect(missing.verdict == .deny)
        #expect(missing.host.texts == ["configuration error: \(fixture.directory)/absent.conf does not exist"])

        try fixture.writeConfiguration("db = \(fixture.databasePath)\n# caf\u{E9}\n")
        #expect(fixture.call(.authenticate, "preauth", now: t0).verdict == .allow)
    }

    @Test("a missing state database denies with its own line, or is ignored with on_error = ignore")
    func missingDatabase() throws {
        let fixture = try EngineFixture(createDatabase: false)
        defer { fixture.remove() }
        let line = RecordingHost.LogLine(
            priority: .error, text: "state database missing: \(fixture.databasePath) (run: lockwarden init)")
        for mode in ["preauth", "authfail", "authsucc"] {
            let call = fixture.call(.authenticate, mode, now: t0)
            #expect(call.verdict == .deny, "\(mode)")
            #expect(call.host.lines == [line], "\(mode)")
            #expect(call.host.conversation.isEmpty, "\(mode)")
        }
        let ignoring = fixture.call(.authenticate, "authfail", now: t0, arguments: ["on_error=ignore"])
        #expect(ignoring.verdict == .ignore)
        #expect(ignoring.host.lines == [line])
        // The module never creates the database itself.
        var info = stat()
        #expect(lstat(fixture.databasePath, &info) != 0)
    }

    @Test("a state database refused for its permissions denies with the reason")
    func unsafeDatabase() throws {
        let fixture = try EngineFixture()
        defer { fixture.remove() }
        #expect(chmod(fixture.databasePath, 0o644) == 0)
        let call = fixture.call(.authenticate, "authfail", now: t0)
        #expect(call.verdict == .deny)
        #expect(
            call.host.texts == [
                "state database refused: \(fixture.databasePath) has mode 644; group and others must have no access"
            ])
    }

    struct NameVector: Sendable, CustomTestStringConvertible {
        var name: String
        var user: [UInt8]
        var shown: String
        var testDescription: String { name }
    }

    @Test(
        "impossible user names are denied before any lookup",
        arguments: [
            NameVector(name: "empty", user: [], shown: "\"\" (0 bytes)"),
            NameVector(name: "embedded NUL", user: [0x61, 0x00, 0x62], shown: "\"a\\x00b\" (3 bytes)"),
            NameVector(name: "trailing NUL", user: Array("root".utf8) + [0x00], shown: "\"root\\x00\" (5 bytes)"),
            NameVector(
                name: "300 bytes", user: [UInt8](repeating: 0x61, count: 300),
                shown: "\"\(String(repeating: "a", count: 64))...\" (300 bytes)"),
            NameVector(
                name: "257 bytes", user: [UInt8](repeating: 0x62, count: 257),
                shown: "\"\(String(repeating: "b", count: 64))...\" (257 bytes)"),
        ])
    func impossibleNames(_ vector: NameVector) throws {
        let fixture = try EngineFixture()
        defer { fixture.remove() }
        let line = RecordingHost.LogLine(
            priority: .notice, text: "refused: user name \(vector.shown) is not a possible login name")
        let preauth = fixture.call(.authenticate, "preauth", user: vector.user, now: t0)
        #expect(preauth.verdict == .deny)
        #expect(preauth.host.lines == [line])
        // The prompt looks like everyone else's.
        #expect(preauth.host.conversation == [.init(style: .promptEchoOff, text: "Password: ")])
        for (stage, mode) in [(CallStage.authenticate, "authfail"), (.authenticate, "authsucc"), (.account, nil)]
            as [(CallStage, String?)]
        {
            let call = fixture.call(stage, mode, user: vector.user, now: t0)
            #expect(call.verdict == .deny)
            #expect(call.host.lines == [line])
            #expect(call.host.conversation.isEmpty)
        }
        #expect(try fixture.openStore().allAccounts().isEmpty)
    }

    @Test("a 256-byte name is still a possible name")
    func longestName() throws {
        let fixture = try EngineFixture()
        defer { fixture.remove() }
        let name = [UInt8](repeating: 0x7A, count: 256)
        #expect(fixture.call(.authenticate, "authfail", user: name, now: t0).verdict == .deny)
        #expect(try fixture.openStore().account(.unknown(name: name)).state.consecutiveFailures == 1)
    }

    @Test("an oversized rhost is refused, not truncated")
    func oversizedRhost() throws {
        let fixture = try EngineFixture()
        defer { fixture.remove() }
        let call = fixture.call(.authenticate, "authfail", now: t0, rhost: [UInt8](repeating: 0x68, count: 4_097))
        #expect(call.verdict == .deny)
        #expect(call.host.texts == ["refused: service, rhost or tty longer than 4096 bytes"])
        #expect(try fixture.openStore().allAccounts().isEmpty)
    }

    @Test("hostile bytes in user, rhost, service and tty reach every log line and event only escaped")
    func hostileBytes() throws {
        let fixture = try EngineFixture(settings: "debug = yes\nshow_lock_message = yes\n")
        defer { fixture.remove() }
        let user = Array("ev\r\nil\u{1B}[31m%n%s".utf8) + [0xFF, 0xC0, 0x80, 0xED, 0xA0, 0x80]
        let rhost = Array("h\nAccount unlocked: user=root".utf8) + [0x1B, 0xFE] + Array("\u{202E}".utf8)
        let service = Array("ss\u{7F}hd".utf8) + [0xC2, 0x9B]
        let tty = Array("pts/1\0x".utf8)
        var hosts: [RecordingHost] = []
        func call(_ stage: CallStage, _ mode: String?, _ now: Int64) {
            hosts.append(fixture.call(stage, mode, user: user, now: now, service: service, rhost: rhost, tty: tty).host)
        }
        for attempt in 0..<5 {
            call(.authenticate, "preauth", t0 + Int64(attempt))
            call(.authenticate, "authfail", t0 + Int64(attempt))
        }
        call(.authenticate, "preauth", t0 + 10)
        call(.account, nil, t0 + 11)
        call(.authenticate, "authsucc", t0 + 400)

        let escapedUser = "ev\\x0D\\x0Ail\\x1B[31m%n%s\\xFF\\xC0\\x80\\xED\\xA0\\x80"
        let escapedRhost = "h\\x0AAccount unlocked: user=root\\x1B\\xFE\\u{202E}"
        let escapedService = "ss\\x7Fhd\\u{009B}"
        let escapedTTY = "pts/1\\x00x"
        let lines = hosts.flatMap(\.lines)
        #expect(lines.count > 12)
        for line in lines {
            #expect(!hasUnsafeScalar(line.text), "\(line.text.unicodeScalars.map { $0.value })")
        }
        let locked = lines.filter { $0.text.hasPrefix("Account locked: ") }
        #expect(
            locked.map(\.text) == [
                "Account locked: user=\(escapedUser) service=\(escapedService) rhost=\(escapedRhost) tty=\(escapedTTY) "
                    + "(Failures; reactivates in 5 minutes)"
            ])
        #expect(lines.filter { $0.text.hasPrefix("Login failed: user=\(escapedUser) service=") }.count == 5)
        #expect(lines.contains { $0.priority == .debug && $0.text == "preauth for \(escapedUser): deny" })
        #expect(lines.contains { $0.text.hasPrefix("Login succeeded: user=\(escapedUser) ") })
        #expect(hosts.flatMap(\.conversation).allSatisfy { !$0.text.contains("ev") && !hasUnsafeScalar($0.text) })

        let store = try fixture.openStore()
        let events = try store.events(EventFilter(limit: 100))
        #expect(events.count == 9)
        for event in events {
            #expect(event.user == escapedUser)
            #expect(event.rhost == escapedRhost)
            #expect(event.service == escapedService)
            #expect(event.tty == escapedTTY)
        }
        // State is keyed by the exact raw bytes, not by their escaped form.
        #expect(try store.account(.unknown(name: user)).state.lastSuccessAt == t0 + 400)
        #expect(try store.account(.unknown(name: Array(escapedUser.utf8))).id == nil)
    }

    // MARK: Root and the password stack (needs root in the passwd database)

    @Test("root is counted but never locked by default")
    func rootNotLocked() throws {
        let fixture = try EngineFixture()
        defer { fixture.remove() }
        let root = Array("root".utf8)
        var lines: [String] = []
        for attempt in 0..<105 {
            lines += fixture.failedLogin(user: root, at: t0 + Int64(attempt)).flatMap(\.texts)
        }
        #expect(!lines.contains { $0.hasPrefix("Account locked") })
        #expect(lines.last == "Login failed: user=root uid=0 \(origin) (failure 105 in a row)")
        #expect(lines.filter { $0.hasPrefix("Login failed: user=root uid=0 ") }.count == 105)
        #expect(fixture.call(.authenticate, "preauth", user: root, now: t0 + 200).verdict == .allow)
        let record = try fixture.openStore().account(.user(uid: 0, name: "root"))
        #expect(record.state.consecutiveFailures == 105)
        #expect(try fixture.openStore().account(.unknown(name: root)).id == nil)
    }

    @Test("with even_deny_root, root locks for root_unlock_time")
    func rootLocked() throws {
        let fixture = try EngineFixture(settings: "even_deny_root = yes\nroot_unlock_time = 60\n")
        defer { fixture.remove() }
        let root = Array("root".utf8)
        var hosts: [RecordingHost] = []
        for attempt in 0..<5 { hosts += fixture.failedLogin(user: root, at: t0 + Int64(attempt)) }
        #expect(
            hosts.last?.lines.last
                == RecordingHost.LogLine(
                    priority: .warning,
                    text: "Account locked: user=root uid=0 \(origin) (Failures; reactivates in 1 minute)"))
        #expect(fixture.call(.authenticate, "preauth", user: root, now: t0 + 63).verdict == .deny)
        #expect(fixture.call(.authenticate, "preauth", user: root, now: t0 + 64).verdict == .allow)
        // An unknown user in the same configuration keeps unlock_time.
        for attempt in 0..<5 { fixture.failedLogin(at: t0 + Int64(attempt)) }
        #expect(fixture.call(.authenticate, "preauth", now: t0 + 64).verdict == .deny)
    }

    @Test("a password change while locked is refused unless an administrator makes it")
    func passwordChangeWhileLocked() throws {
        let fixture = try EngineFixture(settings: "even_deny_root = yes\n")
        defer { fixture.remove() }
        let root = Array("root".utf8)
        for attempt in 0..<5 { fixture.failedLogin(user: root, at: t0 + Int64(attempt)) }
        // A caller whose real uid is 0 changing a password that has not expired is an administrator.
        let administrative = fixture.call(.passwordPrelim, nil, user: root, now: t0 + 10)
        #expect(administrative.verdict == .ignore)
        // A set-uid passwd runs the core with real uid 0 too; the module says the caller was not root.
        let setUID = fixture.call(.passwordPrelim, nil, user: root, now: t0 + 10, callerIsRoot: false)
        #expect(setUID.verdict == .deny)
        for stage in [CallStage.passwordPrelim, .passwordUpdate] {
            let expired = fixture.call(stage, nil, user: root, now: t0 + 10, changeExpired: true)
            #expect(expired.verdict == .deny)
            #expect(
                expired.host.lines == [
                    .init(
                        priority: .warning,
                        text: "Password change refused: user=root uid=0 \(origin) (account is locked)")
                ])
        }
        // Unknown names have no password to change.
        for attempt in 0..<5 { fixture.failedLogin(at: t0 + Int64(attempt)) }
        #expect(fixture.call(.passwordPrelim, nil, now: t0 + 10, changeExpired: true).verdict == .ignore)
    }

    @Test("repeated lockouts require a password change that a successful change clears")
    func requiredPasswordChange() throws {
        let fixture = try EngineFixture(settings: "even_deny_root = yes\n")
        defer { fixture.remove() }
        let root = Array("root".utf8)
        for attempt in 0..<5 { fixture.failedLogin(user: root, at: t0 + Int64(attempt)) }
        let second = (0..<5).flatMap { fixture.failedLogin(user: root, at: t0 + 304 + Int64($0)) }
        #expect(
            second.last?.texts.last == "Password change required: user=root uid=0 \(origin) (after 2 lockouts in a row)"
        )

        let reopened = t0 + 308 + 300
        #expect(fixture.call(.account, nil, user: root, now: reopened - 1).verdict == .deny)
        let account = fixture.call(.account, nil, user: root, now: reopened)
        #expect(account.verdict == .changeRequired)
        #expect(account.host.conversation.isEmpty)
        // The pam_unix prelim pass and the "changed" line's prelim pass change nothing.
        #expect(fixture.call(.passwordPrelim, "changed", user: root, now: reopened).verdict == .ignore)
        let changed = fixture.call(.passwordUpdate, "changed", user: root, now: reopened + 1, changeExpired: true)
        #expect(changed.verdict == .allow)
        #expect(
            changed.host.texts == ["Password changed: user=root uid=0 \(origin) (password change requirement cleared)"])
        #expect(fixture.call(.account, nil, user: root, now: reopened + 2).verdict == .allow)
    }
}
