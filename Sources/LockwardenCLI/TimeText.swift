import LockwardenPolicy
import LockwardenSystem

/// Local-time wording of epoch seconds, and the `--since` syntax.
enum TimeText {
    /// `YYYY-MM-DD HH:MM:SS` in local time.
    static func format(_ seconds: Int64) -> String {
        LocalTime.format(seconds) ?? "@\(seconds)"
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
        var hour: Int32 = 0
        var minute: Int32 = 0
        var second: Int32 = 0
        if characters.count > 10 {
            guard characters[10] == " " || characters[10] == "T", characters[13] == ":", let hours = field(11, 2),
                let minutes = field(14, 2), (0...23).contains(hours), (0...59).contains(minutes)
            else { return nil }
            hour = hours
            minute = minutes
            if characters.count == 19 {
                guard characters[16] == ":", let seconds = field(17, 2), (0...60).contains(seconds) else { return nil }
                second = seconds
            }
        }
        return LocalTime.epoch(year: year, month: month, day: day, hour: hour, minute: minute, second: second)
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
