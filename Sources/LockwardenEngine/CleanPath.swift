import LockwardenPolicy
import LockwardenStore

/// Decisions for an account with nothing recorded, made without SQLite: the account index
/// (AccountIndex) says the account has no state, and the step's decision over a state never
/// seen writes nothing. Any doubt, or any step that records, goes to the store.
enum CleanPath {
    enum Outcome {
        case decided(Verdict)
        /// `refreshIndex`: the index did not match the database; rebuild it once the store is open.
        case needsStore(refreshIndex: Bool)
    }

    static func decide(_ step: Step, call: Call, subject: CallSubject) throws(StoreError) -> Outcome {
        guard let decision = decisionWithoutState(step, call: call, subject: subject) else {
            return .needsStore(refreshIndex: false)
        }
        switch try AccountIndex.lookup(subject.key, databasePath: call.config.databasePath) {
        case .clean:
            call.tell(decision)
            return .decided(decision.verdict)
        case .hasState: return .needsStore(refreshIndex: false)
        case .unknown: return .needsStore(refreshIndex: true)
        }
    }

    /// The step's decision over an account never seen, if that decision stores nothing.
    static func decisionWithoutState(_ step: Step, call: Call, subject: CallSubject) -> Decision? {
        let config = call.config
        let none = AccountState()
        switch step {
        case .authfail:
            return nil
        case .totp:
            // No second-factor record (it would be in the index): optional asks nothing.
            return config.totp == .required ? nil : Decision(.ignore)
        case .authsucc:
            guard !config.logSuccesses else { return nil }
            let decision = policyDecision(step, call: call, subject: subject, state: none)
            return LockPolicy.isCleanSuccess(decision, before: none) ? decision : nil
        case .preauth, .account, .passwordCheck, .passwordChanged, .nothing:
            let decision = policyDecision(step, call: call, subject: subject, state: none)
            let writes = !decision.events.isEmpty || (decision.newState != nil && decision.newState != none)
            return writes ? nil : decision
        }
    }

    static func policyDecision(_ step: Step, call: Call, subject: CallSubject, state: AccountState) -> Decision {
        step.decide(
            LockPolicy(config: call.config), state, subject: subject, source: call.source,
            administrative: call.isAdministrative, now: call.now)
    }
}
