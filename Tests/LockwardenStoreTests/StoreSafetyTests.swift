import Glibc
import LockwardenPolicy
import LockwardenSystem
import Testing

@testable import LockwardenStore

/// Ways the installed state can be wrong; each must be refused with its own error.
enum Refusal: String, CaseIterable, Sendable, CustomTestStringConvertible {
    case missingFile, missingDirectory, directoryMode0755, directoryMode0750, fileMode0644, fileMode0604
    case symlinkedFile, symlinkedDirectory, hardLinkedFile, fileOwnedByNobody, directoryOwnedByNobody
    case directoryInsteadOfFile, walWorldReadable, shmSymlink, garbageFile, emptyFile
    case otherApplication, newerSchema, olderSchema

    var testDescription: String { rawValue }

    /// Breaks a fresh fixture; returns the path to open and the error that must come back.
    func prepare(_ fixture: StoreFixture) throws -> (path: String, expected: StoreError) {
        let directory = fixture.directory.path
        let database = fixture.databasePath
        switch self {
        case .missingFile:
            let path = fixture.directory.file("absent.db")
            return (path, .missing(path: path))
        case .missingDirectory:
            let path = fixture.directory.file("absent/lockwarden.db")
            return (path, .missing(path: path))
        case .directoryMode0755:
            try check(chmod(directory, 0o755), "chmod")
            return (database, .unsafe(.accessibleByOthers(path: directory, mode: S_IFDIR | 0o755)))
        case .directoryMode0750:
            try check(chmod(directory, 0o750), "chmod")
            return (database, .unsafe(.accessibleByOthers(path: directory, mode: S_IFDIR | 0o750)))
        case .fileMode0644:
            try check(chmod(database, 0o644), "chmod")
            return (database, .unsafe(.accessibleByOthers(path: database, mode: S_IFREG | 0o644)))
        case .fileMode0604:
            try check(chmod(database, 0o604), "chmod")
            return (database, .unsafe(.accessibleByOthers(path: database, mode: S_IFREG | 0o604)))
        case .symlinkedFile:
            let link = fixture.directory.file("link.db")
            try check(symlink(database, link), "symlink")
            return (link, .unsafe(.symlink(path: link)))
        case .symlinkedDirectory:
            let real = fixture.directory.file("real")
            _ = try StateStore.create(path: real + "/lockwarden.db")
            let alias = fixture.directory.file("alias")
            try check(symlink("real", alias), "symlink")
            return (alias + "/lockwarden.db", .unsafe(.symlink(path: alias)))
        case .hardLinkedFile:
            try check(link(database, fixture.directory.file("second.db")), "link")
            return (database, .unsafe(.hardLinked(path: database, links: 2)))
        case .fileOwnedByNobody:
            try check(chown(database, 65_534, 65_534), "chown")
            return (database, .unsafe(.notOwnedByRoot(path: database, uid: 65_534)))
        case .directoryOwnedByNobody:
            try check(chown(directory, 65_534, 65_534), "chown")
            return (database, .unsafe(.notOwnedByRoot(path: directory, uid: 65_534)))
        case .directoryInsteadOfFile:
            let path = fixture.directory.file("directory.db")
            try check(mkdir(path, 0o700), "mkdir")
            return (path, .unsafe(.wrongType(path: path)))
        case .walWorldReadable:
            try writeFile(database + "-wal", [], mode: 0o644)
            return (database, .unsafe(.accessibleByOthers(path: database + "-wal", mode: S_IFREG | 0o644)))
        case .shmSymlink:
            unlink(database + "-shm")
            try check(symlink("/dev/zero", database + "-shm"), "symlink")
            return (database, .unsafe(.symlink(path: database + "-shm")))
        case .garbageFile:
            let path = fixture.directory.file("garbage.db")
            try writeFile(path, Array(String(repeating: "this is not a database\n", count: 100).utf8), mode: 0o600)
            return (path, .corrupt(path: path, detail: "file is not a database"))
        case .emptyFile:
            let path = fixture.directory.file("empty.db")
            try writeFile(path, [], mode: 0o600)
            return (path, .wrongApplication(path: path, found: 0))
        case .otherApplication:
            try fixture.open().connection.execute("PRAGMA application_id = 1179863620")
            return (database, .wrongApplication(path: database, found: 1_179_863_620))
        case .newerSchema:
            try fixture.open().connection.execute("PRAGMA user_version = \(Schema.version + 1)")
            return (database, .schemaTooNew(path: database, found: Schema.version + 1))
        case .olderSchema:
            try fixture.open().connection.execute("PRAGMA user_version = 0")
            return (database, .schemaTooOld(path: database, found: 0))
        }
    }
}

@Suite("State store safety")
struct StoreSafetyTests {
    @Test("an unsafe, foreign or damaged database is refused with its own error", arguments: Refusal.allCases)
    func refusal(_ refusal: Refusal) throws {
        let fixture = try StoreFixture()
        defer { fixture.remove() }
        let (path, expected) = try refusal.prepare(fixture)
        let before = readFile(path)
        #expect(storeError { () throws(StoreError) in try StateStore.open(path: path) } == expected)
        // Refusing never repairs, recreates or removes anything.
        #expect(readFile(path) == before)
    }

    @Test("each refusal has a log line that names its cause")
    func refusalMessages() throws {
        let messages: [(StoreError, String)] = [
            (.missing(path: "/x/lw.db"), "state database missing: /x/lw.db (run: lockwarden init)"),
            (.unsafe(.symlink(path: "/x/lw.db")), "state database refused: /x/lw.db is a symbolic link; refusing it"),
            (
                .unsafe(.accessibleByOthers(path: "/x", mode: S_IFDIR | 0o755)),
                "state database refused: /x has mode 755; group and others must have no access"
            ),
            (
                .unsafe(.hardLinked(path: "/x/lw.db", links: 2)),
                "state database refused: /x/lw.db has 2 hard links; refusing it"
            ),
            (
                .unsafe(.notOwnedByRoot(path: "/x/lw.db", uid: 65_534)),
                "state database refused: /x/lw.db is owned by uid 65534, not root; refusing it"
            ),
            (.readOnly(path: "/x/lw.db"), "state database read-only: /x/lw.db cannot be written"),
            (.busy(path: "/x/lw.db"), "state database busy: /x/lw.db stayed locked past busy_timeout"),
            (
                .wrongApplication(path: "/x/lw.db", found: 7),
                "state database refused: /x/lw.db is not a Lockwarden database (application_id 7)"
            ),
        ]
        for (error, message) in messages { #expect(error.message == message) }
        #expect(Set(messages.map(\.0.message)).count == messages.count)
    }

    @Test("create makes a private directory and file, in WAL mode, with a sound schema")
    func createLayout() throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let path = directory.file("state/lockwarden.db")
        let created = try StateStore.create(path: path)
        #expect(try created.journalMode() == "wal")
        #expect(try created.integrityCheck() == "ok")
        #expect(fileMode(directory.file("state")) == S_IFDIR | 0o700)
        #expect(fileMode(path) == S_IFREG | 0o600)
        #expect(try created.connection.scalar("PRAGMA application_id") == Int64(Schema.applicationID))
        #expect(try created.connection.scalar("PRAGMA user_version") == Int64(Schema.version))
    }

    @Test("create on an existing database keeps its data")
    func createIsIdempotent() throws {
        let fixture = try StoreFixture()
        defer { fixture.remove() }
        var record = try fixture.open().account(.user(uid: 1_000, name: "alice"))
        record.state.consecutiveFailures = 4
        try fixture.open().immediateTransaction { store throws(StoreError) in try store.save(record, now: t0) }
        _ = try StateStore.create(path: fixture.databasePath)
        #expect(try fixture.open().account(.user(uid: 1_000, name: "alice")).state.consecutiveFailures == 4)
    }

    @Test(
        "create never replaces a damaged, foreign, newer or unsafe file",
        arguments: [
            Refusal.garbageFile, .otherApplication, .newerSchema, .fileMode0644, .symlinkedFile, .directoryMode0755,
        ])
    func createRefuses(_ refusal: Refusal) throws {
        let fixture = try StoreFixture()
        defer { fixture.remove() }
        let (path, expected) = try refusal.prepare(fixture)
        let before = readFile(path)
        let error = storeError { () throws(StoreError) in try StateStore.create(path: path) }
        #expect(error == expected)
        #expect(readFile(path) == before)
    }

    @Test("a transaction that throws leaves nothing behind")
    func rollback() throws {
        let fixture = try StoreFixture()
        defer { fixture.remove() }
        let database = try fixture.open()
        let key = AccountKey.unknown(name: Array("mallory".utf8))
        let error = storeError { () throws(StoreError) in
            try database.immediateTransaction { database throws(StoreError) in
                var record = try database.account(key)
                record.state.consecutiveFailures = 3
                try database.save(record, now: t0)
                #expect(database.append(EventRecord(time: t0, user: "mallory", uid: nil, action: "Login failed")))
                #expect(try database.account(key).state.consecutiveFailures == 3)
                throw StoreError.invalidArgument("stop here")
            }
        }
        #expect(error == .invalidArgument("stop here"))
        #expect(try database.account(key).id == nil)
        #expect(try database.events(EventFilter()).isEmpty)
        // The connection is usable again: no transaction was left open.
        try database.immediateTransaction { database throws(StoreError) in
            var record = try database.account(key)
            record.state.consecutiveFailures = 1
            try database.save(record, now: t0)
        }
        #expect(try fixture.open().account(key).state.consecutiveFailures == 1)
    }

    @Test("a writer held past busy_timeout makes a second writer fail with busy, not wait forever")
    func busy() throws {
        let fixture = try StoreFixture()
        defer { fixture.remove() }
        let first = try fixture.open()
        let second = try fixture.open(busyTimeoutMilliseconds: 100)
        let key = AccountKey.user(uid: 1_000, name: "alice")
        try first.immediateTransaction { first throws(StoreError) in
            var record = try first.account(key)
            record.state.consecutiveFailures = 1
            try first.save(record, now: t0)
            let error = storeError { () throws(StoreError) in
                try second.immediateTransaction { _ throws(StoreError) in }
            }
            #expect(error == .busy(path: fixture.databasePath))
            // WAL: readers are not blocked by the writer and see the last commit.
            #expect(try second.account(key).id == nil)
        }
        // Once the first commits, the second writes normally.
        try second.immediateTransaction { second throws(StoreError) in
            var record = try second.account(key)
            #expect(record.state.consecutiveFailures == 1)
            record.state.consecutiveFailures = 2
            try second.save(record, now: t0 + 1)
        }
        #expect(try fixture.open().account(key).state.consecutiveFailures == 2)
    }

    // Needs CAP_SYS_ADMIN for the bind mount, as root has; without it the test fails and says why.
    @Test("a database on a read-only file system is refused as read-only")
    func readOnly() throws {
        let fixture = try StoreFixture()
        defer { fixture.remove() }
        let directory = fixture.directory.path
        try check(mount(directory, directory, nil, UInt(MS_BIND), nil), "bind mount")
        defer { umount2(directory, Int32(MNT_DETACH)) }
        try check(mount("none", directory, nil, UInt(MS_REMOUNT | MS_BIND | MS_RDONLY), nil), "remount read-only")
        let error = storeError { () throws(StoreError) in try StateStore.open(path: fixture.databasePath) }
        #expect(error == .readOnly(path: fixture.databasePath))
    }
}
