@testable import LockwardenPolicy

/// A fixed, injected "now": tests never read the clock.
let t0: Int64 = 1_700_000_000

let sshSource = AttemptSource(service: "sshd", rhost: "192.0.2.7", tty: "ssh")

/// The default configuration with some settings changed.
func configuration(_ change: (inout LockwardenConfig) -> Void = { _ in }) -> LockwardenConfig {
    var config = LockwardenConfig()
    change(&config)
    return config
}

func policy(_ change: (inout LockwardenConfig) -> Void = { _ in }) -> LockPolicy {
    LockPolicy(config: configuration(change))
}

/// Feeds failures to the policy at the given times and keeps each new state, as the engine does.
func failures(
    _ policy: LockPolicy, at times: [Int64], from state: AccountState = AccountState(), kind: SubjectKind = .regular
) -> (state: AccountState, decisions: [Decision]) {
    var current = state
    var decisions: [Decision] = []
    for time in times {
        let decision = policy.afterFailure(current, kind: kind, source: sshSource, now: time)
        if let next = decision.newState { current = next }
        decisions.append(decision)
    }
    return (current, decisions)
}

/// `count` failures one second apart, starting at `start`.
func seconds(from start: Int64, count: Int) -> [Int64] {
    (0..<count).map { start + Int64($0) }
}

/// Applies a success, keeping the new state.
func succeed(_ policy: LockPolicy, _ state: AccountState, at now: Int64) -> AccountState {
    policy.afterSuccess(state, now: now).newState ?? state
}
