import ArgumentParser
import LockwardenPolicy
import LockwardenStore
import LockwardenSystem

/// `lockwarden list`: every account the database holds.
struct ListCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "list",
        abstract: "List the accounts with recorded failures or locks.",
        discussion: """
            Known users are shown by their current name; names the system does not know are \
            shown escaped and marked "(unknown)". FAILURES counts the failures within \
            fail_interval, CONSECUTIVE those since the last successful login or unlock.
            """)

    @OptionGroup var global: GlobalOptions

    @Flag(help: "Only accounts with a lock in force now.")
    var locked = false

    @Flag(help: "Print one JSON array instead of a table.")
    var json = false

    func validate() throws { try RootCheck.require() }

    func run() throws {
        let (config, store) = try global.openState()
        let now = CurrentProcess.now()
        let records: [AccountRecord]
        do {
            records = try store.allAccounts()
        } catch {
            throw Failure.exit(error.message)
        }
        let views =
            records
            .map { AccountView(record: $0, systemUser: nil, hasRecord: true, config: config, now: now) }
            .filter { !locked || $0.activeLock != nil }
        if json {
            print(JSON.array(views.map(\.json)).rendered)
            return
        }
        guard !views.isEmpty else {
            print(locked ? "No account is locked." : "No account has a record.")
            return
        }
        var table = Table(["USER", "UID", "STATUS", "FAILURES", "CONSECUTIVE", "LAST FAILURE"])
        for view in views {
            table.add([
                view.userLabel, view.uidLabel, view.status, String(view.failuresInWindow),
                String(view.state.consecutiveFailures), view.lastFailureShort,
            ])
        }
        print(table.rendered)
    }
}
