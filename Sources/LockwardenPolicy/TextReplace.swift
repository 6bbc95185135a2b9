/// Substring search and replacement on UTF-8 bytes. The core is built in Embedded Swift, which
/// has no `String.replacing` or substring `contains` (no _StringProcessing); these work the
/// same in both builds. Replacing whole ASCII or UTF-8 sequences keeps the text valid UTF-8.
public enum TextReplace {
    /// Every occurrence of `target` replaced by `replacement`, left to right, in one pass.
    public static func all(in text: String, _ target: String, with replacement: String) -> String {
        let source = Array(text.utf8)
        let needle = Array(target.utf8)
        guard !needle.isEmpty, source.count >= needle.count else { return text }
        var output: [UInt8] = []
        output.reserveCapacity(source.count)
        var index = 0
        while index < source.count {
            if matches(source, needle, at: index) {
                output += replacement.utf8
                index += needle.count
            } else {
                output.append(source[index])
                index += 1
            }
        }
        return String(decoding: output, as: UTF8.self)
    }

    /// Whether `target` occurs in `text`.
    public static func contains(_ text: String, _ target: String) -> Bool {
        let source = Array(text.utf8)
        let needle = Array(target.utf8)
        guard !needle.isEmpty else { return true }
        guard source.count >= needle.count else { return false }
        for index in 0...(source.count - needle.count) where matches(source, needle, at: index) { return true }
        return false
    }

    private static func matches(_ source: [UInt8], _ needle: [UInt8], at index: Int) -> Bool {
        guard index + needle.count <= source.count else { return false }
        for offset in 0..<needle.count where source[index + offset] != needle[offset] { return false }
        return true
    }
}
