// fuzz-config: lockwarden.conf text and module arguments through ConfigParser.
//
// Input: one byte for the number of module arguments (low 4 bits), the arguments as
// FuzzInput fields (often dictionary words), then the file text (the rest, decoded as the
// engine would after its UTF-8 check). Invariants: no trap; every diagnostic is loggable
// text (the engine writes them to syslog as they are); parsed values are within their
// documented ranges; mail templates taken from the text render with clean headers.

import FuzzSupport
import LockwardenPolicy

private let argumentWords: [[UInt8]] = [
    "preauth", "authfail", "authsucc", "totp", "changed", "debug", "even_deny_root", "silent", "silent=no",
    "show_lock_message", "deny=0", "deny=1000", "deny=1001", "unlock_time=0", "fail_interval=0",
    "root_unlock_time=5", "exempt_group=sudo", "exempt_group=no such", "lockout_action=admin-unlock",
    "lockout_action=NONE", "on_error=ignore", "db=relative", "db=/tmp/x.db", "conf=/etc/security/lockwarden.conf",
    "conf=/tmp/\u{1B}[2J\n.conf", "totp=required", "totp_digits=7", "totp_period=14", "totp_window=11",
    "totp_issuer=\u{1B}]0;x\u{07}", "user_email={user}@example.org", "user_email={user}", "mail_from=a@b",
    "mail_command=/usr/sbin/sendmail -t", "notify_program=/bin/true", "max_events=99",
    "busy_timeout=99999999999999999999", "deny=-1", "deny=+1", "deny= 1", " deny = 2 ", "=", "==", "conf=",
    "mail_locked_user_subject=Locked\\n\r\nBcc: x@y", "mail_locked_owner_body={full_name}\\n.\\n",
    "%n%s%s%s", "unknown_key=1", "admin_group=wheel",
].map { Array(text: $0) }

private let fieldDictionary = argumentWords

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzConfig(_ data: UnsafePointer<UInt8>?, _ size: Int) -> Int32 {
    var input = FuzzInput(data, size)
    let count = Int(input.byte() & 0x0F)
    var arguments: [String] = []
    for _ in 0..<count {
        arguments.append(String(decoding: input.field(dictionary: fieldDictionary), as: UTF8.self))
    }
    let text = String(decoding: input.rest(), as: UTF8.self)
    let fileName = ConfigParser.configPath(arguments: arguments)
    let parsed = ConfigParser.parse(fileText: text, fileName: fileName, arguments: arguments)
    check(parsed)
    return 0
}

private func check(_ parsed: ParsedConfig) {
    for diagnostic in parsed.diagnostics {
        if let problem = TextCheck.problem(diagnostic.text) {
            fuzzFailure("diagnostic is not loggable text", "\(problem): \(showBytes(Array(diagnostic.text.utf8)))")
        }
    }
    if let mode = parsed.mode, !ConfigParser.modes.contains(mode) {
        fuzzFailure("unknown mode accepted", showBytes(Array(mode.utf8)))
    }
    let config = parsed.config
    let inRange =
        (0...1_000).contains(config.deny) && (1...31_536_000).contains(config.failInterval)
        && (0...31_536_000).contains(config.unlockTime) && (1...100).contains(config.unlockTimeMultiplier)
        && (0...1_000_000).contains(config.maxConsecutiveFailures) && (100...100_000_000).contains(config.maxEvents)
        && (0...60_000).contains(config.busyTimeoutMilliseconds) && [6, 8].contains(config.totpDigits)
        && (15...300).contains(config.totpPeriod) && (0...10).contains(config.totpWindow)
        && config.databasePath.hasPrefix("/") && !config.databasePath.utf8.contains(0)
        && config.notifyProgram.hasPrefix("/") && config.totpIssuer.utf8.count <= 64
    if !inRange { fuzzFailure("setting out of its documented range", "\(config)") }
    for clinic in config.clinics where clinic.members.isEmpty || clinic.owners.isEmpty {
        fuzzFailure("clinic without members or owners accepted", clinic.name)
    }
    // Templates from the text, filled with hostile values, still render with clean headers.
    for name in MailTemplateName.allCases where config.mailTemplates[name] != nil {
        let filled = config.template(name).fill([
            "user": "root\r\nBcc: victim@example.org", "full_name": "\u{1B}[2J\u{85}Eve\n", "host": "h\u{2028}",
            "pin": "%n%s", "actor": "a\u{0}b",
        ])
        let message = MailMessage(to: "user@example.org", subject: filled.subject, body: filled.body)
        guard let rendered = message.rendered(from: "lockwarden@example.org") else {
            fuzzFailure("valid addresses refused", name.rawValue)
        }
        if let problem = MailCheck.problem(rendered, to: "user@example.org", from: "lockwarden@example.org") {
            fuzzFailure("rendered mail is unsafe", "\(problem): \(showBytes(Array(rendered.utf8)))")
        }
    }
}
