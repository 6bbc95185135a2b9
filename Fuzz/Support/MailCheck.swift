/// The oracle for a rendered mail (`MailMessage.rendered`): exactly the expected header lines,
/// no CR or LF or other control character inside any header value, an encoded subject that
/// decodes to clean text, and a body with no control character but the line break.
public enum MailCheck {
    static let fixedHeaders = [
        "MIME-Version: 1.0", "Content-Type: text/plain; charset=utf-8", "Content-Transfer-Encoding: 8bit",
        "Auto-Submitted: auto-generated",
    ]

    public static func problem(_ rendered: String, to: String, from: String) -> String? {
        let bytes = Array(rendered.utf8)
        guard let end = headerEnd(bytes) else { return "no blank line after the headers" }
        let header = Array(bytes[..<end])
        let body = Array(bytes[(end + 2)...])
        if header.contains(0x0D) { return "carriage return in the headers" }
        let lines = header.split(separator: 0x0A, omittingEmptySubsequences: false).map { Array($0) }
        guard lines.count == 3 + fixedHeaders.count else { return "\(lines.count) header lines, expected 7" }
        for line in lines {
            if let problem = TextCheck.problem(line) { return "header line: \(problem)" }
        }
        guard lines[0] == Array("From: \(from)".utf8) else { return "From header altered" }
        guard lines[1] == Array("To: \(to)".utf8) else { return "To header altered" }
        let subjectPrefix = Array("Subject: ".utf8)
        guard lines[2].starts(with: subjectPrefix) else { return "third header is not the subject" }
        for (index, fixed) in fixedHeaders.enumerated() where lines[3 + index] != Array(fixed.utf8) {
            return "header \(fixed) altered"
        }
        if let problem = subjectProblem(Array(lines[2].dropFirst(subjectPrefix.count))) {
            return "subject: \(problem)"
        }
        if let problem = TextCheck.problem(body, allowLineFeed: true) { return "body: \(problem)" }
        if body.last != 0x0A { return "body does not end with a line break" }
        return nil
    }

    private static func headerEnd(_ bytes: [UInt8]) -> Int? {
        var index = 0
        while index + 1 < bytes.count {
            if bytes[index] == 0x0A && bytes[index + 1] == 0x0A { return index }
            index += 1
        }
        return nil
    }

    /// Plain ASCII, or one RFC 2047 base64 word whose text is clean.
    private static func subjectProblem(_ value: [UInt8]) -> String? {
        let prefix = Array("=?UTF-8?B?".utf8)
        let suffix = Array("?=".utf8)
        guard value.starts(with: prefix) else {
            guard value.allSatisfy({ $0 >= 0x20 && $0 < 0x7F }) else { return "raw non-ASCII or control byte" }
            // Plain text holding "=?" could be decoded by a reader as an encoded word of its own.
            let smuggled = zip(value, value.dropFirst()).contains { $0 == UInt8(ascii: "=") && $1 == UInt8(ascii: "?") }
            return smuggled ? "plain subject holds \"=?\"" : nil
        }
        guard value.count >= prefix.count + suffix.count, Array(value.suffix(2)) == suffix else {
            return "unterminated encoded word"
        }
        let payload = Array(value[prefix.count..<(value.count - suffix.count)])
        guard let decoded = Base64Check.decode(payload) else {
            return "encoded word is not base64"
        }
        return TextCheck.problem(decoded)
    }
}

/// A strict RFC 4648 base64 decoder, independent of the product's encoder.
public enum Base64Check {
    public static func decode(_ text: [UInt8]) -> [UInt8]? {
        guard text.count % 4 == 0 else { return nil }
        var output: [UInt8] = []
        var index = 0
        while index < text.count {
            var values: [UInt32] = []
            var padding = 0
            for offset in 0..<4 {
                let symbol = text[index + offset]
                if symbol == UInt8(ascii: "=") {
                    guard index + 4 == text.count, offset >= 2 else { return nil }
                    padding += 1
                    values.append(0)
                    continue
                }
                guard padding == 0, let value = sextet(symbol) else { return nil }
                values.append(value)
            }
            let word = values[0] << 18 | values[1] << 12 | values[2] << 6 | values[3]
            let produced = [UInt8(word >> 16 & 0xFF), UInt8(word >> 8 & 0xFF), UInt8(word & 0xFF)]
            output += produced.prefix(3 - padding)
            index += 4
        }
        return output
    }

    private static func sextet(_ symbol: UInt8) -> UInt32? {
        switch symbol {
        case UInt8(ascii: "A")...UInt8(ascii: "Z"): return UInt32(symbol - UInt8(ascii: "A"))
        case UInt8(ascii: "a")...UInt8(ascii: "z"): return UInt32(symbol - UInt8(ascii: "a")) + 26
        case UInt8(ascii: "0")...UInt8(ascii: "9"): return UInt32(symbol - UInt8(ascii: "0")) + 52
        case UInt8(ascii: "+"): return 62
        case UInt8(ascii: "/"): return 63
        default: return nil
        }
    }
}
