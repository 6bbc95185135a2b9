import CLibc
import LockwardenPolicy
import LockwardenStore
import LockwardenSystem

/// What one login (one PAM handle) keeps between its calls: the database connection with its
/// prepared statements, opened by the first call that needs SQLite. The configuration is read
/// again at every call and the files are checked again before each reuse, so a long-lived
/// process (a display manager) sees changes at its next call; the session ends with the PAM
/// handle, so nothing accumulates across logins.
public final class LoginSession {
    /// The process that opened `store`. sshd forks between the calls of one login: a child
    /// opens its own connection and never uses or closes its parent's.
    private var owner: Int32
    private var store: StateStore?
    private var opened: (path: String, durable: Bool)?
    /// The user this login is for, looked up once (NSS, perhaps LDAP, is the slowest part of
    /// a clean login); again if the name or the exempt group changes.
    private var resolved: (name: [UInt8], exemptGroup: String?, subject: CallSubject?)?

    /// When this login's `preauth` began (monotonic microseconds), for EqualFailureTime.
    var authStartedAt: Int64?

    public init() { owner = CurrentProcess.id }

    deinit {
        guard let store, let opened else { return }
        // The parent's connection in a forked child: leave it alone (StateStore.abandon).
        if owner != CurrentProcess.id {
            store.abandon()
            return
        }
        IdleStore.shared.park(store, path: opened.path, durable: opened.durable)
    }

    /// The open store for this configuration: the one from an earlier call when it still
    /// names the same, safe file, otherwise a new one.
    func store(for config: LockwardenConfig) throws(StoreError) -> StateStore {
        let durable = config.sync == .always
        if owner != CurrentProcess.id {
            store?.abandon()
            store = nil
            owner = CurrentProcess.id
        }
        if let store, let opened, opened.path == config.databasePath, opened.durable == durable {
            do throws(StoreError) {
                try store.revalidate(for: config)
                return store
            } catch {
                self.store = nil
                if case .cannotOpen = error {} else { throw error }
            }
        }
        store = nil
        opened = (config.databasePath, durable)
        if let idle = IdleStore.shared.take(path: config.databasePath, durable: durable) {
            do throws(StoreError) {
                try idle.revalidate(for: config)
                store = idle
                return idle
            } catch {
                if case .cannotOpen = error {} else { throw error }
            }
        }
        let fresh = try StateStore.open(for: config, forLogin: true)
        store = fresh
        return fresh
    }

    func subject(_ name: [UInt8], config: LockwardenConfig) -> CallSubject? {
        if let resolved, resolved.name == name, resolved.exemptGroup == config.exemptGroup { return resolved.subject }
        let subject = CallSubject.resolve(name, config: config)
        resolved = (name, config.exemptGroup, subject)
        return subject
    }

    /// The store, if this call opened or reused one: to end the call's statements.
    func finishCall() { store?.finishCall() }
}

/// One idle connection per process, left by a finished login for the next one (a display
/// manager or a screen locker logs many users in, one PAM handle each): SQLite then parses the
/// schema and prepares the statements once per process, not once per login. Taken only in the
/// process that opened it, and checked like any reuse; one slot, so nothing accumulates.
final class IdleStore: @unchecked Sendable {
    static let shared = IdleStore()

    /// Guarded by lw_idle_store_lock (a pthread mutex in CLibc).
    private var parked: (store: StateStore, path: String, durable: Bool, owner: Int32)?

    func take(path: String, durable: Bool) -> StateStore? {
        lw_idle_store_lock()
        let entry = parked
        parked = nil
        lw_idle_store_unlock()
        guard let entry else { return nil }
        if entry.owner != CurrentProcess.id {
            entry.store.abandon()
            return nil
        }
        // Another database or sync level: this one closes as it goes.
        return entry.path == path && entry.durable == durable ? entry.store : nil
    }

    func park(_ store: StateStore, path: String, durable: Bool) {
        lw_idle_store_lock()
        let previous = parked
        parked = (store, path, durable, CurrentProcess.id)
        lw_idle_store_unlock()
        // A connection left by another process is never closed here.
        if let previous, previous.owner != CurrentProcess.id { previous.store.abandon() }
    }
}
