import CLibc

/// Epoch seconds and the local calendar, in the time zone of the process.
public enum LocalTime {
    /// `YYYY-MM-DD HH:MM:SS`; nil when the time cannot be represented.
    public static func format(_ seconds: Int64) -> String? {
        var time = time_t(seconds)
        var parts = tm()
        guard localtime_r(&time, &parts) != nil else { return nil }
        var buffer = [CChar](repeating: 0, count: 64)
        let length = buffer.withUnsafeMutableBufferPointer { pointer -> Int in
            guard let base = pointer.baseAddress else { return 0 }
            return strftime(base, pointer.count, "%Y-%m-%d %H:%M:%S", &parts)
        }
        guard length > 0 else { return nil }
        return String(decoding: buffer.prefix(length).map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }

    /// The epoch seconds of a local date and time; nil for a date that does not exist (mktime
    /// would normalise 2024-02-30 into March).
    public static func epoch(
        year: Int32, month: Int32, day: Int32, hour: Int32 = 0, minute: Int32 = 0, second: Int32 = 0
    )
        -> Int64?
    {
        var parts = tm()
        parts.tm_year = year - 1900
        parts.tm_mon = month - 1
        parts.tm_mday = day
        parts.tm_hour = hour
        parts.tm_min = minute
        parts.tm_sec = second
        parts.tm_isdst = -1
        let result = mktime(&parts)
        guard result != -1, parts.tm_mday == day, parts.tm_mon == month - 1 else { return nil }
        return Int64(result)
    }
}
