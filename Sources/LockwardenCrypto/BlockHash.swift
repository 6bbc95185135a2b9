/// A FIPS 180-4 compression function: a hash value of at most eight words, updated one
/// block of sixteen words at a time. Buffering and padding are shared (`HashStream`).
protocol BlockHash {
    associatedtype Word: FixedWidthInteger & UnsignedInteger & BitwiseCopyable
    /// A whole number of words, at most eight.
    static var digestBytes: Int { get }
    /// Starts from the initial hash value.
    init()
    /// The hash value; the digest is its first `digestBytes` bytes, each word big-endian.
    var state: InlineArray<8, Word> { get }
    /// Folds one block, already read as big-endian words, into the hash value.
    mutating func compress(_ block: InlineArray<16, Word>)
}

extension BlockHash {
    static var wordBytes: Int { Word.bitWidth / 8 }
    static var blockBytes: Int { 16 * wordBytes }
    static var digestWords: Int { digestBytes / wordBytes }

    /// How far byte `index` of a big-endian word is shifted.
    static func shift(ofByte index: Int) -> Word {
        Word(truncatingIfNeeded: (wordBytes - 1 - index % wordBytes) * 8)
    }

    /// The digest bytes of a final hash value.
    static func digest(_ state: InlineArray<8, Word>) -> [UInt8] {
        var bytes: [UInt8] = []
        bytes.reserveCapacity(digestBytes)
        for index in 0..<digestBytes {
            bytes.append(UInt8(truncatingIfNeeded: state[index / wordBytes] &>> shift(ofByte: index)))
        }
        return bytes
    }

    /// The digest of a whole message.
    static func hash(_ message: [UInt8]) -> [UInt8] {
        var stream = HashStream<Self>()
        stream.update(message)
        return digest(stream.finish())
    }
}

extension UInt32 {
    /// Masking shifts: a rotation never traps, whatever the count.
    @inline(__always) func rotatedRight(_ count: UInt32) -> UInt32 { (self &>> count) | (self &<< (32 &- count)) }
    @inline(__always) func rotatedLeft(_ count: UInt32) -> UInt32 { (self &<< count) | (self &>> (32 &- count)) }
}

extension UInt64 {
    @inline(__always) func rotatedRight(_ count: UInt64) -> UInt64 { (self &>> count) | (self &<< (64 &- count)) }
}
