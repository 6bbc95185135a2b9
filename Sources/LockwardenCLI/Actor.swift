import Glibc
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
        var buffer = [CChar](repeating: 0, count: 256)
        let status = buffer.withUnsafeMutableBufferPointer { pointer -> Int32 in
            guard let base = pointer.baseAddress else { return EINVAL }
            return ttyname_r(0, base, pointer.count)
        }
        guard status == 0 else { return "" }
        let bytes = buffer.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }
        var name = bytes[...]
        if name.starts(with: Array("/dev/".utf8)) { name = name.dropFirst(5) }
        return Escape.bytes(Array(name), limit: 64)
    }

    /// The service name events written by this command carry.
    static let service = "lockwarden"
}
