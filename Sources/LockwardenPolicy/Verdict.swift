/// What one PAM call answers, before the module maps it to a PAM code for its stage.
public enum Verdict: Equatable, Sendable, CustomStringConvertible {
    case allow
    case deny
    case ignore
    case changeRequired

    public var description: String {
        switch self {
        case .allow: return "allow"
        case .deny: return "deny"
        case .ignore: return "ignore"
        case .changeRequired: return "changeRequired"
        }
    }
}
