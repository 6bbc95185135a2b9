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

    /// An environment variable, or nil.
    public static func environment(_ name: String) -> String? {
        guard let value = getenv(name) else { return nil }
        return String(cString: value)
    }
}
