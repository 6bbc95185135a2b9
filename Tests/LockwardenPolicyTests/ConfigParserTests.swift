import Testing

@testable import LockwardenPolicy

private let file = "/etc/security/lockwarden.conf"

private func parse(_ text: String, _ arguments: [String] = []) -> ParsedConfig {
    ConfigParser.parse(fileText: text, fileName: file, arguments: arguments)
}

@Suite("Configuration parser")
struct ConfigParserTests {
    @Test("an empty file and no arguments give the documented defaults")
    func defaults() {
        let parsed = parse("")
        #expect(parsed.diagnostics.isEmpty)
        #expect(parsed.mode == nil)
        #expect(parsed.sections.isEmpty)
        let config = parsed.config
        #expect(config == LockwardenConfig())
        #expect(config.deny == 5)
        #expect(config.failInterval == 900)
        #expect(config.unlockTime == 300)
        #expect(config.rootUnlockTime == nil)
        #expect(config.evenDenyRoot == false)
        #expect(config.exemptGroup == nil)
        #expect(config.lockoutsBeforeAction == 2)
        #expect(config.lockoutAction == .requirePasswordChange)
        #expect(config.unlockTimeMultiplier == 1)
        #expect(config.maxUnlockTime == 86_400)
        #expect(config.maxConsecutiveFailures == 100)
        #expect(config.silent == true)
        #expect(config.showLockMessage == false)
        #expect(config.onError == .deny)
        #expect(config.databasePath == "/var/lib/lockwarden/lockwarden.db")
        #expect(config.maxEvents == 100_000)
        #expect(config.maxUnknownUsers == 10_000)
        #expect(config.busyTimeoutMilliseconds == 2_000)
        #expect(config.recordTimeoutMilliseconds == 30_000)
        #expect(config.debug == false)
        #expect(config.baseUnlockTime(for: .root) == 300)
    }

    /// Every key at its range edges and in each accepted spelling: (line, expected change).
    static let validLines: [(String, @Sendable (inout LockwardenConfig) -> Void)] = [
        ("deny = 0", { $0.deny = 0 }),
        ("deny = 1000", { $0.deny = 1_000 }),
        ("deny = 007", { $0.deny = 7 }),
        ("fail_interval = 1", { $0.failInterval = 1 }),
        ("fail_interval = 31536000", { $0.failInterval = 31_536_000 }),
        ("unlock_time = 0", { $0.unlockTime = 0 }),
        ("unlock_time = 31536000", { $0.unlockTime = 31_536_000 }),
        ("root_unlock_time = 0", { $0.rootUnlockTime = 0 }),
        ("root_unlock_time = 31536000", { $0.rootUnlockTime = 31_536_000 }),
        ("even_deny_root = yes", { $0.evenDenyRoot = true }),
        ("even_deny_root = TRUE", { $0.evenDenyRoot = true }),
        ("even_deny_root = On", { $0.evenDenyRoot = true }),
        ("even_deny_root = 1", { $0.evenDenyRoot = true }),
        ("exempt_group = clinic-staff_2.x", { $0.exemptGroup = "clinic-staff_2.x" }),
        // Empty is the default: nobody exempt; root_unlock_time follows unlock_time.
        ("exempt_group =", { $0.exemptGroup = nil }),
        ("root_unlock_time =", { $0.rootUnlockTime = nil }),
        ("lockouts_before_action = 0", { $0.lockoutsBeforeAction = 0 }),
        ("lockouts_before_action = 1000", { $0.lockoutsBeforeAction = 1_000 }),
        ("lockout_action = admin-unlock", { $0.lockoutAction = .adminUnlock }),
        ("lockout_action = Admin-Unlock", { $0.lockoutAction = .adminUnlock }),
        ("lockout_action = none", { $0.lockoutAction = .none }),
        ("lockout_action = require-password-change", { $0.lockoutAction = .requirePasswordChange }),
        ("unlock_time_multiplier = 1", { $0.unlockTimeMultiplier = 1 }),
        ("unlock_time_multiplier = 100", { $0.unlockTimeMultiplier = 100 }),
        ("max_unlock_time = 0", { $0.maxUnlockTime = 0 }),
        ("max_unlock_time = 31536000", { $0.maxUnlockTime = 31_536_000 }),
        ("max_consecutive_failures = 0", { $0.maxConsecutiveFailures = 0 }),
        ("max_consecutive_failures = 1000000", { $0.maxConsecutiveFailures = 1_000_000 }),
        ("silent = no", { $0.silent = false }),
        ("silent = false", { $0.silent = false }),
        ("silent = OFF", { $0.silent = false }),
        ("silent = 0", { $0.silent = false }),
        ("show_lock_message = yes", { $0.showLockMessage = true }),
        ("on_error = ignore", { $0.onError = .ignore }),
        ("on_error = DENY", { $0.onError = .deny }),
        ("db = /srv/state/lw.db", { $0.databasePath = "/srv/state/lw.db" }),
        ("db = /", { $0.databasePath = "/" }),
        ("max_events = 100", { $0.maxEvents = 100 }),
        ("max_events = 100000000", { $0.maxEvents = 100_000_000 }),
        ("max_unknown_users = 10", { $0.maxUnknownUsers = 10 }),
        ("max_unknown_users = 10000000", { $0.maxUnknownUsers = 10_000_000 }),
        ("busy_timeout = 0", { $0.busyTimeoutMilliseconds = 0 }),
        ("busy_timeout = 60000", { $0.busyTimeoutMilliseconds = 60_000 }),
        ("record_timeout = 120000", { $0.recordTimeoutMilliseconds = 120_000 }),
        ("debug = yes", { $0.debug = true }),
        // Blanks, tabs, carriage returns and trailing comments around values.
        ("deny = 5 ", { $0.deny = 5 }),
        ("deny=3", { $0.deny = 3 }),
        ("\t deny \t=\t 4 \t", { $0.deny = 4 }),
        ("deny = 6\r", { $0.deny = 6 }),
        ("deny = 8 # eight tries", { $0.deny = 8 }),
        ("deny = 9\t# tab before the comment", { $0.deny = 9 }),
        // A '#' that does not follow a blank belongs to the value.
        ("db = /srv/lw#1.db", { $0.databasePath = "/srv/lw#1.db" }),
    ]

    @Test("every key accepts its range edges and spellings")
    func validValues() {
        for (line, change) in Self.validLines {
            let parsed = parse(line)
            #expect(parsed.diagnostics.isEmpty, "\(line)")
            #expect(parsed.config == configuration(change), "\(line)")
            // The same setting given as a module argument has the same effect.
            let argument = line.replacingSpaces()
            if !line.contains("#") && !line.contains("\t") && !line.contains("\r") {
                let fromArgument = parse("", [argument])
                #expect(fromArgument.diagnostics.isEmpty, "argument \(argument)")
                #expect(fromArgument.config == configuration(change), "argument \(argument)")
            }
        }
    }

    static let invalidLines: [(String, String)] = [
        ("deny = -1", "deny must be a whole number from 0 to 1000"),
        ("deny = 1001", "deny must be a whole number from 0 to 1000"),
        ("deny = five", "deny must be a whole number from 0 to 1000"),
        ("deny = +5", "deny must be a whole number from 0 to 1000"),
        ("deny = 5s", "deny must be a whole number from 0 to 1000"),
        ("deny = 5.0", "deny must be a whole number from 0 to 1000"),
        ("deny = 1 000", "deny must be a whole number from 0 to 1000"),
        ("deny = 0x10", "deny must be a whole number from 0 to 1000"),
        ("deny =", "deny must be a whole number from 0 to 1000"),
        ("deny = 9223372036854775808", "deny must be a whole number from 0 to 1000"),
        ("deny = 99999999999999999999999", "deny must be a whole number from 0 to 1000"),
        ("deny = \u{0665}", "deny must be a whole number from 0 to 1000"),
        ("deny = 5#x", "deny must be a whole number from 0 to 1000"),
        ("fail_interval = 0", "fail_interval must be a whole number from 1 to 31536000"),
        ("fail_interval = 31536001", "fail_interval must be a whole number from 1 to 31536000"),
        ("unlock_time = -300", "unlock_time must be a whole number from 0 to 31536000"),
        ("unlock_time = 31536001", "unlock_time must be a whole number from 0 to 31536000"),
        ("root_unlock_time = never", "root_unlock_time must be a whole number from 0 to 31536000"),
        ("root_unlock_time = 31536001", "root_unlock_time must be a whole number from 0 to 31536000"),
        ("even_deny_root = maybe", "even_deny_root must be yes or no"),
        ("even_deny_root =", "even_deny_root must be yes or no"),
        ("exempt_group = wheel staff", "exempt_group must be a group name"),
        ("exempt_group = ../etc", "exempt_group must be a group name"),
        ("lockouts_before_action = 1001", "lockouts_before_action must be a whole number from 0 to 1000"),
        ("lockout_action = lock", "lockout_action must be one of: require-password-change, admin-unlock, none"),
        ("unlock_time_multiplier = 0", "unlock_time_multiplier must be a whole number from 1 to 100"),
        ("unlock_time_multiplier = 101", "unlock_time_multiplier must be a whole number from 1 to 100"),
        ("max_unlock_time = 31536001", "max_unlock_time must be a whole number from 0 to 31536000"),
        ("max_consecutive_failures = 1000001", "max_consecutive_failures must be a whole number from 0 to 1000000"),
        ("silent = 2", "silent must be yes or no"),
        ("show_lock_message = y", "show_lock_message must be yes or no"),
        ("on_error = allow", "on_error must be one of: deny, ignore"),
        ("db = relative/lw.db", "db must be an absolute path"),
        ("db =", "db must be an absolute path"),
        ("max_events = 99", "max_events must be a whole number from 100 to 100000000"),
        ("max_unknown_users = 9", "max_unknown_users must be a whole number from 10 to 10000000"),
        ("busy_timeout = 60001", "busy_timeout must be a whole number from 0 to 60000"),
        ("record_timeout = 120001", "record_timeout must be a whole number from 0 to 120000"),
        ("debug = enabled", "debug must be yes or no"),
    ]

    @Test("every out-of-range or malformed value is an error naming the line, and changes nothing")
    func invalidValues() {
        for (line, message) in Self.invalidLines {
            let parsed = parse("# settings\n\n" + line + "\n")
            #expect(
                parsed.diagnostics == [
                    ConfigDiagnostic(severity: .error, location: "\(file) line 3", message: message)
                ],
                "\(line)")
            #expect(!parsed.isValid, "\(line)")
            #expect(parsed.config == LockwardenConfig(), "\(line)")
            // As a module argument (which holds no blanks), unless removing blanks changes the value.
            let valueWords = line.split(separator: "=", maxSplits: 1).dropFirst().first?.split(separator: " ") ?? []
            if valueWords.count <= 1 {
                let fromArgument = parse("", [line.replacingSpaces()])
                #expect(fromArgument.errors.map(\.message) == [message], "argument \(line)")
            }
        }
    }

    @Test("a NUL byte in db is refused")
    func databasePathWithNul() {
        let parsed = parse("db = /var/lib/x\u{0}y")
        #expect(parsed.errors.map(\.message) == ["db must be an absolute path"])
        #expect(parsed.config.databasePath == LockwardenConfig.defaultDatabasePath)
    }

    @Test("paths that reach log lines hold no control characters; the file name is escaped")
    func pathsWithControlCharacters() {
        for line in ["db = /var/lib/\u{1B}[2J.db", "db = /x\u{202E}y", "notify_program = /usr/sbin/\u{85}lw"] {
            #expect(!parse(line).isValid, "\(line)")
        }
        let parsed = ConfigParser.parse(fileText: "deny\n", fileName: "/tmp/\u{1B}]0;x\u{07}\n.conf", arguments: [])
        #expect(parsed.diagnostics.map(\.location) == ["/tmp/\\x1B]0;x\\x07\\x0A.conf line 1"])
    }

    @Test("a value ending in a character beyond ASCII keeps it whole, with CRLF, blanks and a comment after it")
    func nonASCIIValueEnd() {
        for text in ["db = /srv/zürich/é\n", "db = /srv/zürich/é \t\r\n", "db = /srv/zürich/é  # comment\r\n"] {
            let parsed = parse(text)
            #expect(parsed.isValid, "\(text)")
            #expect(parsed.config.databasePath == "/srv/zürich/é", "\(text)")
        }
    }

    @Test("lines without '=' are errors; comments and blank lines are not, and line numbers stay right")
    func lineStructure() {
        let text = "# comment\n\n   \n  # indented comment\ndeny = 3\npreauth\n= 5\nunlock_time = 60\n"
        let parsed = parse(text)
        #expect(
            parsed.diagnostics == [
                ConfigDiagnostic(severity: .error, location: "\(file) line 6", message: "expected key = value"),
                ConfigDiagnostic(severity: .error, location: "\(file) line 7", message: "expected key = value"),
            ])
        #expect(parsed.config.deny == 3)
        #expect(parsed.config.unlockTime == 60)
        #expect(parsed.mode == nil)
    }

    @Test("CRLF line endings read like LF ones")
    func crlf() {
        let parsed = parse("deny = 3\r\nunlock_time = 60\r\n\r\nbogus\r\nsilent = no\r\n")
        #expect(parsed.config.deny == 3)
        #expect(parsed.config.unlockTime == 60)
        #expect(parsed.config.silent == false)
        #expect(
            parsed.diagnostics == [
                ConfigDiagnostic(severity: .error, location: "\(file) line 4", message: "expected key = value")
            ])
    }

    @Test("module arguments override the file, whatever their order")
    func argumentsOverrideFile() {
        let parsed = parse(
            "deny = 3\nunlock_time = 60\neven_deny_root = yes\n", ["deny=7", "even_deny_root=no", "authfail"])
        #expect(parsed.config.deny == 7)
        #expect(parsed.config.unlockTime == 60)
        #expect(parsed.config.evenDenyRoot == false)
        #expect(parsed.mode == "authfail")
        #expect(parsed.diagnostics.isEmpty)
        #expect(parse("", ["deny=2", "deny=4"]).config.deny == 4)
        #expect(parse("", ["deny = 6"]).config.deny == 6)
    }

    @Test("bare boolean arguments mean yes; other bare words are unknown")
    func bareBooleans() {
        let parsed = parse(
            "even_deny_root = no\nsilent = no\n", ["even_deny_root", "debug", "show_lock_message", "silent"])
        #expect(parsed.config.evenDenyRoot)
        #expect(parsed.config.debug)
        #expect(parsed.config.showLockMessage)
        #expect(parsed.config.silent)
        #expect(parsed.diagnostics.isEmpty)

        let bareNumber = parse("", ["deny"])
        #expect(bareNumber.config.deny == 5)
        #expect(
            bareNumber.diagnostics == [
                ConfigDiagnostic(
                    severity: .warning, location: "module argument \"deny\"", message: "unknown argument ignored")
            ])
    }

    @Test("conf= names the file, the last one wins, and it is not a setting")
    func confArgument() {
        let cases: [([String], String)] = [
            ([], "/etc/security/lockwarden.conf"),
            (["preauth", "deny=3"], "/etc/security/lockwarden.conf"),
            (["conf=/etc/lw/site.conf"], "/etc/lw/site.conf"),
            (["conf=/a.conf", "preauth", "conf=/b.conf"], "/b.conf"),
            (["conf="], ""),
            (["conf=/x=y.conf"], "/x=y.conf"),
            (["config=/not-this"], "/etc/security/lockwarden.conf"),
        ]
        for (arguments, path) in cases {
            #expect(ConfigParser.configPath(arguments: arguments) == path, "\(arguments)")
        }
        #expect(parse("", ["conf=/etc/lw/site.conf", "preauth"]).diagnostics.isEmpty)
    }

    @Test("each mode word is read from the arguments; two different ones conflict")
    func modes() {
        for mode in ["preauth", "authfail", "authsucc", "changed"] {
            let parsed = parse("", [mode])
            #expect(parsed.mode == mode)
            #expect(parsed.diagnostics.isEmpty)
        }
        #expect(parse("", ["preauth", "preauth"]).isValid)
        let conflicting = parse("", ["preauth", "authfail"])
        #expect(
            conflicting.diagnostics == [
                ConfigDiagnostic(
                    severity: .error, location: "module argument \"authfail\"", message: "conflicts with mode preauth")
            ])
        #expect(!conflicting.isValid)
        let uppercase = parse("", ["PREAUTH"])
        #expect(uppercase.mode == nil)
        #expect(uppercase.diagnostics.map(\.severity) == [.warning])
    }

    @Test("unknown keys and arguments are warnings, not errors")
    func unknownKeys() {
        let parsed = parse("colour = blue\ndeny = 3\n", ["frobnicate", "shade=dark"])
        #expect(parsed.isValid)
        #expect(parsed.config.deny == 3)
        #expect(
            parsed.diagnostics == [
                ConfigDiagnostic(
                    severity: .warning, location: "\(file) line 1", message: "unknown key \"colour\" ignored"),
                ConfigDiagnostic(
                    severity: .warning, location: "module argument \"frobnicate\"", message: "unknown argument ignored"),
                ConfigDiagnostic(
                    severity: .warning, location: "module argument \"shade=dark\"",
                    message: "unknown key \"shade\" ignored"),
            ])
        #expect(parsed.diagnostics.first?.text == "\(file) line 1: unknown key \"colour\" ignored")
    }

    @Test("hostile bytes in unknown keys and arguments are escaped in diagnostics")
    func diagnosticsAreEscaped() {
        let parsed = parse("col\u{1B}[31mour = x\n", ["evil\narg"])
        #expect(parsed.diagnostics.map(\.message).contains("unknown key \"col\\x1B[31mour\" ignored"))
        #expect(parsed.diagnostics.map(\.location).contains("module argument \"evil\\x0Aarg\""))
    }

    @Test("[clinic NAME] sections are collected and become clinics with members and owners")
    func clinicSections() {
        let text = """
            deny = 4
            [clinic north]
            members = @north-staff
            owners = north-owner, dr.who   # the practice owners
            [clinic  south]
            members = alice bob
            owners = @south-owners
            deny = 1
            """
        let parsed = parse(text)
        #expect(parsed.isValid)
        #expect(parsed.diagnostics.map(\.message) == ["unknown key \"deny\" ignored"])
        #expect(parsed.config.deny == 4)
        #expect(
            parsed.config.clinics == [
                Clinic(
                    name: "north", members: [.group("north-staff")], owners: [.user("north-owner"), .user("dr.who")]),
                Clinic(name: "south", members: [.user("alice"), .user("bob")], owners: [.group("south-owners")]),
            ])
    }

    @Test("a clinic without members or owners, or with a bad name in them, is an error")
    func incompleteClinics() {
        for body in ["owners = x", "members = @g", "members = @g\nowners = bad name!", "members = @\nowners = x"] {
            let parsed = parse("[clinic east]\n\(body)\n")
            #expect(!parsed.isValid, "\(body)")
            #expect(parsed.config.clinics.isEmpty, "\(body)")
        }
    }

    @Test("a malformed section header is an error")
    func badSectionHeaders() {
        for header in ["[clinic]", "[clinic a b]", "[clinic north", "[]", "[ ]"] {
            let parsed = parse("\(header)\nowners = x\n")
            #expect(parsed.errors.map(\.message) == ["expected [kind NAME]"], "\(header)")
            #expect(parsed.errors.first?.location == "\(file) line 1", "\(header)")
            #expect(parsed.sections.isEmpty, "\(header)")
        }
    }

    @Test("an unknown section kind is a warning and its lines are ignored")
    func unknownSectionKind() {
        let parsed = parse("[site west]\ndeny = 1\nunlock_time = 0\n[clinic east]\nmembers = m\nowners = e\n")
        #expect(parsed.isValid)
        #expect(
            parsed.diagnostics == [
                ConfigDiagnostic(
                    severity: .warning, location: "\(file) line 1", message: "unknown section \"site\" ignored")
            ])
        var expected = LockwardenConfig()
        expected.clinics = [Clinic(name: "east", members: [.user("m")], owners: [.user("e")])]
        #expect(parsed.config == expected)
        #expect(
            parsed.sections == [
                ConfigSection(kind: "clinic", name: "east", entries: [("members", "m"), ("owners", "e")])
            ])
    }
}

extension String {
    /// "deny = 5" as a module argument: "deny=5" (module arguments cannot hold blanks).
    fileprivate func replacingSpaces() -> String {
        String(filter { $0 != " " })
    }
}
