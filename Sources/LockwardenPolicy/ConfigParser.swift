/// A problem found while reading the configuration. Errors make the module fail closed;
/// warnings (unknown keys) are logged and otherwise ignored.
public struct ConfigDiagnostic: Equatable, Sendable {
    public enum Severity: Sendable { case error, warning }
    public var severity: Severity
    public var location: String
    public var message: String

    public var text: String { "\(location): \(message)" }
}

/// A `[kind NAME]` section of lockwarden.conf with its own `key = value` lines.
public struct ConfigSection: Equatable, Sendable {
    public var kind: String
    public var name: String
    public var entries: [(key: String, value: String)]

    public static func == (lhs: ConfigSection, rhs: ConfigSection) -> Bool {
        lhs.kind == rhs.kind && lhs.name == rhs.name
            && lhs.entries.map { "\($0.key)=\($0.value)" } == rhs.entries.map { "\($0.key)=\($0.value)" }
    }
}

/// The outcome of reading the file and the module arguments.
public struct ParsedConfig: Sendable {
    public var config = LockwardenConfig()
    /// The mode word from the module arguments (`preauth`, `authfail`, `authsucc`, `totp`, `changed`).
    public var mode: String?
    public var sections: [ConfigSection] = []
    public var diagnostics: [ConfigDiagnostic] = []

    public var errors: [ConfigDiagnostic] { diagnostics.filter { $0.severity == .error } }
    public var isValid: Bool { errors.isEmpty }
}

/// Reads `key = value` configuration text and PAM module arguments. Pure: the caller reads the file.
public enum ConfigParser {
    /// Mode words the module understands; any other bare word is reported as unknown.
    public static let modes: Set<String> = ["preauth", "authfail", "authsucc", "totp", "changed"]
    /// Section kinds the configuration may hold.
    public static let sectionKinds: Set<String> = ["clinic"]

    /// The file named by a `conf=` module argument, or the default path.
    public static func configPath(arguments: [String]) -> String {
        var path = LockwardenConfig.defaultPath
        for argument in arguments where argument.hasPrefix("conf=") {
            path = String(argument.dropFirst(5))
        }
        return path
    }

    /// Applies the file's settings, then the module arguments over them.
    public static func parse(fileText: String, fileName: String, arguments: [String]) -> ParsedConfig {
        applying(arguments: arguments, to: parseFile(fileText, fileName: fileName), fileName: fileName)
    }

    /// The file's settings alone; `applying(arguments:to:fileName:)` completes them.
    public static func parseFile(_ text: String, fileName: String) -> ParsedConfig {
        var parsed = ParsedConfig()
        parseFile(text, fileName: fileName, into: &parsed)
        return parsed
    }

    /// The module arguments over a file's settings, and the clinics of its sections.
    public static func applying(arguments: [String], to file: ParsedConfig, fileName: String) -> ParsedConfig {
        var parsed = file
        parseArguments(arguments, into: &parsed)
        let (clinics, problems) = Clinic.parse(parsed.sections, fileName: fileName)
        parsed.config.clinics = clinics
        parsed.diagnostics += problems
        return parsed
    }

    static func parseFile(_ text: String, fileName: String, into parsed: inout ParsedConfig) {
        var section: ConfigSection?
        // After an unknown or malformed section header, its lines belong to no one: they
        // must not fall through to the global settings.
        var skippingSection = false
        var lineNumber = 0
        // Lines and comments are found on the UTF-8 bytes: every byte that matters here is ASCII,
        // and walking Characters (grapheme breaking) was most of a login's parse.
        for rawLine in text.utf8.split(separator: UInt8(ascii: "\n"), omittingEmptySubsequences: false) {
            lineNumber = lineNumber.saturatingIncrement()
            // Built only for a diagnostic: escaping the file name for every line cost a login
            // more than the rest of the parse.
            let number = lineNumber
            let location = { "\(Escape.text(fileName, limit: 4_096)) line \(number)" }
            let line = stripComment(Substring(rawLine))
            if line.isEmpty { continue }
            if line.hasPrefix("[") {
                if let finished = section { parsed.sections.append(finished) }
                section = parseSectionHeader(line, location: location(), into: &parsed)
                skippingSection = section == nil
                continue
            }
            guard let (key, value) = splitAssignment(line) else {
                parsed.diagnostics.append(
                    .init(severity: .error, location: location(), message: "expected key = value"))
                continue
            }
            if skippingSection { continue }
            if section != nil {
                section?.entries.append((key, value))
            } else {
                apply(key: key, value: value, location: location(), into: &parsed)
            }
        }
        if let finished = section { parsed.sections.append(finished) }
    }

    static func parseArguments(_ arguments: [String], into parsed: inout ParsedConfig) {
        for argument in arguments {
            let location = { "module argument \"\(Escape.text(argument, limit: 64))\"" }
            if let (key, value) = splitAssignment(Substring(argument)) {
                if key == "conf" { continue }
                apply(key: key, value: value, location: location(), into: &parsed)
            } else if modes.contains(argument) {
                if let earlier = parsed.mode, earlier != argument {
                    parsed.diagnostics.append(
                        .init(severity: .error, location: location(), message: "conflicts with mode \(earlier)"))
                }
                parsed.mode = argument
            } else if let key = configKeys.first(where: { $0.name == argument }), key.isBoolean {
                apply(key: argument, value: "yes", location: location(), into: &parsed)
            } else {
                parsed.diagnostics.append(
                    .init(severity: .warning, location: location(), message: "unknown argument ignored"))
            }
        }
    }

    private static func apply(
        key: String, value: String, location: @autoclosure () -> String, into parsed: inout ParsedConfig
    ) {
        guard let entry = configKeys.first(where: { $0.name == key }) else {
            parsed.diagnostics.append(
                .init(
                    severity: .warning, location: location(),
                    message: "unknown key \"\(Escape.text(key, limit: 64))\" ignored"))
            return
        }
        if let problem = entry.apply(&parsed.config, value) {
            parsed.diagnostics.append(.init(severity: .error, location: location(), message: problem))
        }
    }

    private static func parseSectionHeader(_ line: Substring, location: String, into parsed: inout ParsedConfig)
        -> ConfigSection?
    {
        guard line.hasSuffix("]") else {
            parsed.diagnostics.append(.init(severity: .error, location: location, message: "expected [kind NAME]"))
            return nil
        }
        let words = line.dropFirst().dropLast().split(separator: " ", omittingEmptySubsequences: true)
        guard words.count == 2, let kind = words.first, let name = words.last else {
            parsed.diagnostics.append(.init(severity: .error, location: location, message: "expected [kind NAME]"))
            return nil
        }
        guard sectionKinds.contains(String(kind)) else {
            parsed.diagnostics.append(
                .init(
                    severity: .warning, location: location,
                    message: "unknown section \"\(Escape.text(String(kind), limit: 64))\" ignored"))
            return nil
        }
        return ConfigSection(kind: String(kind), name: String(name), entries: [])
    }

    /// Drops a `#` comment that starts a line or follows white space, and surrounding blanks.
    private static func stripComment(_ line: Substring) -> Substring {
        var previousIsBlank = true
        var end = line.utf8.endIndex
        for index in line.utf8.indices {
            let byte = line.utf8[index]
            if byte == UInt8(ascii: "#") && previousIsBlank {
                end = index
                break
            }
            previousIsBlank = byte == UInt8(ascii: " ") || byte == UInt8(ascii: "\t")
        }
        return trim(line[line.startIndex..<end])
    }

    private static func splitAssignment(_ line: Substring) -> (String, String)? {
        guard let equals = line.firstIndex(of: "=") else { return nil }
        let key = trim(line[line.startIndex..<equals])
        let value = trim(line[line.index(after: equals)...])
        guard !key.isEmpty else { return nil }
        return (String(key), String(value))
    }

    /// Without blanks (space, tab, CR) at either end; a CR ends a CRLF line.
    public static func trim(_ text: Substring) -> Substring {
        let blank: (UInt8) -> Bool = { $0 == UInt8(ascii: " ") || $0 == UInt8(ascii: "\t") || $0 == UInt8(ascii: "\r") }
        guard let first = text.utf8.firstIndex(where: { !blank($0) }),
            let last = text.utf8.lastIndex(where: { !blank($0) })
        else { return "" }
        // After the last byte, which is a character's end even when the character is not ASCII.
        return text[first..<text.utf8.index(after: last)]
    }
}
