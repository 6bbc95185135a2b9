import ArgumentParser
import LockwardenPolicy
import LockwardenStore
import LockwardenSystem

/// `lockwarden doctor`: checks the configuration, the state, the installed files, the PAM
/// stacks and sshd, one finding per line.
struct DoctorCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "doctor",
        abstract: "Check the configuration, database, installed files, PAM stacks and sshd.",
        discussion: """
            Prints one line per finding, starting with "ok:", "warning:" or "problem:". Exits \
            with 0 when there is no problem (warnings allowed), 1 otherwise.
            """)

    @OptionGroup var global: GlobalOptions

    @Flag(help: "Print one JSON object.")
    var json = false

    @Option(help: .hidden) var corePath: String = InstalledFiles.corePath
    @Option(help: .hidden) var moduleDir: String?
    @Option(help: .hidden) var pamDir: String = "/etc/pam.d"
    @Option(help: .hidden) var sshdConfig: String = SshdConfig.defaultPath

    func validate() throws { try RootCheck.require() }

    func run() throws {
        var report = DoctorReport()
        report.ok("root", "running as root (effective uid 0), actor \(Actor.current())")
        let config = checkConfig(into: &report)
        checkDatabase(config, into: &report)
        checkFleet(config, into: &report)
        InstalledFiles.check(core: corePath, moduleDirectory: moduleDir, into: &report)
        checkStacks(into: &report)
        checkSshd(into: &report)
        print(json ? report.json.rendered : report.text)
        if report.problemCount > 0 { throw ExitCode(1) }
    }

    private func checkConfig(into report: inout DoctorReport) -> LockwardenConfig {
        let path = global.configPath
        let loaded = ConfigFile.load(path)
        switch loaded.file {
        case .absentDefaults:
            report.warning("config", "\(path) is absent: the defaults apply")
        case .refused(let message):
            report.problem("config", "\(message); the module refuses every login that reads it")
        case .present:
            break
        }
        for diagnostic in loaded.parsed.diagnostics {
            if diagnostic.severity == .error {
                report.problem("config", "\(diagnostic.text); the module refuses every login that reads it")
            } else {
                report.warning("config", diagnostic.text)
            }
        }
        if case .present = loaded.file, loaded.parsed.diagnostics.isEmpty {
            report.ok("config", "\(path) is valid")
        }
        return loaded.parsed.config
    }

    private func checkDatabase(_ config: LockwardenConfig, into report: inout DoctorReport) {
        let path = config.databasePath
        let directory = FileSafety.directory(of: path)
        var safe = true
        if let problem = FileSafety.check(directory, as: .directory) {
            if case .missing = problem {
                report.problem("database", "state directory \(directory) does not exist (run: lockwarden init)")
                return
            }
            report.problem("database", "state directory: \(problem.message)")
            safe = false
        } else {
            report.ok("database", "state directory \(directory) is root's, mode 0700 or stricter")
        }
        if let problem = FileSafety.check(path, as: .file) {
            if case .missing = problem {
                report.problem("database", "state database \(path) does not exist (run: lockwarden init)")
            } else {
                report.problem("database", "state database: \(problem.message)")
            }
            safe = false
        } else {
            report.ok("database", "state database \(path) is root's, mode 0600 or stricter, one link")
        }
        for companion in [path + "-wal", path + "-shm"] {
            if let problem = FileSafety.check(companion, as: .file, mustExist: false) {
                report.problem("database", "state database: \(problem.message)")
                safe = false
            }
        }
        guard safe else { return }
        do {
            let store = try StateStore.open(
                path: path, busyTimeoutMilliseconds: config.busyTimeoutMilliseconds, maxEvents: config.maxEvents,
                maxUnknownUsers: config.maxUnknownUsers)
            report.ok("database", "opens read-write, schema version \(Schema.version)")
            let integrity = try store.integrityCheck()
            if integrity == "ok" {
                report.ok("database", "integrity check: ok")
            } else {
                report.problem("database", "integrity check: \(integrity)")
            }
            let mode = try store.journalMode()
            if mode == "wal" {
                report.ok("database", "journal mode: wal")
            } else {
                report.warning("database", "journal mode is \(mode), not wal (run: lockwarden init)")
            }
        } catch {
            report.problem("database", error.message)
        }
    }

    private func checkStacks(into report: inout DoctorReport) {
        let stacks = PamStacks(directory: pamDir)
        guard let services = stacks.serviceNames() else {
            report.warning("pam", "cannot read \(pamDir): no PAM stack checked")
            return
        }
        let fragments = stacks.includedNames(of: services)
        var protected: [(service: String, rules: [PamRule])] = []
        var names: [String] = []
        var unusedFragments: [String] = []
        for service in services {
            let rules = stacks.rules(of: service)
            guard rules.contains(where: \.isLockwarden) else { continue }
            // login and su are included by other services, but are services themselves.
            if fragments.contains(service) && service.hasPrefix("common-") {
                unusedFragments.append(service)
                continue
            }
            let via = Set(
                rules.filter { $0.isLockwarden && !$0.file.hasSuffix("/" + service) }.map {
                    $0.file.split(separator: "/").last.map(String.init) ?? $0.file
                })
            names.append(via.isEmpty ? service : "\(service) (via \(via.sorted().joined(separator: ", ")))")
            protected.append((service, rules))
        }
        reportUnprotected(
            services.filter { !$0.hasPrefix("common-") && !stacks.rules(of: $0).contains(where: \.isLockwarden) },
            stacks: stacks, into: &report)
        guard !protected.isEmpty else {
            if unusedFragments.isEmpty {
                report.warning(
                    "pam", "no service in \(pamDir) uses \(InstalledFiles.moduleName): no login is protected yet")
            } else {
                report.warning(
                    "pam",
                    "\(unusedFragments.joined(separator: ", ")) use \(InstalledFiles.moduleName), "
                        + "but no service includes them: no login is protected yet")
            }
            return
        }
        report.ok("pam", "services using \(InstalledFiles.moduleName): \(names.joined(separator: ", "))")
        for (service, rules) in protected {
            StackAdvice.check(service: service, rules: rules, checkedConfig: global.configPath, into: &report)
        }
    }

    /// The services that check a password (pam_unix in their auth stack) without Lockwarden.
    private func reportUnprotected(_ services: [String], stacks: PamStacks, into report: inout DoctorReport) {
        let checking = services.filter { service in
            stacks.rules(of: service).contains { $0.type == "auth" && $0.module.hasSuffix("pam_unix.so") }
        }
        if checking.isEmpty {
            report.ok("pam", "every service that checks a password uses \(InstalledFiles.moduleName)")
        } else {
            report.warning(
                "pam",
                "services that check a password without \(InstalledFiles.moduleName): \(checking.joined(separator: ", "))"
            )
        }
    }

    private func checkSshd(into report: inout DoctorReport) {
        guard Files.exists(sshdConfig) else { return }
        switch SshdConfig.usePAM(sshdConfig) {
        case "yes":
            report.ok("sshd", "\(sshdConfig): UsePAM yes")
        case let value?:
            report.warning("sshd", "\(sshdConfig): UsePAM \(value); sshd logins bypass PAM and so Lockwarden")
        case nil:
            report.warning(
                "sshd", "\(sshdConfig) does not set UsePAM (OpenSSH's default is no); sshd logins bypass Lockwarden")
        }
    }
}
