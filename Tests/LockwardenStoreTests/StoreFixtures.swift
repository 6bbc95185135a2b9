import Glibc
import LockwardenPolicy

@testable import LockwardenStore

struct FixtureError: Error, CustomStringConvertible {
    var description: String
    init(_ description: String) { self.description = description }
}

/// A fixed, injected "now": tests never read the clock.
let t0: Int64 = 1_700_000_000

/// A private directory (mode 0700) made with mkdtemp. Tests remove it with a `defer`, which
/// also keeps it alive for the whole test.
final class TemporaryDirectory {
    let path: String

    init() throws {
        var template = Array("/tmp/lockwarden-store-XXXXXX".utf8CString)
        let made = template.withUnsafeMutableBufferPointer { buffer -> String? in
            guard let base = buffer.baseAddress, let pointer = mkdtemp(base) else { return nil }
            return String(cString: pointer)
        }
        guard let made else { throw FixtureError("mkdtemp failed: errno \(errno)") }
        path = made
        // Another test's StateStore.create may have the process umask changed; be explicit.
        try check(chmod(path, 0o700), "chmod \(path)")
    }

    func remove() { removeTree(path) }

    func file(_ name: String) -> String { path + "/" + name }
}

func check(_ status: Int32, _ what: String) throws {
    guard status == 0 else { throw FixtureError("\(what): errno \(errno)") }
}

/// Writes a file with exactly this mode, whatever the umask.
func writeFile(_ path: String, _ bytes: [UInt8], mode: mode_t) throws {
    let descriptor = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC | O_NOFOLLOW, mode)
    guard descriptor >= 0 else { throw FixtureError("open \(path): errno \(errno)") }
    defer { close(descriptor) }
    let written = bytes.withUnsafeBytes { write(descriptor, $0.baseAddress, $0.count) }
    guard written == bytes.count else { throw FixtureError("write \(path): errno \(errno)") }
    try check(fchmod(descriptor, mode), "fchmod \(path)")
}

func readFile(_ path: String) -> [UInt8]? {
    let descriptor = open(path, O_RDONLY | O_CLOEXEC)
    guard descriptor >= 0 else { return nil }
    defer { close(descriptor) }
    var contents: [UInt8] = []
    var chunk = [UInt8](repeating: 0, count: 4_096)
    while true {
        let count = chunk.withUnsafeMutableBytes { read(descriptor, $0.baseAddress, $0.count) }
        if count <= 0 { return count == 0 ? contents : nil }
        contents += chunk.prefix(count)
    }
}

func fileMode(_ path: String) -> mode_t? {
    var info = stat()
    guard lstat(path, &info) == 0 else { return nil }
    return info.st_mode
}

func exists(_ path: String) -> Bool { fileMode(path) != nil }

/// rm -rf for the fixture's own directory (never follows symlinks).
func removeTree(_ path: String) {
    guard let mode = fileMode(path) else { return }
    guard mode & S_IFMT == S_IFDIR else {
        unlink(path)
        return
    }
    var names: [String] = []
    if let directory = opendir(path) {
        while let entry = readdir(directory) {
            let name = withUnsafeBytes(of: entry.pointee.d_name) { raw in
                String(decoding: raw.prefix { $0 != 0 }, as: UTF8.self)
            }
            if name != "." && name != ".." { names.append(name) }
        }
        closedir(directory)
    }
    for name in names { removeTree(path + "/" + name) }
    rmdir(path)
}

/// A freshly created database in its own private directory.
struct StoreFixture {
    let directory: TemporaryDirectory
    let databasePath: String

    init(name: String = "lockwarden.db") throws {
        // The store refuses any other effective UID (StoreError.notRoot), as the module does.
        guard geteuid() == 0 else { throw FixtureError("the store tests need root (the database is root-only)") }
        directory = try TemporaryDirectory()
        databasePath = directory.file(name)
        do {
            _ = try StateStore.create(path: databasePath)
        } catch {
            directory.remove()
            throw error
        }
    }

    func remove() { directory.remove() }

    func open(busyTimeoutMilliseconds: Int = 2_000, maxEvents: Int = 100_000, maxUnknownUsers: Int = 10_000) throws
        -> StateStore
    {
        try StateStore.open(
            path: databasePath, busyTimeoutMilliseconds: busyTimeoutMilliseconds, maxEvents: maxEvents,
            maxUnknownUsers: maxUnknownUsers)
    }
}

/// The error a throwing store call ends with, or nil if it succeeded.
func storeError<T>(_ body: () throws(StoreError) -> T) -> StoreError? {
    do {
        _ = try body()
        return nil
    } catch {
        return error
    }
}
