/// SHA-1 (FIPS 180-4 §6.1). Broken for collisions, still sound in HMAC, and what RFC 6238
/// authenticator apps use by default.
struct SHA1: BlockHash {
    static let digestBytes = 20
    /// Five words; the last three stay zero.
    private(set) var state: InlineArray<8, UInt32> = [
        0x6745_2301, 0xefcd_ab89, 0x98ba_dcfe, 0x1032_5476, 0xc3d2_e1f0, 0, 0, 0,
    ]

    mutating func compress(_ block: InlineArray<16, UInt32>) {
        var schedule = InlineArray<80, UInt32>(repeating: 0)
        for t in 0..<16 { schedule[t] = block[t] }
        for t in 16..<80 {
            schedule[t] = (schedule[t - 3] ^ schedule[t - 8] ^ schedule[t - 14] ^ schedule[t - 16]).rotatedLeft(1)
        }
        var a = state[0]
        var b = state[1]
        var c = state[2]
        var d = state[3]
        var e = state[4]
        // One loop per round function, so no round branches on t.
        for t in 0..<20 {
            let f = (b & c) | (~b & d)
            (a, b, c, d, e) = (a.rotatedLeft(5) &+ f &+ e &+ 0x5a82_7999 &+ schedule[t], a, b.rotatedLeft(30), c, d)
        }
        for t in 20..<40 {
            let f = b ^ c ^ d
            (a, b, c, d, e) = (a.rotatedLeft(5) &+ f &+ e &+ 0x6ed9_eba1 &+ schedule[t], a, b.rotatedLeft(30), c, d)
        }
        for t in 40..<60 {
            let f = (b & c) | (b & d) | (c & d)
            (a, b, c, d, e) = (a.rotatedLeft(5) &+ f &+ e &+ 0x8f1b_bcdc &+ schedule[t], a, b.rotatedLeft(30), c, d)
        }
        for t in 60..<80 {
            let f = b ^ c ^ d
            (a, b, c, d, e) = (a.rotatedLeft(5) &+ f &+ e &+ 0xca62_c1d6 &+ schedule[t], a, b.rotatedLeft(30), c, d)
        }
        state[0] &+= a
        state[1] &+= b
        state[2] &+= c
        state[3] &+= d
        state[4] &+= e
    }
}
