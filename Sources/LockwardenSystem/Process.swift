import CLibc

/// Facts about the calling process, read at the edge and passed inward.
public enum CurrentProcess {
    public static var realUID: UInt32 { getuid() }
    public static var effectiveUID: UInt32 { geteuid() }
    public static var id: Int32 { getpid() }

    /// Wall-clock seconds since the epoch; read once per PAM call or CLI command.
    public static func now() -> Int64 {
        var spec = timespec()
        guard clock_gettime(CLOCK_REALTIME, &spec) == 0 else { return 0 }
        return Int64(spec.tv_sec)
    }

    /// A clock that only moves forward, in microseconds: for durations, never for dates.
    public static func monotonicMicroseconds() -> Int64 {
        var spec = timespec()
        guard clock_gettime(CLOCK_MONOTONIC, &spec) == 0 else { return 0 }
        return Int64(spec.tv_sec) &* 1_000_000 &+ Int64(spec.tv_nsec / 1_000)
    }

    /// Sleeps this long, resuming after signals until the time is up.
    public static func sleep(microseconds: Int64) {
        guard microseconds > 0 else { return }
        var request = timespec(tv_sec: Int(microseconds / 1_000_000), tv_nsec: Int(microseconds % 1_000_000) * 1_000)
        var remaining = timespec()
        for _ in 0..<1_000 {
            guard nanosleep(&request, &remaining) != 0, lw_errno() == EINTR else { return }
            request = remaining
        }
    }

    /// The audit login UID (/proc/self/loginuid): set at login, never changed by sudo or su, and
    /// not writable by unprivileged processes. nil when it cannot be read.
    public static var loginUID: UInt32? {
        guard case .success(let bytes) = Files.read("/proc/self/loginuid", limit: 32) else { return nil }
        let digits = bytes.prefix { $0 >= 48 && $0 <= 57 }
        guard !digits.isEmpty, digits.count <= 10 else { return nil }
        return UInt32(String(decoding: digits, as: UTF8.self))
    }

    /// The real UID of the parent process when the parent is sudo, or nil. sudo (which stays as
    /// the parent under Debian's default use_pty) keeps the invoking user's real UID: a witness
    /// of who ran it that the environment cannot change.
    public static var sudoParentRealUID: UInt32? {
        let parent = getppid()
        var buffer = [CChar](repeating: 0, count: 256)
        let length = buffer.withUnsafeMutableBufferPointer { pointer -> Int in
            guard let base = pointer.baseAddress else { return -1 }
            return readlink("/proc/\(parent)/exe", base, pointer.count - 1)
        }
        guard length > 0 else { return nil }
        let executable = String(decoding: buffer.prefix(length).map { UInt8(bitPattern: $0) }, as: UTF8.self)
        guard executable == "/usr/bin/sudo" || executable == "/bin/sudo" else { return nil }
        guard case .success(let bytes) = Files.read("/proc/\(parent)/status", limit: 16_384) else { return nil }
        let text = String(decoding: bytes, as: UTF8.self)
        guard let line = text.split(separator: "\n").first(where: { $0.hasPrefix("Uid:") }),
            let real = line.split(whereSeparator: { $0 == "\t" || $0 == " " }).dropFirst().first
        else { return nil }
        return UInt32(real)
    }

    /// An environment variable, or nil.
    public static func environment(_ name: String) -> String? {
        guard let value = getenv(name) else { return nil }
        return String(cString: value)
    }
}
