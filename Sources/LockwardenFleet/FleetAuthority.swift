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

    /// What became of one pushed input.
    public enum Pushed: Equatable {
        /// Applied; the actions it led to (for example "Account locked").
        case applied([Action])
        /// Already there (a retry after a crash between the two commits): nothing changed.
        case duplicate
    }

    /// Applies waiting inputs in one transaction: each account's inputs in their order, the
    /// accounts in name order (two hosts pushing the same accounts take their row locks in the
    /// same order, so they never deadlock). `localNow` is this host's clock when the push
    /// starts: every input's time moves by the difference to the database's clock, and never
    /// past the database's now. `factors` holds, for a second-factor input, the factor as this
    /// host has it now (on its clock; none when it is not shared). Returns the outcome of each
    /// entry, keyed by its local id.
    public func push(
        _ entries: [FleetOutboxEntry], factors: [Int64: SharedSecondFactor] = [:], localNow: () -> Int64
    ) throws(FleetError) -> [Int64: Pushed] {
        var byAccount: [String: [FleetOutboxEntry]] = [:]
        for entry in entries { byAccount[entry.user, default: []].append(entry) }
        return try database.transaction { () throws(FleetError) -> [Int64: Pushed] in
            let databaseNow = try self.databaseNow()
            let offset = localNow() - databaseNow
            var outcomes: [Int64: Pushed] = [:]
            for user in byAccount.keys.sorted() {
                let pushed = try push(
                    byAccount[user] ?? [], of: user, factors: factors, offset: offset, databaseNow: databaseNow)
                outcomes.merge(pushed) { first, _ in first }
            }
            return outcomes
        }
    }

    /// One account's inputs, inside the batch's transaction, under the account's row lock.
    private func push(
        _ entries: [FleetOutboxEntry], of user: String, factors: [Int64: SharedSecondFactor], offset: Int64,
        databaseNow: Int64
    ) throws(FleetError) -> [Int64: Pushed] {
        try database.query(
            "INSERT INTO lockwarden.accounts (account) VALUES ($1) ON CONFLICT (account) DO NOTHING", [user])
        let row = try database.query(
            "SELECT \(FleetAccount.columns) FROM lockwarden.accounts WHERE account = $1 FOR UPDATE", [user])
        guard let account = row.first.flatMap(FleetAccount.init(row:)) else {
            throw .refused("account row of \(user) is missing")
        }
        var state = account.state
        var outcomes: [Int64: Pushed] = [:]
        for entry in entries {
            var input = entry.input
            input.time = min(input.time.saturatingSubtract(offset), databaseNow)
            let decision = input.applied(to: state, policy: policy)
            let actions = decision.events.map { $0.action }
            let factor = input.kind == .secondFactor ? factors[entry.id]?.shifted(by: -offset) : nil
            let outcome = factor != nil ? "Second factor shared" : actions.map { $0.rawValue }.joined(separator: ", ")
            // The key decides: an input the database has already taken is left as it was.
            let inserted = try database.query(
                """
                INSERT INTO lockwarden.events (local_id, happened_at, account, input, subject, count, duration,
                    reason, actor, service, rhost, tty, outcome)
                VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13)
                ON CONFLICT (host, local_id) DO NOTHING RETURNING id
                """,
                [
                    String(entry.id), String(input.time), user, input.kind.rawValue, input.subject.fleetName,
                    String(max(input.count, 1)), input.duration.map { String($0) }, input.reason, input.actor,
                    input.source.service, input.source.rhost, input.source.tty, outcome,
                ])
            guard !inserted.isEmpty else {
                outcomes[entry.id] = .duplicate
                continue
            }
            if let next = decision.newState { state = next }
            if let factor { try share(factor, of: user) }
            outcomes[entry.id] = .applied(actions)
        }
        if state != account.state {
            try database.query(
                """
                UPDATE lockwarden.accounts SET recent_failures = $2, consecutive_failures = $3,
                    last_failure_at = $4, last_failure_service = $5, last_failure_rhost = $6,
                    last_failure_tty = $7, locked_at = $8, locked_until = $9, lock_reason = $10,
                    lock_streak = $11, password_change_required = $12, last_success_at = $13,
                    unlocked_by = $14, unlocked_at = $15, version = version + 1,
                    updated_by = current_user, updated_at = clock_timestamp()
                WHERE account = $1
                """, [user] + FleetAccount.parameters(state))
            try database.query("SELECT pg_notify($1, $2)", [FleetSchema.channel, user])
        }
        return outcomes
    }

    /// Merges a host's second factor into the fleet's, under the row's lock, and announces a change.
    private func share(_ factor: SharedSecondFactor, of user: String) throws(FleetError) {
        let rows = try database.query(
            "SELECT \(FleetSecondFactor.columns) FROM lockwarden.second_factors WHERE account = $1 FOR UPDATE", [user])
        let stored = rows.first.flatMap(FleetSecondFactor.init(row:))
        if !rows.isEmpty && stored == nil { throw .refused("the second factor of \(user) cannot be read") }
        let merged = SharedSecondFactor.merged(stored: stored?.factor, pushed: factor)
        guard merged != stored?.factor else { return }
        try database.query(
            """
            INSERT INTO lockwarden.second_factors (account, fingerprint, sealed_secret, algorithm, digits, period,
                last_step, enrolled_at, reenroll_required, reset_at, reset_by, backup_codes, codes_at,
                one_time_codes, version)
            VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, 1)
            ON CONFLICT (account) DO UPDATE SET fingerprint = $2, sealed_secret = $3, algorithm = $4, digits = $5,
                period = $6, last_step = $7, enrolled_at = $8, reenroll_required = $9, reset_at = $10,
                reset_by = $11, backup_codes = $12, codes_at = $13, one_time_codes = $14,
                version = lockwarden.second_factors.version + 1, updated_by = current_user,
                updated_at = clock_timestamp()
            """, [user] + FleetSecondFactor.parameters(merged))
        try database.query("SELECT pg_notify($1, $2)", [FleetSchema.channel, user])
    }

    /// Every shared second factor (or the one named).
    public func secondFactors(named name: String? = nil) throws(FleetError) -> [FleetSecondFactor] {
        let select = "SELECT \(FleetSecondFactor.columns) FROM lockwarden.second_factors"
        let rows =
            if let name {
                try database.query(select + " WHERE account = $1", [name])
            } else {
                try database.query(select + " ORDER BY account")
            }
        return rows.compactMap(FleetSecondFactor.init(row:))
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
