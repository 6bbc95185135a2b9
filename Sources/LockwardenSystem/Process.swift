import Glibc

/// Facts about the calling process, read at the edge and passed inward.
public enum CurrentProcess {
    public static var realUID: UInt32 { getuid() }
    public static var effectiveUID: UInt32 { geteuid() }

    /// Wall-clock seconds since the epoch; read once per PAM call or CLI command.
    public static func now() -> Int64 {
        var spec = timespec()
        guard clock_gettime(CLOCK_REALTIME, &spec) == 0 else { return 0 }
        return Int64(spec.tv_sec)
    }

    /// The audit login UID (/proc/self/loginuid): set at login, never changed by sudo or su, and
    /// not writable by unprivileged processes. nil when it cannot be read.
    public static var loginUID: UInt32? {
        guard case .success(let bytes) = Files.read("/proc/self/loginuid", limit: 32) else { return nil }
        let digits = bytes.prefix { $0 >= 48 && $0 <= 57 }
        guard !digits.isEmpty, digits.count <= 10 else { return nil }
        return UInt32(String(decoding: digits, as: UTF8.self))
    }

    /// An environment variable, or nil.
    public static func environment(_ name: String) -> String? {
        guard let value = getenv(name) else { return nil }
        return String(cString: value)
    }
}
