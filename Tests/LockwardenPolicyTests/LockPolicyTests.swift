import Testing

@testable import LockwardenPolicy

@Suite("Lock policy")
struct LockPolicyTests {
    // MARK: Threshold and window

    struct ThresholdVector: Sendable, CustomTestStringConvertible {
        var deny: Int
        var failures: Int
        var locked: Bool
        var testDescription: String { "deny=\(deny), \(failures) failures -> \(locked ? "locked" : "open")" }
    }

    @Test(
        "the deny threshold locks on exactly the deny-th failure",
        arguments: [
            ThresholdVector(deny: 5, failures: 4, locked: false),
            ThresholdVector(deny: 5, failures: 5, locked: true),
            ThresholdVector(deny: 3, failures: 2, locked: false),
            ThresholdVector(deny: 3, failures: 3, locked: true),
            ThresholdVector(deny: 1, failures: 1, locked: true),
            ThresholdVector(deny: 1000, failures: 99, locked: false),
        ])
    func denyThreshold(_ vector: ThresholdVector) {
        let rules = policy { $0.deny = vector.deny }
        let (state, decisions) = failures(rules, at: seconds(from: t0, count: vector.failures))
        let last = decisions.last
        #expect(decisions.allSatisfy { $0.verdict == .deny })
        #expect((state.activeLock(at: t0 + Int64(vector.failures)) != nil) == vector.locked)
        #expect(state.consecutiveFailures == vector.failures)
        if vector.locked {
            let lockedAt = t0 + Int64(vector.failures - 1)
            #expect(state.lock == Lock(lockedAt: lockedAt, until: lockedAt + 300, reason: "Failures"))
            #expect(state.lockStreak == 1)
            #expect(state.recentFailures.isEmpty)
            #expect(
                last?.events == [
                    PolicyEvent(.loginFailed, "failure \(vector.deny) of \(vector.deny)"),
                    PolicyEvent(.accountLocked, "Failures; reactivates in 5 minutes"),
                ])
            #expect(last?.userMessage == "The account is locked. Try again in 5 minutes.")
        } else {
            #expect(state.lock == nil)
            #expect(last?.events == [PolicyEvent(.loginFailed, "failure \(vector.failures) of \(vector.deny)")])
            #expect(last?.userMessage == nil)
        }
    }

    @Test("deny = 0 never locks on the window, only on the hard cap")
    func denyZero() {
        let withoutCap = policy {
            $0.deny = 0
            $0.maxConsecutiveFailures = 0
        }
        let (open, decisions) = failures(withoutCap, at: seconds(from: t0, count: 1_000))
        #expect(open.lock == nil)
        #expect(open.consecutiveFailures == 1_000)
        #expect(decisions.last?.events == [PolicyEvent(.loginFailed, "failure 1000 in a row")])

        let withCap = policy { $0.deny = 0 }
        let (capped, _) = failures(withCap, at: seconds(from: t0, count: 100))
        #expect(capped.lock?.reason == LockReason.failureCap)
        #expect(capped.lock?.until == nil)
    }

    struct WindowVector: Sendable, CustomTestStringConvertible {
        var name: String
        var offsets: [Int64]
        var locked: Bool
        var testDescription: String { name }
    }

    @Test(
        "only failures younger than fail_interval count towards deny",
        arguments: [
            WindowVector(name: "five within 899 s lock", offsets: [0, 1, 2, 3, 899], locked: true),
            WindowVector(
                name: "a failure exactly fail_interval old no longer counts", offsets: [0, 1, 2, 3, 900], locked: false),
            WindowVector(
                name: "the window slides: the oldest drops out", offsets: [0, 1, 2, 3, 900, 901], locked: false),
            WindowVector(name: "five inside the slid window lock", offsets: [0, 1, 2, 3, 900, 900], locked: true),
            WindowVector(
                name: "failures every 300 s never reach five", offsets: [0, 300, 600, 900, 1200, 1500, 1800],
                locked: false),
            WindowVector(name: "failures every 224 s reach five", offsets: [0, 224, 448, 672, 896], locked: true),
        ])
    func slidingWindow(_ vector: WindowVector) {
        let (state, _) = failures(policy(), at: vector.offsets.map { t0 + $0 })
        let last = t0 + (vector.offsets.last ?? 0)
        #expect((state.activeLock(at: last) != nil) == vector.locked)
        #expect(state.recentFailures.allSatisfy { $0 > last - 900 })
        #expect(state.consecutiveFailures == vector.offsets.count)
    }

    @Test("the failure window never holds more than deny entries")
    func windowIsBounded() {
        let (state, _) = failures(
            policy {
                $0.deny = 3; $0.maxConsecutiveFailures = 0
            }, at: [t0, t0 + 1000, t0 + 2000, t0 + 3000])
        #expect(state.recentFailures == [t0 + 3000])
        let rootRules = policy { $0.deny = 3 }
        let (root, _) = failures(rootRules, at: seconds(from: t0, count: 10), kind: .root)
        #expect(root.recentFailures.count == 3)
    }

    // MARK: Reactivation and behaviour while locked

    /// Five failures at t0...t0+4: locked at t0+4 until t0+304.
    private func lockedState(_ rules: LockPolicy = policy()) -> AccountState {
        failures(rules, at: seconds(from: t0, count: 5)).state
    }

    @Test("a timed lock is in force until one second before reactivation and gone at it")
    func reactivationBoundary() {
        let rules = policy()
        let state = lockedState(rules)
        let until = t0 + 4 + 300
        #expect(state.lock?.until == until)
        for now in [t0 + 4, t0 + 5, until - 1] {
            #expect(rules.beforeAuthentication(state, now: now).verdict == .deny, "at \(now - until)")
        }
        for now in [until, until + 1, until + 86_400] {
            #expect(rules.beforeAuthentication(state, now: now) == Decision(.allow), "at +\(now - until)")
        }
        // The first failure after reactivation starts a fresh window and clears the old lock.
        let after = rules.afterFailure(state, kind: .regular, source: sshSource, now: until)
        #expect(after.newState?.lock == nil)
        #expect(after.newState?.recentFailures == [until])
        #expect(after.newState?.consecutiveFailures == 6)
        #expect(after.events == [PolicyEvent(.loginFailed, "failure 1 of 5")])
    }

    @Test("every attempt while locked is refused, logged as locked, and leaves the state untouched")
    func lockedAttemptsChangeNothing() {
        let rules = policy { $0.showLockMessage = true }
        let state = lockedState(rules)
        let until = t0 + 304
        let expected = Decision(
            .deny, newState: nil, events: [PolicyEvent(.loginFailedLocked, "")],
            userMessage: "The account is locked. Try again in 5 minutes.")
        let steps: [(String, (Int64) -> Decision)] = [
            ("beforeAuthentication", { rules.beforeAuthentication(state, now: $0) }),
            ("afterFailure", { rules.afterFailure(state, kind: .regular, source: sshSource, now: $0) }),
            ("afterSuccess", { rules.afterSuccess(state, now: $0) }),
        ]
        for (name, step) in steps {
            #expect(step(t0 + 5) == expected, "\(name)")
            let late = step(until - 1)
            #expect(late.verdict == .deny, "\(name)")
            #expect(late.newState == nil, "\(name) must not extend the lock")
            #expect(late.events.map(\.action) == [.loginFailedLocked], "\(name)")
            #expect(late.events.first?.action.rawValue == "Login failed (locked)")
            #expect(late.userMessage == "The account is locked. Try again in 1 minute.", "\(name)")
        }
        // A burst of attempts changes nothing, so the lock still ends on time.
        var current = state
        for now in seconds(from: t0 + 5, count: 200) {
            if let next = rules.afterFailure(current, kind: .regular, source: sshSource, now: now).newState {
                current = next
            }
        }
        #expect(current == state)
        #expect(rules.beforeAuthentication(current, now: until).verdict == .allow)
    }

    @Test("unlock_time = 0 makes an administrator-only lock that never expires")
    func administratorOnlyLock() {
        let rules = policy { $0.unlockTime = 0 }
        let (state, decisions) = failures(rules, at: seconds(from: t0, count: 5))
        #expect(state.lock == Lock(lockedAt: t0 + 4, until: nil, reason: "Failures"))
        #expect(
            decisions.last?.events.last == PolicyEvent(.accountLocked, "Failures; until an administrator unlocks it"))
        #expect(decisions.last?.userMessage == "The account is locked. Contact your administrator.")
        for now in [t0 + 5, t0 + 86_400 * 3_650, Int64.max] {
            #expect(rules.beforeAuthentication(state, now: now).verdict == .deny)
        }
        let unlocked = rules.unlock(state, actor: "admin", now: t0 + 99)
        #expect(unlocked.newState?.lock == nil)
        #expect(rules.beforeAuthentication(unlocked.newState ?? state, now: t0 + 100) == Decision(.allow))
    }

    // MARK: Repeated lockouts

    /// Locks, waits for reactivation, locks again; returns the state after the second lock.
    private func secondLockout(_ rules: LockPolicy, successInBetween: Bool = false) -> (AccountState, Decision?) {
        let first = failures(rules, at: seconds(from: t0, count: 5)).state
        var state = first
        let reopened = (first.lock?.until ?? t0) + 1
        if successInBetween { state = succeed(rules, state, at: reopened) }
        let (second, decisions) = failures(rules, at: seconds(from: reopened + 1, count: 5), from: state)
        return (second, decisions.last)
    }

    @Test("a second lockout in a row requires a password change")
    func streakRequiresPasswordChange() {
        let rules = policy()
        let (state, decision) = secondLockout(rules)
        let lockedAt = t0 + 4 + 300 + 1 + 1 + 4
        #expect(state.lockStreak == 2)
        #expect(state.passwordChangeRequired)
        #expect(state.lock == Lock(lockedAt: lockedAt, until: lockedAt + 300, reason: "Failures"))
        #expect(
            decision?.events == [
                PolicyEvent(.loginFailed, "failure 5 of 5"),
                PolicyEvent(.accountLocked, "Failures; reactivates in 5 minutes; lockout 2 in a row"),
                PolicyEvent(.passwordChangeRequired, "after 2 lockouts in a row"),
            ])
        #expect(decision?.events.last?.action.rawValue == "Password change required")
        // While locked the account stage refuses; afterwards it demands the change.
        #expect(rules.accountCheck(state, kind: .regular, now: lockedAt + 1).verdict == .deny)
        #expect(rules.accountCheck(state, kind: .regular, now: lockedAt + 300).verdict == .changeRequired)
        // A third lockout does not announce the requirement again.
        let third = failures(rules, at: seconds(from: lockedAt + 301, count: 5), from: state)
        #expect(third.state.lockStreak == 3)
        #expect(third.decisions.last?.events.map(\.action) == [.loginFailed, .accountLocked])
    }

    @Test("a successful login between lockouts resets the streak")
    func successResetsStreak() {
        let (state, decision) = secondLockout(policy(), successInBetween: true)
        #expect(state.lockStreak == 1)
        #expect(!state.passwordChangeRequired)
        #expect(decision?.events.map(\.action) == [.loginFailed, .accountLocked])
    }

    @Test("lockout_action admin-unlock turns the second lockout into an administrator-only lock")
    func streakAdminUnlock() {
        let rules = policy { $0.lockoutAction = .adminUnlock }
        let (state, decision) = secondLockout(rules)
        #expect(state.lock?.until == nil)
        #expect(state.lock?.reason == "Repeated lockouts")
        #expect(!state.passwordChangeRequired)
        #expect(
            decision?.events.last
                == PolicyEvent(
                    .accountLocked, "Repeated lockouts; until an administrator unlocks it; lockout 2 in a row"))
        #expect(rules.beforeAuthentication(state, now: t0 + 10 * 86_400).verdict == .deny)
    }

    @Test("lockout_action none keeps locking for unlock_time")
    func streakNone() {
        let rules = policy { $0.lockoutAction = .none }
        let (state, decision) = secondLockout(rules)
        #expect(state.lockStreak == 2)
        #expect(state.lock?.reason == "Failures")
        #expect(state.lock.map { ($0.until ?? 0) - $0.lockedAt } == 300)
        #expect(!state.passwordChangeRequired)
        #expect(decision?.events.map(\.action) == [.loginFailed, .accountLocked])
    }

    @Test("lockouts_before_action = 0 disables escalation")
    func escalationDisabled() {
        let rules = policy {
            $0.lockoutsBeforeAction = 0
            $0.lockoutAction = .adminUnlock
        }
        let (state, _) = secondLockout(rules)
        #expect(state.lock?.reason == "Failures")
        #expect(state.lock.map { ($0.until ?? 0) - $0.lockedAt } == 300)
    }

    struct EscalationVector: Sendable, CustomTestStringConvertible {
        var unlockTime: Int64
        var multiplier: Int64
        var maxUnlockTime: Int64
        var streak: Int
        var duration: Int64
        var testDescription: String {
            "\(unlockTime) s x\(multiplier) cap \(maxUnlockTime), lockout \(streak) -> \(duration) s"
        }
    }

    @Test(
        "unlock_time_multiplier escalates up to max_unlock_time",
        arguments: [
            EscalationVector(unlockTime: 300, multiplier: 2, maxUnlockTime: 1_000, streak: 1, duration: 300),
            EscalationVector(unlockTime: 300, multiplier: 2, maxUnlockTime: 1_000, streak: 2, duration: 600),
            EscalationVector(unlockTime: 300, multiplier: 2, maxUnlockTime: 1_000, streak: 3, duration: 1_000),
            EscalationVector(unlockTime: 300, multiplier: 2, maxUnlockTime: 1_000, streak: 9, duration: 1_000),
            EscalationVector(unlockTime: 300, multiplier: 2, maxUnlockTime: 0, streak: 3, duration: 1_200),
            EscalationVector(unlockTime: 300, multiplier: 2, maxUnlockTime: 0, streak: 11, duration: 307_200),
            EscalationVector(unlockTime: 300, multiplier: 1, maxUnlockTime: 1_000, streak: 5, duration: 300),
            EscalationVector(unlockTime: 300, multiplier: 10, maxUnlockTime: 86_400, streak: 3, duration: 30_000),
            EscalationVector(unlockTime: 300, multiplier: 10, maxUnlockTime: 86_400, streak: 4, duration: 86_400),
            // An unlock_time above the cap is never shortened by it.
            EscalationVector(unlockTime: 2_000, multiplier: 2, maxUnlockTime: 1_000, streak: 1, duration: 2_000),
            EscalationVector(unlockTime: 2_000, multiplier: 2, maxUnlockTime: 1_000, streak: 4, duration: 2_000),
        ])
    func escalation(_ vector: EscalationVector) {
        let rules = policy {
            $0.unlockTime = vector.unlockTime
            $0.unlockTimeMultiplier = vector.multiplier
            $0.maxUnlockTime = vector.maxUnlockTime
        }
        #expect(rules.reactivationTime(kind: .regular, streak: vector.streak, now: t0) == t0 + vector.duration)
    }

    @Test("escalated lockouts get longer through the whole flow: 300, 600, then the cap")
    func escalationFlow() {
        let rules = policy {
            $0.unlockTimeMultiplier = 2
            $0.maxUnlockTime = 1_000
            $0.lockoutAction = .none
        }
        var state = AccountState()
        var start = t0
        var durations: [Int64] = []
        for _ in 0..<4 {
            state = failures(rules, at: seconds(from: start, count: 5), from: state).state
            guard let lock = state.lock, let until = lock.until else {
                Issue.record("expected a timed lock")
                return
            }
            durations.append(until - lock.lockedAt)
            start = until
        }
        #expect(durations == [300, 600, 1_000, 1_000])
        #expect(state.lockStreak == 4)
    }

    @Test("huge times, multipliers and counters saturate instead of trapping")
    func overflowSafety() {
        let rules = policy {
            $0.deny = 1
            $0.unlockTime = .max
            $0.unlockTimeMultiplier = .max
            $0.maxUnlockTime = 0
            $0.failInterval = .max
            $0.maxConsecutiveFailures = 0
        }
        #expect(rules.reactivationTime(kind: .regular, streak: .max, now: .max - 1) == .max)
        #expect(rules.reactivationTime(kind: .regular, streak: .max, now: 0) == .max)
        #expect(rules.reactivationTime(kind: .regular, streak: .min, now: t0) == .max)

        var worn = AccountState()
        worn.consecutiveFailures = .max
        worn.lockStreak = .max
        worn.recentFailures = [.min, -1, 0]
        let decision = rules.afterFailure(worn, kind: .regular, source: sshSource, now: .max - 1)
        #expect(decision.newState?.consecutiveFailures == .max)
        #expect(decision.newState?.lockStreak == .max)
        #expect(decision.newState?.lock?.until == .max)
        // One second left, shown rounded up to a minute.
        #expect(decision.userMessage == "The account is locked. Try again in 1 minute.")

        let early = rules.afterFailure(worn, kind: .regular, source: sshSource, now: .min + 1)
        #expect(early.verdict == .deny)

        // now = Int64.min: "until - now" must not negate Int64.min.
        let earliest = rules.afterFailure(AccountState(), kind: .regular, source: sshSource, now: .min)
        #expect(earliest.verdict == .deny)
        // Int64.min + unlock_time (Int64.max) is -1: no overflow, and a lock that is over.
        #expect(earliest.newState?.lock == Lock(lockedAt: .min, until: -1, reason: "Failures"))
        let negativeWindow = policy { $0.failInterval = .min }
        #expect(negativeWindow.afterFailure(worn, kind: .regular, source: sshSource, now: t0).verdict == .deny)

        let lock = Lock(lockedAt: 0, until: .max, reason: "x")
        #expect(
            rules.lockMessage(lock, now: .min) == "The account is locked. Try again in 106751991167300 days 15 hours.")
        #expect(rules.lockMessage(lock, now: 0) == "The account is locked. Try again in 106751991167300 days 15 hours.")
        // More than Int64.max seconds left saturates to the same text.
        #expect(
            rules.lockMessage(lock, now: -1_000) == "The account is locked. Try again in 106751991167300 days 15 hours."
        )
        let forever = rules.lock(AccountState(), reason: "audit", duration: .max, now: t0)
        #expect(forever.newState?.lock?.until == .max)
        let backwards = rules.lock(AccountState(), reason: "audit", duration: .min, now: t0)
        #expect(backwards.newState?.lock?.until == t0 + .min)
    }

    // MARK: Hard cap

    @Test("max_consecutive_failures locks indefinitely whatever deny says")
    func hardCap() {
        let rules = policy {
            $0.deny = 100
            $0.maxConsecutiveFailures = 7
        }
        let (beforeCap, _) = failures(rules, at: seconds(from: t0, count: 6))
        #expect(beforeCap.lock == nil)
        let (capped, decisions) = failures(rules, at: [t0 + 6], from: beforeCap)
        #expect(capped.lock == Lock(lockedAt: t0 + 6, until: nil, reason: "Failure cap"))
        #expect(
            decisions.last?.events.last == PolicyEvent(.accountLocked, "Failure cap; until an administrator unlocks it")
        )
        #expect(rules.beforeAuthentication(capped, now: t0 + 365 * 86_400).verdict == .deny)
    }

    @Test("the hard cap counts failures across timed lockouts until a success")
    func hardCapSpansLockouts() {
        let rules = policy {
            $0.maxConsecutiveFailures = 7
            $0.lockoutAction = .none
        }
        let first = failures(rules, at: seconds(from: t0, count: 5)).state
        #expect(first.lock?.reason == "Failures")
        let reopened = (first.lock?.until ?? t0)
        let second = failures(rules, at: [reopened, reopened + 1], from: first).state
        #expect(second.lock == Lock(lockedAt: reopened + 1, until: nil, reason: "Failure cap"))

        let afterSuccess = succeed(rules, first, at: reopened)
        let fresh = failures(rules, at: [reopened + 1, reopened + 2], from: afterSuccess).state
        #expect(fresh.lock == nil)
        #expect(fresh.consecutiveFailures == 2)
    }

    @Test("max_consecutive_failures = 0 disables the hard cap")
    func hardCapDisabled() {
        let rules = policy {
            $0.deny = 0
            $0.maxConsecutiveFailures = 0
        }
        let (state, _) = failures(rules, at: seconds(from: t0, count: 2_000))
        #expect(state.lock == nil)
        #expect(state.consecutiveFailures == 2_000)
    }

    // MARK: Subjects

    @Test("root is counted but not locked unless even_deny_root")
    func rootNotLockedByDefault() {
        let (state, decisions) = failures(policy(), at: seconds(from: t0, count: 150), kind: .root)
        #expect(state.lock == nil)
        #expect(state.consecutiveFailures == 150)
        #expect(decisions.allSatisfy { $0.verdict == .deny && $0.events.map(\.action) == [.loginFailed] })
    }

    struct RootVector: Sendable, CustomTestStringConvertible {
        var unlockTime: Int64
        var rootUnlockTime: Int64?
        var until: Int64?
        var testDescription: String {
            "unlock_time \(unlockTime), root_unlock_time \(rootUnlockTime.map(String.init) ?? "unset")"
        }
    }

    @Test(
        "with even_deny_root, root locks for root_unlock_time",
        arguments: [
            RootVector(unlockTime: 300, rootUnlockTime: 60, until: 60),
            RootVector(unlockTime: 300, rootUnlockTime: nil, until: 300),
            RootVector(unlockTime: 300, rootUnlockTime: 0, until: nil),
            RootVector(unlockTime: 0, rootUnlockTime: 30, until: 30),
        ])
    func rootWithEvenDenyRoot(_ vector: RootVector) {
        let rules = policy {
            $0.evenDenyRoot = true
            $0.unlockTime = vector.unlockTime
            $0.rootUnlockTime = vector.rootUnlockTime
        }
        let (state, _) = failures(rules, at: seconds(from: t0, count: 5), kind: .root)
        #expect(state.lock?.lockedAt == t0 + 4)
        #expect(state.lock?.until == vector.until.map { t0 + 4 + $0 })
        // Regular users keep unlock_time.
        let (regular, _) = failures(rules, at: seconds(from: t0, count: 5), kind: .regular)
        #expect(regular.lock?.until == (vector.unlockTime == 0 ? nil : t0 + 4 + vector.unlockTime))
    }

    @Test("members of exempt_group are counted but never locked, not even by the hard cap")
    func exemptNeverLocked() {
        let rules = policy { $0.maxConsecutiveFailures = 10 }
        let (state, _) = failures(rules, at: seconds(from: t0, count: 50), kind: .exempt)
        #expect(state.lock == nil)
        #expect(state.consecutiveFailures == 50)
        #expect(state.lastFailureSource == sshSource)
        #expect(state.lastFailureAt == t0 + 49)
    }

    @Test("unknown names lock exactly like regular users")
    func unknownLockedLikeRegular() {
        let regular = failures(policy(), at: seconds(from: t0, count: 5), kind: .regular)
        let unknown = failures(policy(), at: seconds(from: t0, count: 5), kind: .unknown)
        #expect(unknown.state == regular.state)
        #expect(unknown.decisions == regular.decisions)
    }

    // MARK: Account and password stages

    @Test("the account stage refuses locks, asks for required changes and ignores unknown names")
    func accountCheck() {
        let rules = policy()
        let locked = lockedState(rules)
        var mustChange = AccountState()
        mustChange.passwordChangeRequired = true
        let lockedAndMustChange = { () -> AccountState in
            var state = locked
            state.passwordChangeRequired = true
            return state
        }()
        let now = t0 + 10
        let cases: [(String, AccountState, SubjectKind, Verdict)] = [
            ("locked regular", locked, .regular, .deny),
            ("locked unknown", locked, .unknown, .deny),
            ("locked root", locked, .root, .deny),
            ("locked, change required", lockedAndMustChange, .regular, .deny),
            ("change required", mustChange, .regular, .changeRequired),
            ("change required, root", mustChange, .root, .changeRequired),
            ("change required, unknown", mustChange, .unknown, .ignore),
            ("plain unknown", AccountState(), .unknown, .ignore),
            ("plain regular", AccountState(), .regular, .allow),
            ("plain exempt", AccountState(), .exempt, .allow),
        ]
        for (name, state, kind, verdict) in cases {
            let decision = rules.accountCheck(state, kind: kind, now: now)
            #expect(decision.verdict == verdict, "\(name)")
            #expect(decision.newState == nil, "\(name)")
            if verdict == .deny {
                #expect(decision.events == [PolicyEvent(.loginFailedLocked, "account check")], "\(name)")
            } else {
                #expect(decision.events.isEmpty, "\(name)")
            }
        }
        #expect(rules.accountCheck(locked, kind: .regular, now: t0 + 304) == Decision(.allow))
    }

    @Test("a password change is refused while locked unless an administrator makes it")
    func beforePasswordChange() {
        let rules = policy()
        let locked = lockedState(rules)
        let refused = rules.beforePasswordChange(locked, administrative: false, now: t0 + 10)
        #expect(refused.verdict == .deny)
        #expect(refused.newState == nil)
        #expect(refused.events == [PolicyEvent(.passwordChangeRefused, "account is locked")])
        #expect(refused.events.first?.action.rawValue == "Password change refused")
        #expect(refused.userMessage == "The account is locked. Try again in 5 minutes.")
        #expect(rules.beforePasswordChange(locked, administrative: true, now: t0 + 10) == Decision(.ignore))
        #expect(rules.beforePasswordChange(locked, administrative: false, now: t0 + 304) == Decision(.ignore))
        #expect(rules.beforePasswordChange(AccountState(), administrative: false, now: t0) == Decision(.ignore))
    }

    @Test("a successful password change clears the requirement, and only it")
    func afterPasswordChange() {
        let rules = policy()
        var state = AccountState()
        state.passwordChangeRequired = true
        state.lockStreak = 2
        let cleared = rules.afterPasswordChange(state)
        var expected = state
        expected.passwordChangeRequired = false
        #expect(cleared.verdict == .allow)
        #expect(cleared.newState == expected)
        #expect(cleared.events == [PolicyEvent(.passwordChanged, "password change requirement cleared")])
        #expect(rules.afterPasswordChange(AccountState()) == Decision(.allow))
    }

    @Test("a success resets counters and streak but not a required password change")
    func successResets() {
        let rules = policy()
        var state = failures(rules, at: seconds(from: t0, count: 3)).state
        state.lockStreak = 1
        state.passwordChangeRequired = true
        let decision = rules.afterSuccess(state, now: t0 + 10)
        #expect(decision.verdict == .allow)
        #expect(decision.events == [PolicyEvent(.loginSucceeded)])
        #expect(decision.newState?.consecutiveFailures == 0)
        #expect(decision.newState?.recentFailures == [])
        #expect(decision.newState?.lockStreak == 0)
        #expect(decision.newState?.lastSuccessAt == t0 + 10)
        #expect(decision.newState?.passwordChangeRequired == true)
        #expect(decision.newState?.lastFailureAt == t0 + 2)
    }

    // MARK: Administrator actions

    @Test("an administrator unlock resets counters and streak and records who did it")
    func administratorUnlock() {
        let rules = policy()
        let (locked, _) = secondLockout(rules)
        let decision = rules.unlock(locked, actor: "alice", now: t0 + 400)
        #expect(decision.verdict == .allow)
        #expect(decision.events == [PolicyEvent(.accountUnlocked, "")])
        let state = decision.newState
        #expect(state?.lock == nil)
        #expect(state?.recentFailures == [])
        #expect(state?.consecutiveFailures == 0)
        #expect(state?.lockStreak == 0)
        #expect(state?.unlockedBy == "alice")
        #expect(state?.unlockedAt == t0 + 400)
        #expect(state?.passwordChangeRequired == true)

        let counted = failures(rules, at: [t0]).state
        let reset = rules.unlock(counted, actor: "bob", now: t0 + 1)
        #expect(reset.events == [PolicyEvent(.accountUnlocked, "failure count reset")])
        #expect(reset.newState?.consecutiveFailures == 0)

        #expect(rules.unlock(AccountState(), actor: "carol", now: t0) == Decision(.ignore))
        let lockedThenSucceeded = succeed(rules, failures(rules, at: seconds(from: t0, count: 5)).state, at: t0 + 400)
        #expect(rules.unlock(lockedThenSucceeded, actor: "dave", now: t0 + 500) == Decision(.ignore))
    }

    struct AdminLockVector: Sendable, CustomTestStringConvertible {
        var duration: Int64?
        var until: Int64?
        var detail: String
        var testDescription: String { duration.map { "for \($0) s" } ?? "until unlocked" }
    }

    @Test(
        "an administrator lock holds for the given time or until unlocked",
        arguments: [
            AdminLockVector(duration: nil, until: nil, detail: "on leave; until an administrator unlocks it"),
            AdminLockVector(duration: 3_600, until: t0 + 3_600, detail: "on leave; reactivates in 1 hour"),
            AdminLockVector(duration: 90, until: t0 + 90, detail: "on leave; reactivates in 1 minute 30 seconds"),
        ])
    func administratorLock(_ vector: AdminLockVector) {
        let rules = policy()
        var state = AccountState()
        state.lockStreak = 1
        state.consecutiveFailures = 2
        let decision = rules.lock(state, reason: "on leave", duration: vector.duration, now: t0)
        #expect(decision.verdict == .allow)
        #expect(decision.events == [PolicyEvent(.accountLocked, vector.detail)])
        var expected = state
        expected.lock = Lock(lockedAt: t0, until: vector.until, reason: "on leave")
        #expect(decision.newState == expected)
        #expect(rules.beforeAuthentication(expected, now: t0 + 89).verdict == .deny)
    }

    struct MessageVector: Sendable, CustomTestStringConvertible {
        var remaining: Int64?
        var message: String
        var testDescription: String { remaining.map { "\($0) s left" } ?? "administrator only" }
    }

    @Test(
        "the lock message rounds up to whole minutes or names the administrator",
        arguments: [
            MessageVector(remaining: nil, message: "The account is locked. Contact your administrator."),
            MessageVector(remaining: 300, message: "The account is locked. Try again in 5 minutes."),
            MessageVector(remaining: 299, message: "The account is locked. Try again in 5 minutes."),
            MessageVector(remaining: 301, message: "The account is locked. Try again in 6 minutes."),
            MessageVector(remaining: 1, message: "The account is locked. Try again in 1 minute."),
            MessageVector(remaining: 0, message: "The account is locked. Try again in 1 minute."),
            MessageVector(remaining: 3_600, message: "The account is locked. Try again in 1 hour."),
            MessageVector(remaining: 5_400, message: "The account is locked. Try again in 1 hour 30 minutes."),
            MessageVector(remaining: 90_061, message: "The account is locked. Try again in 1 day 1 hour."),
        ])
    func lockMessage(_ vector: MessageVector) {
        let lock = Lock(lockedAt: t0 - 10, until: vector.remaining.map { t0 + $0 }, reason: "Failures")
        #expect(policy().lockMessage(lock, now: t0) == vector.message)
    }

    @Test("action names parse in any letter case and nothing else")
    func actionDisplayNames() {
        for action in Action.allCases {
            #expect(Action(displayName: action.rawValue) == action)
            #expect(Action(displayName: action.rawValue.uppercased()) == action)
        }
        #expect(Action(displayName: "login failed (LOCKED)") == .loginFailedLocked)
        #expect(Action(displayName: "Login failed ") == nil)
        #expect(Action(displayName: "") == nil)
    }
}

@Suite("Which commits need a sync")
struct CleanSuccessTests {
    @Test("only a success of an account with nothing recorded may skip the sync")
    func cleanSuccess() {
        let rules = policy()
        let clean = AccountState()
        #expect(LockPolicy.isCleanSuccess(rules.afterSuccess(clean, now: t0), before: clean))
        let failed = failures(rules, at: [t0]).state
        #expect(!LockPolicy.isCleanSuccess(rules.afterSuccess(failed, now: t0 + 1), before: failed))
        let locked = failures(rules, at: [t0, t0 + 1, t0 + 2, t0 + 3, t0 + 4]).state
        #expect(!LockPolicy.isCleanSuccess(rules.afterSuccess(locked, now: t0 + 5), before: locked))
        var flagged = AccountState()
        flagged.passwordChangeRequired = true
        #expect(!LockPolicy.isCleanSuccess(rules.afterSuccess(flagged, now: t0), before: flagged))
        let failure = rules.afterFailure(clean, kind: .regular, source: sshSource, now: t0)
        #expect(!LockPolicy.isCleanSuccess(failure, before: clean))
    }
}
