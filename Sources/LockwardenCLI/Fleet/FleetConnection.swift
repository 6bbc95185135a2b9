import LockwardenFleet
import LockwardenPolicy
import LockwardenSystem

/// The fleet database as this host reaches it: the libpq connection string of the root-only
/// file `fleet_connection` (it may hold the host's password).
enum FleetConnection {
    static func conninfo(_ config: LockwardenConfig) throws -> String {
        guard config.inFleet else { throw Failure.exit("fleet_host is not set in the configuration") }
        let path = config.fleetConnection
        if let problem = FileSafety.check(path, as: .file) {
            throw Failure.exit("fleet connection file: \(Display.text(problem.message))")
        }
        guard case .success(let bytes) = Files.read(path, limit: 16_384) else {
            throw Failure.exit("cannot read the fleet connection file \(Display.text(path))")
        }
        let text = String(decoding: bytes, as: UTF8.self)
        let lines = text.split(separator: "\n").map { ConfigParser.trim($0) }
        let conninfo = lines.filter { !$0.isEmpty && !$0.hasPrefix("#") }.joined(separator: " ")
        guard !conninfo.isEmpty else { throw Failure.exit("the fleet connection file \(Display.text(path)) is empty") }
        return conninfo
    }

    /// The fleet key, or nil when its file does not exist (second factors stay on this host);
    /// ends the command if the file is unsafe or holds no key.
    static func key(_ config: LockwardenConfig) throws -> FleetKey? {
        switch loadKey(config) {
        case .success(let key): return key
        case .failure(let problem): throw Failure.exit(problem.message)
        }
    }

    struct KeyProblem: Error { let message: String }

    /// A file that exists must pass the checks of the state files (root's, mode 0600 or
    /// stricter) and hold one key.
    static func loadKey(_ config: LockwardenConfig) -> Result<FleetKey?, KeyProblem> {
        let path = config.fleetKey
        guard Files.exists(path) else { return .success(nil) }
        if let problem = FileSafety.check(path, as: .file) {
            return .failure(KeyProblem(message: "fleet key file: \(Display.text(problem.message))"))
        }
        guard case .success(let bytes) = Files.read(path, limit: 4_096),
            let key = FleetKey(text: String(decoding: bytes, as: UTF8.self))
        else {
            return .failure(
                KeyProblem(
                    message: "the fleet key file \(Display.text(path)) does not hold a key (64 hexadecimal digits)"))
        }
        return .success(key)
    }

    /// Connects, or ends the command with libpq's reason.
    static func open(_ conninfo: String) throws -> PostgresConnection {
        do {
            return try PostgresConnection(conninfo)
        } catch {
            throw Failure.exit(error.description)
        }
    }
}
