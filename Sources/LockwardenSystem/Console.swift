import CLibc

/// The command's terminal and standard streams.
public enum Console {
    /// Flushes standard output before a prompt is answered on standard input.
    public static func flushOutput() {
        _ = fflush(nil)
    }

    /// Writes all of `bytes` to standard error, retrying short writes and interruptions.
    public static func writeError(_ bytes: [UInt8]) {
        var offset = 0
        while offset < bytes.count {
            let written = bytes[offset...].withUnsafeBytes { write(STDERR_FILENO, $0.baseAddress, $0.count) }
            if written < 0 && lw_errno() == EINTR { continue }
            guard written > 0 else { return }
            offset += written
        }
    }

    /// The name of the terminal on standard input without "/dev/", or nil.
    public static func terminalName() -> [UInt8]? {
        var buffer = [CChar](repeating: 0, count: 256)
        let status = buffer.withUnsafeMutableBufferPointer { pointer -> Int32 in
            guard let base = pointer.baseAddress else { return EINVAL }
            return ttyname_r(0, base, pointer.count)
        }
        guard status == 0 else { return nil }
        let bytes = buffer.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }
        var name = bytes[...]
        if name.starts(with: Array("/dev/".utf8)) { name = name.dropFirst(5) }
        return Array(name)
    }
}
