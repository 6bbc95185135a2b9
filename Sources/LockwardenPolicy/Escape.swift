/// Makes untrusted bytes (user names, hosts, ttys, GECOS, reasons) safe to show in a log
/// line, an event row, CLI output or mail: valid UTF-8 with no control characters.
///
/// Printable text passes unchanged; a backslash becomes `\\`; C0/C1 controls, DEL, bidi
/// overrides and invalid UTF-8 bytes become `\xNN` (bytes) or `\u{N}` (scalars). Output is
/// cut after `limit` input bytes and then ends in `...`.
public enum Escape {
    public static func bytes<Bytes: Collection>(_ input: Bytes, limit: Int = 256) -> String
    where Bytes.Element == UInt8 {
        // prefix traps on a negative length.
        let limit = max(0, limit)
        // Most names, hosts and ttys are short printable ASCII without a backslash: as they are.
        if input.count <= limit, input.allSatisfy({ $0 >= 0x20 && $0 < 0x7F && $0 != UInt8(ascii: "\\") }) {
            return String(decoding: input, as: UTF8.self)
        }
        var output = ""
        // Three bytes of look-ahead let a character that straddles the limit be read whole
        // (and kept, or dropped whole), instead of showing as invalid bytes.
        var scanner = UTF8Scanner(Array(input.prefix(limit.saturatingAddInt(3))))
        while scanner.consumed < limit, let piece = scanner.next() {
            if scanner.consumed > limit { break }
            switch piece {
            case .scalar(let scalar): appendScalar(scalar, to: &output)
            case .invalid(let byte): output += "\\x" + hex(UInt32(byte), width: 2)
            }
        }
        if input.count > limit { output += "..." }
        return output
    }

    public static func text(_ input: String, limit: Int = 256) -> String {
        bytes(input.utf8, limit: limit)
    }

    /// Whether a scalar is never shown as itself: C0/C1 controls, DEL, bidi overrides and
    /// isolates, line and paragraph separators, and the byte order mark.
    public static func isControl(_ scalar: Unicode.Scalar) -> Bool {
        switch scalar.value {
        case 0x00..<0x20, 0x7F, 0x80..<0xA0, 0x200E, 0x200F, 0x202A...0x202E, 0x2066...0x2069, 0x2028, 0x2029, 0xFEFF:
            return true
        default:
            return false
        }
    }

    /// Whether text can be shown as it is (no scalar that `isControl`).
    public static func isPrintable(_ text: String) -> Bool {
        !text.unicodeScalars.contains(where: isControl)
    }

    private static func appendScalar(_ scalar: Unicode.Scalar, to output: inout String) {
        let value = scalar.value
        if value == 0x5C {
            output += "\\\\"
        } else if value < 0x20 || value == 0x7F {
            output += "\\x" + hex(value, width: 2)
        } else if isControl(scalar) {
            output += "\\u{" + hex(value, width: 4) + "}"
        } else {
            output.unicodeScalars.append(scalar)
        }
    }

    static func hex(_ value: UInt32, width: Int) -> String {
        let digits = String(value, radix: 16, uppercase: true)
        return String(repeating: "0", count: max(0, width - digits.count)) + digits
    }
}

/// Walks bytes as UTF-8, yielding scalars and the individual bytes that are not valid UTF-8.
struct UTF8Scanner {
    enum Piece { case scalar(Unicode.Scalar), invalid(UInt8) }

    private let bytes: [UInt8]
    private var position = 0

    /// Bytes read so far.
    var consumed: Int { position }

    init(_ bytes: [UInt8]) { self.bytes = bytes }

    private func byte(at index: Int) -> UInt8? {
        index >= 0 && index < bytes.count ? bytes[index] : nil
    }

    mutating func next() -> Piece? {
        guard let lead = byte(at: position) else { return nil }
        if lead < 0x80, let scalar = Unicode.Scalar(UInt32(lead)) {
            position += 1
            return .scalar(scalar)
        }
        // Length and the allowed range of the second byte, per RFC 3629 (no overlongs, no surrogates).
        let length: Int
        var secondRange: ClosedRange<UInt8> = 0x80...0xBF
        switch lead {
        case 0xC2...0xDF: length = 2
        case 0xE0: length = 3; secondRange = 0xA0...0xBF
        case 0xE1...0xEC, 0xEE...0xEF: length = 3
        case 0xED: length = 3; secondRange = 0x80...0x9F
        case 0xF0: length = 4; secondRange = 0x90...0xBF
        case 0xF1...0xF3: length = 4
        case 0xF4: length = 4; secondRange = 0x80...0x8F
        default:
            position += 1
            return .invalid(lead)
        }
        var value = UInt32(lead) & (length == 2 ? 0x1F : length == 3 ? 0x0F : 0x07)
        for offset in 1..<length {
            let allowed = offset == 1 ? secondRange : 0x80...0xBF
            guard let continuation = byte(at: position + offset), allowed.contains(continuation) else {
                position += 1
                return .invalid(lead)
            }
            value = (value << 6) | (UInt32(continuation) & 0x3F)
        }
        guard let scalar = Unicode.Scalar(value) else {
            position += 1
            return .invalid(lead)
        }
        position += length
        return .scalar(scalar)
    }
}

extension Int {
    fileprivate func saturatingAddInt(_ other: Int) -> Int {
        let (value, overflow) = addingReportingOverflow(other)
        return overflow ? .max : value
    }
}
