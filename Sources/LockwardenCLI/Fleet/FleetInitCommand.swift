import ArgumentParser
import LockwardenFleet

/// `lockwarden fleet init --admin CONNINFO`: creates or upgrades the fleet schema.
struct FleetInitCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "init",
        abstract: "Create or upgrade the fleet schema in PostgreSQL.",
        discussion: """
            Connects with --admin (a libpq connection string for a role that may create \
            schemas and roles, for example the database's owner) and applies the missing \
            migrations in one transaction: schema lockwarden, the group role lockwarden_host, \
            and the rights of host roles (read everything, insert history only under their \
            own name, never update or delete it). Safe to run again.
            """)

    @OptionGroup var global: GlobalOptions

    @Option(help: ArgumentHelp("libpq connection string of an administrative role.", valueName: "conninfo"))
    var admin: String

    func validate() throws { try RootCheck.require() }

    func run() throws {
        let database = try FleetConnection.open(admin)
        do {
            let (before, after) = try FleetSchema.migrate(database)
            print(
                before == after
                    ? "Fleet schema is up to date (version \(after))."
                    : "Fleet schema version \(after) (was \(before == 0 ? "absent" : String(before))).")
        } catch {
            throw Failure.exit(error.description)
        }
    }
}
