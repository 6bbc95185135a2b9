import Glibc
import LockwardenEngine
import LockwardenSystem
import LockwardenPolicy
import LockwardenStore

struct FixtureError: Error, CustomStringConvertible {
    var description: String
    init(_ description: String) { self.description = description }
}

/// A fixed, injected "now": tests never read the clock.
let t0: Int64 = 1_700_000_000

/// A name no test machine has: unknown names are counted and locked like regular users.
let unknownUser = Array("lw-no-such-user-xyz".utf8)

/// What the PAM module would do with syslog and the conversation, recorded.
final class RecordingHost: CallHost {
    struct LogLine: Equatable, CustomStringConvertible {
        var priority: LogPriority
        var text: String
        var description: String { "<\(priority)> \(text)" }
    }

    struct Message: Equatable, CustomStringConvertible {
        var style: ConversationStyle
        var text: String
        var description: String { "\(style): \(text)" }
    }

    private(set) var lines: [LogLine] = []
    private(set) var conversation: [Message] = []

    func log(_ priority: LogPriority, _ message: String) {
        lines.append(LogLine(priority: priority, text: message))
    }

    /// The password an earlier module stored, as pam_unix does.
    var token: [UInt8]?

    func authToken() -> [UInt8]? { token }

    func converse(_ style: ConversationStyle, _ message: String) -> [UInt8]? {
        conversation.append(Message(style: style, text: message))
        switch style {
        case .promptEchoOff, .promptEchoOn: return Array("not-the-password".utf8)
        case .errorMessage, .textInfo: return []
        }
    }

    var texts: [String] { lines.map(\.text) }
}

/// A private directory with a state database and a configuration file naming it.
struct EngineFixture {
    static let base = "/run/lockwarden-tests"
    let directory: String
    let databasePath: String
    let configPath: String

    init(settings: String = "", createDatabase: Bool = true) throws {
        // Configuration is trusted only along a root-owned path that others cannot write: not /tmp.
        guard mkdir(Self.base, 0o755) == 0 || errno == EEXIST else { throw FixtureError("mkdir \(Self.base)") }
        var template = Array("\(Self.base)/engine-XXXXXX".utf8CString)
        let made = template.withUnsafeMutableBufferPointer { buffer -> String? in
            guard let base = buffer.baseAddress, let pointer = mkdtemp(base) else { return nil }
            return String(cString: pointer)
        }
        guard let made else { throw FixtureError("mkdtemp failed: errno \(errno)") }
        directory = made
        databasePath = made + "/state/lockwarden.db"
        configPath = made + "/lockwarden.conf"
        do {
            guard chmod(made, 0o700) == 0 else { throw FixtureError("chmod: errno \(errno)") }
            if createDatabase { _ = try StateStore.create(path: databasePath) }
            try writeConfiguration("db = \(databasePath)\n" + settings)
        } catch {
            remove()
            throw error
        }
    }

    /// Replaces lockwarden.conf (root-owned, mode 0644 like an installed one).
    func writeConfiguration(_ text: String, mode: mode_t = 0o644) throws {
        let bytes = Array(text.utf8)
        let descriptor = open(configPath, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC | O_NOFOLLOW, mode)
        guard descriptor >= 0 else { throw FixtureError("open \(configPath): errno \(errno)") }
        defer { close(descriptor) }
        let written = bytes.withUnsafeBytes { write(descriptor, $0.baseAddress, $0.count) }
        guard written == bytes.count, fchmod(descriptor, mode) == 0 else { throw FixtureError("write \(configPath)") }
    }

    func remove() { removeTree(directory) }

    /// One PAM call through the engine, as the module would make it.
    func call(
        _ stage: CallStage, _ mode: String?, user: [UInt8] = unknownUser, now: Int64, silent: Bool = false,
        changeExpired: Bool = false, callerIsRoot: Bool = true, service: [UInt8] = Array("sshd".utf8),
        rhost: [UInt8] = Array("192.0.2.9".utf8),
        tty: [UInt8] = Array("ssh".utf8), arguments extra: [String] = [], session: LoginSession? = nil
    ) -> (verdict: Verdict, host: RecordingHost) {
        let host = RecordingHost()
        let arguments = (["conf=\(configPath)"] + (mode.map { [$0] } ?? []) + extra).map { Array($0.utf8) }
        let request = CallRequest(
            stage: stage, silent: silent, changeExpired: changeExpired, callerIsRoot: callerIsRoot, user: user,
            service: service, rhost: rhost, tty: tty, arguments: arguments)
        return (Engine.handle(request, host: host, now: now, session: session), host)
    }

    /// A failed login as the auth stack reports it: preauth, then authfail.
    @discardableResult
    func failedLogin(user: [UInt8] = unknownUser, at now: Int64) -> [RecordingHost] {
        [
            call(.authenticate, "preauth", user: user, now: now).host,
            call(.authenticate, "authfail", user: user, now: now).host,
        ]
    }

    func openStore() throws -> StateStore { try StateStore.open(path: databasePath) }
}

func removeTree(_ path: String) {
    var info = stat()
    guard lstat(path, &info) == 0 else { return }
    guard info.st_mode & S_IFMT == S_IFDIR else {
        unlink(path)
        return
    }
    var names: [String] = []
    if let directory = opendir(path) {
        while let entry = readdir(directory) {
            let name = withUnsafeBytes(of: entry.pointee.d_name) { raw in
                String(decoding: raw.prefix { $0 != 0 }, as: UTF8.self)
            }
            if name != "." && name != ".." { names.append(name) }
        }
        closedir(directory)
    }
    for name in names { removeTree(path + "/" + name) }
    rmdir(path)
}

/// Whether text could smuggle anything into a log: controls, bidi overrides, replacement characters.
func hasUnsafeScalar(_ text: String) -> Bool {
    text.unicodeScalars.contains { scalar in
        let value = scalar.value
        return value < 0x20 || (0x7F...0x9F).contains(value) || (0x202A...0x202E).contains(value)
            || (0x2066...0x2069).contains(value) || value == 0x200E || value == 0x200F || value == 0xFFFD
    }
}
