import ArgumentParser
import LockwardenPolicy
import LockwardenStore
import LockwardenSystem

/// `lockwarden unlock USER`: lift the lock and reset the counters, in one transaction.
struct UnlockCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "unlock",
        abstract: "Lift an account's lock and reset its failure counters.",
        discussion: """
            Resets the failure counters and the lock streak, and records who unlocked \
            ("Unlocked by") and when. An account that is not locked but has failures only has \
            its counters reset. The password-change requirement of an escalated account stays.
            """)

    @OptionGroup var global: GlobalOptions

    @Argument(help: ArgumentHelp("The login name.", valueName: "user"))
    var user: String

    func validate() throws {
        try RootCheck.require()
        try Target.validate(user)
    }

    private enum Outcome { case unlocked, countersReset, notLocked, noRecord }

    func run() throws {
        let (config, store) = try global.openState()
        let now = CurrentProcess.now()
        let target = Target.resolve(user)
        let actor = Actor.current()
        let tty = Actor.terminal()
        let policy = LockPolicy(config: config)
        var dropped: [String] = []
        let outcome: Outcome
        do {
            outcome = try store.immediateTransaction { store throws(StoreError) -> Outcome in
                var record = try store.account(target.key)
                guard record.id != nil else { return .noRecord }
                let wasLocked = record.state.activeLock(at: now) != nil
                let decision = policy.unlock(record.state, actor: actor, now: now)
                guard decision.newState != nil else { return .notLocked }
                let context = EventContext(
                    user: target.eventName, uid: target.systemUser?.uid ?? record.uid, service: Actor.service,
                    tty: tty, actor: actor)
                dropped = try store.record(decision, for: &record, context: context, now: now).map(\.rawValue)
                return wasLocked ? .unlocked : .countersReset
            }
        } catch {
            throw Failure.exit(error.message)
        }
        for action in dropped { Failure.report("warning: the event \"\(action)\" could not be recorded") }
        let name = target.displayName
        switch outcome {
        case .unlocked: print("Unlocked \(name).")
        case .countersReset: print("\(name) is not locked; its failure count was reset.")
        case .notLocked: print("\(name) is not locked; nothing to do.")
        case .noRecord:
            guard target.systemUser != nil else {
                throw Failure.exit("no record for \(name), and no such user", status: Failure.notFound)
            }
            print("\(name) is not locked; nothing to do.")
        }
    }
}
