import Glibc
import LockwardenPolicy
import Testing

@testable import LockwardenStore

@Suite("Account index")
struct AccountIndexTests {
    private static let alice = AccountKey.user(uid: 1_000, name: "alice")
    private static let bob = AccountKey.user(uid: 1_001, name: "bob")

    private func failed(_ count: Int) -> AccountState {
        var state = AccountState()
        state.recentFailures = Array(repeating: t0, count: count)
        state.consecutiveFailures = count
        return state
    }

    private func write(_ state: AccountState, for key: AccountKey, in store: StateStore) throws {
        try store.immediateTransaction { store throws(StoreError) in
            var record = try store.account(key)
            record.state = state
            try store.save(record, now: t0)
        }
    }

    private func lookup(_ key: AccountKey, _ fixture: StoreFixture) throws -> AccountIndex.Answer {
        try AccountIndex.lookup(key, databasePath: fixture.databasePath)
    }

    @Test("an account enters the index with its first failure and leaves it when cleared")
    func followsTheState() throws {
        let fixture = try StoreFixture()
        defer { fixture.remove() }
        let store = try fixture.open()
        #expect(try lookup(Self.alice, fixture) == .unknown)  // created: no index yet
        store.refreshIndexIfStale()
        #expect(try lookup(Self.alice, fixture) == .clean)
        try write(failed(1), for: Self.alice, in: store)
        #expect(try lookup(Self.alice, fixture) == .hasState)
        #expect(try lookup(Self.bob, fixture) == .clean)
        var history = AccountState()
        history.lastSuccessAt = t0  // history only: decided like an account never seen
        try write(history, for: Self.alice, in: store)
        #expect(try lookup(Self.alice, fixture) == .clean)
    }

    @Test("a second-factor record keeps a user in the index")
    func secondFactor() throws {
        let fixture = try StoreFixture()
        defer { fixture.remove() }
        let store = try fixture.open()
        store.refreshIndexIfStale()
        try store.immediateTransaction { store throws(StoreError) in try store.save(MFARecord(uid: 1_001)) }
        #expect(try lookup(Self.bob, fixture) == .hasState)
        #expect(try lookup(Self.alice, fixture) == .clean)
    }

    @Test("account state is written only inside a transaction")
    func outsideTransaction() throws {
        let fixture = try StoreFixture()
        defer { fixture.remove() }
        let store = try fixture.open()
        let record = try store.account(Self.alice)
        let error = storeError { () throws(StoreError) in try store.save(record, now: t0) }
        #expect(error == .invalidArgument("account state is written only inside a transaction"))
    }

    @Test("a write by another SQLite connection makes the index unknown until rebuilt")
    func foreignWrite() throws {
        let fixture = try StoreFixture()
        defer { fixture.remove() }
        let store = try fixture.open()
        store.refreshIndexIfStale()
        #expect(try lookup(Self.alice, fixture) == .clean)
        let foreign = try Connection(path: fixture.databasePath, flags: 2 /* SQLITE_OPEN_READWRITE */)
        try foreign.execute(
            "INSERT INTO accounts (uid, name, locked_at, lock_reason, updated_at) VALUES (1000, x'61', 1, 'x', 1)")
        #expect(try lookup(Self.alice, fixture) == .unknown)
        store.refreshIndexIfStale()
        #expect(try lookup(Self.alice, fixture) == .hasState)
        #expect(try lookup(Self.bob, fixture) == .clean)
    }

    @Test("a transaction that throws leaves the index current and unchanged")
    func rollback() throws {
        let fixture = try StoreFixture()
        defer { fixture.remove() }
        let store = try fixture.open()
        store.refreshIndexIfStale()
        _ = storeError { () throws(StoreError) in
            try store.immediateTransaction { store throws(StoreError) in
                var record = try store.account(Self.alice)
                record.state = failed(2)
                try store.save(record, now: t0)
                throw StoreError.invalidArgument("stop")
            }
        }
        #expect(try lookup(Self.alice, fixture) == .clean)
    }

    @Test("the SQL test for state agrees with AccountState.hasState")
    func predicateAgrees() throws {
        let fixture = try StoreFixture()
        defer { fixture.remove() }
        let store = try fixture.open()
        var states: [AccountState] = [AccountState(), failed(1)]
        var state = AccountState()
        state.consecutiveFailures = 3
        states.append(state)
        state = AccountState()
        state.lock = Lock(lockedAt: t0, until: nil, reason: LockReason.failures)
        states.append(state)
        state = AccountState()
        state.lockStreak = 1
        states.append(state)
        state = AccountState()
        state.passwordChangeRequired = true
        states.append(state)
        state = AccountState()
        state.lastFailureAt = t0
        state.lastFailureSource = AttemptSource(service: "sshd")
        state.unlockedBy = "root"
        state.unlockedAt = t0
        states.append(state)
        for (offset, state) in states.enumerated() {
            let key = AccountKey.user(uid: 2_000 + UInt32(offset), name: "u\(offset)")
            try write(state, for: key, in: store)
            let stored = try store.immediateTransaction { store throws(StoreError) in try store.hasState(key) }
            #expect(stored == state.hasState, "state \(offset)")
        }
    }

    @Test("the index grows past its first size, by a rebuild")
    func grows() throws {
        let fixture = try StoreFixture()
        defer { fixture.remove() }
        let store = try fixture.open()
        store.refreshIndexIfStale()
        let keys = (0..<700).map { AccountKey.unknown(name: Array("guess-\($0)".utf8)) }
        try store.immediateTransaction { store throws(StoreError) in
            for key in keys {
                var record = try store.account(key)
                record.state = failed(1)
                try store.save(record, now: t0)
            }
        }
        // More entries than the first size holds: the index says nothing until rebuilt.
        #expect(try lookup(keys[0], fixture) == .unknown)
        store.refreshIndexIfStale()
        for key in keys { #expect(try lookup(key, fixture) == .hasState) }
        #expect(try lookup(Self.alice, fixture) == .clean)
    }
}
