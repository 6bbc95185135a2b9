import ArgumentParser
import LockwardenPolicy
import LockwardenStore
import LockwardenSystem

/// `lockwarden init`: create the database, or bring its schema up to date. Idempotent.
struct InitCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "init",
        abstract: "Create the state database, or upgrade its schema.",
        discussion: """
            Creates the database named by the configuration key db (directory 0700, file 0600, \
            owned by root) or migrates an existing one. Safe to run again. An existing file that \
            fails the ownership and permission checks is refused, never replaced.
            """)

    @OptionGroup var global: GlobalOptions

    func validate() throws { try RootCheck.require() }

    func run() throws {
        let config = try global.loadConfig()
        let path = config.databasePath
        let existed = Files.exists(path)
        do {
            let store = try StateStore.create(path: path)
            let mode = try store.journalMode()
            let verb = existed ? "Database is ready" : "Created the database"
            print("\(verb): \(Display.text(path)) (schema version \(Schema.version), journal \(Display.text(mode))).")
        } catch {
            throw Failure.exit(error.message)
        }
    }
}
