/// One input as the fleet database recorded it, with the host that pushed it.
public struct FleetEvent: Equatable, Sendable {
    public var id: Int64
    public var host: String
    /// On the database's clock.
    public var happenedAt: Int64
    public var account: String
    public var input: String
    public var count: Int
    public var reason: String
    public var actor: String
    public var service: String
    public var rhost: String
    public var tty: String
    /// What the fleet's policy made of it, e.g. "Login failed, Account locked".
    public var outcome: String
}

/// The fleet's shared history, newest last (`lockwarden log --fleet`).
public enum FleetHistory {
    public static func events(_ database: PostgresConnection, account: String?, limit: Int) throws(FleetError)
        -> [FleetEvent]
    {
        let rows = try database.query(
            """
            SELECT id, host, happened_at, account, input, count, reason, actor, service, rhost, tty, outcome
            FROM lockwarden.events WHERE ($1::text IS NULL OR account = $1) ORDER BY id DESC LIMIT $2
            """, [account, String(limit)])
        return rows.reversed().compactMap { row in
            guard row.count == 12, let id = row[0].flatMap({ Int64($0) }), let time = row[2].flatMap({ Int64($0) })
            else { return nil }
            return FleetEvent(
                id: id, host: row[1] ?? "", happenedAt: time, account: row[3] ?? "", input: row[4] ?? "",
                count: Int(row[5] ?? "1") ?? 1, reason: row[6] ?? "", actor: row[7] ?? "", service: row[8] ?? "",
                rhost: row[9] ?? "", tty: row[10] ?? "", outcome: row[11] ?? "")
        }
    }
}
