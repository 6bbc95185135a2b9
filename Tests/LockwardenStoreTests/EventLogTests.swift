import LockwardenPolicy
import Testing

@testable import LockwardenStore

@Suite("Event log")
struct EventLogTests {
    private func event(_ time: Int64, _ user: String, _ action: Action, uid: UInt32? = nil, detail: String = "")
        -> EventRecord
    {
        EventRecord(
            time: time, user: user, uid: uid, action: action.rawValue, service: "sshd", rhost: "192.0.2.1", tty: "ssh",
            actor: "", detail: detail)
    }

    /// alice (uid 1000) fails three times and is locked; bob fails once; an unknown name fails.
    private func sampleLog(_ database: StateStore) throws {
        let events = [
            event(t0, "alice", .loginFailed, uid: 1_000, detail: "failure 1 of 3"),
            event(t0 + 10, "bob", .loginFailed, uid: 1_001),
            event(t0 + 20, "alice", .loginFailed, uid: 1_000, detail: "failure 2 of 3"),
            event(t0 + 30, "mallory\\x0A", .loginFailed),
            event(t0 + 40, "alice", .loginFailed, uid: 1_000, detail: "failure 3 of 3"),
            event(t0 + 40, "alice", .accountLocked, uid: 1_000, detail: "Failures; reactivates in 5 minutes"),
            event(t0 + 50, "alice", .loginFailedLocked, uid: 1_000),
        ]
        try database.immediateTransaction { database throws(StoreError) in
            for event in events { #expect(database.append(event)) }
        }
    }

    @Test("appended events read back whole, in order, with growing ids")
    func appendAndReadBack() throws {
        let fixture = try StoreFixture()
        defer { fixture.remove() }
        let database = try fixture.open()
        let written = EventRecord(
            time: t0, user: "alice", uid: 1_000, action: "Account unlocked", service: "lockwarden", rhost: "h",
            tty: "pts/1", actor: "admin", detail: "failure count reset")
        #expect(database.append(written))
        #expect(database.append(event(t0 + 1, "bob", .loginSucceeded)))
        let read = try fixture.open().events(EventFilter())
        #expect(read.count == 2)
        var expected = written
        expected.id = read.first?.id ?? -1
        #expect(read.first == expected)
        #expect(read.last?.uid == nil)
        #expect(read.map(\.id) == read.map(\.id).sorted())
        #expect(Set(read.map(\.id)).count == 2)
    }

    struct FilterVector: Sendable, CustomTestStringConvertible {
        var name: String
        var user: String?
        var action: String?
        var since: Int64?
        var limit: Int = 1_000
        /// (time, user, action) of the expected rows, oldest first.
        var rows: [(Int64, String, String)]
        var testDescription: String { name }
    }

    static let filters: [FilterVector] = [
        FilterVector(
            name: "everything",
            rows: [
                (t0, "alice", "Login failed"), (t0 + 10, "bob", "Login failed"), (t0 + 20, "alice", "Login failed"),
                (t0 + 30, "mallory\\x0A", "Login failed"), (t0 + 40, "alice", "Login failed"),
                (t0 + 40, "alice", "Account locked"), (t0 + 50, "alice", "Login failed (locked)"),
            ]),
        FilterVector(name: "one user", user: "bob", rows: [(t0 + 10, "bob", "Login failed")]),
        FilterVector(
            name: "an escaped name matches as stored", user: "mallory\\x0A",
            rows: [(t0 + 30, "mallory\\x0A", "Login failed")]),
        FilterVector(name: "a user nobody logged", user: "carol", rows: []),
        FilterVector(name: "user names match exactly", user: "Alice", rows: []),
        FilterVector(name: "one action", action: "Account locked", rows: [(t0 + 40, "alice", "Account locked")]),
        FilterVector(
            name: "since is inclusive", since: t0 + 40,
            rows: [
                (t0 + 40, "alice", "Login failed"), (t0 + 40, "alice", "Account locked"),
                (t0 + 50, "alice", "Login failed (locked)"),
            ]),
        FilterVector(name: "since in the future", since: t0 + 51, rows: []),
        FilterVector(
            name: "limit keeps the newest, oldest first", limit: 2,
            rows: [
                (t0 + 40, "alice", "Account locked"), (t0 + 50, "alice", "Login failed (locked)"),
            ]),
        FilterVector(name: "limit 0", limit: 0, rows: []),
        FilterVector(name: "a negative limit returns nothing", limit: -5, rows: []),
        FilterVector(
            name: "all filters together", user: "alice", action: "Login failed", since: t0 + 1, limit: 1,
            rows: [
                (t0 + 40, "alice", "Login failed")
            ]),
    ]

    @Test("events filter by user, action, time and limit", arguments: filters)
    func filtering(_ vector: FilterVector) throws {
        let fixture = try StoreFixture()
        defer { fixture.remove() }
        let database = try fixture.open()
        try sampleLog(database)
        let found = try database.events(
            EventFilter(user: vector.user, action: vector.action, since: vector.since, limit: vector.limit))
        #expect(found.map(\.time) == vector.rows.map(\.0))
        #expect(found.map(\.user) == vector.rows.map(\.1))
        #expect(found.map(\.action) == vector.rows.map(\.2))
    }

    @Test("the event table is trimmed to about max_events rows while ids keep growing")
    func pruning() throws {
        let fixture = try StoreFixture()
        defer { fixture.remove() }
        let database = try fixture.open(maxEvents: 100)
        func appendMany(_ count: Int, from start: Int) throws {
            try database.immediateTransaction { database throws(StoreError) in
                for index in start..<(start + count) {
                    #expect(database.append(event(t0 + Int64(index), "user\(index % 7)", .loginFailed)))
                }
            }
        }
        try appendMany(200, from: 0)
        var kept = try database.events(EventFilter(limit: 100_000))
        #expect(kept.count >= 100)
        #expect(kept.count < 100 + 64)
        #expect(kept.last?.time == t0 + 199)
        // The newest max_events rows are all there, in order, with no gaps.
        #expect(kept.suffix(100).map(\.time) == (100..<200).map { t0 + Int64($0) })
        #expect(zip(kept, kept.dropFirst()).allSatisfy { $1.id == $0.id + 1 })

        let newestBefore = kept.last?.id ?? 0
        try appendMany(1_000, from: 200)
        kept = try database.events(EventFilter(limit: 100_000))
        #expect(kept.count >= 100)
        #expect(kept.count < 100 + 64)
        #expect(kept.first.map { $0.id > newestBefore } == true)
        #expect(kept.last?.id == newestBefore + 1_000)
        #expect(try fixture.open().events(EventFilter(limit: 100_000)).count == kept.count)
    }

    @Test("events appended outside a transaction commit on their own")
    func appendWithoutTransaction() throws {
        let fixture = try StoreFixture()
        defer { fixture.remove() }
        #expect(try fixture.open().append(event(t0, "alice", .loginSucceeded)))
        #expect(try fixture.open().events(EventFilter()).map(\.action) == ["Login succeeded"])
    }
}
