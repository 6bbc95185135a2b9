import Glibc

/// The oracle for text that leaves the core (log lines, messages, mail): strictly valid UTF-8
/// with no control character. Written independently of the product's own escaping, so a
/// slip there shows up here. A finding aborts the process: libFuzzer records the input.
public enum TextCheck {
    /// Scalars that must never appear: C0 controls (line feed only where `allowLineFeed`),
    /// DEL, C1 controls, bidi overrides and isolates, line and paragraph separators, BOM.
    public static func isForbidden(_ scalar: UInt32, allowLineFeed: Bool) -> Bool {
        switch scalar {
        case 0x0A: return !allowLineFeed
        case 0x00..<0x20, 0x7F, 0x80..<0xA0: return true
        case 0x200E, 0x200F, 0x202A...0x202E, 0x2066...0x2069, 0x2028, 0x2029, 0xFEFF: return true
        default: return false
        }
    }

    /// Nil when the bytes are fine, otherwise what is wrong and where.
    public static func problem(_ bytes: [UInt8], allowLineFeed: Bool = false) -> String? {
        var index = 0
        while index < bytes.count {
            let lead = bytes[index]
            let length: Int
            var value: UInt32
            var minimum: UInt32
            switch lead {
            case 0x00...0x7F: length = 1; value = UInt32(lead); minimum = 0
            case 0xC0...0xDF: length = 2; value = UInt32(lead & 0x1F); minimum = 0x80
            case 0xE0...0xEF: length = 3; value = UInt32(lead & 0x0F); minimum = 0x800
            case 0xF0...0xF7: length = 4; value = UInt32(lead & 0x07); minimum = 0x10000
            default: return "invalid UTF-8 lead byte 0x\(String(lead, radix: 16)) at \(index)"
            }
            guard index + length <= bytes.count else { return "truncated UTF-8 sequence at \(index)" }
            for offset in 1..<max(1, length) {
                let continuation = bytes[index + offset]
                guard continuation & 0xC0 == 0x80 else { return "invalid UTF-8 continuation at \(index + offset)" }
                value = value << 6 | UInt32(continuation & 0x3F)
            }
            if length > 1 && value < minimum { return "overlong UTF-8 sequence at \(index)" }
            if value > 0x10FFFF || (0xD800...0xDFFF).contains(value) {
                return "UTF-8 encodes no scalar (0x\(String(value, radix: 16))) at \(index)"
            }
            if isForbidden(value, allowLineFeed: allowLineFeed) {
                return "control character U+\(String(value, radix: 16, uppercase: true)) at \(index)"
            }
            index += length
        }
        return nil
    }

    public static func problem(_ text: String, allowLineFeed: Bool = false) -> String? {
        problem(Array(text.utf8), allowLineFeed: allowLineFeed)
    }

    public static func problem(cString: UnsafePointer<CChar>, allowLineFeed: Bool = false) -> String? {
        let length = strlen(cString)
        let bytes = cString.withMemoryRebound(to: UInt8.self, capacity: length) {
            Array(UnsafeBufferPointer(start: $0, count: length))
        }
        return problem(bytes, allowLineFeed: allowLineFeed)
    }
}

/// Reports a broken invariant on stderr and aborts, which libFuzzer treats as a crash.
public func fuzzFailure(_ what: String, _ detail: String) -> Never {
    let line = "FUZZ INVARIANT BROKEN: \(what): \(detail)\n"
    writeError(line)
    abort()
}

/// Writes to standard error without stdio (whose globals Swift 6 treats as shared state).
public func writeError(_ text: String) {
    let bytes = Array(text.utf8)
    _ = bytes.withUnsafeBytes { write(2, $0.baseAddress, $0.count) }
}

/// A printable rendering of bytes for failure reports.
public func showBytes<Bytes: Collection>(_ bytes: Bytes, limit: Int = 200) -> String where Bytes.Element == UInt8 {
    var output = ""
    for byte in bytes.prefix(limit) {
        if byte >= 0x20 && byte < 0x7F && byte != 0x5C {
            output.unicodeScalars.append(Unicode.Scalar(byte))
        } else {
            let hex = String(byte, radix: 16)
            output += "\\x" + (hex.count < 2 ? "0" : "") + hex
        }
    }
    if bytes.count > limit { output += "...(\(bytes.count) bytes)" }
    return output
}
