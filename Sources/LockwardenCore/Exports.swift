public import CLockwardenContract
import LockwardenEngine
import LockwardenPolicy
import LockwardenSystem

// The functions of lockwarden_core.h. Everything here converts between C and Swift;
// decisions live in LockwardenEngine. Nothing may trap: bad input becomes LW_VERDICT_DENY.

@c @implementation
public func lw_core_abi_version() -> UInt32 {
    UInt32(LW_ABI_VERSION)
}

@c @implementation
public func lw_core_session_open() -> OpaquePointer? {
    OpaquePointer(Unmanaged.passRetained(LoginSession()).toOpaque())
}

@c @implementation
public func lw_core_session_close(_ session: OpaquePointer?) {
    guard let session else { return }
    // The session's deinit leaves a connection alone in a process that did not open it.
    Unmanaged<LoginSession>.fromOpaque(UnsafeRawPointer(session)).release()
}

@c @implementation
public func lw_core_handle(
    _ request: UnsafePointer<lw_request>?, _ host: UnsafePointer<lw_host>?, _ session: OpaquePointer?
) -> Int32 {
    guard let host else { return Int32(LW_VERDICT_DENY) }
    let callHost = BridgeHost(host.pointee)
    guard let request else {
        callHost.log(.error, "internal error: no request")
        return Int32(LW_VERDICT_DENY)
    }
    let call = request.pointee
    guard call.abi_version == UInt32(LW_ABI_VERSION) else {
        callHost.log(.error, "internal error: module ABI \(call.abi_version) does not match core ABI \(LW_ABI_VERSION)")
        return Int32(LW_VERDICT_DENY)
    }
    guard let stage = CallStage(code: call.stage) else {
        callHost.log(.error, "internal error: unknown stage \(call.stage)")
        return Int32(LW_VERDICT_DENY)
    }
    guard let arguments = copyArguments(call.arguments, count: call.argument_count) else {
        callHost.log(.error, "configuration error: more than \(LW_MAX_ARGS) module arguments")
        return Int32(LW_VERDICT_DENY)
    }
    let converted = CallRequest(
        stage: stage, silent: call.flags & UInt32(LW_FLAG_SILENT) != 0,
        changeExpired: call.flags & UInt32(LW_FLAG_CHANGE_EXPIRED) != 0,
        callerIsRoot: call.flags & UInt32(LW_FLAG_CALLER_ROOT) != 0, user: copyBytes(call.user),
        service: copyBytes(call.service), rhost: copyBytes(call.rhost), tty: copyBytes(call.tty), arguments: arguments)
    // The clock is read once, here at the edge, and passed inward.
    let login = session.map { Unmanaged<LoginSession>.fromOpaque(UnsafeRawPointer($0)).takeUnretainedValue() }
    let verdict = Engine.handle(converted, host: callHost, now: CurrentProcess.now(), session: login)
    return verdict.code
}

extension CallStage {
    init?(code: UInt32) {
        switch Int(code) {
        case Int(LW_STAGE_AUTHENTICATE): self = .authenticate
        case Int(LW_STAGE_ACCOUNT): self = .account
        case Int(LW_STAGE_PASSWORD_PRELIM): self = .passwordPrelim
        case Int(LW_STAGE_PASSWORD_UPDATE): self = .passwordUpdate
        default: return nil
        }
    }
}

extension Verdict {
    var code: Int32 {
        switch self {
        case .allow: return Int32(LW_VERDICT_ALLOW)
        case .deny: return Int32(LW_VERDICT_DENY)
        case .ignore: return Int32(LW_VERDICT_IGNORE)
        case .changeRequired: return Int32(LW_VERDICT_CHANGE_REQUIRED)
        }
    }
}

/// Copies at most LW_MAX_FIELD_BYTES + 1 bytes: enough for the engine to see that a
/// field is too long, never a read past what the module promised.
func copyBytes(_ bytes: lw_bytes) -> [UInt8] {
    guard let data = bytes.data, bytes.length > 0 else { return [] }
    let count = min(bytes.length, Int(LW_MAX_FIELD_BYTES) + 1)
    return Array(UnsafeBufferPointer(start: data, count: count))
}

func copyArguments(_ arguments: UnsafePointer<lw_bytes>?, count: Int) -> [[UInt8]]? {
    guard count <= Int(LW_MAX_ARGS) else { return nil }
    guard let arguments, count > 0 else { return [] }
    return UnsafeBufferPointer(start: arguments, count: count).map(copyBytes)
}
