import Testing

@testable import LockwardenPolicy

@Suite("Fleet inputs")
struct FleetInputTests {
    @Test("a login's failure is one input; the lock it leads to is not, since the fleet reaches it again")
    func failureAndItsLock() {
        let policy = policy()
        let fourFailures = failures(policy, at: [t0 - 4, t0 - 3, t0 - 2, t0 - 1]).state
        let locking = policy.afterFailure(fourFailures, kind: .regular, source: sshSource, now: t0)
        #expect(locking.events.map { $0.action } == [.loginFailed, .accountLocked])
        let inputs = FleetInput.inputs(of: locking, subject: .regular, actor: "", source: sshSource, now: t0)
        #expect(inputs == [FleetInput(.failure, time: t0, subject: .regular, source: sshSource)])
    }

    @Test("a lock by hand carries its length and reason; an unlock its actor; a success and a change are inputs")
    func administrativeInputs() {
        let policy = policy()
        let locked = policy.lock(AccountState(), reason: "Left the clinic", duration: 600, now: t0)
        #expect(
            FleetInput.inputs(of: locked, subject: .regular, actor: "root (uid 0)", source: AttemptSource(), now: t0)
                == [FleetInput(.lock, time: t0, duration: 600, reason: "Left the clinic", actor: "root (uid 0)")])
        let forever = policy.lock(AccountState(), reason: "Audit", duration: nil, now: t0)
        #expect(
            FleetInput.inputs(of: forever, subject: .regular, actor: "a", source: AttemptSource(), now: t0)[0].duration
                == nil)
        let unlocked = policy.unlock(locked.newState!, actor: "root (uid 0)", now: t0 + 1)
        #expect(
            FleetInput.inputs(
                of: unlocked, subject: .regular, actor: "root (uid 0)", source: AttemptSource(), now: t0 + 1)
                == [FleetInput(.unlock, time: t0 + 1, actor: "root (uid 0)")])
        var failed = AccountState()
        failed.consecutiveFailures = 1
        failed.recentFailures = [t0 - 5]
        let success = policy.afterSuccess(failed, now: t0)
        #expect(
            FleetInput.inputs(of: success, subject: .exempt, actor: "", source: AttemptSource(), now: t0)
                == [FleetInput(.success, time: t0, subject: .exempt)])
    }

    @Test("inputs from two hosts replayed in order lock at deny, with the times they happened")
    func replayLocksAtDeny() {
        let policy = policy { $0.deny = 5 }
        var state = AccountState()
        var actions: [Action] = []
        for time in [t0, t0 + 1, t0 + 2, t0 + 3, t0 + 4] {
            let decision = FleetInput(.failure, time: time, source: sshSource).applied(to: state, policy: policy)
            state = decision.newState ?? state
            actions += decision.events.map { $0.action }
        }
        #expect(actions == [.loginFailed, .loginFailed, .loginFailed, .loginFailed, .loginFailed, .accountLocked])
        #expect(state.lock == Lock(lockedAt: t0 + 4, until: t0 + 4 + 300, reason: LockReason.failures))
        #expect(state.consecutiveFailures == 5)
    }

    @Test("a folded failure counts as many failures as it holds")
    func foldedFailureCounts() {
        let policy = policy { $0.deny = 5 }
        let decision = FleetInput(.failure, time: t0, subject: .exempt, count: 7, source: sshSource)
            .applied(to: AccountState(), policy: policy)
        #expect(decision.newState?.consecutiveFailures == 7)
        #expect(decision.newState?.lock == nil)
        #expect(decision.events.count == 7)
    }

    @Test("an unlock from another host lifts the fleet's lock and resets the counts")
    func unlockReplay() {
        let policy = policy()
        let locked = policy.lock(AccountState(), reason: "Failures", duration: 300, now: t0).newState!
        let decision = FleetInput(.unlock, time: t0 + 10, actor: "owner (uid 1001)").applied(to: locked, policy: policy)
        #expect(decision.newState?.lock == nil)
        #expect(decision.newState?.unlockedBy == "owner (uid 1001)")
        #expect(decision.events.map { $0.action } == [.accountUnlocked])
    }

    @Test("subject kinds travel by name and back")
    func subjectNames() {
        for kind in [SubjectKind.regular, .root, .exempt, .unknown] {
            #expect(SubjectKind(fleetName: kind.fleetName) == kind)
        }
        #expect(SubjectKind(fleetName: "admin") == nil)
    }
}
