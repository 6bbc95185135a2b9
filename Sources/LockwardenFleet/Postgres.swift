import CPostgres
import LockwardenPolicy

/// What went wrong talking to the fleet database, with libpq's own words.
public enum FleetError: Error, Equatable, CustomStringConvertible {
    /// Cannot connect, or the connection broke: the agent retries.
    case unreachable(String)
    /// The database refused a statement (rights, constraints, a missing schema).
    case refused(String)
    /// This host's setup is wrong (configuration, connection file, schema version).
    case setup(String)

    public var description: String {
        switch self {
        case .unreachable(let text): return "fleet database unreachable: \(text)"
        case .refused(let text): return "fleet database refused: \(text)"
        case .setup(let text): return text
        }
    }
}

/// One libpq connection, used from one thread. Every statement is parameterised; values travel
/// as text.
public final class PostgresConnection {
    private let handle: OpaquePointer

    public init(_ conninfo: String) throws(FleetError) {
        guard let connection = PQconnectdb(conninfo) else { throw .unreachable("out of memory") }
        // Finished here on failure: a throwing init after `handle` is set would run deinit too.
        guard PQstatus(connection) == CONNECTION_OK else {
            let message = Self.message(connection)
            PQfinish(connection)
            // A wrong password or a role the server does not know: no retry will help.
            if message.contains("password authentication failed") || message.contains("does not exist")
                || message.contains("no password supplied") || message.contains("certificate")
            {
                throw .setup("fleet database refused this host: \(message)")
            }
            throw .unreachable(message)
        }
        handle = connection
    }

    deinit { PQfinish(handle) }

    /// The socket to wait on for notifications.
    public var socket: Int32 { PQsocket(handle) }

    public var isBroken: Bool { PQstatus(handle) != CONNECTION_OK }

    /// Runs one statement; rows as text (nil for NULL).
    @discardableResult
    public func query(_ sql: String, _ parameters: [String?] = []) throws(FleetError) -> [[String?]] {
        let result = withParameters(parameters) { values in
            PQexecParams(handle, sql, Int32(parameters.count), nil, values, nil, nil, 0)
        }
        guard let result else { throw .unreachable(Self.message(handle)) }
        defer { PQclear(result) }
        switch PQresultStatus(result) {
        case PGRES_COMMAND_OK: return []
        case PGRES_TUPLES_OK:
            var rows: [[String?]] = []
            for row in 0..<PQntuples(result) {
                rows.append(
                    (0..<PQnfields(result)).map { column in
                        PQgetisnull(result, row, column) == 1 ? nil : String(cString: PQgetvalue(result, row, column))
                    })
            }
            return rows
        default:
            let message = Self.message(handle)
            if isBroken { throw .unreachable(message) }
            throw .refused(message)
        }
    }

    /// One value of a one-row answer.
    public func value(_ sql: String, _ parameters: [String?] = []) throws(FleetError) -> String? {
        try query(sql, parameters).first?.first ?? nil
    }

    /// Runs `body` in one transaction; any error rolls it back.
    public func transaction<T>(_ body: () throws(FleetError) -> T) throws(FleetError) -> T {
        try query("BEGIN")
        do {
            let result = try body()
            try query("COMMIT")
            return result
        } catch {
            _ = try? query("ROLLBACK")
            throw error
        }
    }

    /// Notification payloads that have arrived, without waiting.
    public func notifications() throws(FleetError) -> [String] {
        guard PQconsumeInput(handle) == 1 else { throw .unreachable(Self.message(handle)) }
        var payloads: [String] = []
        while let notice = PQnotifies(handle) {
            payloads.append(String(cString: notice.pointee.extra))
            PQfreemem(notice)
        }
        return payloads
    }

    /// An identifier or literal quoted by libpq, for the few statements that take no parameters
    /// (CREATE ROLE).
    public func literal(_ text: String) throws(FleetError) -> String {
        guard let quoted = PQescapeLiteral(handle, text, text.utf8.count) else { throw .refused(Self.message(handle)) }
        defer { PQfreemem(quoted) }
        return String(cString: quoted)
    }

    private static func message(_ handle: OpaquePointer) -> String {
        guard let text = PQerrorMessage(handle) else { return "unknown error" }
        var message = String(cString: text)
        while message.hasSuffix("\n") { message.removeLast() }
        return message.split(separator: "\n").map { ConfigParser.trim($0) }.filter { !$0.isEmpty }
            .joined(separator: "; ")
    }

    /// The parameters as C strings, all in one buffer that lives for the call.
    private func withParameters<R>(_ parameters: [String?], _ body: ([UnsafePointer<CChar>?]) -> R) -> R {
        var buffer: [CChar] = []
        var offsets: [Int?] = []
        for parameter in parameters {
            guard let parameter else {
                offsets.append(nil)
                continue
            }
            offsets.append(buffer.count)
            buffer.append(contentsOf: parameter.utf8CString)
        }
        return buffer.withUnsafeBufferPointer { bytes in
            body(offsets.map { offset in offset.flatMap { offset in bytes.baseAddress.map { $0 + offset } } })
        }
    }
}
