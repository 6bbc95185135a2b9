import ArgumentParser
import LockwardenPolicy
import LockwardenStore
import LockwardenSystem

/// Options every command takes, before or after the command name.
struct GlobalOptions: ParsableArguments {
    @Option(
        name: .customLong("conf"), help: ArgumentHelp("The configuration file.", valueName: "file"),
        completion: .file())
    var configPath: String = LockwardenConfig.defaultPath

    /// Reads and parses the configuration exactly as the PAM module does; warnings go to
    /// stderr, errors end the command (status 1).
    func loadConfig() throws -> LockwardenConfig {
        let loaded = ConfigFile.load(configPath)
        switch loaded.file {
        case .refused(let message): throw Failure.exit(message)
        case .absentDefaults, .present: break
        }
        for diagnostic in loaded.parsed.diagnostics where diagnostic.severity == .warning {
            Failure.report("warning: \(diagnostic.text)")
        }
        let errors = loaded.parsed.errors
        guard errors.isEmpty else {
            for diagnostic in errors { Failure.report("configuration error: \(diagnostic.text)") }
            throw Failure.exit("invalid configuration in \(Display.text(configPath)); nothing done")
        }
        return loaded.parsed.config
    }

    /// Opens the existing database named by the configuration.
    func openStore(_ config: LockwardenConfig) throws -> StateStore {
        do {
            return try StateStore.open(for: config)
        } catch {
            throw Failure.exit(error.message)
        }
    }

    /// The configuration and its open database: what most commands start with.
    func openState() throws -> (config: LockwardenConfig, store: StateStore) {
        let config = try loadConfig()
        return (config, try openStore(config))
    }
}

/// Refuses to go on unless the effective user is root. Every command calls this first
/// in `validate()`, which `--help` never reaches.
enum RootCheck {
    static func require() throws {
        guard CurrentProcess.effectiveUID == 0 else {
            throw Failure.exit("must be run as root (or through sudo)", status: Failure.notRoot)
        }
    }
}
