internal import CRandom

/// Bytes from the kernel's CSPRNG (getrandom); nil if the kernel cannot supply them.
public enum RandomBytes {
    public static func make(_ count: Int) -> [UInt8]? {
        guard count > 0, count <= 4_096 else { return nil }
        var bytes = [UInt8](repeating: 0, count: count)
        var filled = 0
        var attempts = 0
        while filled < count && attempts < 16 {
            attempts += 1
            let result = bytes.withUnsafeMutableBytes { buffer -> Int in
                guard let base = buffer.baseAddress else { return -1 }
                return lw_getrandom(base + filled, UInt(clamping: buffer.count - filled))
            }
            if result > 0 { filled += result }
        }
        return filled == count ? bytes : nil
    }
}
