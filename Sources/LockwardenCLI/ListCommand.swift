import ArgumentParser
import LockwardenEngine
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
            fail_interval, CONSECUTIVE those since the last successful login or unlock. A clinic \
            owner running it through sudo sees only the members of the clinics they own.
            """)

    @OptionGroup var global: GlobalOptions

    @Flag(help: "Only accounts with a lock in force now.")
    var locked = false

    @Option(help: ArgumentHelp("Only members of this clinic (a [clinic NAME] section).", valueName: "name"))
    var clinic: String?

    @Flag(help: "Print one JSON array instead of a table.")
    var json = false

    func validate() throws { try RootCheck.require() }

    func run() throws {
        let (config, store) = try global.openState()
        if let clinic, !config.clinics.contains(where: { $0.name == clinic }) {
            throw Failure.exit(
                "no clinic \"\(Display.text(clinic, limit: 64))\" in \(Display.text(global.configPath))",
                status: Failure.notFound)
        }
        let now = CurrentProcess.now()
        let records: [AccountRecord]
        do {
            records = try store.allAccounts()
        } catch {
            throw Failure.exit(error.message)
        }
        var rows = Authority.RowFilter(Authority.current(config))
        let directory = ClinicDirectory(config)
        let views =
            records
            .filter { rows.shows(uid: $0.uid) && isInClinic($0, directory) }
            .map { AccountView(record: $0, systemUser: nil, hasRecord: true, config: config, now: now) }
            .filter { !locked || $0.activeLock != nil }
        if json {
            print(JSON.array(views.map(\.json)).rendered)
            return
        }
        guard !views.isEmpty else {
            let among = clinic.map { " among the members of clinic \(Display.text($0, limit: 64))" } ?? ""
            print(locked ? "No account is locked\(among)." : "No account has a record\(among).")
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

    /// With --clinic: whether the record is a member's. Names the system does not know are in
    /// no clinic.
    private func isInClinic(_ record: AccountRecord, _ directory: ClinicDirectory) -> Bool {
        guard let clinic else { return true }
        guard let uid = record.uid, let user = Accounts.user(uid: uid) else { return false }
        return directory.clinics(of: user).contains { $0.name == clinic }
    }
}
