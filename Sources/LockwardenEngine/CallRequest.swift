import CLockwardenContract
import LockwardenSystem

/// Which PAM entry point is asking.
public enum CallStage: Sendable, CustomStringConvertible {
    case authenticate
    case account
    case passwordPrelim
    case passwordUpdate

    public var description: String {
        switch self {
        case .authenticate: return "authenticate"
        case .account: return "account"
        case .passwordPrelim: return "passwordPrelim"
        case .passwordUpdate: return "passwordUpdate"
        }
    }
}

/// One PAM call as the module saw it: raw bytes, not yet trusted or decoded.
public struct CallRequest: Sendable {
    public var stage: CallStage
    public var silent: Bool
    public var changeExpired: Bool
    /// The caller's real UID was 0 (not merely the effective UID of a set-uid host).
    public var callerIsRoot: Bool
    public var user: [UInt8]
    public var service: [UInt8]
    public var rhost: [UInt8]
    public var tty: [UInt8]
    public var arguments: [[UInt8]]

    public init(
        stage: CallStage, silent: Bool = false, changeExpired: Bool = false, callerIsRoot: Bool = false,
        user: [UInt8], service: [UInt8] = [], rhost: [UInt8] = [], tty: [UInt8] = [], arguments: [[UInt8]] = []
    ) {
        self.stage = stage
        self.silent = silent
        self.changeExpired = changeExpired
        self.callerIsRoot = callerIsRoot
        self.user = user
        self.service = service
        self.rhost = rhost
        self.tty = tty
        self.arguments = arguments
    }
}

/// Conversation styles the engine uses; the bridge maps them to the contract's LW_CONV_*.
public enum ConversationStyle: Sendable {
    case promptEchoOff
    case promptEchoOn
    case errorMessage
    case textInfo
}

/// What the PAM module lends the engine for one call: syslog and the conversation.
/// Class-bound, so that Embedded Swift (which has no existentials of other protocols) can hold one.
public protocol CallHost: AnyObject {
    func log(_ priority: LogPriority, _ message: String)
    /// Prompts return the reply bytes (nil if the conversation failed); messages return [].
    func converse(_ style: ConversationStyle, _ message: String) -> [UInt8]?
    /// What an earlier module stored as the PAM auth token (the typed password), or nil. The
    /// caller clears the copy (SecretBytes.wipe).
    func authToken() -> [UInt8]?
}

/// Limits on what crosses from PAM; longer values are refused, never truncated into a key.
public enum RequestLimits {
    public static let maxUserBytes = 256
    /// The contract's LW_MAX_FIELD_BYTES: the module hands over at most one byte more.
    public static let maxFieldBytes = Int(LW_MAX_FIELD_BYTES)
}
