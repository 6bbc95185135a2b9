import CLibc

/// Passwords, codes and PINs as bytes: cleared with explicit_bzero, which the optimiser keeps,
/// before their memory is given back. Every function that copies such bytes wipes its copy.
public enum SecretBytes {
    /// Clears the bytes in place and leaves the array empty. In place only if the array is
    /// the only reference to its storage: callers keep no second copy.
    public static func wipe(_ bytes: inout [UInt8]) {
        bytes.withUnsafeMutableBytes { lw_wipe($0.baseAddress, $0.count) }
        bytes = []
    }

    /// Clears a buffer the caller owns.
    public static func wipe(_ buffer: UnsafeMutableRawBufferPointer) {
        lw_wipe(buffer.baseAddress, buffer.count)
    }
}
