/// Reads a fuzzer's byte string as a sequence of small decisions. Running out of input is
/// not an error: every read then yields zeros or empty fields, so any input is a valid script.
public struct FuzzInput {
    private let bytes: [UInt8]
    private var position = 0

    public init(_ data: UnsafePointer<UInt8>?, _ size: Int) {
        if let data, size > 0 {
            bytes = Array(UnsafeBufferPointer(start: data, count: size))
        } else {
            bytes = []
        }
    }

    public init(bytes: [UInt8]) { self.bytes = bytes }

    public var isExhausted: Bool { position >= bytes.count }

    public mutating func byte() -> UInt8 {
        guard position < bytes.count else { return 0 }
        defer { position += 1 }
        return bytes[position]
    }

    /// The next byte, or nil once the input is used up.
    public mutating func optionalByte() -> UInt8? {
        isExhausted ? nil : byte()
    }

    public mutating func take(_ count: Int) -> [UInt8] {
        let available = max(0, min(count, bytes.count - position))
        defer { position += available }
        return Array(bytes[position..<(position + available)])
    }

    public mutating func rest() -> [UInt8] {
        take(bytes.count - position)
    }

    public mutating func uint16() -> UInt16 {
        UInt16(byte()) | UInt16(byte()) << 8
    }

    public mutating func uint64() -> UInt64 {
        var value: UInt64 = 0
        for shift in stride(from: 0, to: 64, by: 8) { value |= UInt64(byte()) << UInt64(shift) }
        return value
    }

    public mutating func int64() -> Int64 { Int64(bitPattern: uint64()) }

    /// A byte string, in one of four encodings chosen by a tag byte:
    ///   00xxxxxx  literal, xxxxxx bytes follow (0-63)
    ///   01xxxxxx  literal, xxxxxx * 256 + next byte bytes follow (up to 16383)
    ///   10xxxxxx  entry xxxxxx of `dictionary` (modulo its size)
    ///   11xxxxxx  xxxxxx + 1 literal bytes, then repeated to (next byte + 1) * 257 bytes
    ///             (so a few input bytes make 64 KiB strings)
    public mutating func field(dictionary: [[UInt8]] = []) -> [UInt8] {
        let tag = byte()
        let low = Int(tag & 0x3F)
        switch tag >> 6 {
        case 0:
            return take(low)
        case 1:
            return take(low << 8 | Int(byte()))
        case 2:
            guard !dictionary.isEmpty else { return [] }
            return dictionary[low % dictionary.count]
        default:
            let unit = take(low + 1)
            let total = (Int(byte()) + 1) * 257
            guard !unit.isEmpty else { return [] }
            var output: [UInt8] = []
            output.reserveCapacity(total)
            while output.count < total { output.append(unit[output.count % unit.count]) }
            return output
        }
    }
}

extension Array where Element == UInt8 {
    /// UTF-8 bytes of a string, for dictionaries.
    public init(text: String) { self = Array(text.utf8) }
}
