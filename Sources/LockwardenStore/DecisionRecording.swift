import LockwardenPolicy

/// Who and where a decision concerns; stamped on every event the decision records.
public struct EventContext: Sendable {
    public var user: String
    public var uid: UInt32?
    public var service: String
    public var rhost: String
    public var tty: String
    public var actor: String

    public init(
        user: String, uid: UInt32?, service: String = "", rhost: String = "", tty: String = "", actor: String = ""
    ) {
        self.user = user
        self.uid = uid
        self.service = service
        self.rhost = rhost
        self.tty = tty
        self.actor = actor
    }
}

extension StateStore {
    /// Inside a transaction: stores the decision's new state (if it has one) and its events.
    /// Returns the actions whose event could not be written (the state change still stands).
    public func record(_ decision: Decision, for record: inout AccountRecord, context: EventContext, now: Int64)
        throws(StoreError) -> [Action]
    {
        if let newState = decision.newState {
            record.state = newState
            try save(record, now: now)
        }
        return append(decision.events, context: context, now: now)
    }

    /// Inside a transaction: stores events that change no account state (a PIN sent, an
    /// enrollment, a refusal). Returns the actions whose event could not be written.
    public func append(_ events: [PolicyEvent], context: EventContext, now: Int64) -> [Action] {
        var dropped: [Action] = []
        for event in events {
            let stored = append(
                EventRecord(
                    time: now, user: context.user, uid: context.uid, action: event.action.rawValue,
                    service: context.service, rhost: context.rhost, tty: context.tty, actor: context.actor,
                    detail: event.detail))
            if !stored { dropped.append(event.action) }
        }
        return dropped
    }
}
