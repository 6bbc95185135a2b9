/// HMAC (RFC 2104) under one key. The key is folded into the inner and outer hash values
/// once, so a MAC costs its message's blocks plus two, and PBKDF2's thousands of MACs under
/// one password never hash the key again.
struct HMACKey<H: BlockHash> {
    /// The hash values after one block of key XOR ipad (0x36) and of key XOR opad (0x5c).
    private let inner: H
    private let outer: H

    init(_ key: [UInt8]) {
        // A key longer than a block is replaced by its digest; a shorter one is zero-padded.
        let material = key.count > H.blockBytes ? H.hash(key) : key
        var innerBlock = InlineArray<16, H.Word>(repeating: 0)
        var outerBlock = InlineArray<16, H.Word>(repeating: 0)
        for index in 0..<H.blockBytes {
            let byte = index < material.count ? material[index] : 0
            let shift = H.shift(ofByte: index)
            innerBlock[index / H.wordBytes] |= H.Word(byte ^ 0x36) &<< shift
            outerBlock[index / H.wordBytes] |= H.Word(byte ^ 0x5c) &<< shift
        }
        var inner = H()
        inner.compress(innerBlock)
        self.inner = inner
        var outer = H()
        outer.compress(outerBlock)
        self.outer = outer
    }

    /// The MAC of `message`.
    func mac(_ message: [UInt8]) -> [UInt8] {
        H.digest(message.withUnsafeBytes { macState($0) })
    }

    /// The MAC of `message` as the final hash value (the digest as words).
    func macState(_ message: UnsafeRawBufferPointer) -> InlineArray<8, H.Word> {
        var stream = HashStream(resuming: inner, length: H.blockBytes)
        stream.update(message)
        return Self.finish(outer, over: stream.finish())
    }

    /// The MAC of an earlier MAC under this key (PBKDF2's U(j) from U(j-1)): two compressions.
    func chain(_ previous: InlineArray<8, H.Word>) -> InlineArray<8, H.Word> {
        Self.finish(outer, over: Self.finish(inner, over: previous))
    }

    /// Finishes a hash value that has absorbed one block with a digest-sized message: the
    /// last block is known in advance (the digest, a 1 bit, zeros, the length in bits).
    private static func finish(_ state: H, over digest: InlineArray<8, H.Word>) -> InlineArray<8, H.Word> {
        var block = InlineArray<16, H.Word>(repeating: 0)
        for index in 0..<H.digestWords { block[index] = digest[index] }
        block[H.digestWords] = H.Word(0x80) &<< H.shift(ofByte: 0)
        block[15] = H.Word(truncatingIfNeeded: (H.blockBytes + H.digestBytes) * 8)
        var state = state
        state.compress(block)
        return state.state
    }
}
