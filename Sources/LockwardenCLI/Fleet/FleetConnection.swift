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

    /// Connects, or ends the command with libpq's reason.
    static func open(_ conninfo: String) throws -> PostgresConnection {
        do {
            return try PostgresConnection(conninfo)
        } catch {
            throw Failure.exit(error.description)
        }
    }
}
