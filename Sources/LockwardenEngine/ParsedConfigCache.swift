import CLibc
import LockwardenPolicy

/// The configuration file last parsed in this process, reused while its path and text are the
/// same. The core stays loaded (`-z nodelete`) and every PAM call of a login reads the same
/// file: the file is still read and checked each call and the module arguments are applied
/// each call; only parsing the file's text is saved. Any difference in the text parses again,
/// so nothing stale is ever used.
final class ParsedConfigCache: @unchecked Sendable {
    static let shared = ParsedConfigCache()

    private struct Key: Equatable {
        var path: String
        var text: String
    }

    /// Guarded by lw_parse_cache_lock (a pthread mutex in CLibc).
    private var last: (key: Key, file: ParsedConfig)?

    func parsed(fileText: String, fileName: String, arguments: [String]) -> ParsedConfig {
        let key = Key(path: fileName, text: fileText)
        lw_parse_cache_lock()
        let cached = last.flatMap { $0.key == key ? $0.file : nil }
        lw_parse_cache_unlock()
        let file = cached ?? ConfigParser.parseFile(fileText, fileName: fileName)
        if cached == nil {
            lw_parse_cache_lock()
            last = (key, file)
            lw_parse_cache_unlock()
        }
        return ConfigParser.applying(arguments: arguments, to: file, fileName: fileName)
    }
}
