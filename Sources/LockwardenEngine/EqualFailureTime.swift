import LockwardenStore
import LockwardenSystem

/// A wrong password for a real user costs the password hash (pam_unix); for a name the system
/// does not know it costs nothing, and the difference would tell an attacker which names
/// exist. Lockwarden sees both ends of the check: the time is noted at `preauth`, a real
/// user's failure at `authfail` adds a sample of how long it took, and an unknown name's
/// failure waits until it has taken the median of those samples.
///
/// Limits: the stack must run `preauth` before and `authfail` after the password check (the
/// README's stacks do), in one PAM handle; durations over `maxSample` (a person typing) are
/// not samples, and a failure that took longer than the median already waits nothing; the
/// wait is at most `maxWait`; until `minimumSamples` real failures were seen there is
/// nothing to match.
enum EqualFailureTime {
    static let maxSample: Int64 = 2_000_000
    static let maxWait: Int64 = 2_000_000
    static let minimumSamples = 5

    /// The sample a real user's failure adds, or nil when the start is unknown or the
    /// duration is no authentication time.
    static func sample(since start: Int64?, now: Int64) -> Int64? {
        guard let start, now >= start, now - start <= maxSample else { return nil }
        return now - start
    }

    /// How long an unknown name's failure must still wait.
    static func remaining(since start: Int64?, now: Int64, median: Int64?) -> Int64 {
        guard let start, let median, now >= start else { return 0 }
        return min(maxWait, max(0, median - (now - start)))
    }

    /// After an unknown name's failure is recorded: waits out the rest of the median, counted
    /// like the samples from `preauth` to the start of `authfail` (`until`), since the work of
    /// `authfail` itself is the same for both.
    static func pad(since start: Int64?, until authfail: Int64, store: StateStore) {
        guard start != nil, let median = try? store.failureDurationMedian(minimum: minimumSamples) else { return }
        CurrentProcess.sleep(microseconds: remaining(since: start, now: authfail, median: median))
    }
}
