import LockwardenPolicy

/// One waiting fleet input: its local id (the idempotency key's local half) and account.
public struct FleetOutboxEntry: Equatable, Sendable {
    public var id: Int64
    public var user: String
    public var input: FleetInput
}

extension StateStore {
    /// Inside the change's transaction: queues what happened to `user` for the fleet. Once the
    /// outbox holds `limit` inputs, a further failure is folded into the account's newest
    /// waiting failure (its count grows, its time becomes the newest), so none is ever dropped
    /// and the outbox stays within `limit` plus one row per account.
    ///
    /// The outbox's size is taken from its first and last id (two lookups in the rowid tree, not a
    /// scan of 100,000 rows in every failed login). The agent removes rows oldest first, so this
    /// is the count, or more when it left an unreadable row behind: then folding starts early,
    /// which never drops a failure.
    public func enqueueFleet(_ input: FleetInput, user: String, limit: Int) throws(StoreError) {
        if input.kind == .failure,
            let waiting = try connection.scalar("SELECT max(id) - min(id) + 1 FROM fleet_outbox"),
            waiting >= Int64(limit),
            let newest = try connection.scalar(
                "SELECT max(id) FROM fleet_outbox WHERE user = ? AND input = 'failure'", [.text(user)])
        {
            try connection.prepare("UPDATE fleet_outbox SET count = count + ?, time = max(time, ?) WHERE id = ?")
                .run([.integer(Int64(max(input.count, 1))), .integer(input.time), .integer(newest)])
            return
        }
        try connection.prepare(
            """
            INSERT INTO fleet_outbox (time, user, input, subject, count, duration, reason, actor, service, rhost, tty)
            VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
            """
        ).run([
            .integer(input.time), .text(user), .text(input.kind.rawValue), .text(input.subject.fleetName),
            .integer(Int64(max(input.count, 1))), input.duration.sql, .text(input.reason), .text(input.actor),
            .text(input.source.service), .text(input.source.rhost), .text(input.source.tty),
        ])
    }

    /// The oldest waiting inputs after id `after` (those up to it are pushed and only wait to be
    /// removed), in the order they happened (of one account only, if given).
    public func fleetOutbox(user: String? = nil, after: Int64 = 0, limit: Int = 100) throws(StoreError)
        -> [FleetOutboxEntry]
    {
        let statement = try connection.prepare(
            """
            SELECT id, user, input, subject, count, time, duration, reason, actor, service, rhost, tty
            FROM fleet_outbox WHERE (?1 IS NULL OR user = ?1) AND id > ?3 ORDER BY id LIMIT ?2
            """)
        try statement.bind([user.sql, .integer(Int64(max(0, limit))), .integer(after)])
        var entries: [FleetOutboxEntry] = []
        while try statement.step() {
            // A row this version cannot read stays where it is, for the version that wrote it.
            guard let kind = FleetInput.Kind(rawValue: statement.text(2)),
                let subject = SubjectKind(fleetName: statement.text(3))
            else { continue }
            let input = FleetInput(
                kind, time: statement.integer(5), subject: subject, count: Int(clamping: statement.integer(4)),
                duration: statement.optionalInteger(6), reason: statement.text(7), actor: statement.text(8),
                source: AttemptSource(service: statement.text(9), rhost: statement.text(10), tty: statement.text(11)))
            entries.append(FleetOutboxEntry(id: statement.integer(0), user: statement.text(1), input: input))
        }
        return entries
    }

    /// Removes inputs the fleet database has acknowledged, in one transaction (one commit).
    /// `pushed` is what was pushed of each: a failure folded into a row after its push (a full
    /// outbox) grew its count, and the failures it gained stay queued as a new row.
    public func removeFleetInputs(_ pushed: [FleetOutboxEntry]) throws(StoreError) {
        guard !pushed.isEmpty else { return }
        try immediateTransaction { store throws(StoreError) in
            let delete = try store.connection.prepare("DELETE FROM fleet_outbox WHERE id = ? AND count = ?")
            let requeue = try store.connection.prepare(
                """
                INSERT INTO fleet_outbox (time, user, input, subject, count, duration, reason, actor, service, rhost, tty)
                SELECT time, user, input, subject, count - ?2, duration, reason, actor, service, rhost, tty
                FROM fleet_outbox WHERE id = ?1 AND count > ?2
                """)
            let deleteAny = try store.connection.prepare("DELETE FROM fleet_outbox WHERE id = ?")
            for entry in pushed {
                let count = Int64(max(entry.input.count, 1))
                try delete.run([.integer(entry.id), .integer(count)])
                if store.connection.changes == 0 {
                    try requeue.run([.integer(entry.id), .integer(count)])
                    try deleteAny.run([.integer(entry.id)])
                }
            }
        }
    }

    /// How many inputs wait, and when the oldest happened.
    public func fleetOutboxBacklog() throws(StoreError) -> (count: Int64, oldest: Int64?) {
        let count = try connection.scalar("SELECT count(*) FROM fleet_outbox") ?? 0
        return (count, try connection.scalar("SELECT min(time) FROM fleet_outbox"))
    }

    /// The newest fleet version applied to `user` here (0 if none).
    public func fleetAppliedVersion(user: String) throws(StoreError) -> Int64 {
        try connection.scalar("SELECT version FROM fleet_applied WHERE user = ?", [.text(user)]) ?? 0
    }

    public func setFleetAppliedVersion(_ version: Int64, user: String) throws(StoreError) {
        try connection.prepare(
            "INSERT INTO fleet_applied (user, version) VALUES (?, ?) ON CONFLICT(user) DO UPDATE SET version = excluded.version"
        ).run([.text(user), .integer(version)])
    }

    /// The newest version of the fleet's second factor of `user` applied here (0 if none).
    public func fleetAppliedSecondFactorVersion(user: String) throws(StoreError) -> Int64 {
        try connection.scalar("SELECT second_factor_version FROM fleet_applied WHERE user = ?", [.text(user)]) ?? 0
    }

    public func setFleetAppliedSecondFactorVersion(_ version: Int64, user: String) throws(StoreError) {
        try connection.prepare(
            """
            INSERT INTO fleet_applied (user, version, second_factor_version) VALUES (?, 0, ?)
            ON CONFLICT(user) DO UPDATE SET second_factor_version = excluded.second_factor_version
            """
        ).run([.text(user), .integer(version)])
    }

    /// Whether an input of this kind after id `after` waits in the outbox for `user`.
    public func fleetInputWaits(user: String, kind: FleetInput.Kind, after: Int64 = 0) throws(StoreError) -> Bool {
        try connection.scalar(
            "SELECT 1 FROM fleet_outbox WHERE user = ? AND input = ? AND id > ? LIMIT 1",
            [.text(user), .text(kind.rawValue), .integer(after)]) != nil
    }

    /// The agent's view of the fleet database, written by the agent.
    public func setFleetAgentStatus(_ status: FleetAgentStatus) throws(StoreError) {
        try connection.prepare(
            """
            INSERT OR REPLACE INTO fleet_agent (id, connected, last_contact_at, last_error, clock_offset, updated_at)
            VALUES (1, ?, ?, ?, ?, ?)
            """
        ).run([
            .integer(status.connected ? 1 : 0), status.lastContactAt.sql, .text(status.lastError),
            .integer(status.clockOffset), .integer(status.updatedAt),
        ])
    }

    public func fleetAgentStatus() throws(StoreError) -> FleetAgentStatus? {
        let statement = try connection.prepare(
            "SELECT connected, last_contact_at, last_error, clock_offset, updated_at FROM fleet_agent WHERE id = 1")
        guard try statement.step() else { return nil }
        return FleetAgentStatus(
            connected: statement.integer(0) != 0, lastContactAt: statement.optionalInteger(1),
            lastError: statement.text(2), clockOffset: statement.integer(3), updatedAt: statement.integer(4))
    }
}

/// What the fleet agent last saw of the fleet database.
public struct FleetAgentStatus: Equatable, Sendable {
    public var connected: Bool
    public var lastContactAt: Int64?
    public var lastError: String
    /// How far this host's clock runs ahead of the database's, in seconds.
    public var clockOffset: Int64
    public var updatedAt: Int64

    public init(connected: Bool, lastContactAt: Int64?, lastError: String, clockOffset: Int64, updatedAt: Int64) {
        self.connected = connected
        self.lastContactAt = lastContactAt
        self.lastError = lastError
        self.clockOffset = clockOffset
        self.updatedAt = updatedAt
    }
}
