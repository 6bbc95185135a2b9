import LockwardenPolicy
import Synchronization

/// The configuration file last parsed in this process, reused while its path and text are the
/// same. The core stays loaded (`-z nodelete`) and every PAM call of a login reads the same
/// file: the file is still read and checked each call and the module arguments are applied
/// each call; only parsing the file's text is saved. Any difference in the text parses again,
/// so nothing stale is ever used.
final class ParsedConfigCache: Sendable {
    static let shared = ParsedConfigCache()

    private struct Key: Equatable {
        var path: String
        var text: String
    }

    private let last = Mutex<(key: Key, file: ParsedConfig)?>(nil)

    func parsed(fileText: String, fileName: String, arguments: [String]) -> ParsedConfig {
        let key = Key(path: fileName, text: fileText)
        let cached = last.withLock { entry in entry.flatMap { $0.key == key ? $0.file : nil } }
        let file = cached ?? ConfigParser.parseFile(fileText, fileName: fileName)
        if cached == nil { last.withLock { $0 = (key, file) } }
        return ConfigParser.applying(arguments: arguments, to: file, fileName: fileName)
    }
}
