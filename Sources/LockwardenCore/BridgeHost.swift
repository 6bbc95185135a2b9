import CLockwardenContract
import LockwardenEngine
import LockwardenSystem
import LockwardenTOTP

/// The module's callbacks (lw_host) seen as a CallHost.
final class BridgeHost: CallHost {
    private let host: lw_host

    init(_ host: lw_host) { self.host = host }

    func log(_ priority: LogPriority, _ message: String) {
        guard let log = host.log else { return }
        message.withCString { log(host.context, Self.contractPriority(priority), $0) }
    }

    func converse(_ style: ConversationStyle, _ message: String) -> [UInt8]? {
        guard let converse = host.converse else { return nil }
        // Replies may be secrets: the buffer is cleared before it is freed, and the copy
        // returned is the caller's to clear (SecretBytes.wipe).
        var reply = [UInt8](repeating: 0, count: Int(LW_MAX_REPLY_BYTES))
        defer { reply.withUnsafeMutableBytes { SecretBytes.wipe($0) } }
        let length = message.withCString { text in
            reply.withUnsafeMutableBufferPointer { buffer in
                converse(host.context, Self.contractStyle(style), text, buffer.baseAddress, buffer.count)
            }
        }
        guard length >= 0, Int(length) <= reply.count else { return nil }
        return Array(reply.prefix(Int(length)))
    }

    func authToken() -> [UInt8]? {
        guard let authToken = host.auth_token else { return nil }
        var token = [UInt8](repeating: 0, count: Int(LW_MAX_REPLY_BYTES))
        defer { token.withUnsafeMutableBytes { SecretBytes.wipe($0) } }
        let length = token.withUnsafeMutableBufferPointer { buffer in
            authToken(host.context, buffer.baseAddress, buffer.count)
        }
        guard length >= 0, Int(length) <= token.count else { return nil }
        return Array(token.prefix(Int(length)))
    }

    static func contractPriority(_ priority: LogPriority) -> Int32 {
        switch priority {
        case .error: return Int32(LW_LOG_ERR)
        case .warning: return Int32(LW_LOG_WARNING)
        case .notice: return Int32(LW_LOG_NOTICE)
        case .info: return Int32(LW_LOG_INFO)
        case .debug: return Int32(LW_LOG_DEBUG)
        }
    }

    static func contractStyle(_ style: ConversationStyle) -> Int32 {
        switch style {
        case .promptEchoOff: return Int32(LW_CONV_PROMPT_ECHO_OFF)
        case .promptEchoOn: return Int32(LW_CONV_PROMPT_ECHO_ON)
        case .errorMessage: return Int32(LW_CONV_ERROR_MSG)
        case .textInfo: return Int32(LW_CONV_TEXT_INFO)
        }
    }
}
