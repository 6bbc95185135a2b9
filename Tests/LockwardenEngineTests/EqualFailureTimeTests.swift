import LockwardenEngine
import LockwardenStore
import LockwardenSystem
import Testing

@testable import LockwardenEngine

@Suite("Equal failure time")
struct EqualFailureTimeTests {
    @Test("an unknown name waits out the rest of the median, within the bound")
    func remaining() {
        #expect(EqualFailureTime.remaining(since: 1_000, now: 2_000, median: 61_000) == 60_000)
        #expect(EqualFailureTime.remaining(since: 1_000, now: 70_000, median: 61_000) == 0)
        #expect(EqualFailureTime.remaining(since: 0, now: 0, median: 9_000_000) == EqualFailureTime.maxWait)
        #expect(EqualFailureTime.remaining(since: nil, now: 2_000, median: 61_000) == 0)
        #expect(EqualFailureTime.remaining(since: 1_000, now: 2_000, median: nil) == 0)
        #expect(EqualFailureTime.remaining(since: 5_000, now: 2_000, median: 61_000) == 0)
    }

    @Test("a real user's failure is a sample unless it took a person's time")
    func samples() {
        #expect(EqualFailureTime.sample(since: 1_000, now: 64_000) == 63_000)
        #expect(EqualFailureTime.sample(since: 0, now: EqualFailureTime.maxSample + 1) == nil)
        #expect(EqualFailureTime.sample(since: nil, now: 64_000) == nil)
        #expect(EqualFailureTime.sample(since: 5_000, now: 1_000) == nil)
    }

    @Test("the median needs enough samples and follows them")
    func median() throws {
        let fixture = try EngineFixture()
        defer { fixture.remove() }
        let store = try fixture.openStore()
        #expect(try store.failureDurationMedian(minimum: 1) == nil)
        try store.immediateTransaction { store throws(StoreError) in
            for _ in 0..<200 { try store.recordFailureDuration(microseconds: 40_000) }
        }
        #expect(try store.failureDurationMedian(minimum: 5) == 40_000)
        // A ring: the newest `slots` samples replace every older one, so a new hash time shows at once.
        try store.immediateTransaction { store throws(StoreError) in
            for _ in 0..<StateStore.failureTimingSlots { try store.recordFailureDuration(microseconds: 90_000) }
        }
        #expect(try store.failureDurationMedian(minimum: StateStore.failureTimingSlots) == 90_000)
        // Never more samples than slots, however many failures there were.
        #expect(try store.failureDurationMedian(minimum: StateStore.failureTimingSlots + 1) == nil)
    }

    @Test("one login's preauth and authfail: a real user's failure is sampled, an unknown name's padded")
    func throughTheEngine() throws {
        let fixture = try EngineFixture(settings: "deny = 100\n")
        defer { fixture.remove() }
        let session = LoginSession()
        _ = fixture.call(.authenticate, "preauth", user: Array("root".utf8), now: t0, session: session)
        _ = fixture.call(.authenticate, "authfail", user: Array("root".utf8), now: t0, session: session)
        #expect(try fixture.openStore().failureDurationMedian(minimum: 1) != nil)

        try fixture.openStore().immediateTransaction { store throws(StoreError) in
            for _ in 0..<200 { try store.recordFailureDuration(microseconds: 80_000) }
        }
        let unknown = LoginSession()
        let began = CurrentProcess.monotonicMicroseconds()
        _ = fixture.call(.authenticate, "preauth", now: t0, session: unknown)
        _ = fixture.call(.authenticate, "authfail", now: t0, session: unknown)
        let took = CurrentProcess.monotonicMicroseconds() - began
        #expect(took >= 80_000)
        // Without a preauth in the same login there is no start, and no wait.
        let alone = CurrentProcess.monotonicMicroseconds()
        _ = fixture.call(.authenticate, "authfail", now: t0, session: LoginSession())
        #expect(CurrentProcess.monotonicMicroseconds() - alone < 80_000)
    }
}
