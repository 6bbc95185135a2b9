/// A plain-text mail, rendered for `sendmail -t`. Nothing from a user name, GECOS or
/// address can reach a header as a line break: headers are built only from checked
/// addresses and from text with every control character removed.
public struct MailMessage: Equatable, Sendable {
    public var to: String
    public var subject: String
    public var body: String

    public init(to: String, subject: String, body: String) {
        self.to = to
        self.subject = subject
        self.body = body
    }

    /// The message with headers; nil when an address is not a plain mail address.
    public func rendered(from: String) -> String? {
        guard let to = MailAddress.checked(to), let from = MailAddress.checked(from) else { return nil }
        return "From: \(from)\nTo: \(to)\nSubject: \(MailHeader.encode(subject))\nMIME-Version: 1.0\n"
            + "Content-Type: text/plain; charset=utf-8\nContent-Transfer-Encoding: 8bit\nAuto-Submitted: auto-generated\n\n"
            + MailBody.clean(body) + (body.hasSuffix("\n") ? "" : "\n")
    }
}

/// Plain `local@domain` addresses only: no display names, comments, quotes or spaces.
public enum MailAddress {
    public static func checked(_ text: String) -> String? {
        let bytes = Array(text.utf8)
        guard bytes.count >= 3, bytes.count <= 254, bytes.filter({ $0 == UInt8(ascii: "@") }).count == 1,
            let at = bytes.firstIndex(of: UInt8(ascii: "@")), at > 0, at < bytes.count - 1
        else { return nil }
        let local = bytes[..<at]
        let domain = bytes[(at + 1)...]
        let localAllowed = Set(
            "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789.!#$%&'*+/=?^_`{|}~-".utf8)
        let domainAllowed = Set("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789.-".utf8)
        guard local.count <= 64, local.allSatisfy(localAllowed.contains), domain.allSatisfy(domainAllowed.contains),
            domain.first != UInt8(ascii: "."), domain.last != UInt8(ascii: "."), domain.first != UInt8(ascii: "-")
        else { return nil }
        return text
    }
}

/// Header text: control characters (including bidi overrides and line separators, which
/// survive RFC 2047 encoding) become spaces; non-ASCII is RFC 2047 encoded, and so is text
/// holding "=?", which a mail reader would otherwise decode as an encoded word of its own.
public enum MailHeader {
    public static func encode(_ text: String) -> String {
        let flattened = String(String.UnicodeScalarView(text.unicodeScalars.map { Escape.isControl($0) ? " " : $0 }))
        let limited = String(flattened.prefix(200))
        if limited.utf8.allSatisfy({ $0 < 0x80 }) && !TextReplace.contains(limited, "=?") { return limited }
        return "=?UTF-8?B?" + Base64.encode(Array(limited.utf8)) + "?="
    }
}

/// Body text: every control character except the line break is escaped.
public enum MailBody {
    public static func clean(_ text: String) -> String {
        text.split(separator: "\n", omittingEmptySubsequences: false)
            .map { Escape.text(String($0), limit: 4_096) }
            .joined(separator: "\n")
    }
}

/// Standard base64 (RFC 4648), for encoded header words.
public enum Base64 {
    private static let alphabet = Array("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/".utf8)

    public static func encode(_ bytes: [UInt8]) -> String {
        var output: [UInt8] = []
        var index = 0
        while index < bytes.count {
            let chunk = Array(bytes[index..<min(index + 3, bytes.count)])
            let b0 = chunk.first ?? 0
            let b1 = chunk.count > 1 ? chunk[1] : 0
            let b2 = chunk.count > 2 ? chunk[2] : 0
            let value = (UInt32(b0) << 16) | (UInt32(b1) << 8) | UInt32(b2)
            for position in 0..<4 {
                if position <= chunk.count {
                    output.append(symbol(Int((value >> UInt32(18 - 6 * position)) & 0x3F)))
                } else {
                    output.append(UInt8(ascii: "="))
                }
            }
            index += 3
        }
        return String(decoding: output, as: UTF8.self)
    }

    private static func symbol(_ index: Int) -> UInt8 {
        alphabet.indices.contains(index) ? alphabet[index] : UInt8(ascii: "A")
    }
}
