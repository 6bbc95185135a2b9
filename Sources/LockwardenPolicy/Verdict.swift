/// What one PAM call answers, before the module maps it to a PAM code for its stage.
public enum Verdict: Equatable, Sendable {
    case allow
    case deny
    case ignore
    case changeRequired
}
