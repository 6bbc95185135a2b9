import CLibc

/// Why a state file or directory is refused. Each case has its own log line, because an
/// administrator must be able to tell "missing" from "someone replaced it with a symlink".
public enum UnsafeFile: Error, Equatable, Sendable {
    case missing(path: String)
    case unreadable(path: String, errno: Int32)
    case symlink(path: String)
    case wrongType(path: String)
    case notOwnedByRoot(path: String, uid: UInt32)
    case accessibleByOthers(path: String, mode: UInt32)
    case hardLinked(path: String, links: UInt64)
    case notAbsolute(path: String)
    case notCanonical(path: String)
    case pseudoFileSystem(path: String)
    case writableByOthers(path: String, mode: UInt32)
    case notExecutable(path: String)

    public var message: String {
        switch self {
        case .missing(let path): return "\(path) does not exist"
        case .unreadable(let path, let code): return "cannot inspect \(path): \(errorText(code))"
        case .symlink(let path): return "\(path) is a symbolic link; refusing it"
        case .wrongType(let path): return "\(path) is not of the expected type (file or directory)"
        case .notOwnedByRoot(let path, let uid): return "\(path) is owned by uid \(uid), not root; refusing it"
        case .accessibleByOthers(let path, let mode):
            return "\(path) has mode \(String(mode & 0o7777, radix: 8)); group and others must have no access"
        case .hardLinked(let path, let links): return "\(path) has \(links) hard links; refusing it"
        case .notAbsolute(let path): return "\(path) is not an absolute path"
        case .notCanonical(let path): return "\(path) holds an empty, \".\" or \"..\" component; name the file itself"
        case .pseudoFileSystem(let path): return "\(path) is in /proc, /sys or /dev; refusing it"
        case .writableByOthers(let path, let mode):
            return "\(path) has mode \(String(mode & 0o7777, radix: 8)); group and others must not be able to write it"
        case .notExecutable(let path): return "\(path) is not executable"
        }
    }
}

/// Ownership and permission checks for the state directory and database. Root ignores
/// file modes, so these are policy checks made before anything is opened.
public enum FileSafety {
    public enum Kind: Sendable { case directory, file }

    /// Checks a path is what it should be: root-owned, private, no symlink, one link.
    /// `mustExist: false` accepts a missing file (e.g. the -wal file before first use).
    public static func check(_ path: String, as kind: Kind, mustExist: Bool = true) -> UnsafeFile? {
        var info = stat()
        guard lstat(path, &info) == 0 else {
            let code = lw_errno()
            if code == ENOENT { return mustExist ? .missing(path: path) : nil }
            return .unreadable(path: path, errno: code)
        }
        let type = lw_file_type(info.st_mode)
        if type == lw_type_symlink { return .symlink(path: path) }
        if type != (kind == .directory ? lw_type_directory : lw_type_regular) { return .wrongType(path: path) }
        if info.st_uid != 0 { return .notOwnedByRoot(path: path, uid: info.st_uid) }
        if info.st_mode & 0o077 != 0 { return .accessibleByOthers(path: path, mode: info.st_mode) }
        if kind == .file && info.st_nlink > 1 { return .hardLinked(path: path, links: UInt64(info.st_nlink)) }
        return nil
    }

    /// The directory part of a path ("/" for top-level files).
    public static func directory(of path: String) -> String {
        guard let slash = path.lastIndex(of: "/") else { return "." }
        let parent = String(path[path.startIndex..<slash])
        return parent.isEmpty ? "/" : parent
    }
}
