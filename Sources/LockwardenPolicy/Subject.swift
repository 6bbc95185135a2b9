/// Who an attempt is about, as far as the policy cares.
public enum SubjectKind: Equatable, Sendable {
    /// A user the system knows, neither root nor exempt.
    case regular
    /// UID 0: locked only with `even_deny_root`.
    case root
    /// A member of `exempt_group`: counted, never locked.
    case exempt
    /// A name the system does not know: counted and locked like a regular user, so that
    /// nobody can tell real accounts from invented ones.
    case unknown
}
