import Testing

@testable import LockwardenPolicy

/// One escaping vector: raw input bytes and the exact text they must become.
struct EscapeVector: Sendable, CustomTestStringConvertible {
    var name: String
    var input: [UInt8]
    var limit: Int = 256
    var output: String
    var testDescription: String { name }

    init(_ name: String, _ input: [UInt8], limit: Int = 256, _ output: String) {
        self.name = name
        self.input = input
        self.limit = limit
        self.output = output
    }

    init(_ name: String, text: String, limit: Int = 256, _ output: String) {
        self.init(name, Array(text.utf8), limit: limit, output)
    }
}

@Suite("Escaping untrusted bytes")
struct EscapeTests {
    static let vectors: [EscapeVector] = [
        EscapeVector("plain ASCII passes", text: "alice.smith-2_x", "alice.smith-2_x"),
        EscapeVector("empty stays empty", [], ""),
        EscapeVector("printf directives are plain text", text: "%n%s%x%%", "%n%s%x%%"),
        EscapeVector("spaces and quotes pass", text: "a b \"c\" 'd'", "a b \"c\" 'd'"),
        EscapeVector("backslash is doubled", text: #"a\b\\"#, #"a\\b\\\\"#),
        EscapeVector("an escape-looking input cannot pass for an escape", text: #"\x0A"#, #"\\x0A"#),
        EscapeVector("NUL", [0x61, 0x00, 0x62], #"a\x00b"#),
        EscapeVector("CR LF", text: "user\r\nFAKE", #"user\x0D\x0AFAKE"#),
        EscapeVector("tab and bell", [0x09, 0x07], #"\x09\x07"#),
        EscapeVector("unit separator 1F", [0x1F], #"\x1F"#),
        EscapeVector("ANSI colour sequence", text: "\u{1B}[31mred", #"\x1B[31mred"#),
        EscapeVector("DEL", [0x7F], #"\x7F"#),
        EscapeVector("C1 NEL U+0085", [0xC2, 0x85], #"\u{0085}"#),
        EscapeVector("C1 CSI U+009B", [0xC2, 0x9B], #"\u{009B}"#),
        EscapeVector("C1 first U+0080", [0xC2, 0x80], #"\u{0080}"#),
        EscapeVector("NBSP U+00A0 is printable", [0xC2, 0xA0], "\u{00A0}"),
        EscapeVector("bidi override RLO U+202E", text: "abc\u{202E}fdp.exe", #"abc\u{202E}fdp.exe"#),
        EscapeVector(
            "bidi embeddings U+202A-U+202D", text: "\u{202A}\u{202B}\u{202C}\u{202D}",
            #"\u{202A}\u{202B}\u{202C}\u{202D}"#),
        EscapeVector(
            "bidi isolates U+2066-U+2069", text: "\u{2066}\u{2067}\u{2068}\u{2069}",
            #"\u{2066}\u{2067}\u{2068}\u{2069}"#),
        EscapeVector("LRM and RLM", text: "\u{200E}\u{200F}", #"\u{200E}\u{200F}"#),
        EscapeVector("line and paragraph separators", text: "\u{2028}\u{2029}", #"\u{2028}\u{2029}"#),
        EscapeVector("byte order mark", text: "\u{FEFF}x", #"\u{FEFF}x"#),
        EscapeVector("precomposed e-acute passes", [0xC3, 0xA9], "\u{E9}"),
        EscapeVector("decomposed e-acute passes as its own bytes", [0x65, 0xCC, 0x81], "e\u{301}"),
        EscapeVector("four-byte scalar passes", [0xF0, 0x9F, 0x94, 0x92], "\u{1F512}"),
        EscapeVector("highest scalar U+10FFFF passes", [0xF4, 0x8F, 0xBF, 0xBF], "\u{10FFFF}"),
        EscapeVector("lone continuation byte", [0x61, 0x80, 0x62], #"a\x80b"#),
        EscapeVector("continuation run", [0xBF, 0xBF], #"\xBF\xBF"#),
        EscapeVector("overlong NUL C0 80", [0xC0, 0x80], #"\xC0\x80"#),
        EscapeVector("overlong slash C1 AF", [0xC1, 0xAF], #"\xC1\xAF"#),
        EscapeVector("overlong three-byte E0 80 AF", [0xE0, 0x80, 0xAF], #"\xE0\x80\xAF"#),
        EscapeVector("overlong four-byte F0 80 80 AF", [0xF0, 0x80, 0x80, 0xAF], #"\xF0\x80\x80\xAF"#),
        EscapeVector("surrogate ED A0 80", [0xED, 0xA0, 0x80], #"\xED\xA0\x80"#),
        EscapeVector("last surrogate ED BF BF", [0xED, 0xBF, 0xBF], #"\xED\xBF\xBF"#),
        EscapeVector("above U+10FFFF F4 90 80 80", [0xF4, 0x90, 0x80, 0x80], #"\xF4\x90\x80\x80"#),
        EscapeVector("F5 lead", [0xF5, 0x80, 0x80, 0x80], #"\xF5\x80\x80\x80"#),
        EscapeVector("FE and FF", [0xFE, 0xFF], #"\xFE\xFF"#),
        EscapeVector("truncated two-byte at end", [0x61, 0xC3], #"a\xC3"#),
        EscapeVector("truncated three-byte before ASCII", [0xE2, 0x82, 0x41], #"\xE2\x82A"#),
        EscapeVector("truncated four-byte at end", [0xF0, 0x9F, 0x94], #"\xF0\x9F\x94"#),
        EscapeVector("a bad byte does not swallow the next character", [0xC3, 0xC3, 0xA9], "\\xC3\u{E9}"),
        EscapeVector("cut after limit bytes", text: "abcdef", limit: 3, "abc..."),
        EscapeVector("exactly limit bytes is not cut", text: "abcd", limit: 4, "abcd"),
        EscapeVector("limit 0", text: "abc", limit: 0, "..."),
        EscapeVector("limit 0 on empty input", [], limit: 0, ""),
        EscapeVector(
            "a character cut by the limit is dropped whole", [0xC3, 0xA9, 0xC3, 0xA9], limit: 3, "\u{E9}..."),
        EscapeVector("limit counts input bytes, not output", [0x0A, 0x0A, 0x0A], limit: 2, #"\x0A\x0A..."#),
    ]

    @Test("escaping vectors", arguments: vectors)
    func vector(_ vector: EscapeVector) {
        #expect(Escape.bytes(vector.input, limit: vector.limit) == vector.output)
        if let text = String(validating: vector.input, as: UTF8.self) {
            #expect(Escape.text(text, limit: vector.limit) == vector.output)
        }
    }

    @Test("escaped output never holds a control character, whatever two bytes come in")
    func everyTwoBytePair() {
        for first in 0...255 {
            for second in 0...255 {
                let output = Escape.bytes([UInt8(first), UInt8(second)])
                let bad = output.unicodeScalars.first { scalar in
                    scalar.value < 0x20 || (0x7F...0x9F).contains(scalar.value) || scalar.value == 0xFFFD
                        || (0x202A...0x202E).contains(scalar.value) || (0x2066...0x2069).contains(scalar.value)
                }
                if let bad {
                    Issue.record("bytes \(first) \(second) produced U+\(String(bad.value, radix: 16))")
                    return
                }
            }
        }
    }

    @Test("escaping is injective on short inputs: different bytes never look the same")
    func distinctInputsStayDistinct() {
        var seen: [String: [UInt8]] = [:]
        let alphabet: [UInt8] = [0x00, 0x0A, 0x5C, 0x78, 0x30, 0x41, 0x7F, 0x80, 0xC2, 0xC3, 0xA9, 0xFF]
        for a in alphabet {
            for b in alphabet {
                for c in alphabet {
                    let input = [a, b, c]
                    let output = Escape.bytes(input)
                    if let earlier = seen[output], earlier != input {
                        Issue.record("\(earlier) and \(input) both escape to \(output)")
                    }
                    seen[output] = input
                }
            }
        }
    }

    @Test("a negative limit escapes nothing and does not trap")
    func negativeLimit() {
        #expect(Escape.bytes(Array("abc".utf8), limit: -1) == "...")
        #expect(Escape.text("", limit: Int.min) == "")
    }

    @Test("the default limit is 256 input bytes")
    func defaultLimit() {
        let long = [UInt8](repeating: 0x61, count: 300)
        #expect(Escape.bytes(long) == String(repeating: "a", count: 256) + "...")
        #expect(Escape.bytes(long.prefix(256)) == String(repeating: "a", count: 256))
    }
}

@Suite("Durations and saturating arithmetic")
struct DurationArithmeticTests {
    @Test(
        "durations read as at most two units",
        arguments: [
            (Int64.min, "0 seconds"), (-5, "0 seconds"), (0, "0 seconds"), (1, "1 second"), (59, "59 seconds"),
            (60, "1 minute"), (61, "1 minute 1 second"), (120, "2 minutes"), (300, "5 minutes"),
            (3_599, "59 minutes 59 seconds"),
            (3_600, "1 hour"), (3_661, "1 hour 1 minute"), (7_322, "2 hours 2 minutes"), (86_400, "1 day"),
            (90_000, "1 day 1 hour"), (172_920, "2 days 2 minutes"), (86_401, "1 day 1 second"),
            (31_536_000, "365 days"), (Int64.max, "106751991167300 days 15 hours"),
        ] as [(Int64, String)])
    func durations(_ seconds: Int64, _ text: String) {
        #expect(describeDuration(seconds) == text)
    }

    @Test(
        "saturating addition clamps at both ends",
        arguments: [
            (1, 2, 3), (-1, -2, -3), (Int64.max, 1, Int64.max), (Int64.max - 1, 1, Int64.max),
            (Int64.max, Int64.max, Int64.max),
            (Int64.min, -1, Int64.min), (Int64.min, Int64.min, Int64.min), (Int64.max, Int64.min, -1),
            (0, Int64.min, Int64.min),
            (Int64.min, Int64.max, -1), (t0, -900, t0 - 900),
        ] as [(Int64, Int64, Int64)])
    func saturatingAdd(_ a: Int64, _ b: Int64, _ sum: Int64) {
        #expect(a.saturatingAdd(b) == sum)
        #expect(b.saturatingAdd(a) == sum)
    }

    @Test(
        "saturating subtraction clamps at both ends, including minus Int64.min",
        arguments: [
            (5, 3, 2), (3, 5, -2), (0, Int64.min, Int64.max), (-1, Int64.min, Int64.max),
            (Int64.max, Int64.min, Int64.max),
            (Int64.min, 1, Int64.min), (Int64.min, Int64.max, Int64.min), (Int64.max, -1, Int64.max),
            (Int64.min, Int64.min, 0),
        ] as [(Int64, Int64, Int64)])
    func saturatingSubtract(_ a: Int64, _ b: Int64, _ difference: Int64) {
        #expect(a.saturatingSubtract(b) == difference)
    }

    @Test(
        "saturating multiplication clamps with the sign of the true product",
        arguments: [
            (3, 4, 12), (-3, 4, -12), (0, Int64.max, 0), (Int64.min, 0, 0), (Int64.max, 2, Int64.max),
            (Int64.max, -2, Int64.min),
            (Int64.min, 2, Int64.min), (Int64.min, -1, Int64.max), (-1, Int64.min, Int64.max),
            (Int64.min, Int64.min, Int64.max),
            (4_294_967_296, 4_294_967_296, Int64.max), (300, 1 << 40, 300 << 40),
        ] as [(Int64, Int64, Int64)])
    func saturatingMultiply(_ a: Int64, _ b: Int64, _ product: Int64) {
        #expect(a.saturatingMultiply(b) == product)
        #expect(b.saturatingMultiply(a) == product)
    }

    @Test(
        "saturating increment stops at Int.max",
        arguments: [(0, 1), (-1, 0), (Int.max - 1, Int.max), (Int.max, Int.max), (Int.min, Int.min + 1)])
    func saturatingIncrement(_ value: Int, _ next: Int) {
        #expect(value.saturatingIncrement() == next)
    }
}
