import ArgumentParser
import LockwardenFleet
import LockwardenSystem

/// `lockwarden fleet new-key`: the fleet key file, made once and copied to every host.
struct FleetNewKeyCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "new-key",
        abstract: "Make the fleet key that seals shared second factors.",
        discussion: """
            Writes 32 random bytes, as 64 hexadecimal digits, to a new root-only file (mode \
            0600; an existing file is never replaced): fleet_key of the configuration, or \
            --output. Copy the file to the same place on every host of the fleet, as you copy \
            the connection file. With it, TOTP secrets, resets, backup codes and replay marks \
            are shared, each secret sealed with the key (AES-256-GCM) before it reaches the \
            fleet database; the key itself never does.
            """)

    @OptionGroup var global: GlobalOptions

    @Option(help: ArgumentHelp("Write the key here instead of to fleet_key.", valueName: "path"))
    var output: String?

    func validate() throws { try RootCheck.require() }

    func run() throws {
        let path = try output ?? global.loadConfig().fleetKey
        guard let text = FleetKey.generate() else { throw Failure.exit("no random bytes for the key") }
        if let problem = Files.createNew(path, mode: 0o600, bytes: Array(text.utf8)) {
            throw Failure.exit(Display.text(problem.message))
        }
        print("wrote the fleet key to \(Display.text(path)): copy it to every host of the fleet (mode 0600)")
    }
}
