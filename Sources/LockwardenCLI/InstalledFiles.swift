import LockwardenSystem

/// Checks of the installed binaries: what the PAM module itself insists on before it
/// loads the core (regular file and directory, owned by root, not writable by group or others).
enum InstalledFiles {
    static let corePath = "/usr/lib/lockwarden/liblockwarden_core.so"
    static let cliPath = "/usr/sbin/lockwarden"
    static let helperPath = "/usr/lib/lockwarden/lockwarden-helper"
    static let moduleName = "pam_lockwarden.so"

    /// Where PAM looks for modules, the multiarch directories first.
    static var moduleDirectories: [String] {
        let triple = "\(HostName.machine())-linux-gnu"
        var directories = ["/usr/lib/\(triple)/security", "/lib/\(triple)/security"]
        for fallback in [
            "/usr/lib/x86_64-linux-gnu/security", "/lib/x86_64-linux-gnu/security", "/usr/lib64/security",
            "/lib/security", "/usr/lib/security",
        ] where !directories.contains(fallback) {
            directories.append(fallback)
        }
        return directories
    }

    /// Nil when the path is a root-owned regular file (or directory) that group and others
    /// cannot write; otherwise why not.
    static func unsafeReason(_ path: String, directory: Bool = false) -> String? {
        let status: FileStatus
        switch Files.linkStatus(path) {
        case .success(let found): status = found
        case .failure(let error):
            return error.isMissing ? "\(path) does not exist" : "cannot inspect \(path): \(errorText(error.errno))"
        }
        if status.kind == .symlink { return "\(path) is a symbolic link" }
        if status.kind != (directory ? .directory : .regular) {
            return "\(path) is not a \(directory ? "directory" : "regular file")"
        }
        if status.owner != 0 { return "\(path) is owned by uid \(status.owner), not root" }
        if status.permissions & 0o022 != 0 {
            return "\(path) has mode \(String(status.permissions, radix: 8)); group and others must not write it"
        }
        return nil
    }

    static func check(core: String, moduleDirectory: String?, into report: inout DoctorReport) {
        if let reason = unsafeReason(core) {
            report.problem("core", "core library: \(reason); the module denies every login without it")
        } else if let reason = unsafeReason(FileSafety.directory(of: core), directory: true) {
            report.problem("core", "core library directory: \(reason); the module refuses to load the core")
        } else {
            report.ok("core", "core library \(core) is root's and not writable by others")
        }

        let directories = moduleDirectory.map { [$0] } ?? moduleDirectories
        if let found = directories.map({ $0 + "/" + moduleName }).first(where: Files.exists) {
            if let reason = unsafeReason(found) {
                report.problem("module", "PAM module: \(reason)")
            } else {
                report.ok("module", "PAM module \(found) is root's and not writable by others")
            }
        } else {
            report.problem("module", "PAM module \(moduleName) not found in \(directories.joined(separator: ", "))")
        }

        checkHelper(beside: core, into: &report)

        if Files.exists(cliPath) {
            report.ok("cli", "admin command \(cliPath) is installed")
        } else {
            report.warning("cli", "admin command \(cliPath) is not installed")
        }
    }

    /// The set-uid helper screen lockers need: root's, set-uid, beside the core.
    static func checkHelper(beside core: String, into report: inout DoctorReport) {
        let helper = FileSafety.directory(of: core) + "/lockwarden-helper"
        let consequence = "screen lockers and other callers that are not root are denied"
        if let reason = unsafeReason(helper) {
            report.warning("helper", "\(reason); \(consequence)")
        } else if case .success(let status) = Files.linkStatus(helper), status.permissions & 0o4000 == 0 {
            report.warning("helper", "\(helper) is not set-uid (chmod 4755); \(consequence)")
        } else {
            report.ok("helper", "helper for screen lockers \(helper) is root's and set-uid")
        }
    }
}
