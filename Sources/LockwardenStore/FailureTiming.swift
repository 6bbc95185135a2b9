/// How long real users' failed authentications take on this host: the most recent `slots`
/// samples, as a ring (each new one replaces the oldest), so the median follows the hash in use
/// and the load of the host within a few failures.
extension StateStore {
    public static let failureTimingSlots = 15

    /// Inside a transaction: one more sample, in microseconds.
    public func recordFailureDuration(microseconds: Int64) throws(StoreError) {
        // One statement: the next sequence number picks the slot it overwrites.
        try connection.prepare(
            """
            INSERT OR REPLACE INTO failure_timing (slot, microseconds, sequence)
            SELECT (coalesce(max(sequence), 0) + 1) % ?, ?, coalesce(max(sequence), 0) + 1 FROM failure_timing
            """
        ).run([.integer(Int64(Self.failureTimingSlots)), .integer(microseconds)])
    }

    /// The median sample, or nil while there are fewer than `minimum`.
    public func failureDurationMedian(minimum: Int = 5) throws(StoreError) -> Int64? {
        // By sequence: a database whose ring had more slots keeps older rows, never read.
        let statement = try connection.prepare(
            "SELECT microseconds FROM failure_timing ORDER BY sequence DESC LIMIT ?")
        try statement.bind([.integer(Int64(Self.failureTimingSlots))])
        var samples: [Int64] = []
        while try statement.step() { samples.append(statement.integer(0)) }
        guard samples.count >= max(1, minimum) else { return nil }
        samples.sort()
        return samples[samples.count / 2]
    }
}
