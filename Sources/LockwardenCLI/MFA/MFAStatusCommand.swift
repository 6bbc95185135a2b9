import ArgumentParser
import LockwardenPolicy
import LockwardenStore
import LockwardenSystem

/// `lockwarden mfa status [USER]`: who has a second factor, and in what state.
struct MFAStatusCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "status",
        abstract: "Show the second factor of one user, or of every user with a record.",
        discussion: """
            Without USER, lists every UID the database holds a second-factor record for \
            (enrolled, or reset and waiting to enroll). "Last code used" is the start of the \
            time step of the last accepted code, enrollment's confirmation included. A known \
            user without a record is shown as not enrolled.
            """)

    @OptionGroup var global: GlobalOptions

    @Argument(help: ArgumentHelp("Only this user (a user the system knows).", valueName: "user"))
    var user: String?

    @Flag(help: "Print JSON: an object for USER, otherwise an array.")
    var json = false

    func validate() throws {
        try RootCheck.require()
        if let user { try Target.validate(user) }
    }

    func run() throws {
        let config = try global.loadConfig()
        if let user {
            let target = Target.resolve(user)
            let systemUser = try target.requireKnownUser()
            let store = try global.openStore(config)
            let view: MFAView
            do {
                view = try MFAView.load(store, uid: systemUser.uid, name: systemUser.name)
            } catch {
                throw Failure.exit(error.message)
            }
            print(json ? view.json.rendered : view.fields.rendered)
            return
        }
        let store = try global.openStore(config)
        var views: [MFAView] = []
        do {
            for record in try store.allMFA() {
                let codes = try store.backupCodes(uid: record.uid).count
                let name = Accounts.user(uid: record.uid).map { Display.text($0.name) }
                views.append(MFAView(user: name, uid: record.uid, record: record, backupCodesLeft: codes))
            }
        } catch {
            throw Failure.exit(error.message)
        }
        if json {
            print(JSON.array(views.map(\.json)).rendered)
            return
        }
        guard !views.isEmpty else {
            print("No user has a second factor.")
            return
        }
        var table = Table(MFAView.tableHeaders)
        for view in views { table.add(view.tableRow) }
        print(table.rendered)
    }
}
