import CLibc

/// This machine's name, for the issuer shown by authenticator apps.
public enum HostName {
    public static func current() -> String {
        var buffer = [CChar](repeating: 0, count: 256)
        let status = buffer.withUnsafeMutableBufferPointer { pointer -> Int32 in
            guard let base = pointer.baseAddress else { return -1 }
            return gethostname(base, pointer.count - 1)
        }
        guard status == 0 else { return "localhost" }
        let name = String(decoding: buffer.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
        return name.isEmpty ? "localhost" : name
    }

    /// uname's machine, e.g. "x86_64" or "aarch64".
    public static func machine() -> String {
        var names = utsname()
        guard uname(&names) == 0 else { return "x86_64" }
        let bytes = withUnsafeBytes(of: &names.machine) { raw in Array(raw.prefix { $0 != 0 }) }
        let text = String(decoding: bytes, as: UTF8.self)
        return text.isEmpty ? "x86_64" : text
    }
}
