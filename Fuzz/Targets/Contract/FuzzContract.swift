// fuzz-contract: the whole C contract, lw_core_handle, as the PAM module calls it.
//
// Input layout (see FuzzInput.field for how byte strings are read):
//   stage byte      low 3 bits pick LW_STAGE_* or an invalid stage
//   flags byte      bit 0 SILENT, bit 1 CHANGE_EXPIRED, bit 2 unknown flag bits,
//                   bit 3 wrong ABI version, bit 4 no log callback, bit 5 no converse callback,
//                   bits 6+7 together: NULL request; bit 7 alone: NULL data with a length
//   user, service, rhost, tty          fields (any bytes, any length up to 64 KiB)
//   argument count  low 4 bits (0-15), or 56-116 when the high nibble is 0xF
//   arguments       fields (often dictionary words)
//   the rest        conversation script, one step per prompt (see Session.reply)
//
// Every call ends with `conf=` naming the private configuration, and arguments that name
// files (db=, notify_program=, mail_command=) are confined to the private directory, so no
// input can touch the machine's real state or start a program.
//
// Invariants: no trap or memory error; the verdict is one of the four; every log line and
// every message is valid UTF-8 with no control character (messages may break lines); the
// reply buffer is 512 bytes; an impossible user name, a bad ABI version or stage, or too
// many arguments is always denied.

import CLockwardenContract
import FuzzSupport
import Glibc

private let stages: [UInt32] = [
    UInt32(LW_STAGE_AUTHENTICATE), UInt32(LW_STAGE_ACCOUNT), UInt32(LW_STAGE_PASSWORD_PRELIM),
    UInt32(LW_STAGE_PASSWORD_UPDATE), UInt32(LW_STAGE_AUTHENTICATE), 0, 5, UInt32.max,
]

private let userWords: [[UInt8]] =
    [
        "root", "daemon", "bin", "sys", "nobody", "sync", "no-such-user", "ROOT", "root ", " root", "root\n", "root\0",
        "ro\0ot", "daemon\u{1B}[2J", "%n%s%n", "'; DROP TABLE accounts;--", "root' OR '1'='1", "\u{202E}toor",
        "ｒｏｏｔ", "e\u{301}", "\u{E9}", "..", "../../etc/passwd", "",
    ].map { Array(text: $0) } + [[0xC0, 0x80], [0xED, 0xA0, 0x80], [0xFF], [0x72, 0x6F, 0x6F, 0x74, 0xFF]]

private let argumentWords: [[UInt8]] =
    [
        "preauth", "authfail", "authsucc", "totp", "changed", "debug", "even_deny_root", "silent=no",
        "show_lock_message",
        "deny=1", "deny=0", "unlock_time=0", "unlock_time=1", "fail_interval=1", "root_unlock_time=0",
        "exempt_group=sudo", "exempt_group=sys", "lockouts_before_action=1", "lockout_action=admin-unlock",
        "lockout_action=none", "unlock_time_multiplier=100", "max_unlock_time=0", "max_consecutive_failures=1",
        "on_error=ignore", "totp=required", "totp=optional", "totp=off", "totp_algorithm=sha512", "totp_digits=8",
        "totp_period=15", "totp_window=0", "totp_window=10", "totp_issuer=Clinic \u{1B}[2J", "notify_on_lock=no",
        "user_email=", "mail_from=x@y", "max_events=100", "max_unknown_users=10", "busy_timeout=0",
        "db=/var/lib/lockwarden/lockwarden.db", "db=/\u{1B}]0;x\u{07}\n.db", "db=relative.db", "conf=/etc/passwd",
        "notify_program=/bin/true", "notify_program=/\r\n", "mail_locked_user_subject=x\\nBcc: a@b", "admin_group=sudo",
        "unknown=1", "%n%s", "=", "\u{85}",
    ].map { Array(text: $0) } + [[0xC0, 0x80], [0x64, 0x65, 0x6E, 0x79, 0x3D, 0x31, 0x00], [0xFF, 0xFE]]

private let replyWords: [[UInt8]] =
    [
        "", "000000", "123456", "12345678", "1234567", "abcdefgh", "ABCDE-FGHIJ", "abcde fghij", "\u{1B}[2J", "%n%s",
    ].map { Array(text: $0) } + [[0x00], [0xC0, 0x80], [0xFF]]

/// The conversation side of one call: answers prompts from the rest of the input.
final class Session {
    var script: FuzzInput
    var prompts = 0

    init(script: FuzzInput) { self.script = script }

    /// One step per prompt, chosen by a byte (input used up: the conversation fails):
    ///   0 fail (-1)   1 claim a reply longer than the buffer   2 daemon's current TOTP code
    ///   3 one of daemon's backup codes (case, dash and spaces varied)   4 empty reply
    ///   5-7 a field, given only if it fits (otherwise -1, as the module does)
    func reply(into buffer: UnsafeMutablePointer<UInt8>, capacity: Int) -> Int32 {
        guard let step = script.optionalByte() else { return -1 }
        let environment = FuzzEnvironment.shared
        var answer: [UInt8]
        switch step & 0x07 {
        case 0: return -1
        case 1: return Int32(clamping: capacity + 1 + Int(step >> 3))
        case 2: answer = environment.currentCode()
        case 3:
            guard !environment.backupCodes.isEmpty else { return 0 }
            answer = Array(environment.backupCodes[Int(step >> 3) % environment.backupCodes.count].utf8)
            if script.byte() & 1 == 1 { answer = answer.map { $0 >= 65 && $0 <= 90 ? $0 + 32 : $0 } }
        case 4: answer = []
        default: answer = script.field(dictionary: replyWords)
        }
        guard answer.count <= capacity else { return -1 }
        answer.withUnsafeBufferPointer { source in
            if let base = source.baseAddress { buffer.update(from: base, count: source.count) }
        }
        return Int32(answer.count)
    }
}

/// LOCKWARDEN_FUZZ_VERBOSE=1 prints every log line, message and verdict (to replay an input).
private let verbose = getenv("LOCKWARDEN_FUZZ_VERBOSE") != nil

private let logCallback: @convention(c) (UnsafeMutableRawPointer?, Int32, UnsafePointer<CChar>?) -> Void = {
    _, priority, message in
    guard (3...7).contains(priority) else { fuzzFailure("log priority out of range", "\(priority)") }
    guard let message else { fuzzFailure("log message is NULL", "") }
    if verbose { writeError("log \(priority): \(showBytes(Array(String(cString: message).utf8), limit: 400))\n") }
    if let problem = TextCheck.problem(cString: message) {
        fuzzFailure("log line is not clean text", "\(problem): \(showBytes(Array(String(cString: message).utf8)))")
    }
}

/// The auth token a stack above would have stored: a fixed password, or none.
private let authTokenCallback: @convention(c) (UnsafeMutableRawPointer?, UnsafeMutablePointer<UInt8>?, Int) -> Int32 = {
    context, token, capacity in
    guard context != nil else { fuzzFailure("auth_token without context", "") }
    guard let token, capacity >= 16 else { return -1 }
    let password = Array("fuzz-password-1".utf8)
    for (index, byte) in password.enumerated() { token[index] = byte }
    return Int32(password.count)
}

private let converseCallback:
    @convention(c) (UnsafeMutableRawPointer?, Int32, UnsafePointer<CChar>?, UnsafeMutablePointer<UInt8>?, Int) -> Int32 =
        {
            context, style, message, reply, capacity in
            guard let context else { fuzzFailure("converse without context", "") }
            guard let message else { fuzzFailure("converse message is NULL", "") }
            if let problem = TextCheck.problem(cString: message, allowLineFeed: true) {
                fuzzFailure(
                    "message is not clean text", "\(problem): \(showBytes(Array(String(cString: message).utf8)))")
            }
            let session = Unmanaged<Session>.fromOpaque(context).takeUnretainedValue()
            if verbose {
                writeError("converse \(style): \(showBytes(Array(String(cString: message).utf8), limit: 400))\n")
            }
            switch Int(style) {
            case Int(LW_CONV_PROMPT_ECHO_OFF), Int(LW_CONV_PROMPT_ECHO_ON):
                guard let reply, capacity == Int(LW_MAX_REPLY_BYTES) else {
                    fuzzFailure("reply buffer is not LW_MAX_REPLY_BYTES", "\(capacity)")
                }
                session.prompts += 1
                if session.prompts > 16 { fuzzFailure("more than 16 prompts in one call", "\(session.prompts)") }
                return session.reply(into: reply, capacity: capacity)
            case Int(LW_CONV_ERROR_MSG), Int(LW_CONV_TEXT_INFO):
                return 0
            default:
                fuzzFailure("unknown conversation style", "\(style)")
            }
        }

/// A copy of bytes in its own exact-size allocation, so AddressSanitizer sees any read past it.
private final class Buffers {
    private var allocations: [UnsafeMutablePointer<UInt8>] = []

    func bytes(_ value: [UInt8], nullData: Bool = false) -> lw_bytes {
        if nullData { return lw_bytes(data: nil, length: value.count) }
        if value.isEmpty { return lw_bytes(data: nil, length: 0) }
        let pointer = UnsafeMutablePointer<UInt8>.allocate(capacity: value.count)
        value.withUnsafeBufferPointer { source in
            if let base = source.baseAddress { pointer.initialize(from: base, count: value.count) }
        }
        allocations.append(pointer)
        return lw_bytes(data: pointer, length: value.count)
    }

    deinit { for pointer in allocations { pointer.deallocate() } }
}

@_cdecl("LLVMFuzzerInitialize")
public func fuzzContractInitialize(
    _ argc: UnsafeMutablePointer<Int32>?,
    _ argv: UnsafeMutablePointer<UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?>?
) -> Int32 {
    _ = FuzzEnvironment.shared
    return 0
}

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzContract(_ data: UnsafePointer<UInt8>?, _ size: Int) -> Int32 {
    let environment = FuzzEnvironment.shared
    var input = FuzzInput(data, size)
    let stage = stages[Int(input.byte() & 0x07)]
    let flags = input.byte()
    let nullRequest = flags & 0xC0 == 0xC0
    let nullData = flags & 0xC0 == 0x80
    let user = input.field(dictionary: userWords)
    let service = input.field(dictionary: userWords)
    let rhost = input.field(dictionary: userWords)
    let tty = input.field(dictionary: userWords)
    let countByte = input.byte()
    let count = countByte >> 4 == 0x0F ? 56 + Int(countByte & 0x0F) * 4 : Int(countByte & 0x0F)
    var arguments: [[UInt8]] = []
    for _ in 0..<count { arguments.append(confine(input.field(dictionary: argumentWords), environment)) }
    arguments.append(Array("conf=\(environment.configPath)".utf8))

    let buffers = Buffers()
    let argumentBytes = arguments.map { buffers.bytes($0) }
    let session = Session(script: input)
    var host = lw_host(
        context: Unmanaged.passUnretained(session).toOpaque(),
        log: flags & 0x10 != 0 ? nil : logCallback,
        converse: flags & 0x20 != 0 ? nil : converseCallback,
        auth_token: flags & 0x40 != 0 ? nil : authTokenCallback)
    let abiVersion = flags & 0x08 != 0 ? UInt32(LW_ABI_VERSION) &+ 1 : UInt32(LW_ABI_VERSION)
    var extraFlags: UInt32 = flags & 0x04 != 0 ? 0xFFFF_FFF0 : 0
    extraFlags |= UInt32(flags & 0x03)
    let verdict = argumentBytes.withUnsafeBufferPointer { argumentPointer -> Int32 in
        var request = lw_request(
            abi_version: abiVersion, stage: stage, flags: extraFlags,
            user: buffers.bytes(user, nullData: nullData), service: buffers.bytes(service),
            rhost: buffers.bytes(rhost, nullData: nullData), tty: buffers.bytes(tty),
            arguments: argumentPointer.baseAddress, argument_count: argumentPointer.count)
        if nullRequest { return lw_core_handle(nil, &host, nil) }
        return withUnsafePointer(to: &request) { lw_core_handle($0, &host, nil) }
    }
    withExtendedLifetime(session) {}

    if verbose { writeError("verdict \(verdict)\n") }
    guard (0...3).contains(verdict) else { fuzzFailure("verdict out of range", "\(verdict)") }
    let effectiveUser = nullData ? [] : user
    let impossibleUser = effectiveUser.isEmpty || effectiveUser.count > 256 || effectiveUser.contains(0)
    let invalidCall =
        nullRequest || abiVersion != UInt32(LW_ABI_VERSION) || !(1...4).contains(stage) || arguments.count > 64
    if (impossibleUser || invalidCall) && verdict != Int32(LW_VERDICT_DENY) {
        fuzzFailure(
            "impossible call not denied",
            "verdict \(verdict), user \(showBytes(effectiveUser)), stage \(stage), \(arguments.count) arguments")
    }
    return 0
}

/// Sends arguments that name files or programs into the private directory, keeping their
/// characters (a hostile path must still be logged safely) but never a slash after the prefix.
private func confine(_ argument: [UInt8], _ environment: FuzzEnvironment) -> [UInt8] {
    guard let equals = argument.firstIndex(of: UInt8(ascii: "=")) else { return argument }
    let key = argument[..<equals].filter { $0 > 0x20 && $0 != 0x7F }
    let lowered = key.map { $0 >= 65 && $0 <= 90 ? $0 + 32 : $0 }
    let sensitive = ["db", "notify_program", "mail_command"].map { Array($0.utf8) }
    guard sensitive.contains(lowered) else { return argument }
    let value = argument[(equals + 1)...]
    guard value.contains(UInt8(ascii: "/")) else { return argument }
    let flattened = value.map { $0 == UInt8(ascii: "/") ? UInt8(ascii: "_") : $0 }
    return Array(argument[...equals]) + Array(environment.confinement.utf8) + flattened
}
