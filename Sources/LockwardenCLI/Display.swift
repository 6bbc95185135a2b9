import LockwardenPolicy

/// Everything printed that came from outside (names, hosts, ttys, reasons, details, paths)
/// goes through here, and so through `Escape`: no terminal control sequence reaches the screen.
enum Display {
    /// Raw text from the command line, the system or a file.
    static func text(_ text: String, limit: Int = 256) -> String {
        Escape.text(text, limit: limit)
    }

    /// Raw bytes, e.g. a user name the system does not know.
    static func bytes(_ bytes: [UInt8], limit: Int = 256) -> String {
        Escape.bytes(bytes, limit: limit)
    }

    /// Text the store already holds escaped (event fields, sources, reasons, actors). Clean
    /// escaped text is shown as it is, so `\\x1B` is not doubled; anything else (a row that was
    /// not written escaped) is escaped as a whole.
    static func stored(_ text: String) -> String {
        let withoutBackslashes = String(String.UnicodeScalarView(text.unicodeScalars.filter { $0 != "\\" }))
        let count = withoutBackslashes.utf8.count
        if Escape.text(withoutBackslashes, limit: count) == withoutBackslashes { return text }
        return Escape.text(text, limit: max(text.utf8.count, 1))
    }

    /// `stored`, with "-" for nothing.
    static func storedOrDash(_ text: String?) -> String {
        guard let text, !text.isEmpty else { return "-" }
        return stored(text)
    }
}
