import LockwardenPolicy
import LockwardenStore

/// The counting authority: one pushed input, applied to the fleet-wide account in one
/// PostgreSQL transaction that holds the account's row lock, by the same policy a login uses,
/// on the database's clock. A change is announced on `FleetSchema.channel`.
public struct FleetAuthority {
    public let database: PostgresConnection
    public let policy: LockPolicy

    public init(database: PostgresConnection, config: LockwardenConfig) {
        self.database = database
        self.policy = LockPolicy(config: config)
    }

    public enum Pushed: Equatable {
        /// Applied; the actions it led to (for example "Account locked").
        case applied([Action])
        /// Already there (a retry after a crash between the two commits): nothing changed.
        case duplicate
    }

    /// `localNow` is this host's clock when the push starts: the input's time moves by the
    /// difference to the database's clock, and never past the database's now.
    public func push(_ entry: FleetOutboxEntry, localNow: () -> Int64) throws(FleetError) -> Pushed {
        try database.transaction { () throws(FleetError) -> Pushed in
            let databaseNow = try self.databaseNow()
            let offset = localNow() - databaseNow
            try database.query(
                "INSERT INTO lockwarden.accounts (account) VALUES ($1) ON CONFLICT (account) DO NOTHING", [entry.user])
            let row = try database.query(
                "SELECT \(FleetAccount.columns) FROM lockwarden.accounts WHERE account = $1 FOR UPDATE", [entry.user])
            guard let account = row.first.flatMap(FleetAccount.init(row:)) else {
                throw .refused("account row of \(entry.user) is missing")
            }
            let seen = try database.value(
                "SELECT 1 FROM lockwarden.events WHERE host = current_user AND local_id = $1", [String(entry.id)])
            if seen != nil { return .duplicate }

            var input = entry.input
            input.time = min(input.time.saturatingSubtract(offset), databaseNow)
            let decision = input.applied(to: account.state, policy: policy)
            let actions = decision.events.map { $0.action }
            try database.query(
                """
                INSERT INTO lockwarden.events (local_id, happened_at, account, input, subject, count, duration,
                    reason, actor, service, rhost, tty, outcome)
                VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13)
                """,
                [
                    String(entry.id), String(input.time), entry.user, input.kind.rawValue, input.subject.fleetName,
                    String(max(input.count, 1)), input.duration.map { String($0) }, input.reason, input.actor,
                    input.source.service, input.source.rhost, input.source.tty,
                    actions.map { $0.rawValue }.joined(separator: ", "),
                ])
            if let next = decision.newState, next != account.state {
                try database.query(
                    """
                    UPDATE lockwarden.accounts SET recent_failures = $2, consecutive_failures = $3,
                        last_failure_at = $4, last_failure_service = $5, last_failure_rhost = $6,
                        last_failure_tty = $7, locked_at = $8, locked_until = $9, lock_reason = $10,
                        lock_streak = $11, password_change_required = $12, last_success_at = $13,
                        unlocked_by = $14, unlocked_at = $15, version = version + 1,
                        updated_by = current_user, updated_at = clock_timestamp()
                    WHERE account = $1
                    """, [entry.user] + FleetAccount.parameters(next))
                try database.query("SELECT pg_notify($1, $2)", [FleetSchema.channel, entry.user])
            }
            return .applied(actions)
        }
    }

    /// Every account's fleet state (or the one named), for the agent to compare each with the
    /// version it applied.
    public func accounts(named name: String? = nil) throws(FleetError) -> [FleetAccount] {
        let select = "SELECT \(FleetAccount.columns) FROM lockwarden.accounts"
        let rows =
            if let name {
                try database.query(select + " WHERE account = $1", [name])
            } else {
                try database.query(select + " ORDER BY account")
            }
        return rows.compactMap(FleetAccount.init(row:))
    }

    /// How far this host's clock runs ahead of the database's, in seconds.
    public func clockOffset(localNow: () -> Int64) throws(FleetError) -> Int64 {
        let databaseNow = try databaseNow()
        return localNow() - databaseNow
    }

    private func databaseNow() throws(FleetError) -> Int64 {
        let text = try database.value("SELECT floor(extract(epoch FROM clock_timestamp()))::bigint")
        guard let now = text.flatMap({ Int64($0) }) else { throw .refused("the database gave no time") }
        return now
    }
}
