/// Bytes from hexadecimal text; spaces are ignored. Malformed text gives an empty array,
/// which no vector expects.
func hex(_ text: String) -> [UInt8] {
    let digits = text.filter { $0 != " " }.compactMap { $0.hexDigitValue }
    guard digits.count % 2 == 0, digits.count == text.filter({ $0 != " " }).count else { return [] }
    return stride(from: 0, to: digits.count, by: 2).map { UInt8(digits[$0] * 16 + digits[$0 + 1]) }
}

/// Deterministic varied bytes for the differential tests (xorshift64*), so a failure
/// reproduces exactly.
struct TestBytes {
    private var state: UInt64

    init(seed: UInt64) { state = seed | 1 }

    mutating func next(_ count: Int) -> [UInt8] {
        (0..<count).map { _ in
            state ^= state >> 12
            state ^= state << 25
            state ^= state >> 27
            return UInt8(truncatingIfNeeded: (state &* 0x2545_F491_4F6C_DD1D) >> 56)
        }
    }
}
