import CLockwardenContract
import LockwardenEngine

/// The module's callbacks (lw_host) seen as a CallHost.
final class BridgeHost: CallHost {
    private let host: lw_host

    init(_ host: lw_host) { self.host = host }

    func log(_ priority: LogPriority, _ message: String) {
        guard let log = host.log else { return }
        message.withCString { log(host.context, priority.rawValue, $0) }
    }

    func converse(_ style: ConversationStyle, _ message: String) -> [UInt8]? {
        guard let converse = host.converse else { return nil }
        var reply = [UInt8](repeating: 0, count: Int(LW_MAX_REPLY_BYTES))
        defer {
            // Replies may be secrets: wipe the buffer before it is freed.
            reply.withUnsafeMutableBytes { buffer in
                for index in buffer.indices { buffer[index] = 0 }
            }
        }
        let length = message.withCString { text in
            reply.withUnsafeMutableBufferPointer { buffer in
                converse(host.context, style.rawValue, text, buffer.baseAddress, buffer.count)
            }
        }
        guard length >= 0, Int(length) <= reply.count else { return nil }
        return Array(reply.prefix(Int(length)))
    }
}
