import LockwardenPolicy
import Testing

@testable import LockwardenStore

@Suite("Account records")
struct AccountRecordsTests {
    /// Every field set, including an administrator-only lock and a failure source.
    static var fullState: AccountState {
        var state = AccountState()
        state.recentFailures = [t0 - 30, t0 - 20, t0 - 10]
        state.consecutiveFailures = 12
        state.lastFailureAt = t0 - 10
        state.lastFailureSource = AttemptSource(service: "sshd", rhost: "2001:db8::7", tty: "ssh")
        state.lock = Lock(lockedAt: t0 - 10, until: nil, reason: "Repeated lockouts")
        state.lockStreak = 3
        state.passwordChangeRequired = true
        state.lastSuccessAt = t0 - 86_400
        state.unlockedBy = "admin"
        state.unlockedAt = t0 - 3_600
        return state
    }

    /// Writes a state for a key in one transaction, as the engine does.
    private func store(_ state: AccountState, for key: AccountKey, in store: StateStore, now: Int64 = t0) throws {
        try store.immediateTransaction { store throws(StoreError) in
            var record = try store.account(key)
            record.state = state
            try store.save(record, now: now)
        }
    }

    @Test("a list of a thousand failure times reads back exactly")
    func longFailureList() throws {
        let fixture = try StoreFixture()
        defer { fixture.remove() }
        let database = try fixture.open()
        var state = AccountState()
        state.recentFailures = (0..<1_000).map { t0 - 1_000 + Int64($0) }
        try store(state, for: .user(uid: 1_000, name: "alice"), in: database)
        #expect(try database.account(.user(uid: 1_000, name: "alice")).state.recentFailures == state.recentFailures)
    }

    @Test("a hand-edited failure list keeps its whole numbers and skips anything else")
    func editedFailureList() throws {
        let fixture = try StoreFixture()
        defer { fixture.remove() }
        let database = try fixture.open()
        var state = AccountState()
        state.recentFailures = [t0]
        try store(state, for: .user(uid: 1_000, name: "alice"), in: database)
        try database.connection.execute(
            "UPDATE accounts SET recent_failures = '  1 2  x 3 -4 +5 99999999999999999999 - 6e1 -9223372036854775808 7 '"
        )
        #expect(
            try database.account(.user(uid: 1_000, name: "alice")).state.recentFailures
                == [1, 2, 3, -4, 5, Int64.min, 7])
    }

    @Test("an unseen account reads as a fresh record that is not yet stored")
    func freshRecord() throws {
        let fixture = try StoreFixture()
        defer { fixture.remove() }
        let database = try fixture.open()
        let known = try database.account(.user(uid: 1_000, name: "alice"))
        #expect(
            known == AccountRecord(id: nil, uid: 1_000, name: Array("alice".utf8), state: AccountState(), updatedAt: 0))
        let unknown = try database.account(.unknown(name: [0x62, 0x6F, 0x62]))
        #expect(
            unknown == AccountRecord(id: nil, uid: nil, name: [0x62, 0x6F, 0x62], state: AccountState(), updatedAt: 0))
        #expect(try database.allAccounts().isEmpty)
    }

    static let roundTripCases: [(String, AccountState)] = {
        var timed = fullState
        timed.lock = Lock(lockedAt: t0, until: t0 + 300, reason: "Failures")
        var bare = AccountState()
        bare.consecutiveFailures = 1
        bare.recentFailures = [t0]
        bare.lastSuccessAt = 0
        var extreme = fullState
        extreme.lastFailureSource = AttemptSource()
        extreme.lock = Lock(lockedAt: -5, until: Int64.max, reason: "")
        extreme.unlockedBy = ""
        return [
            ("administrator-only lock", fullState), ("timed lock", timed), ("no lock, no source", bare),
            ("empty strings and extreme times", extreme),
        ]
    }()

    @Test("every field of an account survives a round trip through a new connection", arguments: roundTripCases)
    func roundTrip(_ name: String, _ state: AccountState) throws {
        let fixture = try StoreFixture()
        defer { fixture.remove() }
        try store(state, for: .user(uid: 1_000, name: "alice"), in: try fixture.open(), now: t0 + 1)
        let reread = try fixture.open().account(.user(uid: 1_000, name: "alice"))
        #expect(reread.state == state)
        #expect(reread.uid == 1_000)
        #expect(reread.name == Array("alice".utf8))
        #expect(reread.updatedAt == t0 + 1)
        #expect(reread.id != nil)
    }

    @Test("saving an existing record updates it in place")
    func updateInPlace() throws {
        let fixture = try StoreFixture()
        defer { fixture.remove() }
        let database = try fixture.open()
        try store(Self.fullState, for: .user(uid: 1_000, name: "alice"), in: database)
        let first = try database.account(.user(uid: 1_000, name: "alice"))
        var changed = first
        changed.state = AccountState()
        changed.state.lastSuccessAt = t0 + 60
        try database.immediateTransaction { store throws(StoreError) in try store.save(changed, now: t0 + 60) }
        let records = try database.allAccounts()
        #expect(records.count == 1)
        #expect(records.first?.id == first.id)
        #expect(records.first?.state == changed.state)
        #expect(records.first?.updatedAt == t0 + 60)
    }

    @Test("known users are keyed by UID: a renamed user keeps the record, another UID does not share it")
    func knownUsersByUID() throws {
        let fixture = try StoreFixture()
        defer { fixture.remove() }
        let database = try fixture.open()
        try store(Self.fullState, for: .user(uid: 1_000, name: "alice"), in: database)

        let renamed = try database.account(.user(uid: 1_000, name: "alice.smith"))
        #expect(renamed.state == Self.fullState)
        #expect(renamed.name == Array("alice.smith".utf8), "the record carries the current name")
        #expect(try database.account(.user(uid: 1_001, name: "alice")).id == nil)
        // The same name typed by someone the system does not know is a different record.
        #expect(try database.account(.unknown(name: Array("alice".utf8))).id == nil)
    }

    @Test("unknown names are keyed by their exact bytes, with no normalisation or decoding")
    func unknownNamesByExactBytes() throws {
        let names: [[UInt8]] = [
            [0xC3, 0xA9],  // "é" precomposed
            [0x65, 0xCC, 0x81],  // "é" as e + combining acute: canonically equal, different bytes
            [0xFF, 0xFE],  // not UTF-8 at all
            [0x61, 0x80],  // "a" and a stray continuation byte
            [0x61, 0xEF, 0xBF, 0xBD],  // "a" and U+FFFD, what a lossy decoder would make of the previous one
            Array("ALICE".utf8),
            Array("alice".utf8),
            Array("alice ".utf8),
        ]
        #expect(String(decoding: names[0], as: UTF8.self) == String(decoding: names[1], as: UTF8.self))
        let fixture = try StoreFixture()
        defer { fixture.remove() }
        let database = try fixture.open()
        for (index, name) in names.enumerated() {
            var state = AccountState()
            state.consecutiveFailures = index + 1
            try store(state, for: .unknown(name: name), in: database)
        }
        let reopened = try fixture.open()
        for (index, name) in names.enumerated() {
            let record = try reopened.account(.unknown(name: name))
            #expect(record.state.consecutiveFailures == index + 1, "name \(name)")
            #expect(record.name == name)
            #expect(record.uid == nil)
        }
        let all = try reopened.allAccounts()
        #expect(all.count == names.count)
        #expect(Set(all.map(\.name)) == Set(names))
    }

    @Test("unknown names beyond max_unknown_users evict the least recently updated ones, never known users")
    func unknownNameEviction() throws {
        let fixture = try StoreFixture()
        defer { fixture.remove() }
        let database = try fixture.open(maxUnknownUsers: 3)
        var failed = AccountState()
        failed.consecutiveFailures = 1
        try store(failed, for: .user(uid: 1_000, name: "alice"), in: database, now: t0 - 1_000)
        let guesses = (0..<6).map { Array("guess\($0)".utf8) }
        for index in 0..<3 {
            try store(failed, for: .unknown(name: guesses[index]), in: database, now: t0 + Int64(index))
        }
        // Touching guess0 makes it the most recent; guess1 is now the oldest.
        try store(failed, for: .unknown(name: guesses[0]), in: database, now: t0 + 10)
        try store(failed, for: .unknown(name: guesses[3]), in: database, now: t0 + 11)
        #expect(
            Set(try database.allAccounts().map(\.name))
                == Set([Array("alice".utf8), guesses[0], guesses[2], guesses[3]]))

        for index in 4..<6 {
            try store(failed, for: .unknown(name: guesses[index]), in: database, now: t0 + 20 + Int64(index))
        }
        let remaining = try database.allAccounts()
        #expect(remaining.filter { $0.uid == nil }.count == 3)
        #expect(Set(remaining.map(\.name)) == Set([Array("alice".utf8), guesses[3], guesses[4], guesses[5]]))
        #expect(remaining.first?.uid == 1_000)
    }

    @Test("allAccounts lists known users by UID, then unknown names")
    func listingOrder() throws {
        let fixture = try StoreFixture()
        defer { fixture.remove() }
        let database = try fixture.open()
        let state = AccountState()
        try store(state, for: .unknown(name: Array("zed".utf8)), in: database)
        try store(state, for: .user(uid: 1_002, name: "carol"), in: database)
        try store(state, for: .unknown(name: Array("amy".utf8)), in: database)
        try store(state, for: .user(uid: 0, name: "root"), in: database)
        let listed = try database.allAccounts()
        #expect(listed.map(\.uid) == [0, 1_002, nil, nil])
        #expect(listed.map { String(decoding: $0.name, as: UTF8.self) } == ["root", "carol", "amy", "zed"])
    }
}
