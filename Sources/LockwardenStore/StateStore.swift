internal import CSQLite
internal import CStore
import CLibc
import LockwardenPolicy
import LockwardenSystem

/// The state database: opened with every safety check, used for one login (every PAM call
/// of one PAM handle) or one CLI command, then closed. All reads that lead to a write happen
/// inside `BEGIN IMMEDIATE`.
public final class StateStore {
    private(set) var connection: Connection
    public let path: String
    var maxEvents: Int
    var maxUnknownUsers: Int
    var busyTimeoutMilliseconds: Int
    /// The database file this connection opened, to tell at a later call whether the path
    /// still names it.
    let opened: FileIdentity
    /// Accounts whose rows the current transaction wrote: their index entries follow.
    var touchedKeys: [AccountKey] = []
    /// Grows with every write of a second factor, its backup codes or one-time codes, so that a
    /// change can tell, without reading them again, that the fleet must hear of them.
    public internal(set) var secondFactorWrites = 0

    private init(connection: Connection, path: String, maxEvents: Int, maxUnknownUsers: Int, busyTimeout: Int)
        throws(StoreError)
    {
        self.connection = connection
        self.path = path
        self.maxEvents = maxEvents
        self.maxUnknownUsers = maxUnknownUsers
        self.busyTimeoutMilliseconds = busyTimeout
        guard let identity = FileIdentity(path: path) else { throw .missing(path: path) }
        self.opened = identity
    }

    deinit {
        // An administrative connection checkpoints into the database as it closes, which
        // changes the files the index is stamped with: keep a current index current.
        // (Only when this store is the connection's last user.)
        if !connection.keepsWAL, isKnownUniquelyReferenced(&connection), let change = try? beginIndexChange() {
            connection.close()
            endIndexChange(change, committed: true)
        }
    }

    /// Opens an existing database, refusing anything that is not exactly as installed.
    /// `forLogin`: a PAM call, which keeps the WAL on close (see `Connection`); administrative
    /// commands checkpoint, so that the database file alone is complete after them.
    public static func open(
        path: String, busyTimeoutMilliseconds: Int = 2_000, maxEvents: Int = 100_000, maxUnknownUsers: Int = 10_000,
        forLogin: Bool = false, durableCommits: Bool = true
    ) throws(StoreError) -> StateStore {
        try checkFiles(path: path)
        let connection = try Connection(
            path: path, flags: SQLITE_OPEN_READWRITE | SQLITE_OPEN_NOFOLLOW | SQLITE_OPEN_NOMUTEX, keepWAL: forLogin)
        // SQLite falls back to read-only without an error (e.g. on an immutable file).
        if connection.isReadOnly { throw .readOnly(path: path) }
        connection.setBusyTimeout(milliseconds: busyTimeoutMilliseconds)
        if forLogin { connection.cachesStatements = true }
        // A login that decides per commit whether to sync (sync = recorded) commits with NORMAL
        // and then calls syncWAL; everything else waits for the disk at each commit.
        try connection.execute(durableCommits ? "PRAGMA synchronous = FULL" : "PRAGMA synchronous = NORMAL")
        // Administrative commands delete PIN mail once it is sent: leave no copy in free pages.
        if !forLogin { try connection.execute("PRAGMA secure_delete = ON") }
        try checkSchema(connection)
        return try StateStore(
            connection: connection, path: path, maxEvents: maxEvents, maxUnknownUsers: maxUnknownUsers,
            busyTimeout: busyTimeoutMilliseconds)
    }

    /// For the next call of the same login: the files must pass the same checks as at open
    /// and the path must still name the file this connection has open.
    public func revalidate(for config: LockwardenConfig) throws(StoreError) {
        try Self.checkFiles(path: path)
        guard FileIdentity(path: path) == opened else {
            throw .cannotOpen(path: path, detail: "replaced since it was opened")
        }
        maxEvents = config.maxEvents
        maxUnknownUsers = config.maxUnknownUsers
        busyTimeoutMilliseconds = config.busyTimeoutMilliseconds
        connection.setBusyTimeout(milliseconds: config.busyTimeoutMilliseconds)
    }

    /// Commits from here on without waiting for the disk (synchronous = NORMAL in WAL mode):
    /// for the fleet agent, whose writes a crash may lose without harm (an outbox row it
    /// removed is pushed again and recognised by its key; a fleet state it wrote is written
    /// again when it reconnects). The next login's synced commit makes them durable anyway.
    public func commitWithoutWaitingForDisk() throws(StoreError) {
        try connection.execute("PRAGMA synchronous = NORMAL")
    }

    /// Ends what the current call left open (statements still stepping hold a read snapshot).
    public func finishCall() { connection.resetStatements() }

    /// In a process that did not open this connection (a child forked from the one that did):
    /// the connection is never used or closed here. Closing would end the locks of the process
    /// that opened it and could checkpoint or delete the WAL under it.
    public func abandon() { connection.abandon() }

    /// Opens the database a configuration names, with its limits.
    public static func open(for config: LockwardenConfig, forLogin: Bool = false) throws(StoreError) -> StateStore {
        try open(
            path: config.databasePath, busyTimeoutMilliseconds: config.busyTimeoutMilliseconds,
            maxEvents: config.maxEvents, maxUnknownUsers: config.maxUnknownUsers, forLogin: forLogin,
            durableCommits: !forLogin || config.sync == .always)
    }

    /// Creates the directory (0700) and database (0600) if needed and brings the schema up
    /// to date. Never replaces an existing file that fails the checks.
    public static func create(path: String) throws(StoreError) -> StateStore {
        guard CurrentProcess.effectiveUID == 0 else { throw .notRoot(euid: CurrentProcess.effectiveUID) }
        let directory = FileSafety.directory(of: path)
        if let problem = Files.makeDirectory(directory, mode: 0o700) {
            throw .cannotOpen(path: directory, detail: problem.message)
        }
        if let problem = FileSafety.check(directory, as: .directory) { throw .unsafe(problem) }
        if let problem = FileSafety.check(path, as: .file, mustExist: false) { throw .unsafe(problem) }
        let previousMask = umask(0o077)
        defer { umask(previousMask) }
        let connection = try Connection(
            path: path,
            flags: SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOFOLLOW | SQLITE_OPEN_NOMUTEX)
        if connection.isReadOnly { throw .readOnly(path: path) }
        try connection.execute("PRAGMA journal_mode = WAL")
        try connection.execute("PRAGMA synchronous = FULL")
        try migrate(connection)
        // Whatever the index said was about the database before this: logins rebuild it.
        lw_index_discard(AccountIndex.path(of: path))
        return try StateStore(
            connection: connection, path: path, maxEvents: 100_000, maxUnknownUsers: 10_000, busyTimeout: 2_000)
    }

    /// Runs `body` in one `BEGIN IMMEDIATE` transaction; rolls back if it throws. The account
    /// index changes with it, under the index lock (AccountIndex): only after a failed COMMIT
    /// can the database hold something the index does not, and then the index is left unusable.
    public func immediateTransaction<T>(_ body: (StateStore) throws(StoreError) -> T) throws(StoreError) -> T {
        // A read snapshot left open by this call would block the lock holder's checkpoint while
        // this waits for the lock: end it first.
        connection.resetStatements()
        let change = try beginIndexChange()
        touchedKeys = []
        do throws(StoreError) {
            try connection.execute("BEGIN IMMEDIATE")
        } catch {
            endIndexChange(change, committed: true)
            throw error
        }
        let result: T
        do throws(StoreError) {
            result = try body(self)
        } catch {
            try? connection.execute("ROLLBACK")
            endIndexChange(change, committed: true)
            throw error
        }
        do throws(StoreError) {
            try applyIndexChange(change)
            connection.resetStatements()
            try connection.execute("COMMIT")
        } catch {
            try? connection.execute("ROLLBACK")
            endIndexChange(change, committed: false)
            throw error
        }
        endIndexChange(change, committed: true)
        return result
    }

    /// How long the next statements wait for another process's write lock.
    public func setBusyTimeout(milliseconds: Int) {
        busyTimeoutMilliseconds = milliseconds
        connection.setBusyTimeout(milliseconds: milliseconds)
    }

    /// Syncs the WAL: what synchronous = FULL does at each commit, done after one. A login
    /// connection opened without durable commits (NORMAL: a power cut may lose the last commits,
    /// never corrupts) calls it after each commit that must survive.
    public func syncWAL() throws(StoreError) { try connection.syncWAL() }

    /// Copies the WAL into the database and empties it, so that deleted secrets (sent PIN mail)
    /// leave no copy in the WAL either. Best effort: a reader can keep frames alive until it ends.
    public func truncateWAL() {
        _ = try? preservingIndex { () throws(StoreError) in try connection.execute("PRAGMA wal_checkpoint(TRUNCATE)") }
    }

    /// `PRAGMA integrity_check`: "ok", or the first problem found.
    public func integrityCheck() throws(StoreError) -> String {
        let statement = try connection.prepare("PRAGMA integrity_check")
        try statement.bind([])
        return try statement.step() ? statement.text(0) : "no answer"
    }

    /// The journal mode in force ("wal" when installed correctly).
    public func journalMode() throws(StoreError) -> String {
        let statement = try connection.prepare("PRAGMA journal_mode")
        try statement.bind([])
        return try statement.step() ? statement.text(0) : ""
    }

    static func checkFiles(path: String) throws(StoreError) {
        let euid = CurrentProcess.effectiveUID
        guard euid == 0 else { throw .notRoot(euid: euid) }
        if let problem = FileSafety.check(FileSafety.directory(of: path), as: .directory) {
            if case .missing = problem { throw .missing(path: path) }
            throw .unsafe(problem)
        }
        if let problem = FileSafety.check(path, as: .file) {
            if case .missing = problem { throw .missing(path: path) }
            throw .unsafe(problem)
        }
        for companion in [path + "-wal", path + "-shm", AccountIndex.path(of: path)] {
            if let problem = FileSafety.check(companion, as: .file, mustExist: false) { throw .unsafe(problem) }
        }
    }

    private static func checkSchema(_ connection: Connection) throws(StoreError) {
        let application = Int32(truncatingIfNeeded: try connection.scalar("PRAGMA application_id") ?? 0)
        let version = Int32(truncatingIfNeeded: try connection.scalar("PRAGMA user_version") ?? 0)
        if application != Schema.applicationID { throw .wrongApplication(path: connection.path, found: application) }
        if version < Schema.version { throw .schemaTooOld(path: connection.path, found: version) }
        if version > Schema.version { throw .schemaTooNew(path: connection.path, found: version) }
    }

    private static func migrate(_ connection: Connection) throws(StoreError) {
        try connection.execute("BEGIN IMMEDIATE")
        do throws(StoreError) {
            let application = Int32(truncatingIfNeeded: try connection.scalar("PRAGMA application_id") ?? 0)
            var version = Int32(truncatingIfNeeded: try connection.scalar("PRAGMA user_version") ?? 0)
            let isEmpty = (try connection.scalar("SELECT count(*) FROM sqlite_master") ?? 0) == 0
            if application != Schema.applicationID && !(application == 0 && isEmpty) {
                throw StoreError.wrongApplication(path: connection.path, found: application)
            }
            if version > Schema.version { throw StoreError.schemaTooNew(path: connection.path, found: version) }
            for (index, statements) in Schema.migrations.enumerated() where Int32(index) >= version {
                for sql in statements { try connection.execute(sql) }
                version = Int32(index) + 1
            }
            try connection.execute("PRAGMA application_id = \(Schema.applicationID)")
            try connection.execute("PRAGMA user_version = \(version)")
            try connection.execute("COMMIT")
        } catch {
            try? connection.execute("ROLLBACK")
            throw error
        }
    }
}
