/// How long real users' failed authentications take on this host: a sample of recent ones,
/// each replacing a random one of `slots` (so the sample follows a change of password hash).
extension StateStore {
    public static let failureTimingSlots = 31

    /// Inside a transaction: one more sample, in microseconds.
    public func recordFailureDuration(microseconds: Int64) throws(StoreError) {
        try connection.prepare(
            "INSERT OR REPLACE INTO failure_timing (slot, microseconds) VALUES ((random() & 2147483647) % ?, ?)"
        ).run([.integer(Int64(Self.failureTimingSlots)), .integer(microseconds)])
    }

    /// The median sample, or nil while there are fewer than `minimum`.
    public func failureDurationMedian(minimum: Int = 5) throws(StoreError) -> Int64? {
        let statement = try connection.prepare("SELECT microseconds FROM failure_timing ORDER BY microseconds")
        try statement.bind([])
        var samples: [Int64] = []
        while try statement.step() { samples.append(statement.integer(0)) }
        guard samples.count >= max(1, minimum) else { return nil }
        return samples[samples.count / 2]
    }
}
