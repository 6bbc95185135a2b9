import LockwardenPolicy
import LockwardenSystem

/// lockwarden.conf as the PAM module reads it: same safety checks, same parser, no
/// module arguments. A missing default file means the defaults.
struct ConfigFile {
    enum State {
        case present
        case absentDefaults
        /// Missing (not the default path), unsafe, unreadable or not UTF-8: the module would refuse it.
        case refused(String)
    }

    var path: String
    var file: State
    var parsed: ParsedConfig

    static func load(_ path: String, arguments: [String] = []) -> ConfigFile {
        let file: State
        var text = ""
        switch TrustedPath.read(path, limit: 1 << 20) {
        case .success(let bytes):
            if let decoded = String(validating: bytes, as: UTF8.self) {
                text = decoded
                file = .present
            } else {
                file = .refused("configuration refused: \(Display.text(path)) is not valid UTF-8")
            }
        case .failure(.unsafe(.missing)) where path == LockwardenConfig.defaultPath:
            file = .absentDefaults
        case .failure(.unsafe(let problem)):
            file = .refused("configuration refused: \(Display.text(problem.message))")
        case .failure(.unreadable(let error)):
            file = .refused("configuration unreadable: \(Display.text(error.message))")
        }
        let parsed = ConfigParser.parse(fileText: text, fileName: path, arguments: arguments)
        return ConfigFile(path: path, file: file, parsed: parsed)
    }
}
