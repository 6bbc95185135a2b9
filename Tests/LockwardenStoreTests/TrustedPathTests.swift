import Glibc
import LockwardenSystem
import Testing

/// Configuration and programs are trusted only along a root-owned path that nobody else can
/// write, checked on open descriptors.
@Suite("Trusted paths")
struct TrustedPathTests {
    private static let base = "/run/lockwarden-tests"

    private func makeDirectory() throws -> String {
        guard mkdir(Self.base, 0o755) == 0 || errno == EEXIST else { throw FixtureError("mkdir \(Self.base)") }
        var template = Array("\(Self.base)/trusted-XXXXXX".utf8CString)
        let made = template.withUnsafeMutableBufferPointer { buffer -> String? in
            guard let pointer = buffer.baseAddress, mkdtemp(pointer) != nil else { return nil }
            return String(cString: pointer)
        }
        guard let made, chmod(made, 0o755) == 0 else { throw FixtureError("mkdtemp") }
        return made
    }

    private func write(_ path: String, mode: mode_t) throws {
        let descriptor = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, mode)
        guard descriptor >= 0 else { throw FixtureError("create \(path)") }
        _ = "deny = 3\n".withCString { Glibc.write(descriptor, $0, 9) }
        close(descriptor)
        guard chmod(path, mode) == 0 else { throw FixtureError("chmod \(path)") }
    }

    @Test("a root-owned file along root-owned, unwritable directories is read")
    func trustedFile() throws {
        let directory = try makeDirectory()
        defer { _ = unlink(directory + "/lockwarden.conf"); _ = rmdir(directory) }
        try write(directory + "/lockwarden.conf", mode: 0o644)
        #expect(TrustedPath.read(directory + "/lockwarden.conf") == .success(Array("deny = 3\n".utf8)))
    }

    @Test("what others could change, or the kernel makes up, is refused")
    func refusals() throws {
        let directory = try makeDirectory()
        let file = directory + "/lockwarden.conf"
        defer {
            _ = unlink(file)
            _ = unlink(directory + "/link")
            _ = rmdir(directory + "/open")
            _ = rmdir(directory)
        }
        try write(file, mode: 0o644)
        #expect(TrustedPath.open("relative.conf") == .failure(.notAbsolute(path: "relative.conf")))
        #expect(TrustedPath.open("/proc/self/cmdline") == .failure(.pseudoFileSystem(path: "/proc/self/cmdline")))
        #expect(TrustedPath.open("/dev/null") == .failure(.pseudoFileSystem(path: "/dev/null")))
        let dotted = directory + "/../../proc/self/cmdline"
        #expect(TrustedPath.open(dotted) == .failure(.notCanonical(path: dotted)))
        #expect(
            TrustedPath.open(directory + "//lockwarden.conf")
                == .failure(.notCanonical(path: directory + "//lockwarden.conf")))
        #expect(symlink(file, directory + "/link") == 0)
        #expect(TrustedPath.open(directory + "/link") == .failure(.symlink(path: directory + "/link")))
        // A directory others may write: they could swap the file.
        #expect(mkdir(directory + "/open", 0o755) == 0 && chmod(directory + "/open", 0o1777) == 0)
        #expect(
            TrustedPath.open(directory + "/open/x.conf")
                == .failure(.writableByOthers(path: directory + "/open", mode: S_IFDIR | 0o1777)))
        #expect(chmod(file, 0o664) == 0)
        #expect(TrustedPath.open(file) == .failure(.writableByOthers(path: file, mode: S_IFREG | 0o664)))
        #expect(chmod(file, 0o644) == 0 && chown(file, 65_534, 0) == 0)
        #expect(TrustedPath.open(file) == .failure(.notOwnedByRoot(path: file, uid: 65_534)))
        #expect(TrustedPath.open(directory + "/missing") == .failure(.missing(path: directory + "/missing")))
    }

    @Test("a program is resolved through root's links and must be executable")
    func programs() throws {
        let directory = try makeDirectory()
        let file = directory + "/mailer"
        defer { _ = unlink(file); _ = rmdir(directory) }
        try write(file, mode: 0o644)
        #expect(TrustedPath.program(file) == .failure(.notExecutable(path: file)))
        #expect(chmod(file, 0o755) == 0)
        #expect(TrustedPath.program(file) == .success(file))
        // Debian's /bin is a link to usr/bin, made by root.
        #expect(TrustedPath.program("/bin/false") == .success("/usr/bin/false"))
        // A program in a directory others may write is refused, whoever owns it.
        let planted = "/tmp/lockwarden-trusted-path-test"
        defer { _ = unlink(planted) }
        try write(planted, mode: 0o755)
        #expect(TrustedPath.program(planted) == .failure(.writableByOthers(path: "/tmp", mode: S_IFDIR | 0o1777)))
    }
}
