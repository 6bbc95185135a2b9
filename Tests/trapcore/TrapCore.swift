// A stand-in core that traps on purpose, built exactly like the real one (Embedded Swift,
// shared object). It proves what a trap inside a login process looks like: the process dies
// at once, with no interactive crash prompt and no memory dump.

@_cdecl("lw_core_abi_version")
public func trapCoreABIVersion() -> UInt32 { 4 }

@_cdecl("lw_core_session_open")
public func trapCoreSessionOpen() -> UnsafeMutableRawPointer? { nil }

@_cdecl("lw_core_session_close")
public func trapCoreSessionClose(_ session: UnsafeMutableRawPointer?) {}

@_cdecl("lw_core_handle")
public func trapCoreHandle(_ request: UnsafeRawPointer?, _ host: UnsafeRawPointer?, _ session: UnsafeMutableRawPointer?)
    -> Int32
{
    fatalError("forced trap for the runtime hygiene test")
}
