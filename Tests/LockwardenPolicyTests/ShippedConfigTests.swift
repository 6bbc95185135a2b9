import Glibc
import Testing

@testable import LockwardenPolicy

/// etc/lockwarden.conf is what administrators read first: it must name every key, commented,
/// with the value Lockwarden uses when the key is absent.
@Suite("The shipped configuration file")
struct ShippedConfigTests {
    private static let top = "/" + #filePath.split(separator: "/").dropLast(3).joined(separator: "/")
    private static let path = top + "/etc/lockwarden.conf"
    private static let manualPage = top + "/man/lockwarden.conf.5"

    private func shippedText(_ path: String = Self.path) throws -> String {
        guard let file = fopen(path, "r") else { throw ShippedConfigError("cannot open \(path)") }
        defer { fclose(file) }
        var bytes: [UInt8] = []
        var buffer = [UInt8](repeating: 0, count: 4_096)
        while true {
            let count = fread(&buffer, 1, buffer.count, file)
            if count <= 0 { break }
            bytes += buffer[0..<count]
        }
        return String(decoding: bytes, as: UTF8.self)
    }

    /// The commented `#key = value` lines, uncommented, before the first section.
    private func uncommentedSettings() throws -> [String] {
        var lines: [String] = []
        for line in try shippedText().split(separator: "\n", omittingEmptySubsequences: false) {
            if line.hasPrefix("#[") { break }
            guard line.hasPrefix("#"), line.contains("="), !line.dropFirst().hasPrefix(" ") else { continue }
            lines.append(String(line.dropFirst()))
        }
        return lines
    }

    @Test("every key except the mail templates is listed")
    func everyKey() throws {
        let listed = Set(try uncommentedSettings().map { $0.split(separator: "=")[0].trimmingCharacters() })
        let templates = Set(
            MailTemplateName.allCases.flatMap { ["mail_\($0.rawValue)_subject", "mail_\($0.rawValue)_body"] })
        let keys = configKeys.map(\.name).filter { !templates.contains($0) }
        #expect(keys.filter { !listed.contains($0) } == [])
    }

    @Test("lockwarden.conf(5) describes exactly the keys the parser knows")
    func manualPageKeys() throws {
        // Each key is a tagged paragraph: ".TP", then ".B key".
        let lines = try shippedText(Self.manualPage).split(separator: "\n").map(String.init)
        var described: [String] = []
        for (index, line) in lines.enumerated() where index > 0 && lines[index - 1] == ".TP" && line.hasPrefix(".B ") {
            described.append(String(line.dropFirst(3)))
        }
        #expect(described.sorted() == configKeys.map(\.name).sorted())
    }

    @Test("the listed values are the defaults")
    func defaults() throws {
        let text = try uncommentedSettings().joined(separator: "\n") + "\n"
        let parsed = ConfigParser.parseFile(text, fileName: "lockwarden.conf")
        #expect(parsed.diagnostics.map(\.text) == [])
        #expect(parsed.config == LockwardenConfig())
    }
}

struct ShippedConfigError: Error, CustomStringConvertible {
    var description: String
    init(_ description: String) { self.description = description }
}

extension Substring {
    fileprivate func trimmingCharacters() -> String {
        String(self.drop { $0 == " " }.reversed().drop { $0 == " " }.reversed())
    }
}
