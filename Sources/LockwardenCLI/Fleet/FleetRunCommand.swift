import ArgumentParser
import LockwardenFleet
import LockwardenSystem

/// `lockwarden fleet run`: the fleet agent (lockwarden-fleet.service).
struct FleetRunCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "run",
        abstract: "Run the fleet agent until stopped.",
        discussion: """
            Pushes this host's queued account changes to the fleet database in order, each \
            once (host name and local id are the key), and writes the fleet's announced \
            changes (LISTEN/NOTIFY) into this host's database within a second. While the \
            database cannot be reached, logins go on locking on this host's count; the agent \
            retries every 0.25 to 5 s and catches up in order. Problems go to syslog and to \
            'lockwarden fleet status'.
            """)

    @OptionGroup var global: GlobalOptions

    func validate() throws { try RootCheck.require() }

    func run() throws {
        let (config, store) = try global.openState()
        try store.commitWithoutWaitingForDisk()
        let conninfo = try FleetConnection.conninfo(config)
        let key = try FleetConnection.key(config)
        if key == nil {
            CommandLog.shared.log(
                .notice, "no fleet key at \(config.fleetKey): second factors stay on this host")
        }
        let agent = FleetAgent(
            config: config, configPath: global.configPath, store: store, conninfo: conninfo, key: key,
            host: CommandLog.shared,
            clock: CurrentProcess.now)
        agent.run(shouldStop: { false })
    }
}
