import LockwardenPolicy

/// A queued mail.
public struct OutboxMail: Equatable, Sendable {
    public var id: Int64
    public var kind: String
    public var recipient: String
    public var subject: String
    public var body: String
    public var attempts: Int
    public var lastError: String?
}

extension StateStore {
    /// Queues a mail; call inside the transaction that makes the change it reports.
    public func enqueue(kind: String, message: MailMessage, now: Int64) throws(StoreError) {
        try connection.prepare(
            """
            INSERT INTO outbox (created_at, kind, recipient, subject, body, next_attempt_at)
            VALUES (?, ?, ?, ?, ?, ?)
            """
        ).run([
            .integer(now), .text(kind), .text(message.to), .text(message.subject), .text(message.body), .integer(now),
        ])
    }

    /// The outbox kind of a lock notice: queued with the lock (uid only, no lookups under the
    /// write lock) and expanded into the lock mails outside it (Notifications.expandLockNotices).
    public static let lockNoticeKind = "lock-notice"

    /// Queues a lock notice for `uid`; call inside the lock's transaction.
    public func enqueueLockNotice(uid: UInt32, now: Int64) throws(StoreError) {
        try enqueue(kind: Self.lockNoticeKind, message: MailMessage(to: "", subject: "", body: String(uid)), now: now)
    }

    /// Lock notices not yet expanded: (outbox id, uid, time queued).
    public func lockNotices(limit: Int = 100) throws(StoreError) -> [(id: Int64, uid: UInt32, queuedAt: Int64)] {
        let statement = try connection.prepare(
            "SELECT id, body, created_at FROM outbox WHERE kind = ? AND sent_at IS NULL ORDER BY id LIMIT ?")
        try statement.bind([.text(Self.lockNoticeKind), .integer(Int64(max(0, limit)))])
        var notices: [(id: Int64, uid: UInt32, queuedAt: Int64)] = []
        while try statement.step() {
            guard let uid = UInt32(statement.text(1)) else { continue }
            notices.append((statement.integer(0), uid, statement.integer(2)))
        }
        return notices
    }

    /// Replaces a lock notice by its mails, once: false when another process expanded it first.
    public func expandLockNotice(id: Int64, into mails: [(kind: String, message: MailMessage)], now: Int64)
        throws(StoreError) -> Bool
    {
        try connection.prepare("DELETE FROM outbox WHERE id = ? AND kind = ?").run([
            .integer(id), .text(Self.lockNoticeKind),
        ])
        guard connection.changes == 1 else { return false }
        for mail in mails { try enqueue(kind: mail.kind, message: mail.message, now: now) }
        return true
    }

    /// Unsent mail whose next attempt is due, oldest first.
    public func dueMail(now: Int64, limit: Int = 100) throws(StoreError) -> [OutboxMail] {
        let statement = try connection.prepare(
            """
            SELECT id, kind, recipient, subject, body, attempts, last_error FROM outbox
            WHERE sent_at IS NULL AND next_attempt_at <= ? AND kind != ? ORDER BY id LIMIT ?
            """)
        try statement.bind([.integer(now), .text(Self.lockNoticeKind), .integer(Int64(max(0, limit)))])
        var mails: [OutboxMail] = []
        while try statement.step() {
            mails.append(
                OutboxMail(
                    id: statement.integer(0), kind: statement.text(1), recipient: statement.text(2),
                    subject: statement.text(3), body: statement.text(4), attempts: Int(clamping: statement.integer(5)),
                    lastError: statement.optionalText(6)))
        }
        return mails
    }

    /// A delivered mail leaves the outbox: what it said (an unlock PIN, say) is kept nowhere.
    public func markSent(id: Int64) throws(StoreError) {
        try connection.prepare("DELETE FROM outbox WHERE id = ?").run([.integer(id)])
    }

    /// Drops queued mail of `kind` created at or before `cutoff` (a PIN mail once its PIN has
    /// expired); returns how many.
    @discardableResult
    public func dropMail(kind: String, createdAtOrBefore cutoff: Int64) throws(StoreError) -> Int {
        try connection.prepare("DELETE FROM outbox WHERE kind = ? AND created_at <= ?")
            .run([.text(kind), .integer(cutoff)])
        return Int(clamping: connection.changes)
    }

    /// Records a failed delivery; the next try waits 1, 2, 4 ... minutes, at most 6 hours.
    public func markFailed(id: Int64, attempts: Int, error: String, now: Int64) throws(StoreError) {
        let delay = min(Int64(60) << Int64(min(max(attempts, 0), 9)), 21_600)
        try connection.prepare("UPDATE outbox SET attempts = ?, last_error = ?, next_attempt_at = ? WHERE id = ?")
            .run([.integer(Int64(attempts) + 1), .text(error), .integer(now.saturatingAdd(delay)), .integer(id)])
    }

    /// Mail not yet delivered (due now or waiting for a retry).
    public func unsentMailCount() throws(StoreError) -> Int {
        Int(clamping: try connection.scalar("SELECT count(*) FROM outbox WHERE sent_at IS NULL") ?? 0)
    }

    /// A user's own address (`lockwarden user set-email`), if set.
    public func email(uid: UInt32) throws(StoreError) -> String? {
        let statement = try connection.prepare("SELECT email FROM user_settings WHERE uid = ?")
        try statement.bind([.integer(Int64(uid))])
        return try statement.step() ? statement.optionalText(0) : nil
    }

    public func setEmail(uid: UInt32, email: String?) throws(StoreError) {
        try connection.prepare(
            "INSERT INTO user_settings (uid, email) VALUES (?, ?) ON CONFLICT(uid) DO UPDATE SET email = excluded.email"
        ).run([.integer(Int64(uid)), email.sql])
    }
}

extension StateStore {
    /// Takes due mail for delivery: each is leased until `until`, so a second sender running
    /// at the same time does not send it too (a sender that dies leaves it due again later).
    public func claimDueMail(now: Int64, until: Int64, limit: Int = 50) throws(StoreError) -> [OutboxMail] {
        try immediateTransaction { store throws(StoreError) -> [OutboxMail] in
            let mails = try store.dueMail(now: now, limit: limit)
            let lease = try store.connection.prepare("UPDATE outbox SET next_attempt_at = ? WHERE id = ?")
            for mail in mails { try lease.run([.integer(until), .integer(mail.id)]) }
            return mails
        }
    }
}
