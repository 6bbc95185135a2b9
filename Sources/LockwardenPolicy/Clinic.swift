/// Who belongs to a clinic, or owns it: a group (`@group`) or named users.
public enum Membership: Equatable, Sendable {
    case group(String)
    case user(String)
}

/// A `[clinic NAME]` section: its members, and the owners who may act on them.
public struct Clinic: Equatable, Sendable {
    public var name: String
    public var members: [Membership]
    public var owners: [Membership]

    public init(name: String, members: [Membership], owners: [Membership]) {
        self.name = name
        self.members = members
        self.owners = owners
    }

    /// Reads the clinic sections; problems are errors (a clinic with a typo must not
    /// silently give an owner nobody, or everybody).
    static func parse(_ sections: [ConfigSection], fileName: String) -> ([Clinic], [ConfigDiagnostic]) {
        var clinics: [Clinic] = []
        var diagnostics: [ConfigDiagnostic] = []
        for section in sections where section.kind == "clinic" {
            let location = "\(Escape.text(fileName, limit: 4_096)) [clinic \(Escape.text(section.name, limit: 64))]"
            var members: [Membership]?
            var owners: [Membership]?
            for (key, value) in section.entries {
                switch key {
                case "members": members = parseList(value)
                case "owners": owners = parseList(value)
                default:
                    diagnostics.append(
                        .init(
                            severity: .warning, location: location,
                            message: "unknown key \"\(Escape.text(key, limit: 64))\" ignored"))
                }
            }
            guard isPlainName(section.name), clinics.allSatisfy({ $0.name != section.name }) else {
                diagnostics.append(
                    .init(severity: .error, location: location, message: "clinic names must be unique plain names"))
                continue
            }
            guard let members, !members.isEmpty, let owners, !owners.isEmpty else {
                diagnostics.append(
                    .init(
                        severity: .error, location: location,
                        message: "needs members and owners, each @group or a list of user names"))
                continue
            }
            clinics.append(Clinic(name: section.name, members: members, owners: owners))
        }
        return (clinics, diagnostics)
    }

    /// "@group" or "alice, bob"; nil if any entry is not a plain name.
    static func parseList(_ text: String) -> [Membership]? {
        var entries: [Membership] = []
        for word in text.split(whereSeparator: { $0 == "," || $0 == " " || $0 == "\t" }) {
            if word.hasPrefix("@") {
                let group = String(word.dropFirst())
                guard isPlainName(group) else { return nil }
                entries.append(.group(group))
            } else {
                guard isPlainName(String(word)) else { return nil }
                entries.append(.user(String(word)))
            }
        }
        return entries
    }
}
