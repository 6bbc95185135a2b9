import LockwardenSystem

/// Swift decodes command-line arguments as UTF-8 and replaces invalid bytes with U+FFFD.
/// A login name is bytes, and an attacker may have chosen invalid ones: this finds the
/// exact bytes an argument was given as.
enum RawArguments {
    /// The arguments after the program name. Some preloaded libraries (libfaketime among
    /// them) leave the Swift runtime without argv; the kernel's copy is read then.
    static func all() -> [String] {
        if !CommandLine.arguments.isEmpty { return Array(CommandLine.arguments.dropFirst()) }
        guard case .success(let bytes) = Files.read("/proc/self/cmdline", limit: 1 << 20) else { return [] }
        let arguments = bytes.split(separator: 0, omittingEmptySubsequences: false).map {
            String(decoding: $0, as: UTF8.self)
        }
        // The kernel's copy ends with a NUL, which leaves one empty piece at the end.
        return Array(arguments.dropFirst().dropLast(arguments.last?.isEmpty == true ? 1 : 0))
    }

    static func bytes(of argument: String) -> [UInt8] {
        guard argument.unicodeScalars.contains("\u{FFFD}") else { return Array(argument.utf8) }
        let count = Int(CommandLine.argc)
        guard count > 1 else { return Array(argument.utf8) }
        for index in 1..<count {
            guard let pointer = CommandLine.unsafeArgv[index] else { continue }
            var raw: [UInt8] = []
            var offset = 0
            while offset < 65_536 && pointer[offset] != 0 {
                raw.append(UInt8(bitPattern: pointer[offset]))
                offset += 1
            }
            if String(decoding: raw, as: UTF8.self) == argument { return raw }
        }
        return Array(argument.utf8)
    }
}
