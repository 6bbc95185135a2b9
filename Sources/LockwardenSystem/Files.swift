import CLibc

/// Small, bounded file reads and writes without Foundation.
public enum Files {
    /// Reads a whole file of at most `limit` bytes, never following a symlink.
    public static func read(_ path: String, limit: Int = 1 << 20) -> Result<[UInt8], SystemError> {
        let descriptor = lw_open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW)
        guard descriptor >= 0 else { return .failure(SystemError("open \(path)", errno: lw_errno())) }
        defer { close(descriptor) }
        return read(descriptor: descriptor, path: path, limit: limit)
    }

    /// Reads what is left of an open file, at most `limit` bytes; `path` names it in errors.
    public static func read(descriptor: Int32, path: String, limit: Int) -> Result<[UInt8], SystemError> {
        var contents: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 16_384)
        while contents.count <= limit {
            let count = chunk.withUnsafeMutableBytes { CLibc.read(descriptor, $0.baseAddress, $0.count) }
            if count < 0 {
                if lw_errno() == EINTR { continue }
                return .failure(SystemError("read \(path)", errno: lw_errno()))
            }
            if count == 0 { return .success(contents) }
            contents += chunk.prefix(count)
        }
        return .failure(SystemError("read \(path): larger than \(limit) bytes", errno: EFBIG))
    }

    /// Creates a new file (never one that exists, never through a symlink) with `mode`, and
    /// writes `bytes` to it, synced.
    public static func createNew(_ path: String, mode: UInt32, bytes: [UInt8]) -> SystemError? {
        let descriptor = lw_open_mode(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC | O_NOFOLLOW, mode)
        guard descriptor >= 0 else { return SystemError("create \(path)", errno: lw_errno()) }
        defer { close(descriptor) }
        var written = 0
        while written < bytes.count {
            let count = bytes.withUnsafeBytes { buffer -> Int in
                guard let base = buffer.baseAddress else { return 0 }
                return CLibc.write(descriptor, base + written, buffer.count - written)
            }
            if count < 0 {
                if lw_errno() == EINTR { continue }
                return SystemError("write \(path)", errno: lw_errno())
            }
            written += count
        }
        return fsync(descriptor) == 0 ? nil : SystemError("fsync \(path)", errno: lw_errno())
    }

    /// Whether anything (file, directory, link) exists at the path.
    public static func exists(_ path: String) -> Bool {
        var info = stat()
        return lstat(path, &info) == 0
    }

    /// Creates a directory with the given mode (no error if it exists).
    public static func makeDirectory(_ path: String, mode: UInt32) -> SystemError? {
        if mkdir(path, mode) == 0 || lw_errno() == EEXIST { return nil }
        return SystemError("mkdir \(path)", errno: lw_errno())
    }
}

/// Which file a path names (device and inode, from lstat): to tell later whether the path
/// still names the file a descriptor or connection has open.
public struct FileIdentity: Equatable, Sendable {
    public var device: UInt64
    public var inode: UInt64

    public init?(path: String) {
        var info = stat()
        guard lstat(path, &info) == 0 else { return nil }
        device = UInt64(info.st_dev)
        inode = UInt64(info.st_ino)
    }
}
