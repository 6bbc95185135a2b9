// fuzz-mail: Escape.bytes and mail rendering with hostile names.
//
// Input: a selector byte, an escape limit, then fields (user, full name, host, to, from,
// subject and body templates, a PIN). Invariants:
//  - Escape.bytes output is clean text, at most 4 bytes per input byte plus "...", equal to
//    the input for plain text, and reversible when nothing was cut (no two names alias);
//  - MailAddress.checked only passes plain ASCII addresses;
//  - MailHeader.encode never yields a control character;
//  - a rendered mail has exactly its seven header lines, none holding CR, LF or another
//    control character, and a clean body (see MailCheck).

import FuzzSupport
import LockwardenPolicy

private let words: [[UInt8]] =
    [
        "root", "root\r\nBcc: victim@example.org", "\u{1B}[2J", "\u{1B}]0;title\u{07}", "%n%s",
        "'; DROP TABLE accounts;--",
        "user@example.org", "a@b", "lockwarden@example.org", "{user}", "{full_name}", "{host}", "{pin}", "{actor}",
        "\r", "\n", "\r\n", "\n.\n", "Subject: x", "\u{85}", "\u{2028}", "\u{202E}", "=?UTF-8?B?", "\\", "\\x41",
    ].map { Array(text: $0) } + [
        [0xC0, 0x80], [0xED, 0xA0, 0x80], [0xFF], [0x00], [0xE2, 0x80], [0xF4, 0x90, 0x80, 0x80],
    ]

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzMail(_ data: UnsafePointer<UInt8>?, _ size: Int) -> Int32 {
    var input = FuzzInput(data, size)
    let selector = input.byte()
    let limitByte = input.byte()
    let limit: Int
    switch limitByte {
    case 0xFF: limit = Int.max
    case 0xFE: limit = Int.min
    case 0xFD: limit = -1
    default: limit = Int(limitByte) * 4
    }
    let user = input.field(dictionary: words)
    checkEscape(user, limit: limit)
    checkEscape(user, limit: 256)

    let fullName = input.field(dictionary: words)
    let host = input.field(dictionary: words)
    let to = String(decoding: input.field(dictionary: words), as: UTF8.self)
    let from = String(decoding: input.field(dictionary: words), as: UTF8.self)
    let pin = input.field(dictionary: words)
    for address in [to, from] {
        if let checked = MailAddress.checked(address),
            !checked.utf8.allSatisfy({ $0 > 0x20 && $0 < 0x7F }) || checked.utf8.filter({ $0 == 0x40 }).count != 1
        {
            fuzzFailure("address check passed a non-plain address", showBytes(Array(checked.utf8)))
        }
    }
    var template = MailTemplateName.allCases[Int(selector & 0x03)].defaultTemplate
    if selector & 0x04 != 0 { template.subject = String(decoding: input.field(dictionary: words), as: UTF8.self) }
    if selector & 0x08 != 0 { template.body = String(decoding: input.field(dictionary: words), as: UTF8.self) }
    let header = MailHeader.encode(template.subject)
    if let problem = TextCheck.problem(header) { fuzzFailure("encoded header holds control text", problem) }

    let lossy: ([UInt8]) -> String = { String(decoding: $0, as: UTF8.self) }
    let filled = template.fill([
        "user": lossy(user), "full_name": lossy(fullName), "host": lossy(host), "pin": lossy(pin), "actor": lossy(user),
    ])
    // Valid addresses always render; the fuzzed ones render only if they pass the check.
    let senders: [(String, String)] =
        selector & 0x10 != 0 ? [(to, from)] : [("user@example.org", "lockwarden@example.org"), (to, from)]
    for (recipient, sender) in senders {
        let message = MailMessage(to: recipient, subject: filled.subject, body: filled.body)
        guard let rendered = message.rendered(from: sender) else {
            if MailAddress.checked(recipient) != nil && MailAddress.checked(sender) != nil {
                fuzzFailure("rendering refused checked addresses", "\(recipient) / \(sender)")
            }
            continue
        }
        if let problem = MailCheck.problem(rendered, to: recipient, from: sender) {
            fuzzFailure("rendered mail is unsafe", "\(problem): \(showBytes(Array(rendered.utf8), limit: 600))")
        }
    }
    return 0
}

private func checkEscape(_ input: [UInt8], limit: Int) {
    let escaped = Escape.bytes(input, limit: limit)
    let output = Array(escaped.utf8)
    if let problem = TextCheck.problem(output) {
        fuzzFailure("Escape.bytes output is not clean", "\(problem): \(showBytes(output))")
    }
    let effective = max(0, limit)
    let cut = input.count > effective
    let bound = 4 * min(input.count, effective) + (cut ? 3 : 0)
    if output.count > bound {
        fuzzFailure("Escape.bytes output too long", "\(output.count) bytes for \(input.count) (limit \(limit))")
    }
    let plain = input.allSatisfy { $0 >= 0x20 && $0 < 0x7F && $0 != 0x5C }
    if plain && !cut && output != input { fuzzFailure("Escape.bytes changed plain text", showBytes(input)) }
    if !cut {
        guard let restored = unescape(output), restored == input else {
            fuzzFailure("Escape.bytes is not reversible (names could alias)", "\(showBytes(input)) -> \(escaped)")
        }
    }
}

/// Inverts Escape's notation: `\\`, `\xNN` (one byte), `\u{N...}` (one scalar).
private func unescape(_ text: [UInt8]) -> [UInt8]? {
    var output: [UInt8] = []
    var index = 0
    func hexValue(_ digits: ArraySlice<UInt8>) -> UInt32? {
        guard !digits.isEmpty, digits.count <= 8 else { return nil }
        var value: UInt32 = 0
        for digit in digits {
            let nibble: UInt32
            switch digit {
            case UInt8(ascii: "0")...UInt8(ascii: "9"): nibble = UInt32(digit - UInt8(ascii: "0"))
            case UInt8(ascii: "A")...UInt8(ascii: "F"): nibble = UInt32(digit - UInt8(ascii: "A")) + 10
            default: return nil
            }
            value = value << 4 | nibble
        }
        return value
    }
    while index < text.count {
        let byte = text[index]
        guard byte == 0x5C else {
            output.append(byte)
            index += 1
            continue
        }
        guard index + 1 < text.count else { return nil }
        switch text[index + 1] {
        case 0x5C:
            output.append(0x5C)
            index += 2
        case UInt8(ascii: "x"):
            guard index + 4 <= text.count, let value = hexValue(text[(index + 2)..<(index + 4)]) else { return nil }
            output.append(UInt8(value))
            index += 4
        case UInt8(ascii: "u"):
            guard index + 2 < text.count, text[index + 2] == UInt8(ascii: "{"),
                let close = text[(index + 3)...].firstIndex(of: UInt8(ascii: "}")),
                let value = hexValue(text[(index + 3)..<close]), let scalar = Unicode.Scalar(value)
            else { return nil }
            output += Array(String(Character(scalar)).utf8)
            index = close + 1
        default:
            return nil
        }
    }
    return output
}
