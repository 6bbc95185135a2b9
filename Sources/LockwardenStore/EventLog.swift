import LockwardenPolicy

/// One row of the activity log. Text fields are stored escaped (see `Escape`).
public struct EventRecord: Equatable, Sendable {
    public var id: Int64
    public var time: Int64
    public var user: String
    public var uid: UInt32?
    public var action: String
    public var service: String
    public var rhost: String
    public var tty: String
    public var actor: String
    public var detail: String

    public init(
        id: Int64 = 0, time: Int64, user: String, uid: UInt32?, action: String, service: String = "",
        rhost: String = "", tty: String = "", actor: String = "", detail: String = ""
    ) {
        self.id = id
        self.time = time
        self.user = user
        self.uid = uid
        self.action = action
        self.service = service
        self.rhost = rhost
        self.tty = tty
        self.actor = actor
        self.detail = detail
    }
}

/// What `lockwarden log` asks for.
public struct EventFilter: Sendable {
    /// The escaped name as events store it.
    public var user: String?
    public var action: String?
    public var since: Int64?
    public var limit: Int
    /// With `user`: a known user's events under any name variant (by UID), plus events
    /// recorded under that name while the system did not know it (no UID).
    public var uid: UInt32?

    public init(user: String? = nil, action: String? = nil, since: Int64? = nil, limit: Int = 1_000, uid: UInt32? = nil)
    {
        self.user = user
        self.action = action
        self.since = since
        self.limit = limit
        self.uid = uid
    }
}

extension StateStore {
    /// Appends an event inside a savepoint: if the event cannot be written, the counter
    /// change around it still commits. Returns false when the event was dropped.
    @discardableResult
    public func append(_ event: EventRecord) -> Bool {
        do {
            try connection.execute("SAVEPOINT event")
            try connection.prepare(
                "INSERT INTO events (time, user, uid, action, service, rhost, tty, actor, detail) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)"
            ).run([
                .integer(event.time), .text(event.user), event.uid.map { .integer(Int64($0)) } ?? .null,
                .text(event.action), .text(event.service), .text(event.rhost), .text(event.tty), .text(event.actor),
                .text(event.detail),
            ])
            let newest = connection.lastInsertedRow
            if newest % 64 == 0 { try trimEvents(newest: newest) }
            try connection.execute("RELEASE event")
            return true
        } catch {
            try? connection.execute("ROLLBACK TO event")
            try? connection.execute("RELEASE event")
            return false
        }
    }

    /// Keeps the table bounded without letting a flood erase evidence: routine rows (failures and
    /// successes) older than the newest `maxEvents` ids go first; locks, unlocks and
    /// administrators' actions are trimmed only against each other, to the newest `maxEvents`.
    private func trimEvents(newest: Int64) throws(StoreError) {
        let routine = Schema.routineActionsSQL
        try connection.prepare("DELETE FROM events WHERE id <= ? AND action IN \(routine)")
            .run([.integer(newest - Int64(maxEvents))])
        try connection.prepare(
            """
            DELETE FROM events WHERE id IN
                (SELECT id FROM events WHERE action NOT IN \(routine) ORDER BY id DESC LIMIT -1 OFFSET ?)
            """
        ).run([.integer(Int64(maxEvents))])
    }

    /// Events matching the filter, oldest first (the newest `limit` of them).
    public func events(_ filter: EventFilter) throws(StoreError) -> [EventRecord] {
        var conditions: [String] = []
        var values: [SQLValue] = []
        switch (filter.user, filter.uid) {
        case (let user?, let uid?):
            conditions.append("(uid = ? OR (uid IS NULL AND user = ?))")
            values += [.integer(Int64(uid)), .text(user)]
        case (let user?, nil):
            conditions.append("user = ?")
            values.append(.text(user))
        case (nil, let uid?):
            conditions.append("uid = ?")
            values.append(.integer(Int64(uid)))
        case (nil, nil):
            break
        }
        if let action = filter.action {
            conditions.append("action = ?")
            values.append(.text(action))
        }
        if let since = filter.since {
            conditions.append("time >= ?")
            values.append(.integer(since))
        }
        let whereClause = conditions.isEmpty ? "" : "WHERE " + conditions.joined(separator: " AND ")
        let statement = try connection.prepare(
            """
            SELECT id, time, user, uid, action, service, rhost, tty, actor, detail FROM
                (SELECT * FROM events \(whereClause) ORDER BY id DESC LIMIT ?) ORDER BY id
            """)
        try statement.bind(values + [.integer(Int64(max(0, filter.limit)))])
        var events: [EventRecord] = []
        while try statement.step() {
            events.append(
                EventRecord(
                    id: statement.integer(0), time: statement.integer(1), user: statement.text(2),
                    uid: statement.optionalInteger(3).flatMap { UInt32(exactly: $0) }, action: statement.text(4),
                    service: statement.text(5), rhost: statement.text(6), tty: statement.text(7),
                    actor: statement.text(8), detail: statement.text(9)))
        }
        return events
    }
}
