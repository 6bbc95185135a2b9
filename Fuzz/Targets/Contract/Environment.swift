import FuzzSupport
import Glibc
import LockwardenCrypto
import LockwardenStore
import LockwardenSystem
import LockwardenTOTP

/// A private configuration and state database, made once per process: a directory (0700)
/// on a tmpfs when there is one, a root-owned 0644 lockwarden.conf naming `state/lockwarden.db`,
/// and the database made by the store itself. One user (daemon) has a known TOTP secret and
/// backup codes, so the fuzzer can give right answers too. Removed when the process exits.
struct FuzzEnvironment {
    let directory: String
    let configPath: String
    let databasePath: String
    /// Where module arguments naming files (db=, notify_program=, mail_command=) are sent.
    let confinement: String
    let enrolledUser: [UInt8]
    let secret: [UInt8]
    let settings: TOTPSettings
    let backupCodes: [String]

    static let shared: FuzzEnvironment = make()

    private static func make() -> FuzzEnvironment {
        guard geteuid() == 0 else { setupFailure("fuzz-contract must run as root (the core refuses other users)") }
        // Configuration is trusted only along a root-owned path that others cannot write.
        let base = "/run/lockwarden-tests"
        guard mkdir(base, 0o755) == 0 || errno == EEXIST else { setupFailure("mkdir \(base) failed") }
        var template = Array("\(base)/lockwarden-fuzz.XXXXXX".utf8CString)
        let made = template.withUnsafeMutableBufferPointer { buffer -> Bool in
            guard let pointer = buffer.baseAddress else { return false }
            return mkdtemp(pointer) != nil
        }
        guard made else { setupFailure("mkdtemp failed") }
        let directory = String(
            decoding: template.prefix(while: { $0 != 0 }).map { UInt8(bitPattern: $0) }, as: UTF8.self)
        createdDirectory = directory
        atexit { removeCreatedDirectory() }

        let databasePath = directory + "/state/lockwarden.db"
        let configPath = directory + "/lockwarden.conf"
        let config = """
            # Lockwarden configuration for fuzzing
            db = \(databasePath)
            deny = 3
            fail_interval = 900
            unlock_time = 120
            lockouts_before_action = 2
            notify_on_lock = yes
            notify_program = \(directory)/no-notify-program
            user_email = {user}@example.org
            mail_from = lockwarden@example.org

            [clinic fuzz]
            members = root, daemon, bin, @sys
            owners = sys, @sudo
            """
        writeFile(configPath, Array(config.utf8), mode: 0o644)

        let secret: [UInt8] = Array("12345678901234567890".utf8)
        let settings = TOTPSettings()
        var displays: [String] = []
        do throws(StoreError) {
            let store = try StateStore.create(path: databasePath)
            displays = try store.immediateTransaction { store throws(StoreError) -> [String] in
                var shown: [String] = []
                if let daemon = Accounts.user(named: Array("daemon".utf8)) {
                    try store.save(MFARecord(uid: daemon.uid, secret: secret, settings: settings, enrolledAt: 0))
                    if let codes = Enrollment.newBackupCodes() {
                        try store.replaceBackupCodes(uid: daemon.uid, with: codes.map { ($0.salt, $0.hash) }, now: 0)
                        shown = codes.map(\.display)
                    }
                }
                if let bin = Accounts.user(named: Array("bin".utf8)) {
                    try store.save(MFARecord(uid: bin.uid, reenrollRequired: true, resetAt: 0, resetBy: "root"))
                }
                return shown
            }
        } catch {
            setupFailure("cannot create the state database: \(error.message)")
        }
        return FuzzEnvironment(
            directory: directory, configPath: configPath, databasePath: databasePath,
            confinement: directory + "/confined-", enrolledUser: Array("daemon".utf8), secret: secret,
            settings: settings, backupCodes: displays)
    }

    /// The code an authenticator would show now for daemon's secret.
    func currentCode() -> [UInt8] {
        let code = TOTPVerifier.code(secret: secret, settings: settings, at: CurrentProcess.now(), using: NettleHMAC())
        return Array((code ?? "").utf8)
    }
}

nonisolated(unsafe) private var createdDirectory: String?

private func removeCreatedDirectory() {
    guard let directory = createdDirectory else { return }
    removeTree(directory)
}

private func removeTree(_ path: String) {
    var info = stat()
    guard lstat(path, &info) == 0 else { return }
    if info.st_mode & S_IFMT == S_IFDIR {
        if let handle = opendir(path) {
            while let entry = readdir(handle) {
                let name = withUnsafeBytes(of: entry.pointee.d_name) { raw in
                    String(decoding: raw.prefix(while: { $0 != 0 }), as: UTF8.self)
                }
                if name == "." || name == ".." { continue }
                removeTree(path + "/" + name)
            }
            closedir(handle)
        }
        rmdir(path)
    } else {
        unlink(path)
    }
}

private func writeFile(_ path: String, _ bytes: [UInt8], mode: mode_t) {
    let descriptor = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_NOFOLLOW | O_CLOEXEC, mode)
    guard descriptor >= 0 else { setupFailure("cannot create \(path)") }
    let written = bytes.withUnsafeBytes { write(descriptor, $0.baseAddress, $0.count) }
    guard written == bytes.count, fchmod(descriptor, mode) == 0, fchown(descriptor, 0, 0) == 0 else {
        setupFailure("cannot write \(path)")
    }
    close(descriptor)
}

private func setupFailure(_ message: String) -> Never {
    writeError("fuzz-contract setup: \(message)\n")
    exit(2)
}
