import CLibc

/// Files Lockwarden trusts: its configuration and the programs it runs (mail_command,
/// notify_program). Such a file is a regular file owned by root and not writable by group or
/// others, and so is every directory on its path, from `/` down: nobody but root can then
/// change what the path names. The walk opens each component with `openat(…, O_NOFOLLOW)` and
/// checks the open descriptor (`fstat`), so there is no window between check and use.
/// `/proc`, `/sys` and `/dev` never qualify (their files are root's, and say what a caller wants).
public enum TrustedPath {
    /// File systems whose files belong to root but whose contents others choose.
    private static let untrustedFileSystems: Set<Int> = [
        0x9fa0,  // proc
        0x6265_6572,  // sysfs
        0x6462_6720,  // debugfs
        0x7363_6673,  // securityfs
        0x0027_e0eb,  // cgroup
        0x6367_7270,  // cgroup2
        0x1cd1,  // devpts
        0x7472_6163,  // tracefs
        0xcafe_4a11,  // bpf
    ]

    /// Opens the file for reading, after checking it and its whole path; the caller closes the
    /// descriptor. `executable` also requires an execute bit.
    public static func open(_ path: String, executable: Bool = false) -> Result<Int32, UnsafeFile> {
        let components: [Substring.UTF8View]
        switch split(path) {
        case .failure(let problem): return .failure(problem)
        case .success(let parts): components = parts
        }
        guard let last = components.last else { return .failure(.wrongType(path: path)) }
        let directory: Int32
        switch walk(components.dropLast()) {
        case .failure(let problem): return .failure(problem)
        case .success(let descriptor): directory = descriptor
        }
        // O_NONBLOCK: a FIFO must not hang a login; it is refused below as not a regular file.
        let file = openComponent(directory, last, flags: O_RDONLY | O_NOFOLLOW | O_CLOEXEC | O_NOCTTY | O_NONBLOCK)
        let openErrno = lw_errno()
        close(directory)
        guard file >= 0 else { return .failure(openProblem(openErrno, path: path)) }
        if let problem = checkFile(file, path: path, executable: executable) {
            close(file)
            return .failure(problem)
        }
        return .success(file)
    }

    /// Checks a directory and its whole path the same way.
    public static func checkDirectory(_ path: String) -> UnsafeFile? {
        switch split(path) {
        case .failure(let problem): return problem
        case .success(let components):
            switch walk(components[...]) {
            case .failure(let problem): return problem
            case .success(let descriptor):
                close(descriptor)
                return nil
            }
        }
    }

    /// The components of an absolute, canonical path outside /proc, /sys and /dev.
    private static func split(_ path: String) -> Result<[Substring.UTF8View], UnsafeFile> {
        guard path.hasPrefix("/") else { return .failure(.notAbsolute(path: path)) }
        if path == "/" { return .success([]) }
        let components = Substring(path).utf8.split(separator: UInt8(ascii: "/"), omittingEmptySubsequences: false)
            .dropFirst()
        guard components.count <= 64, components.allSatisfy({ !$0.isEmpty && !isDotComponent($0) && !$0.contains(0) })
        else { return .failure(.notCanonical(path: path)) }
        if let top = components.first.map({ String(decoding: $0, as: UTF8.self) }),
            ["proc", "sys", "dev"].contains(top)
        {
            return .failure(.pseudoFileSystem(path: path))
        }
        return .success(Array(components))
    }

    /// Opens `/` and then each directory in turn, checking each open descriptor; returns the
    /// last one, which the caller closes.
    private static func walk(_ directories: ArraySlice<Substring.UTF8View>) -> Result<Int32, UnsafeFile> {
        var directory = lw_open("/", O_RDONLY | O_DIRECTORY | O_CLOEXEC)
        guard directory >= 0 else { return .failure(.unreadable(path: "/", errno: lw_errno())) }
        var walked = ""
        if let problem = checkDirectory(directory, path: "/") {
            close(directory)
            return .failure(problem)
        }
        for component in directories {
            walked += "/" + String(decoding: component, as: UTF8.self)
            let next = openComponent(directory, component, flags: O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC)
            let openErrno = lw_errno()
            close(directory)
            guard next >= 0 else { return .failure(openProblem(openErrno, path: walked)) }
            if let problem = checkDirectory(next, path: walked) {
                close(next)
                return .failure(problem)
            }
            directory = next
        }
        return .success(directory)
    }

    /// Reads a trusted file of at most `limit` bytes.
    public static func read(_ path: String, limit: Int = 1 << 20) -> Result<[UInt8], TrustedFileError> {
        switch open(path) {
        case .failure(let problem): return .failure(.unsafe(problem))
        case .success(let descriptor):
            defer { close(descriptor) }
            switch Files.read(descriptor: descriptor, path: path, limit: limit) {
            case .success(let bytes): return .success(bytes)
            case .failure(let error): return .failure(.unreadable(error))
            }
        }
    }

    /// The absolute, symlink-free path of a program Lockwarden may run, or why not: the file the
    /// path resolves to must be trusted along its own whole path, and executable. The caller runs
    /// that resolved path, so a link swapped after the check changes nothing; and nobody but root
    /// can change any component of the resolved path.
    public static func program(_ path: String) -> Result<String, UnsafeFile> {
        guard path.hasPrefix("/") else { return .failure(.notAbsolute(path: path)) }
        var buffer = [CChar](repeating: 0, count: Int(PATH_MAX) + 1)
        let resolved = buffer.withUnsafeMutableBufferPointer { pointer -> String? in
            guard let base = pointer.baseAddress, realpath(path, base) != nil else { return nil }
            return String(cString: base)
        }
        guard let resolved else {
            let code = lw_errno()
            return .failure(code == ENOENT ? .missing(path: path) : .unreadable(path: path, errno: code))
        }
        switch open(resolved, executable: true) {
        case .failure(let problem): return .failure(problem)
        case .success(let descriptor):
            close(descriptor)
            return .success(resolved)
        }
    }

    private static func isDotComponent<Bytes: Collection>(_ bytes: Bytes) -> Bool where Bytes.Element == UInt8 {
        bytes.allSatisfy { $0 == UInt8(ascii: ".") } && bytes.count <= 2
    }

    private static func openComponent<Bytes: Collection>(_ directory: Int32, _ name: Bytes, flags: Int32) -> Int32
    where Bytes.Element == UInt8 {
        guard let cName = cString(name) else {
            lw_set_errno(EINVAL)
            return -1
        }
        return lw_openat(directory, cName, flags)
    }

    private static func openProblem(_ code: Int32, path: String) -> UnsafeFile {
        switch code {
        case ENOENT: return .missing(path: path)
        case ELOOP: return .symlink(path: path)
        case ENOTDIR: return .wrongType(path: path)
        default: return .unreadable(path: path, errno: code)
        }
    }

    private static func checkDirectory(_ descriptor: Int32, path: String) -> UnsafeFile? {
        var info = stat()
        guard fstat(descriptor, &info) == 0 else { return .unreadable(path: path, errno: lw_errno()) }
        if lw_file_type(info.st_mode) != lw_type_directory { return .wrongType(path: path) }
        if info.st_uid != 0 { return .notOwnedByRoot(path: path, uid: info.st_uid) }
        if info.st_mode & 0o022 != 0 { return .writableByOthers(path: path, mode: info.st_mode) }
        return nil
    }

    private static func checkFile(_ descriptor: Int32, path: String, executable: Bool) -> UnsafeFile? {
        var info = stat()
        guard fstat(descriptor, &info) == 0 else { return .unreadable(path: path, errno: lw_errno()) }
        if lw_file_type(info.st_mode) != lw_type_regular { return .wrongType(path: path) }
        if info.st_uid != 0 { return .notOwnedByRoot(path: path, uid: info.st_uid) }
        if info.st_mode & 0o022 != 0 { return .writableByOthers(path: path, mode: info.st_mode) }
        if executable && info.st_mode & 0o111 == 0 { return .notExecutable(path: path) }
        var fileSystem = statfs()
        guard fstatfs(descriptor, &fileSystem) == 0 else { return .unreadable(path: path, errno: lw_errno()) }
        if untrustedFileSystems.contains(Int(fileSystem.f_type)) { return .pseudoFileSystem(path: path) }
        return nil
    }
}

/// Why a trusted file could not be read.
public enum TrustedFileError: Error, Equatable, Sendable {
    case unsafe(UnsafeFile)
    case unreadable(SystemError)

    public var message: String {
        switch self {
        case .unsafe(let problem): return problem.message
        case .unreadable(let error): return error.message
        }
    }
}
