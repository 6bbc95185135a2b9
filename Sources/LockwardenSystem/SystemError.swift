import CLibc

/// A failed system call: what was attempted, and errno.
public struct SystemError: Error, Equatable, Sendable {
    public var operation: String
    public var errno: Int32

    public init(_ operation: String, errno: Int32) {
        self.operation = operation
        self.errno = errno
    }

    public var message: String { "\(operation): \(errorText(self.errno))" }

    /// The path did not exist (ENOENT).
    public var isMissing: Bool { self.errno == ENOENT }
}

/// strerror without the thread-safety trap of the static buffer.
public func errorText(_ code: Int32) -> String {
    var buffer = [CChar](repeating: 0, count: 256)
    let text = buffer.withUnsafeMutableBufferPointer { pointer -> String? in
        guard let base = pointer.baseAddress else { return nil }
        // Swift sees the XSI strerror_r: 0 on success, text in the buffer.
        guard strerror_r(code, base, pointer.count - 1) == 0 else { return nil }
        return String(cString: base)
    }
    return text ?? "error \(code)"
}

/// A NUL-terminated copy of bytes for a C call; nil when the bytes contain a NUL.
func cString<Bytes: Collection>(_ bytes: Bytes) -> [CChar]? where Bytes.Element == UInt8 {
    if bytes.contains(0) { return nil }
    return bytes.map { CChar(bitPattern: $0) } + [0]
}
