internal import CSQLite
import CLibc
import LockwardenSystem

/// Why the state could not be used. Each cause has its own log line; every one of them
/// makes the module deny (unless on_error says otherwise).
public enum StoreError: Error, Equatable, Sendable {
    case notRoot(euid: UInt32)
    case missing(path: String)
    case unsafe(UnsafeFile)
    case cannotOpen(path: String, detail: String)
    case readOnly(path: String)
    case corrupt(path: String, detail: String)
    case busy(path: String)
    case full(path: String)
    case ioError(path: String, detail: String)
    case wrongApplication(path: String, found: Int32)
    case schemaTooOld(path: String, found: Int32)
    case schemaTooNew(path: String, found: Int32)
    case sqlite(path: String, code: Int32, detail: String)
    case invalidArgument(String)

    /// One line for syslog and the CLI, naming the cause first.
    public var message: String {
        switch self {
        case .notRoot(let euid):
            return "state database unavailable: running as uid \(euid), not root (the database is root-only)"
        case .missing(let path): return "state database missing: \(path) (run: lockwarden init)"
        case .unsafe(let problem): return "state database refused: \(problem.message)"
        case .cannotOpen(let path, let detail): return "state database cannot be opened: \(path): \(detail)"
        case .readOnly(let path): return "state database read-only: \(path) cannot be written"
        case .corrupt(let path, let detail):
            return "state database corrupt: \(path): \(detail) (not recreated; restore or move it aside)"
        case .busy(let path): return "state database busy: \(path) stayed locked past busy_timeout"
        case .full(let path): return "state database full: no space left to write \(path)"
        case .ioError(let path, let detail): return "state database I/O error: \(path): \(detail)"
        case .wrongApplication(let path, let found):
            return "state database refused: \(path) is not a Lockwarden database (application_id \(found))"
        case .schemaTooOld(let path, let found):
            return
                "state database schema version \(found) is older than \(Schema.version): \(path) (run: lockwarden init)"
        case .schemaTooNew(let path, let found):
            return
                "state database schema version \(found) is newer than this Lockwarden supports (\(Schema.version)): \(path)"
        case .sqlite(let path, let code, let detail): return "state database error \(code): \(path): \(detail)"
        case .invalidArgument(let detail): return "invalid request: \(detail)"
        }
    }

    /// Classifies an SQLite result code; the message never includes bound values.
    static func from(code: Int32, connection: OpaquePointer?, path: String) -> StoreError {
        let detail =
            connection.flatMap { sqlite3_errmsg($0) }.map { String(cString: $0) }
            ?? String(cString: sqlite3_errstr(code))
        // A full disk often surfaces as an I/O error (the WAL or shared memory cannot grow).
        if code & 0xFF == SQLITE_IOERR, let connection, sqlite3_system_errno(connection) == ENOSPC {
            return .full(path: path)
        }
        switch code & 0xFF {
        case SQLITE_BUSY, SQLITE_LOCKED: return .busy(path: path)
        case SQLITE_READONLY: return .readOnly(path: path)
        case SQLITE_CORRUPT, SQLITE_NOTADB: return .corrupt(path: path, detail: detail)
        case SQLITE_FULL: return .full(path: path)
        case SQLITE_IOERR: return .ioError(path: path, detail: detail)
        case SQLITE_CANTOPEN: return .cannotOpen(path: path, detail: detail)
        default: return .sqlite(path: path, code: code, detail: detail)
        }
    }
}
