import LockwardenPolicy
import LockwardenSystem

/// The configuration in force for one call, from lockwarden.conf and the module arguments.
struct CallSettings {
    var config: LockwardenConfig
    var mode: String?
    /// The configuration file in force, handed on to the mail sender.
    var configPath: String

    /// Reads and validates everything; returns nil (after logging why) if the call must fail closed.
    static func load(arguments rawArguments: [[UInt8]], host: CallHost) -> CallSettings? {
        var arguments: [String] = []
        for raw in rawArguments {
            guard raw.count <= RequestLimits.maxFieldBytes, !raw.contains(0),
                let text = String(validating: raw, as: UTF8.self)
            else {
                host.log(
                    .error, "configuration error: module argument \"\(Escape.bytes(raw, limit: 64))\" is not valid text"
                )
                return nil
            }
            arguments.append(text)
        }
        let path = ConfigParser.configPath(arguments: arguments)
        // The path appears in log lines as it is: refuse one with control characters.
        guard Escape.isPrintable(path) else {
            host.log(
                .error, "configuration error: conf path \"\(Escape.text(path, limit: 64))\" holds control characters")
            return nil
        }
        let fileText: String
        switch readConfiguration(path, host: host) {
        case .some(let text): fileText = text
        case .none: return nil
        }
        let parsed = ParsedConfigCache.shared.parsed(fileText: fileText, fileName: path, arguments: arguments)
        for diagnostic in parsed.diagnostics {
            host.log(
                diagnostic.severity == .error ? .error : .warning,
                "configuration \(diagnostic.severity == .error ? "error" : "warning"): \(diagnostic.text)")
        }
        guard parsed.isValid else { return nil }
        return CallSettings(config: parsed.config, mode: parsed.mode, configPath: path)
    }

    /// The file's text; "" when the default file is absent (defaults apply); nil to fail closed.
    private static func readConfiguration(_ path: String, host: CallHost) -> String? {
        // A relative path would be resolved against the host's working directory (for su, the user's).
        guard path.hasPrefix("/") else {
            host.log(.error, "configuration error: conf=\(path) is not an absolute path")
            return nil
        }
        switch TrustedPath.read(path, limit: 1 << 20) {
        case .success(let bytes):
            guard let text = String(validating: bytes, as: UTF8.self) else {
                host.log(.error, "configuration error: \(path) is not valid UTF-8")
                return nil
            }
            return text
        case .failure(.unsafe(.missing)) where path == LockwardenConfig.defaultPath:
            return ""
        case .failure(let error):
            host.log(.error, "configuration error: \(error.message)")
            return nil
        }
    }
}
