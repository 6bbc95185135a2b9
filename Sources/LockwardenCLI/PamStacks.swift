import LockwardenPolicy
import LockwardenSystem

/// One rule of a PAM service file, after `@include` and `include`/`substack` were expanded.
struct PamRule {
    /// The file the rule is written in (a service, or a file it includes).
    var file: String
    var line: Int
    var type: String
    var control: String
    var module: String
    var arguments: [String]

    var isLockwarden: Bool { module.split(separator: "/").last.map(String.init) == InstalledFiles.moduleName }
    var mode: String? { arguments.first(where: { ConfigParser.modes.contains($0) }) }
}

/// Reads /etc/pam.d: which services use pam_lockwarden.so, and whether their stacks look right.
struct PamStacks {
    let directory: String

    /// A parsed line of one file: a rule, or an inclusion of another file.
    private enum Entry {
        case rule(PamRule)
        case include(name: String, type: String?)
    }

    /// Service files, sorted; editor and package-manager leftovers are skipped.
    func serviceNames() -> [String]? {
        guard let entries = Files.names(in: directory) else { return nil }
        var names: [String] = []
        for name in entries {
            if name.hasPrefix(".") || name.hasSuffix("~") || name.hasSuffix(".dpkg-old") || name.hasSuffix(".dpkg-dist")
                || name.hasSuffix(".dpkg-new") || name.hasSuffix(".ucf-old") || name.hasSuffix(".ucf-dist")
            {
                continue
            }
            guard Files.isRegularFile(directory + "/" + name) else { continue }
            names.append(name)
        }
        return names.sorted()
    }

    /// Names other service files include: fragments such as common-auth, not services.
    func includedNames(of services: [String]) -> Set<String> {
        var included = Set<String>()
        for service in services {
            for case .include(let name, _) in entries(of: path(for: service)) {
                included.insert(name.split(separator: "/").last.map(String.init) ?? name)
            }
        }
        return included
    }

    /// The rules of a service with every inclusion expanded (at most 8 levels deep).
    func rules(of service: String) -> [PamRule] {
        expand(path(for: service), type: nil, depth: 0)
    }

    private func path(for name: String) -> String {
        name.hasPrefix("/") ? name : directory + "/" + name
    }

    private func expand(_ file: String, type: String?, depth: Int) -> [PamRule] {
        guard depth < 8 else { return [] }
        var rules: [PamRule] = []
        for entry in entries(of: file) {
            switch entry {
            case .rule(let rule):
                if type == nil || type == rule.type { rules.append(rule) }
            case .include(let name, let includeType):
                guard type == nil || includeType == nil || includeType == type else { continue }
                rules += expand(path(for: name), type: includeType ?? type, depth: depth + 1)
            }
        }
        return rules
    }

    private func entries(of file: String) -> [Entry] {
        guard case .success(let bytes) = Files.read(file, limit: 1 << 20) else { return [] }
        let text = String(decoding: bytes, as: UTF8.self)
        var entries: [Entry] = []
        var pending = ""
        var number = 0
        var startLine = 1
        for raw in text.split(separator: "\n", omittingEmptySubsequences: false) {
            number += 1
            if pending.isEmpty { startLine = number }
            var line = String(raw)
            if let hash = line.firstIndex(of: "#") { line = String(line[line.startIndex..<hash]) }
            if line.hasSuffix("\\") {
                pending += line.dropLast() + " "
                continue
            }
            let full = pending + line
            pending = ""
            if let entry = parse(full, file: file, line: startLine) { entries.append(entry) }
        }
        return entries
    }

    private func parse(_ line: String, file: String, line number: Int) -> Entry? {
        let words = line.split(whereSeparator: { $0 == " " || $0 == "\t" || $0 == "\r" }).map(String.init)
        guard let first = words.first else { return nil }
        if first == "@include" { return words.count > 1 ? .include(name: words[1], type: nil) : nil }
        let type = first.hasPrefix("-") ? String(first.dropFirst()) : first
        guard ["auth", "account", "password", "session"].contains(type.lowercased()), words.count > 1 else {
            return nil
        }
        var index = 1
        var control = words[1]
        if control.hasPrefix("[") {
            while !control.hasSuffix("]") && index + 1 < words.count {
                index += 1
                control += " " + words[index]
            }
        }
        index += 1
        guard index < words.count else { return nil }
        let module = words[index]
        if control == "include" || control == "substack" { return .include(name: module, type: type.lowercased()) }
        return .rule(
            PamRule(
                file: file, line: number, type: type.lowercased(), control: control.lowercased(), module: module,
                arguments: Array(words.dropFirst(index + 1))))
    }
}
