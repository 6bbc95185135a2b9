import ArgumentParser
import LockwardenCrypto
import LockwardenFleet
import LockwardenPolicy
import LockwardenTOTP

/// `lockwarden fleet add-host NAME --admin CONNINFO`: a login role for one host.
struct FleetAddHostCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "add-host",
        abstract: "Create the PostgreSQL role of one fleet host.",
        discussion: """
            Creates role NAME (LOGIN, member of lockwarden_host) with a new random password, \
            stored by the server as a SCRAM verifier, and prints the connection string's \
            user and password once: put them, with host, dbname and sslmode=verify-full, in \
            that host's fleet_connection file (root only, mode 0600), and set fleet_host = NAME.
            """)

    @OptionGroup var global: GlobalOptions

    @Argument(help: ArgumentHelp("The host's fleet name (its fleet_host).", valueName: "name"))
    var name: String

    @Option(help: ArgumentHelp("libpq connection string of an administrative role.", valueName: "conninfo"))
    var admin: String

    func validate() throws {
        try RootCheck.require()
        guard isFleetHostName(name) else {
            throw ValidationError("the name must be 1 to 63 lower-case letters, digits or _, starting with a letter")
        }
    }

    func run() throws {
        guard let random = RandomBytes.make(20) else { throw Failure.exit("no random bytes for the password") }
        let password = Base32.encode(random)
        let database = try FleetConnection.open(admin)
        do {
            try FleetSchema.addHost(name, password: password, database)
        } catch {
            throw Failure.exit(error.description)
        }
        print("user=\(name) password=\(password)")
    }
}
