import CLibc

/// Waiting on a descriptor, for the fleet agent's connection.
public enum Waiting {
    /// Whether `descriptor` has something to read within `milliseconds` (false on timeout; true
    /// on an error too, so that the caller reads and sees it).
    public static func readable(_ descriptor: Int32, milliseconds: Int32) -> Bool {
        guard descriptor >= 0 else {
            CurrentProcess.sleep(microseconds: Int64(milliseconds) * 1_000)
            return false
        }
        var entry = pollfd(fd: descriptor, events: Int16(POLLIN), revents: 0)
        let ready = poll(&entry, 1, milliseconds)
        return ready != 0
    }
}
