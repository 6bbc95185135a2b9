/// The fleet database's layout, in schema `lockwarden`, versioned by `lockwarden.schema_version`.
///
/// Roles: whoever runs `fleet init` owns the tables (a role with CREATEROLE, such as the
/// database owner); `lockwarden_host` is a group without login that every host role belongs
/// to. A host may read everything, insert history only under its own name (row-level
/// security: `host = current_user`), and update account rows; it can never update or delete
/// history, nor create roles.
public enum FleetSchema {
    public static let hostGroup = "lockwarden_host"
    /// The channel on which account changes are announced; the payload is the account name.
    public static let channel = "lockwarden_fleet"

    /// Statements that take the schema from version N-1 to N; index 0 builds version 1.
    static let migrations: [[String]] = [
        [
            "CREATE SCHEMA IF NOT EXISTS lockwarden",
            "CREATE TABLE lockwarden.schema_version (version integer NOT NULL)",
            "INSERT INTO lockwarden.schema_version VALUES (0)",
            """
            DO $$ BEGIN
                IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = '\(hostGroup)') THEN
                    CREATE ROLE \(hostGroup) NOLOGIN;
                END IF;
            END $$
            """,
            // The fleet-wide state of each account, as the policy left it; times are the
            // database's clock (seconds since the epoch). version grows with every change.
            """
            CREATE TABLE lockwarden.accounts (
                account text PRIMARY KEY,
                recent_failures bigint[] NOT NULL DEFAULT '{}',
                consecutive_failures integer NOT NULL DEFAULT 0,
                last_failure_at bigint,
                last_failure_service text,
                last_failure_rhost text,
                last_failure_tty text,
                locked_at bigint,
                locked_until bigint,
                lock_reason text,
                lock_streak integer NOT NULL DEFAULT 0,
                password_change_required boolean NOT NULL DEFAULT false,
                last_success_at bigint,
                unlocked_by text,
                unlocked_at bigint,
                version bigint NOT NULL DEFAULT 0,
                updated_by name NOT NULL DEFAULT current_user,
                updated_at timestamptz NOT NULL DEFAULT clock_timestamp()
            )
            """,
            // Every input any host pushed, once: (host, local_id) is the idempotency key.
            """
            CREATE TABLE lockwarden.events (
                id bigserial PRIMARY KEY,
                host name NOT NULL DEFAULT current_user,
                local_id bigint NOT NULL,
                received_at timestamptz NOT NULL DEFAULT clock_timestamp(),
                happened_at bigint NOT NULL,
                account text NOT NULL,
                input text NOT NULL,
                subject text NOT NULL,
                count integer NOT NULL CHECK (count >= 1),
                duration bigint,
                reason text NOT NULL DEFAULT '',
                actor text NOT NULL DEFAULT '',
                service text NOT NULL DEFAULT '',
                rhost text NOT NULL DEFAULT '',
                tty text NOT NULL DEFAULT '',
                outcome text NOT NULL DEFAULT '',
                UNIQUE (host, local_id)
            )
            """,
            "CREATE INDEX events_by_account ON lockwarden.events (account, id)",
            "ALTER TABLE lockwarden.events ENABLE ROW LEVEL SECURITY",
            "CREATE POLICY events_read ON lockwarden.events FOR SELECT TO \(hostGroup) USING (true)",
            "CREATE POLICY events_own ON lockwarden.events FOR INSERT TO \(hostGroup) WITH CHECK (host = current_user)",
            "GRANT USAGE ON SCHEMA lockwarden TO \(hostGroup)",
            "GRANT SELECT ON lockwarden.schema_version TO \(hostGroup)",
            "GRANT SELECT, INSERT ON lockwarden.events TO \(hostGroup)",
            "GRANT USAGE ON SEQUENCE lockwarden.events_id_seq TO \(hostGroup)",
            "GRANT SELECT, INSERT, UPDATE ON lockwarden.accounts TO \(hostGroup)",
        ],
        // Version 2: second factors. The secret is sealed with the fleet key, which only the
        // hosts hold; fingerprint (SHA-256 of the secret) tells secrets apart without it.
        // Backup codes are salt:hash in hex, one per line, and one-time codes (device, password
        // reset) purpose:salt:hash:created:expires:tries:used; the codes themselves are nowhere.
        [
            """
            CREATE TABLE lockwarden.second_factors (
                account text PRIMARY KEY,
                fingerprint bytea NOT NULL DEFAULT '',
                sealed_secret bytea NOT NULL DEFAULT '',
                algorithm text NOT NULL DEFAULT 'SHA1',
                digits integer NOT NULL DEFAULT 6,
                period bigint NOT NULL DEFAULT 30,
                last_step bigint,
                enrolled_at bigint,
                reenroll_required boolean NOT NULL DEFAULT false,
                reset_at bigint,
                reset_by text,
                backup_codes text NOT NULL DEFAULT '',
                codes_at bigint,
                one_time_codes text NOT NULL DEFAULT '',
                version bigint NOT NULL DEFAULT 0,
                updated_by name NOT NULL DEFAULT current_user,
                updated_at timestamptz NOT NULL DEFAULT clock_timestamp()
            )
            """,
            "GRANT SELECT, INSERT, UPDATE ON lockwarden.second_factors TO \(hostGroup)",
        ],
    ]

    public static var version: Int { migrations.count }

    /// Creates or upgrades the schema; returns the versions (before, after).
    public static func migrate(_ database: PostgresConnection) throws(FleetError) -> (Int, Int) {
        try database.transaction { () throws(FleetError) -> (Int, Int) in
            // One `fleet init` at a time.
            try database.query("SELECT pg_advisory_xact_lock(7302015)")
            let exists = try database.value("SELECT to_regclass('lockwarden.schema_version') IS NOT NULL") == "t"
            let before =
                exists ? Int(try database.value("SELECT version FROM lockwarden.schema_version") ?? "0") ?? 0 : 0
            guard before <= version else {
                throw .setup("fleet schema version \(before) is newer than this Lockwarden supports (\(version))")
            }
            for index in before..<version {
                for statement in migrations[index] { try database.query(statement) }
                try database.query("UPDATE lockwarden.schema_version SET version = $1", [String(index + 1)])
            }
            return (before, version)
        }
    }

    /// Refuses a database whose schema is missing or of another version.
    public static func check(_ database: PostgresConnection) throws(FleetError) {
        let found: String?
        do {
            found = try database.value("SELECT version FROM lockwarden.schema_version")
        } catch {
            if case .unreachable = error { throw error }
            throw .setup("the fleet database has no Lockwarden schema (run: lockwarden fleet init): \(error)")
        }
        guard found == String(version) else {
            throw .setup("fleet schema version \(found ?? "none") is not \(version) (run: lockwarden fleet init)")
        }
    }

    /// A login role for one host, in the host group, with a SCRAM password.
    public static func addHost(_ name: String, password: String, _ database: PostgresConnection) throws(FleetError) {
        try database.query("SET password_encryption = 'scram-sha-256'")
        try database.query("CREATE ROLE \(name) LOGIN PASSWORD \(try database.literal(password)) IN ROLE \(hostGroup)")
    }
}
