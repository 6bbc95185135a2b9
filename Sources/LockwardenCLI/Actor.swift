import LockwardenEngine
import LockwardenPolicy
import LockwardenSystem

/// Who runs the command, as recorded in "Unlocked by" and in the event's actor field.
enum Actor {
    /// "NAME (uid N, via sudo)" when sudo ran the command (NAME is the user SUDO_UID names),
    /// else "NAME (uid N)" for the real user. Escaped.
    static func current() -> String {
        Identity.current().actor
    }

    /// The terminal on standard input, escaped, or "".
    static func terminal() -> String {
        Console.terminalName().map { Escape.bytes($0, limit: 64) } ?? ""
    }

    /// The service name events written by this command carry.
    static let service = Administration.service
}
