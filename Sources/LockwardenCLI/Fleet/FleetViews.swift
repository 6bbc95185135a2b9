import LockwardenFleet
import LockwardenPolicy
import LockwardenStore
import LockwardenSystem

/// `show --fleet` and `log --fleet`: the fleet database's state and history, read directly
/// (administrators only), with its times moved to this host's clock.
enum FleetViews {
    /// The connection and how far this host's clock runs ahead of the database's.
    static func connect(_ config: LockwardenConfig) throws -> (PostgresConnection, Int64) {
        let database = try FleetConnection.open(FleetConnection.conninfo(config))
        do {
            try FleetSchema.check(database)
            let offset = try FleetAuthority(database: database, config: config).clockOffset(
                localNow: CurrentProcess.now)
            return (database, offset)
        } catch {
            throw Failure.exit(error.description)
        }
    }

    static func show(_ user: String, config: LockwardenConfig, json: Bool) throws {
        let (database, offset) = try connect(config)
        let accounts: [FleetAccount]
        do {
            accounts = try FleetAuthority(database: database, config: config).accounts(named: user)
        } catch {
            throw Failure.exit(error.description)
        }
        guard let account = accounts.first else {
            throw Failure.exit("the fleet has no record of \(Display.text(user))", status: Failure.notFound)
        }
        let systemUser = Accounts.user(named: Array(user.utf8))
        let record = AccountRecord(
            id: 0, uid: systemUser?.uid, name: Array(user.utf8), state: account.state.shifted(by: offset), updatedAt: 0)
        let now = CurrentProcess.now()
        let view = AccountView(record: record, systemUser: systemUser, hasRecord: true, config: config, now: now)
        let origin: [(String, JSON)] = [
            ("fleet_version", .int(account.version)), ("fleet_updated_by", .string(Display.text(account.updatedBy))),
        ]
        if json {
            guard case .object(let members) = view.json else { return }
            print(JSON.object(members + origin).rendered)
            return
        }
        print(ShowCommand.describe(view, mfa: MFAView.none(uid: systemUser?.uid, name: nil), config: config, now: now))
        print("Fleet: version \(account.version), last changed by host \(Display.text(account.updatedBy))")
    }

    static func log(_ user: String?, limit: Int, config: LockwardenConfig, json: Bool) throws {
        let (database, offset) = try connect(config)
        let events: [FleetEvent]
        do {
            events = try FleetHistory.events(database, account: user, limit: limit)
        } catch {
            throw Failure.exit(error.description)
        }
        if json {
            print(
                JSON.array(
                    events.map { event in
                        .object([
                            ("id", .int(event.id)), ("host", .string(Display.text(event.host))),
                            ("time", .int(event.happenedAt.saturatingAdd(offset))),
                            ("user", .string(Display.text(event.account))), ("input", .string(event.input)),
                            ("count", .int(Int64(event.count))), ("outcome", .string(Display.text(event.outcome))),
                            ("actor", .string(Display.text(event.actor))),
                            ("reason", .string(Display.text(event.reason))),
                            ("service", .string(Display.text(event.service))),
                            ("rhost", .string(Display.text(event.rhost))),
                        ])
                    }
                ).rendered)
            return
        }
        guard !events.isEmpty else {
            print("No matching events.")
            return
        }
        var table = Table(["DATE TIME", "HOST", "USER", "INPUT", "OUTCOME", "SOURCE", "ACTOR"])
        for event in events {
            let source = [event.service, event.rhost.isEmpty ? "" : "from " + event.rhost, event.tty]
                .filter { !$0.isEmpty }.joined(separator: " ")
            table.add([
                TimeText.format(event.happenedAt.saturatingAdd(offset)), Display.text(event.host),
                Display.text(event.account), event.count > 1 ? "\(event.input) x\(event.count)" : event.input,
                Display.text(event.outcome).isEmpty ? "-" : Display.text(event.outcome),
                source.isEmpty ? "-" : Display.text(source), event.actor.isEmpty ? "-" : Display.text(event.actor),
            ])
        }
        print(table.rendered)
    }
}
