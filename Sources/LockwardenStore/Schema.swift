/// The database layout, versioned with `user_version` and marked with `application_id`.
public enum Schema {
    /// "LkWd": tells a Lockwarden database from any other SQLite file.
    public static let applicationID: Int32 = 0x4C6B_5764
    public static let version: Int32 = 9

    /// Statements that take a database from version N-1 to N; index 0 builds version 1.
    static let migrations: [[String]] = [
        [
            """
            CREATE TABLE accounts (
                id INTEGER PRIMARY KEY,
                uid INTEGER,
                name BLOB NOT NULL,
                recent_failures TEXT NOT NULL DEFAULT '',
                consecutive_failures INTEGER NOT NULL DEFAULT 0,
                last_failure_at INTEGER,
                last_failure_service TEXT,
                last_failure_rhost TEXT,
                last_failure_tty TEXT,
                locked_at INTEGER,
                locked_until INTEGER,
                lock_reason TEXT,
                lock_streak INTEGER NOT NULL DEFAULT 0,
                password_change_required INTEGER NOT NULL DEFAULT 0,
                last_success_at INTEGER,
                unlocked_by TEXT,
                unlocked_at INTEGER,
                updated_at INTEGER NOT NULL
            )
            """,
            // Known users are keyed by UID; unknown names by their exact bytes.
            "CREATE UNIQUE INDEX accounts_by_uid ON accounts(uid) WHERE uid IS NOT NULL",
            "CREATE UNIQUE INDEX accounts_unknown_by_name ON accounts(name) WHERE uid IS NULL",
            "CREATE INDEX accounts_unknown_by_age ON accounts(updated_at) WHERE uid IS NULL",
            """
            CREATE TABLE events (
                id INTEGER PRIMARY KEY AUTOINCREMENT,
                time INTEGER NOT NULL,
                user TEXT NOT NULL,
                uid INTEGER,
                action TEXT NOT NULL,
                service TEXT NOT NULL DEFAULT '',
                rhost TEXT NOT NULL DEFAULT '',
                tty TEXT NOT NULL DEFAULT '',
                actor TEXT NOT NULL DEFAULT '',
                detail TEXT NOT NULL DEFAULT ''
            )
            """,
            "CREATE INDEX events_by_user ON events(user, id)",
            "CREATE INDEX events_by_uid ON events(uid, id) WHERE uid IS NOT NULL",
            "CREATE INDEX events_by_time ON events(time)",
        ],
        // Version 2: the TOTP second factor. Secrets and code hashes live only here, root-only.
        [
            """
            CREATE TABLE mfa (
                uid INTEGER PRIMARY KEY,
                secret BLOB,
                algorithm TEXT NOT NULL DEFAULT 'SHA1',
                digits INTEGER NOT NULL DEFAULT 6,
                period INTEGER NOT NULL DEFAULT 30,
                last_step INTEGER,
                enrolled_at INTEGER,
                reenroll_required INTEGER NOT NULL DEFAULT 0,
                reset_at INTEGER,
                reset_by TEXT
            )
            """,
            """
            CREATE TABLE backup_codes (
                id INTEGER PRIMARY KEY,
                uid INTEGER NOT NULL,
                salt BLOB NOT NULL,
                hash BLOB NOT NULL,
                created_at INTEGER NOT NULL
            )
            """,
            "CREATE INDEX backup_codes_by_uid ON backup_codes(uid)",
        ],
        // Version 3: administrators' workflow. Mail is queued in the same transaction as the
        // lock it reports (nothing is lost if delivery fails); unlock PINs are stored hashed.
        [
            """
            CREATE TABLE outbox (
                id INTEGER PRIMARY KEY AUTOINCREMENT,
                created_at INTEGER NOT NULL,
                kind TEXT NOT NULL,
                recipient TEXT NOT NULL,
                subject TEXT NOT NULL,
                body TEXT NOT NULL,
                attempts INTEGER NOT NULL DEFAULT 0,
                next_attempt_at INTEGER NOT NULL,
                sent_at INTEGER,
                last_error TEXT
            )
            """,
            "CREATE INDEX outbox_pending ON outbox(next_attempt_at) WHERE sent_at IS NULL",
            """
            CREATE TABLE user_settings (
                uid INTEGER PRIMARY KEY,
                email TEXT
            )
            """,
            """
            CREATE TABLE unlock_pins (
                id INTEGER PRIMARY KEY,
                target_uid INTEGER NOT NULL,
                actor TEXT NOT NULL,
                salt BLOB NOT NULL,
                hash BLOB NOT NULL,
                created_at INTEGER NOT NULL,
                expires_at INTEGER NOT NULL,
                tries INTEGER NOT NULL DEFAULT 0,
                used_at INTEGER
            )
            """,
            "CREATE INDEX unlock_pins_by_target ON unlock_pins(target_uid, actor, id)",
        ],
        // Version 4: limits on PIN guessing, and evidence that a flood of failures cannot trim.
        [
            // One row per PIN requested and per wrong PIN, kept an hour: the limits count them.
            """
            CREATE TABLE pin_attempts (
                id INTEGER PRIMARY KEY,
                kind TEXT NOT NULL,
                actor TEXT NOT NULL,
                target_uid INTEGER NOT NULL,
                time INTEGER NOT NULL
            )
            """,
            "CREATE INDEX pin_attempts_by_actor ON pin_attempts(actor, kind, time)",
            "CREATE INDEX pin_attempts_by_target ON pin_attempts(target_uid, kind, time)",
            // Locks, unlocks and administrators' actions: trimmed only against each other.
            "CREATE INDEX events_evidence ON events(id) WHERE action NOT IN \(Schema.routineActionsSQL)",
            // Sent and expired PINs leave the outbox (the PIN text with them).
            "UPDATE outbox SET body = '', subject = '' WHERE kind = 'unlock-pin' AND sent_at IS NOT NULL",
        ],
        // Version 5: how long real users' failed authentications take on this host, so that
        // an unknown name's failure can be made to take as long (FailureTiming).
        [
            "CREATE TABLE failure_timing (slot INTEGER PRIMARY KEY, microseconds INTEGER NOT NULL)"
        ],
        // Version 6: one-time codes mailed to a user (device authorization before a new second
        // factor, password reset): one per user and purpose, so only the most recent works.
        [
            """
            CREATE TABLE one_time_codes (
                uid INTEGER NOT NULL,
                purpose TEXT NOT NULL,
                salt BLOB NOT NULL,
                hash BLOB NOT NULL,
                created_at INTEGER NOT NULL,
                expires_at INTEGER NOT NULL,
                tries INTEGER NOT NULL DEFAULT 0,
                used_at INTEGER,
                PRIMARY KEY (uid, purpose)
            )
            """
        ],
        // Version 7: failure_timing keeps the most recent samples in order (a ring), so the
        // median follows the host's current hash time instead of keeping old samples at random.
        [
            "ALTER TABLE failure_timing ADD COLUMN sequence INTEGER NOT NULL DEFAULT 0"
        ],
        // Version 8: the fleet outbox. What happened to an account on this host (a failure, a
        // success, a lock or unlock by hand), written in the change's own transaction and
        // removed once the fleet database has it; the id is the idempotency key's local half.
        [
            """
            CREATE TABLE fleet_outbox (
                id INTEGER PRIMARY KEY AUTOINCREMENT,
                time INTEGER NOT NULL,
                user TEXT NOT NULL,
                input TEXT NOT NULL,
                subject TEXT NOT NULL DEFAULT 'regular',
                count INTEGER NOT NULL DEFAULT 1,
                duration INTEGER,
                reason TEXT NOT NULL DEFAULT '',
                actor TEXT NOT NULL DEFAULT '',
                service TEXT NOT NULL DEFAULT '',
                rhost TEXT NOT NULL DEFAULT '',
                tty TEXT NOT NULL DEFAULT ''
            )
            """,
            "CREATE INDEX fleet_outbox_by_user ON fleet_outbox(user, id)",
            // The newest applied fleet version of each account, so that a late notification
            // never rolls an account back.
            "CREATE TABLE fleet_applied (user TEXT PRIMARY KEY, version INTEGER NOT NULL)",
            // What the agent last saw of the fleet database, for `fleet status` and `doctor`.
            """
            CREATE TABLE fleet_agent (
                id INTEGER PRIMARY KEY CHECK (id = 1),
                connected INTEGER NOT NULL,
                last_contact_at INTEGER,
                last_error TEXT NOT NULL DEFAULT '',
                clock_offset INTEGER NOT NULL DEFAULT 0,
                updated_at INTEGER NOT NULL
            )
            """,
        ],
        // Version 9: the fleet shares second factors too; the newest version of each user's
        // shared second factor applied here, beside the account's.
        [
            "ALTER TABLE fleet_applied ADD COLUMN second_factor_version INTEGER NOT NULL DEFAULT 0"
        ],
    ]

    /// Events a flood produces: trimmed first, so that they never push evidence out.
    public static let routineActions = ["Login failed", "Login failed (locked)", "Login succeeded"]
    static var routineActionsSQL: String { "(" + routineActions.map { "'\($0)'" }.joined(separator: ", ") + ")" }
}
