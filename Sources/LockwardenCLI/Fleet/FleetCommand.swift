import ArgumentParser

/// `lockwarden fleet`: several hosts sharing one lock state through PostgreSQL.
struct FleetCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "fleet",
        abstract: "Share one lock state between hosts through PostgreSQL.",
        discussion: """
            Logins read and write only this host's database. With fleet_host set, every account \
            change is also queued in its transaction; 'fleet run' pushes the queue to the fleet \
            database, which counts and locks for the whole fleet, and writes what other hosts \
            did into this host's database. Root only.
            """,
        subcommands: [
            FleetInitCommand.self, FleetAddHostCommand.self, FleetNewKeyCommand.self, FleetRunCommand.self,
            FleetStatusCommand.self,
        ])

    @OptionGroup var global: GlobalOptions
}
