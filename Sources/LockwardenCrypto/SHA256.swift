/// SHA-256 (FIPS 180-4 §6.2): PBKDF2 for stored secrets, and HMAC-SHA256 TOTP.
struct SHA256: BlockHash {
    static let digestBytes = 32
    /// The first 32 bits of the fractional parts of the square roots of the first 8 primes.
    private(set) var state: InlineArray<8, UInt32> = [
        0x6a09_e667, 0xbb67_ae85, 0x3c6e_f372, 0xa54f_f53a, 0x510e_527f, 0x9b05_688c, 0x1f83_d9ab, 0x5be0_cd19,
    ]

    mutating func compress(_ block: InlineArray<16, UInt32>) {
        // The message schedule is a ring of sixteen words, expanded in place before each pass
        // of sixteen rounds: no 64-word array to clear and fill.
        var schedule = block
        var a = state[0]
        var b = state[1]
        var c = state[2]
        var d = state[3]
        var e = state[4]
        var f = state[5]
        var g = state[6]
        var h = state[7]
        for base in stride(from: 0, to: 64, by: 16) {
            if base > 0 {
                for i in 0..<16 {
                    let early = schedule[(i + 1) & 15]
                    let late = schedule[(i + 14) & 15]
                    let sigma0 = early.rotatedRight(7) ^ early.rotatedRight(18) ^ (early &>> 3)
                    let sigma1 = late.rotatedRight(17) ^ late.rotatedRight(19) ^ (late &>> 10)
                    schedule[i] = schedule[i] &+ sigma0 &+ schedule[(i + 9) & 15] &+ sigma1
                }
            }
            // Unrolled, the working variables renamed from round to round rather than moved.
            sha256Round(a, b, c, &d, e, f, g, &h, sha256RoundConstants[base] &+ schedule[0])
            sha256Round(h, a, b, &c, d, e, f, &g, sha256RoundConstants[base + 1] &+ schedule[1])
            sha256Round(g, h, a, &b, c, d, e, &f, sha256RoundConstants[base + 2] &+ schedule[2])
            sha256Round(f, g, h, &a, b, c, d, &e, sha256RoundConstants[base + 3] &+ schedule[3])
            sha256Round(e, f, g, &h, a, b, c, &d, sha256RoundConstants[base + 4] &+ schedule[4])
            sha256Round(d, e, f, &g, h, a, b, &c, sha256RoundConstants[base + 5] &+ schedule[5])
            sha256Round(c, d, e, &f, g, h, a, &b, sha256RoundConstants[base + 6] &+ schedule[6])
            sha256Round(b, c, d, &e, f, g, h, &a, sha256RoundConstants[base + 7] &+ schedule[7])
            sha256Round(a, b, c, &d, e, f, g, &h, sha256RoundConstants[base + 8] &+ schedule[8])
            sha256Round(h, a, b, &c, d, e, f, &g, sha256RoundConstants[base + 9] &+ schedule[9])
            sha256Round(g, h, a, &b, c, d, e, &f, sha256RoundConstants[base + 10] &+ schedule[10])
            sha256Round(f, g, h, &a, b, c, d, &e, sha256RoundConstants[base + 11] &+ schedule[11])
            sha256Round(e, f, g, &h, a, b, c, &d, sha256RoundConstants[base + 12] &+ schedule[12])
            sha256Round(d, e, f, &g, h, a, b, &c, sha256RoundConstants[base + 13] &+ schedule[13])
            sha256Round(c, d, e, &f, g, h, a, &b, sha256RoundConstants[base + 14] &+ schedule[14])
            sha256Round(b, c, d, &e, f, g, h, &a, sha256RoundConstants[base + 15] &+ schedule[15])
        }
        state[0] &+= a
        state[1] &+= b
        state[2] &+= c
        state[3] &+= d
        state[4] &+= e
        state[5] &+= f
        state[6] &+= g
        state[7] &+= h
    }
}

/// One round (FIPS 180-4 §6.2.2 step 3) with `d` and `h` updated in place; `roundInput` is
/// K(t) + W(t). The caller's next round takes the variables shifted by one name.
@inline(__always)
private func sha256Round(
    _ a: UInt32, _ b: UInt32, _ c: UInt32, _ d: inout UInt32, _ e: UInt32, _ f: UInt32, _ g: UInt32,
    _ h: inout UInt32, _ roundInput: UInt32
) {
    // Σ1(e) = e>>>6 ^ e>>>11 ^ e>>>25 and Σ0(a) = a>>>2 ^ a>>>13 ^ a>>>22, factored so that
    // each needs one temporary.
    let sum1 = (((e.rotatedRight(14) ^ e).rotatedRight(5)) ^ e).rotatedRight(6)
    let choice = g ^ (e & (f ^ g))
    let t1 = h &+ sum1 &+ choice &+ roundInput
    let sum0 = (((a.rotatedRight(9) ^ a).rotatedRight(11)) ^ a).rotatedRight(2)
    let majority = (a & b) | (c & (a | b))
    d &+= t1
    h = t1 &+ sum0 &+ majority
}

/// The first 32 bits of the fractional parts of the cube roots of the first 64 primes.
private let sha256RoundConstants: InlineArray<64, UInt32> = [
    0x428a_2f98, 0x7137_4491, 0xb5c0_fbcf, 0xe9b5_dba5, 0x3956_c25b, 0x59f1_11f1, 0x923f_82a4, 0xab1c_5ed5,
    0xd807_aa98, 0x1283_5b01, 0x2431_85be, 0x550c_7dc3, 0x72be_5d74, 0x80de_b1fe, 0x9bdc_06a7, 0xc19b_f174,
    0xe49b_69c1, 0xefbe_4786, 0x0fc1_9dc6, 0x240c_a1cc, 0x2de9_2c6f, 0x4a74_84aa, 0x5cb0_a9dc, 0x76f9_88da,
    0x983e_5152, 0xa831_c66d, 0xb003_27c8, 0xbf59_7fc7, 0xc6e0_0bf3, 0xd5a7_9147, 0x06ca_6351, 0x1429_2967,
    0x27b7_0a85, 0x2e1b_2138, 0x4d2c_6dfc, 0x5338_0d13, 0x650a_7354, 0x766a_0abb, 0x81c2_c92e, 0x9272_2c85,
    0xa2bf_e8a1, 0xa81a_664b, 0xc24b_8b70, 0xc76c_51a3, 0xd192_e819, 0xd699_0624, 0xf40e_3585, 0x106a_a070,
    0x19a4_c116, 0x1e37_6c08, 0x2748_774c, 0x34b0_bcb5, 0x391c_0cb3, 0x4ed8_aa4a, 0x5b9c_ca4f, 0x682e_6ff3,
    0x748f_82ee, 0x78a5_636f, 0x84c8_7814, 0x8cc7_0208, 0x90be_fffa, 0xa450_6ceb, 0xbef9_a3f7, 0xc671_78f2,
]
