import LockwardenCrypto
import LockwardenEngine
import LockwardenPolicy
import LockwardenStore
import LockwardenSystem
import LockwardenTOTP

/// `lockwarden fleet run`: pushes this host's outbox to the fleet database in order, and writes
/// the fleet's announced changes into the local database. Logins never wait for it: they read
/// and write only SQLite, and it catches up whenever the database is back.
public final class FleetAgent {
    let config: LockwardenConfig
    let store: StateStore
    let conninfo: String
    let host: CallHost
    let clock: () -> Int64
    /// Nil: second factors stay on this host (no fleet key here).
    let key: FleetKey?
    let configPath: String
    private var database: PostgresConnection?
    private var retryAt: Int64 = 0
    private var backoffMilliseconds: Int64 = 0
    private var lastError = ""
    private var lastContactAt: Int64?
    private var clockOffset: Int64 = 0
    /// Inputs the database has committed, removed from the outbox together about once a
    /// second: a write of the local database per batch would take the write lock from the
    /// logins twenty times a second. After a crash they are pushed again and recognised.
    private var pushed: [FleetOutboxEntry] = []
    private var pushedThrough: Int64 = 0
    private var removedAt: Int64 = 0
    static let removalMilliseconds: Int64 = 1_000

    /// Between tries while the database cannot be reached: from 250 ms, doubling, to 5 s.
    static let firstBackoffMilliseconds: Int64 = 250
    static let maxBackoffMilliseconds: Int64 = 5_000
    /// How long the loop waits for an announcement before it looks at the outbox again.
    static let tickMilliseconds: Int32 = 50

    public init(
        config: LockwardenConfig, configPath: String, store: StateStore, conninfo: String, key: FleetKey?,
        host: CallHost, clock: @escaping () -> Int64
    ) {
        self.config = config
        self.configPath = configPath
        self.key = key
        self.store = store
        self.conninfo = Self.withTimeouts(conninfo)
        self.host = host
        self.clock = clock
    }

    /// Runs until `shouldStop` says so (a signal, or never). A setup error (wrong credential,
    /// missing schema) is reported and retried like an outage, since an administrator may fix it.
    public func run(shouldStop: () -> Bool) {
        var lastStatus = FleetAgentStatus(
            connected: false, lastContactAt: nil, lastError: "", clockOffset: 0, updatedAt: 0)
        while !shouldStop() {
            let now = Self.milliseconds()
            if database == nil && now >= retryAt { connect() }
            if let database {
                do throws(FleetError) {
                    try pushWaiting(database)
                    try applyAnnounced(database)
                    if Waiting.readable(database.socket, milliseconds: Self.tickMilliseconds) {
                        try applyAnnounced(database)
                    }
                } catch {
                    lose(error)
                }
            } else {
                CurrentProcess.sleep(microseconds: Int64(Self.tickMilliseconds) * 1_000)
            }
            removePushed()
            let status = currentStatus()
            if status != lastStatus || clock() - lastStatus.updatedAt >= 10 {
                try? store.setFleetAgentStatus(status)
                lastStatus = status
            }
        }
    }

    private func currentStatus() -> FleetAgentStatus {
        FleetAgentStatus(
            connected: database != nil, lastContactAt: lastContactAt, lastError: lastError, clockOffset: clockOffset,
            updatedAt: clock())
    }

    private func connect() {
        do throws(FleetError) {
            let connection = try PostgresConnection(conninfo)
            try FleetSchema.check(connection)
            let role = try connection.value("SELECT current_user") ?? ""
            guard role == config.fleetHost else {
                throw FleetError.setup("connected as role \(role), but fleet_host is \(config.fleetHost)")
            }
            try connection.query("LISTEN \(FleetSchema.channel)")
            let authority = FleetAuthority(database: connection, config: config)
            clockOffset = try authority.clockOffset(localNow: clock)
            database = connection
            backoffMilliseconds = 0
            if !lastError.isEmpty { host.log(.notice, "fleet database reachable again") }
            lastError = ""
            lastContactAt = clock()
            // Announcements made while this host was away are lost: take every account once.
            for account in try authority.accounts() { try mirror(account) }
            if key != nil {
                for factor in try authority.secondFactors() { try mirror(factor) }
            }
        } catch {
            lose(error)
        }
    }

    private func lose(_ error: FleetError) {
        database = nil
        let text = error.description
        if text != lastError { host.log(.warning, text) }
        lastError = text
        backoffMilliseconds =
            backoffMilliseconds == 0
            ? Self.firstBackoffMilliseconds : min(backoffMilliseconds * 2, Self.maxBackoffMilliseconds)
        retryAt = Self.milliseconds() + backoffMilliseconds
    }

    /// Every waiting input, oldest first, in batches of 100. A batch is removed (removePushed)
    /// only after the database has committed it, and a repeat after a crash in between is
    /// recognised by its keys.
    private func pushWaiting(_ database: PostgresConnection) throws(FleetError) {
        let authority = FleetAuthority(database: database, config: config)
        for _ in 0..<1_000 {
            let batch: [FleetOutboxEntry]
            do { batch = try store.fleetOutbox(after: pushedThrough, limit: 100) } catch {
                throw .setup("local database: \(error)")
            }
            guard let last = batch.last else { return }
            _ = try authority.push(batch, factors: try sharedFactors(batch), localNow: clock)
            lastContactAt = clock()
            pushed += batch
            pushedThrough = last.id
        }
    }

    /// Removes what the database has committed: about once a second, or at once when many
    /// are waiting. A failed removal is tried again; the rows stay out of every push meanwhile.
    private func removePushed() {
        let now = Self.milliseconds()
        guard !pushed.isEmpty, pushed.count >= 10_000 || now - removedAt >= Self.removalMilliseconds else { return }
        do {
            try store.removeFleetInputs(pushed)
            pushed = []
            removedAt = now
        } catch {
            host.log(.warning, "fleet: cannot remove pushed inputs from the outbox yet: \(error)")
            removedAt = now
        }
    }

    private func applyAnnounced(_ database: PostgresConnection) throws(FleetError) {
        let names = try database.notifications()
        guard !names.isEmpty else { return }
        let authority = FleetAuthority(database: database, config: config)
        clockOffset = try authority.clockOffset(localNow: clock)
        var seen: Set<String> = []
        for name in names where seen.insert(name).inserted {
            for account in try authority.accounts(named: name) { try mirror(account) }
            if key != nil {
                for factor in try authority.secondFactors(named: name) { try mirror(factor) }
            }
        }
        lastContactAt = clock()
    }

    private func mirror(_ account: FleetAccount) throws(FleetError) {
        let mirror = FleetMirror(config: config, store: store, host: host, now: clock(), configPath: configPath)
        do {
            _ = try mirror.apply(
                user: account.account, state: account.state.shifted(by: clockOffset), version: account.version,
                updatedBy: account.updatedBy, pushedThrough: pushedThrough)
        } catch {
            throw .setup("local database: \(error)")
        }
    }

    /// The second factors the batch's second-factor inputs announce, as they are here now,
    /// with the secret sealed; none without a fleet key (the inputs are then only recorded).
    private func sharedFactors(_ batch: [FleetOutboxEntry]) throws(FleetError) -> [Int64: SharedSecondFactor] {
        guard let key else { return [:] }
        var factors: [Int64: SharedSecondFactor] = [:]
        for entry in batch where entry.input.kind == .secondFactor {
            guard let user = Accounts.user(named: Array(entry.user.utf8)) else { continue }
            let local: LocalSecondFactor?
            do { local = try store.localSecondFactor(uid: user.uid) } catch {
                throw .setup("local database: \(error)")
            }
            guard let local else { continue }
            var sealed: [UInt8] = []
            var fingerprint: [UInt8] = []
            if let secret = local.record.secret {
                guard let bytes = key.seal(secret, account: entry.user) else {
                    throw .setup("cannot seal a second factor: the kernel supplied no random bytes")
                }
                sealed = bytes
                fingerprint = Hashing.digest(.sha256, secret)
            }
            let record = local.record
            factors[entry.id] = SharedSecondFactor(
                fingerprint: fingerprint, sealedSecret: sealed, algorithm: record.settings.algorithm.rawValue,
                digits: record.settings.digits, period: record.settings.period, lastStep: record.lastStep,
                enrolledAt: record.enrolledAt, reenrollRequired: record.reenrollRequired, resetAt: record.resetAt,
                resetBy: record.resetBy, backupCodes: local.backupCodes, codesAt: local.codesAt,
                oneTimeCodes: local.oneTimeCodes)
        }
        return factors
    }

    private func mirror(_ shared: FleetSecondFactor) throws(FleetError) {
        guard let key else { return }
        var secret: [UInt8] = []
        defer { SecretBytes.wipe(&secret) }
        if !shared.factor.sealedSecret.isEmpty {
            secret = key.open(shared.factor.sealedSecret, account: shared.account) ?? []
            guard !secret.isEmpty, Hashing.digest(.sha256, secret) == shared.factor.fingerprint else {
                // Another key, or bytes changed in the database: never a secret this host cannot trust.
                host.log(
                    .error, "fleet: the second factor of \(shared.account) does not open with this host's fleet key")
                return
            }
        }
        let mirror = FleetMirror(config: config, store: store, host: host, now: clock(), configPath: configPath)
        do {
            _ = try mirror.apply(
                user: shared.account, factor: shared.factor.shifted(by: clockOffset),
                secret: shared.factor.sealedSecret.isEmpty ? nil : secret,
                version: shared.version, updatedBy: shared.updatedBy, pushedThrough: pushedThrough)
        } catch {
            throw .setup("local database: \(error)")
        }
    }

    /// A cut link must not hold the agent for minutes: unacknowledged data fails after 5 s, an
    /// idle connection is probed after 5 s, and a connection attempt gives up after 5 s. The
    /// file's own settings win (libpq takes the last of a repeated keyword); a URI is left as
    /// it is.
    static func withTimeouts(_ conninfo: String) -> String {
        if conninfo.hasPrefix("postgres://") || conninfo.hasPrefix("postgresql://") { return conninfo }
        return "connect_timeout=5 tcp_user_timeout=5000 keepalives_idle=5 keepalives_interval=2 keepalives_count=3 "
            + conninfo
    }

    private static func milliseconds() -> Int64 { CurrentProcess.monotonicMicroseconds() / 1_000 }
}
