import ArgumentParser
import LockwardenSystem

/// How a command ends when it cannot do its job: a line on stderr, then a documented status.
enum Failure {
    static let failed = ExitCode(1)
    static let notFound = ExitCode(3)
    static let notRoot = ExitCode(4)
    /// A clinic owner (or other sudo user) asked for something they may not do.
    static let refused = ExitCode(5)

    /// Writes "lockwarden: MESSAGE" to stderr and returns the status to throw.
    static func exit(_ message: String, status: ExitCode = failed) -> ExitCode {
        report(message)
        return status
    }

    /// A line on stderr that does not end the command (warnings).
    /// Warns about events that could not be written (the state change itself was stored).
    static func reportDropped(_ actions: [String]) {
        for action in actions { report("warning: the event \"\(action)\" could not be recorded") }
    }

    static func report(_ message: String) {
        Console.writeError(Array("lockwarden: \(message)\n".utf8))
    }
}
