import Glibc
import LockwardenPolicy

/// Local-time wording of epoch seconds, and the `--since` syntax.
enum TimeText {
    /// `YYYY-MM-DD HH:MM:SS` in local time.
    static func format(_ seconds: Int64) -> String {
        var time = time_t(seconds)
        var parts = tm()
        guard localtime_r(&time, &parts) != nil else { return "@\(seconds)" }
        var buffer = [CChar](repeating: 0, count: 64)
        let length = buffer.withUnsafeMutableBufferPointer { pointer -> Int in
            guard let base = pointer.baseAddress else { return 0 }
            return strftime(base, pointer.count, "%Y-%m-%d %H:%M:%S", &parts)
        }
        guard length > 0 else { return "@\(seconds)" }
        return String(decoding: buffer.prefix(length).map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }

    static func formatOrDash(_ seconds: Int64?) -> String {
        seconds.map(format) ?? "-"
    }

    static let sinceHelp = "YYYY-MM-DD, 'YYYY-MM-DD HH:MM[:SS]' (local time), @EPOCH, or a relative 90s, 30m, 2h, 7d"

    /// Parses a `--since` value; nil when it is none of the accepted forms.
    static func parseSince(_ text: String, now: Int64) -> Int64? {
        let trimmed = text.trimmingBlanks
        if trimmed.hasPrefix("@") { return number(trimmed.dropFirst(), maxDigits: 12) }
        if let unit = trimmed.last, let size = unitSeconds(unit),
            let count = number(trimmed.dropLast(), maxDigits: 9)
        {
            return now.saturatingAdd(-count.saturatingMultiply(size))
        }
        return localDate(trimmed)
    }

    private static func unitSeconds(_ unit: Character) -> Int64? {
        switch unit {
        case "s": return 1
        case "m": return 60
        case "h": return 3_600
        case "d": return 86_400
        case "w": return 604_800
        default: return nil
        }
    }

    /// `YYYY-MM-DD`, optionally followed by a space or `T` and `HH:MM` or `HH:MM:SS`.
    private static func localDate(_ text: String) -> Int64? {
        let characters = Array(text)
        guard characters.count == 10 || characters.count == 16 || characters.count == 19 else { return nil }
        func field(_ start: Int, _ length: Int) -> Int32? {
            guard start + length <= characters.count else { return nil }
            return number(Substring(String(characters[start..<(start + length)])), maxDigits: length)
                .flatMap { Int32(exactly: $0) }
        }
        guard characters[4] == "-", characters[7] == "-", let year = field(0, 4), let month = field(5, 2),
            let day = field(8, 2), (1970...9999).contains(year), (1...12).contains(month), (1...31).contains(day)
        else { return nil }
        var parts = tm()
        parts.tm_year = year - 1900
        parts.tm_mon = month - 1
        parts.tm_mday = day
        parts.tm_isdst = -1
        if characters.count > 10 {
            guard characters[10] == " " || characters[10] == "T", characters[13] == ":", let hour = field(11, 2),
                let minute = field(14, 2), (0...23).contains(hour), (0...59).contains(minute)
            else { return nil }
            parts.tm_hour = hour
            parts.tm_min = minute
            if characters.count == 19 {
                guard characters[16] == ":", let second = field(17, 2), (0...60).contains(second) else { return nil }
                parts.tm_sec = second
            }
        }
        let result = mktime(&parts)
        // mktime normalises 2024-02-30 into March; such a date does not exist.
        guard result != -1, parts.tm_mday == day, parts.tm_mon == month - 1 else { return nil }
        return Int64(result)
    }

    /// Plain decimal digits only (no sign, no blanks), at most `maxDigits` of them.
    private static func number(_ text: Substring, maxDigits: Int) -> Int64? {
        guard !text.isEmpty, text.utf8.count <= maxDigits, text.utf8.allSatisfy({ $0 >= 48 && $0 <= 57 }) else {
            return nil
        }
        return Int64(text)
    }
}

extension String {
    /// Without leading and trailing spaces and tabs.
    var trimmingBlanks: String {
        let blank: (Character) -> Bool = { $0 == " " || $0 == "\t" }
        guard let first = firstIndex(where: { !blank($0) }), let last = lastIndex(where: { !blank($0) }) else {
            return ""
        }
        return String(self[first...last])
    }
}
