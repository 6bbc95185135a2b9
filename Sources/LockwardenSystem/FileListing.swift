import CLibc

/// What lstat(2) says of a path, for the checks `doctor` makes of installed files.
public struct FileStatus: Equatable, Sendable {
    public enum Kind: Equatable, Sendable { case regular, directory, symlink, other }
    public var kind: Kind
    public var owner: UInt32
    /// Permission bits (mode & 07777).
    public var permissions: UInt32
}

extension Files {
    /// The path itself, not what a symbolic link points to; the errno when it cannot be inspected.
    public static func linkStatus(_ path: String) -> Result<FileStatus, SystemError> {
        var info = stat()
        guard lstat(path, &info) == 0 else { return .failure(SystemError("lstat \(path)", errno: lw_errno())) }
        let type = lw_file_type(info.st_mode)
        let kind: FileStatus.Kind =
            type == lw_type_regular
            ? .regular
            : type == lw_type_directory ? .directory : type == lw_type_symlink ? .symlink : .other
        return .success(FileStatus(kind: kind, owner: info.st_uid, permissions: UInt32(info.st_mode & 0o7777)))
    }

    /// Whether the path (after links) is a regular file.
    public static func isRegularFile(_ path: String) -> Bool {
        var info = stat()
        return stat(path, &info) == 0 && lw_file_type(info.st_mode) == lw_type_regular
    }

    /// The names in a directory other than "." and "..", at most `limit`; nil if it cannot be read.
    public static func names(in directory: String, limit: Int = 10_000) -> [String]? {
        guard let handle = opendir(directory) else { return nil }
        defer { closedir(handle) }
        var names: [String] = []
        while let entry = readdir(handle), names.count < limit {
            let name = withUnsafeBytes(of: entry.pointee.d_name) { raw in
                String(decoding: raw.prefix { $0 != 0 }, as: UTF8.self)
            }
            if name != "." && name != ".." { names.append(name) }
        }
        return names
    }

    /// The paths a shell glob matches, sorted as sshd sorts them.
    public static func glob(_ pattern: String) -> [String] {
        var result = glob_t()
        defer { globfree(&result) }
        guard CLibc.glob(pattern, 0, nil, &result) == 0, let paths = result.gl_pathv else { return [] }
        var files: [String] = []
        for index in 0..<Int(result.gl_pathc) {
            if let path = paths[index] { files.append(String(cString: path)) }
        }
        return files.sorted()
    }
}
