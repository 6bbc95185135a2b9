import LockwardenPolicy
import Testing

@testable import LockwardenStore

@Suite("Fleet outbox")
struct FleetOutboxTests {
    /// A full outbox of 1,000: one failure of alice a second from t0.
    func fillToTheLimit(_ store: StateStore) throws(StoreError) {
        for second in 0..<1_000 {
            try store.enqueueFleet(FleetInput(.failure, time: t0 + Int64(second)), user: "alice", limit: 1_000)
        }
    }

    @Test("inputs come back in order with every field; removed ones are gone")
    func roundTrip() throws {
        let fixture = try StoreFixture()
        defer { fixture.remove() }
        let store = try fixture.open()
        let failure = FleetInput(
            .failure, time: t0, subject: .exempt, source: AttemptSource(service: "sshd", rhost: "192.0.2.1", tty: "ssh")
        )
        let lock = FleetInput(.lock, time: t0 + 1, duration: nil, reason: "Audit", actor: "root (uid 0)")
        try store.immediateTransaction { store throws(StoreError) in
            try store.enqueueFleet(failure, user: "alice", limit: 1_000)
            try store.enqueueFleet(lock, user: "bob", limit: 1_000)
        }
        let waiting = try store.fleetOutbox()
        #expect(waiting.map { $0.user } == ["alice", "bob"])
        #expect(waiting.map { $0.input } == [failure, lock])
        #expect(try store.fleetOutbox(user: "bob").map { $0.input } == [lock])
        #expect(try store.fleetOutboxBacklog() == (2, t0))
        try store.removeFleetInputs([waiting[0]])
        #expect(try store.fleetOutbox().map { $0.user } == ["bob"])
    }

    @Test("at the limit a failure folds into the account's newest waiting one; nothing is dropped")
    func foldingAtTheLimit() throws {
        let fixture = try StoreFixture()
        defer { fixture.remove() }
        let store = try fixture.open()
        try store.immediateTransaction { store throws(StoreError) in
            try fillToTheLimit(store)
            try store.enqueueFleet(FleetInput(.failure, time: t0 + 5_000), user: "alice", limit: 1_000)
            try store.enqueueFleet(FleetInput(.failure, time: t0 + 5_001), user: "alice", limit: 1_000)
            // An account with nothing waiting still gets its own row.
            try store.enqueueFleet(FleetInput(.failure, time: t0 + 5_002), user: "bob", limit: 1_000)
            try store.enqueueFleet(FleetInput(.success, time: t0 + 5_003), user: "alice", limit: 1_000)
        }
        let waiting = try store.fleetOutbox(limit: 2_000)
        #expect(waiting.count == 1_002)
        #expect(waiting.reduce(0) { $0 + ($1.input.kind == .failure ? $1.input.count : 0) } == 1_003)
        let folded = waiting[999]
        #expect(folded.input.count == 3)
        #expect(folded.input.time == t0 + 5_001)
        #expect(waiting[1_000].user == "bob")
        #expect(waiting[1_001].input.kind == .success)
    }

    @Test("a failure folded into a row after its push stays queued when the pushed row is removed")
    func foldedAfterPush() throws {
        let fixture = try StoreFixture()
        defer { fixture.remove() }
        let store = try fixture.open()
        try store.immediateTransaction { store throws(StoreError) in
            try fillToTheLimit(store)
        }
        let pushed = try store.fleetOutbox(limit: 1_000)
        // While the pushed rows wait to be removed, the full outbox folds two failures into the newest.
        try store.immediateTransaction { store throws(StoreError) in
            try store.enqueueFleet(FleetInput(.failure, time: t0 + 2_000), user: "alice", limit: 1_000)
            try store.enqueueFleet(FleetInput(.failure, time: t0 + 2_001), user: "alice", limit: 1_000)
        }
        try store.removeFleetInputs(pushed)
        let left = try store.fleetOutbox(limit: 10)
        #expect(left.count == 1)
        #expect(left.first?.input.count == 2 && left.first?.input.time == t0 + 2_001)
        #expect(left.first.map { $0.id > pushed.last!.id } == true)
    }

    @Test("the agent's status and the applied versions read back")
    func agentStatus() throws {
        let fixture = try StoreFixture()
        defer { fixture.remove() }
        let store = try fixture.open()
        #expect(try store.fleetAgentStatus() == nil)
        let status = FleetAgentStatus(
            connected: false, lastContactAt: t0, lastError: "refused", clockOffset: -300, updatedAt: t0 + 1)
        try store.setFleetAgentStatus(status)
        #expect(try store.fleetAgentStatus() == status)
        #expect(try store.fleetAppliedVersion(user: "alice") == 0)
        try store.setFleetAppliedVersion(7, user: "alice")
        #expect(try store.fleetAppliedVersion(user: "alice") == 7)
    }
}
