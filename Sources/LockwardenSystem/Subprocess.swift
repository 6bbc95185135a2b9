import CLibc

/// Runs programs without a shell: argv is split by the caller, nothing is interpreted. Every
/// child starts clean: only PATH in its environment, `/` as its working directory, and no
/// descriptor but 0-2 (a login host's open files, without close-on-exec, stay with the host).
public enum Subprocess {
    /// POSIX_SPAWN_SETSID (glibc 2.26+); the header hides it from Swift behind _GNU_SOURCE.
    private static let spawnSetSID: Int32 = 0x80

    /// Runs `argv`, feeding `input` on standard input; returns the exit status, or a failure
    /// if it could not start or ran longer than `timeoutSeconds` (it is then killed).
    /// `executable` is the file to run when it differs from argv[0] (a checked, resolved path;
    /// argv[0] stays as configured, since some mailers behave by the name they are called by).
    public static func run(_ argv: [String], executable: String? = nil, input: [UInt8], timeoutSeconds: Int = 60)
        -> Result<Int32, SystemError>
    {
        guard let program = executable ?? argv.first, program.hasPrefix("/") else {
            return .failure(SystemError("run: no absolute program path", errno: EINVAL))
        }
        var pipeEnds: [Int32] = [-1, -1]
        guard pipe(&pipeEnds) == 0, let readEnd = pipeEnds.first, let writeEnd = pipeEnds.last else {
            return .failure(SystemError("pipe", errno: lw_errno()))
        }
        // The child gets the read end as its standard input only; neither end leaks further.
        _ = lw_set_cloexec(readEnd)
        _ = lw_set_cloexec(writeEnd)
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_adddup2(&actions, readEnd, 0)
        // What it prints is not ours to show (a mail command may echo the message, PIN and all);
        // its error output still reaches the administrator.
        posix_spawn_file_actions_addopen(&actions, 1, "/dev/null", O_WRONLY, 0)
        let spawned = spawn(program, argv, actions: &actions, attributes: nil)
        close(readEnd)
        guard case .success(let pid) = spawned else {
            close(writeEnd)
            if case .failure(let error) = spawned { return .failure(error) }
            return .failure(SystemError("spawn \(program)", errno: EINVAL))
        }
        // A mail command that exits early must not kill us with SIGPIPE.
        let previous = lw_ignore_sigpipe()
        var written = 0
        while written < input.count {
            let count = input.withUnsafeBytes { bytes -> Int in
                guard let base = bytes.baseAddress else { return -1 }
                return write(writeEnd, base + written, bytes.count - written)
            }
            if count < 0 && lw_errno() == EINTR { continue }
            if count <= 0 { break }
            written += count
        }
        close(writeEnd)
        lw_restore_sigpipe(previous)
        return wait(for: pid, timeoutSeconds: timeoutSeconds, program: program)
    }

    /// Starts `argv` with standard input, output and error on /dev/null, in a new session,
    /// and does not wait for it: it outlives the caller.
    public static func startDetached(_ argv: [String]) -> SystemError? {
        switch spawnQuietly(argv, newSession: true) {
        case .success: return nil
        case .failure(let error): return error
        }
    }

    /// Runs `argv` with /dev/null for its standard streams and waits for it (bounded).
    public static func runQuietly(_ argv: [String], executable: String? = nil, timeoutSeconds: Int)
        -> Result<Int32, SystemError>
    {
        switch spawnQuietly(argv, executable: executable, newSession: false) {
        case .success(let pid): return wait(for: pid, timeoutSeconds: timeoutSeconds, program: argv.first ?? "")
        case .failure(let error): return .failure(error)
        }
    }

    private static func spawnQuietly(_ argv: [String], executable: String? = nil, newSession: Bool)
        -> Result<pid_t, SystemError>
    {
        guard let program = executable ?? argv.first, program.hasPrefix("/") else {
            return .failure(SystemError("start: no absolute program path", errno: EINVAL))
        }
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        for descriptor: Int32 in 0...2 {
            posix_spawn_file_actions_addopen(
                &actions, descriptor, "/dev/null", descriptor == 0 ? O_RDONLY : O_WRONLY, 0)
        }
        var attributes = posix_spawnattr_t()
        posix_spawnattr_init(&attributes)
        defer { posix_spawnattr_destroy(&attributes) }
        // A clean signal state: nothing of the host process (sshd, login) leaks in.
        var empty = sigset_t()
        sigemptyset(&empty)
        var all = sigset_t()
        sigfillset(&all)
        posix_spawnattr_setsigmask(&attributes, &empty)
        posix_spawnattr_setsigdefault(&attributes, &all)
        let flags = POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF | (newSession ? spawnSetSID : 0)
        posix_spawnattr_setflags(&attributes, Int16(flags))
        return spawn(program, argv, actions: &actions, attributes: &attributes)
    }

    /// Waits for a child, at most `timeoutSeconds`, killing it after that.
    public static func wait(for pid: pid_t, timeoutSeconds: Int, program: String) -> Result<Int32, SystemError> {
        var status: Int32 = 0
        let attempts = max(1, timeoutSeconds) * 100
        for _ in 0..<attempts {
            let result = waitpid(pid, &status, WNOHANG)
            if result == pid {
                let exitCode = (status >> 8) & 0xFF
                let signalled = status & 0x7F
                if signalled != 0 {
                    return .failure(SystemError("\(program) killed by signal \(signalled)", errno: EINTR))
                }
                return .success(exitCode)
            }
            if result < 0 && lw_errno() != EINTR {
                return .failure(SystemError("waitpid \(program)", errno: lw_errno()))
            }
            usleep(10_000)
        }
        kill(pid, SIGKILL)
        _ = waitpid(pid, &status, 0)
        return .failure(SystemError("\(program) ran longer than \(timeoutSeconds) s and was stopped", errno: ETIMEDOUT))
    }

    private static func spawn(
        _ program: String, _ argv: [String], actions: inout posix_spawn_file_actions_t,
        attributes: UnsafePointer<posix_spawnattr_t>?
    ) -> Result<pid_t, SystemError> {
        var cArguments: [UnsafeMutablePointer<CChar>?] = argv.map { strdup($0) } + [nil]
        var environment: [UnsafeMutablePointer<CChar>?] = [strdup("PATH=/usr/sbin:/usr/bin:/sbin:/bin"), nil]
        defer {
            for pointer in cArguments { free(pointer) }
            for pointer in environment { free(pointer) }
        }
        guard !cArguments.dropLast().contains(where: { $0 == nil }) else {
            return .failure(SystemError("spawn \(program): out of memory", errno: ENOMEM))
        }
        guard posix_spawn_file_actions_addchdir_np(&actions, "/") == 0,
            posix_spawn_file_actions_addclosefrom_np(&actions, 3) == 0
        else { return .failure(SystemError("spawn \(program): file actions", errno: ENOMEM)) }
        var pid: pid_t = 0
        let status = posix_spawn(&pid, program, &actions, attributes, &cArguments, &environment)
        guard status == 0 else { return .failure(SystemError("spawn \(program)", errno: status)) }
        return .success(pid)
    }
}
