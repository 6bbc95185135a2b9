/// Feeds a message of any length to a `BlockHash` and pads it (FIPS 180-4 §5.1): a 1 bit,
/// zeros, then the length in bits in the last two words of the last block. Allocates nothing.
struct HashStream<H: BlockHash> {
    private var hash: H
    private var block = InlineArray<16, H.Word>(repeating: 0)
    /// Bytes of `block` filled, always fewer than a block.
    private var filled = 0
    /// Message bytes so far; wraps only past 2^64 bytes, far beyond any input here.
    private var length: UInt64

    init() {
        hash = H()
        length = 0
    }

    /// Continues from a hash value that has already absorbed `length` bytes, a whole number
    /// of blocks (HMAC's key block).
    init(resuming hash: H, length: Int) {
        self.hash = hash
        self.length = UInt64(truncatingIfNeeded: length)
    }

    mutating func update(_ bytes: [UInt8]) {
        bytes.withUnsafeBytes { update($0) }
    }

    mutating func update(_ bytes: UnsafeRawBufferPointer) {
        length &+= UInt64(truncatingIfNeeded: bytes.count)
        var offset = 0
        while offset < bytes.count {
            if filled == 0 && bytes.count - offset >= H.blockBytes {
                // Whole blocks are read straight from the input, a word at a time.
                for index in 0..<16 {
                    let word = bytes.loadUnaligned(fromByteOffset: offset + index * H.wordBytes, as: H.Word.self)
                    block[index] = H.Word(bigEndian: word)
                }
                hash.compress(block)
                offset += H.blockBytes
            } else {
                append(bytes[offset])
                offset += 1
            }
        }
    }

    /// Pads the message and returns the final hash value; the stream is spent.
    mutating func finish() -> InlineArray<8, H.Word> {
        // The length in bits is a 64-bit number for SHA-1 and SHA-256, a 128-bit one for SHA-512.
        let bits = length &<< 3
        let high =
            H.Word.bitWidth == 64 ? H.Word(truncatingIfNeeded: length &>> 61) : H.Word(truncatingIfNeeded: bits &>> 32)
        let low = H.Word(truncatingIfNeeded: bits)
        append(0x80)
        if filled > 14 * H.wordBytes {
            // No room left for the length: it goes in a block of its own.
            zeroWords(from: wordsInUse)
            hash.compress(block)
            filled = 0
        }
        zeroWords(from: wordsInUse)
        block[14] = high
        block[15] = low
        hash.compress(block)
        filled = 0
        return hash.state
    }

    /// Places one byte after the others, compressing when the block is full.
    private mutating func append(_ byte: UInt8) {
        let slot = filled / H.wordBytes
        let earlier = filled % H.wordBytes == 0 ? 0 : block[slot]
        block[slot] = earlier | (H.Word(byte) &<< H.shift(ofByte: filled))
        filled += 1
        if filled == H.blockBytes {
            hash.compress(block)
            filled = 0
        }
    }

    private var wordsInUse: Int { (filled + H.wordBytes - 1) / H.wordBytes }

    private mutating func zeroWords(from first: Int) {
        var index = first
        while index < 16 {
            block[index] = 0
            index += 1
        }
    }
}
