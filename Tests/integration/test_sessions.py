"""One login, one connection: the core session the module keeps per PAM handle, the account
index that decides clean accounts without SQLite, and what long-lived and forking hosts see."""
import os
import re
import subprocess

from conftest import DRIVER, PASSWORD, WRONG


def driver(env, user, ops, answers=(), service="lw-test", extra=()):
    command = [DRIVER, "--confdir", env.confdir, "--service", service, "--user", user, "--ops", ops]
    for answer in answers:
        command += ["--answer", answer]
    return command + list(extra)


def traced_opens(env, command, name):
    """Runs command under strace; returns (stdout, the paths the process tree opened)."""
    trace = os.path.join(env.base, name + ".trace")
    result = subprocess.run(["strace", "-f", "-o", trace, "-e", "trace=openat,open"] + command,
                            capture_output=True, text=True, timeout=120)
    paths = []
    for line in open(trace):
        match = re.search(r'open(?:at)?\((?:[^,]+, )?"([^"]+)"', line)
        if match and "= -1" not in line:
            paths.append(match.group(1))
    return result.stdout, paths


def next_result(process):
    """The next line of the driver's output that is not a conversation message."""
    for _ in range(20):
        line = process.stdout.readline().strip()
        if not line.startswith(("PROMPT_", "ERROR_MSG", "TEXT_INFO")):
            return line
    return None


def record_failure(env, user):
    result = env.pam(user, WRONG)
    assert not result.ok(), result


def test_one_connection_serves_every_step_of_a_login(env):
    env.configure(deny=5)
    env.service()
    record_failure(env, "lwt-alice")  # an account with state: every step reads SQLite
    out, paths = traced_opens(env, driver(env, "lwt-alice", "auth,acct", [PASSWORD]), "steps")
    assert "auth: Success (0)" in out and "acct: Success (0)" in out, out
    assert paths.count(env.db) == 1, [p for p in paths if "lockwarden" in p]
    assert env.show("lwt-alice")["consecutive_failures"] == 0
    # Three logins (three PAM handles) in one process: a finished login leaves its connection
    # for the next, so the database is still opened once.
    record_failure(env, "lwt-alice")
    command = driver(env, "lwt-alice", "acct", extra=["--repeat", "3"])
    out, paths = traced_opens(env, command, "logins")
    assert out.count("acct: Success (0)") == 3 and paths.count(env.db) == 1, (out, paths)


def test_a_clean_login_loads_no_sqlite_and_writes_nothing(env):
    env.configure(deny=5)
    env.service()
    assert env.pam("lwt-bob", PASSWORD, ops="auth,acct").ok()  # builds the account index
    before = os.stat(env.db + "-wal").st_mtime_ns if os.path.exists(env.db + "-wal") else None
    out, paths = traced_opens(env, driver(env, "lwt-bob", "auth,acct", [PASSWORD]), "clean")
    assert "auth: Success (0)" in out and "acct: Success (0)" in out, out
    assert not [p for p in paths if "libsqlite3" in p], paths
    assert env.db not in paths and env.db + "-wal" not in paths, paths
    assert env.db + "-index" in paths, paths
    after = os.stat(env.db + "-wal").st_mtime_ns if os.path.exists(env.db + "-wal") else None
    assert before == after
    # A failure goes to SQLite, and the index then sends this account there too.
    record_failure(env, "lwt-bob")
    out, paths = traced_opens(env, driver(env, "lwt-bob", "acct"), "after-failure")
    assert "acct: Success (0)" in out and env.db in paths, (out, paths)


def test_a_stale_damaged_or_missing_index_falls_back_to_sqlite(env):
    env.configure(deny=5, unlock_time=600)
    env.service()
    assert env.pam("lwt-carol", PASSWORD).ok()  # clean, and the index says so
    uid = int(subprocess.run(["id", "-u", "lwt-carol"], capture_output=True, text=True).stdout)
    index = env.db + "-index"
    assert os.path.exists(index)
    # A lock written outside Lockwarden: the index is now older than the database and must
    # not vouch for the account.
    subprocess.run(["sqlite3", env.db,
                    "INSERT INTO accounts (uid, name, locked_at, locked_until, lock_reason, updated_at) VALUES "
                    f"({uid}, CAST('lwt-carol' AS BLOB), unixepoch(), unixepoch() + 600, 'Failures', unixepoch())"],
                   check=True)
    assert not env.pam("lwt-carol", PASSWORD).ok()
    # A damaged index (cut short) and a missing one: SQLite decides, and the login rebuilds it.
    os.truncate(index, os.path.getsize(index) - 8)
    assert not env.pam("lwt-carol", PASSWORD).ok()
    assert os.path.getsize(index) % 8 == 0
    os.unlink(index)
    assert not env.pam("lwt-carol", PASSWORD).ok()
    assert os.path.exists(index), "the login that found no index rebuilt it"
    assert env.cli("unlock", "lwt-carol").returncode == 0
    assert env.pam("lwt-carol", PASSWORD).ok()


def test_a_login_split_across_a_fork_counts_exactly_and_keeps_the_parents_locks(env):
    env.configure(deny=50)
    env.service()
    record_failure(env, "lwt-dave")
    # The parent opens the connection (acct), the child authenticates with a wrong password and
    # ends its copy of the handle, then the parent goes on with the same handle.
    command = driver(env, "lwt-dave", "acct,locks,forkauth,locks,acct", [WRONG])
    result = subprocess.run(command, capture_output=True, text=True, timeout=60)
    lines = result.stdout.splitlines()
    assert "forkauth: Authentication failure (7)" in lines, result.stdout
    locks = [int(line.split()[1]) for line in lines if line.startswith("locks:")]
    assert len(locks) == 2 and locks[0] > 0 and locks[0] == locks[1], result.stdout
    assert lines[-1] == "acct: Success (0)", result.stdout
    assert os.path.exists(env.db + "-wal"), "the child left the parent's WAL alone"
    assert env.show("lwt-dave")["consecutive_failures"] == 2


def change_between_calls(env, command, change):
    """Runs the driver up to its wait op, makes the change, lets it go on; the call after it."""
    process = subprocess.Popen(command, stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
    try:
        assert next_result(process) == "auth: Success (0)"
        assert next_result(process) == "wait: ready"
        change()
        process.stdin.write("\n")
        process.stdin.flush()
        return next_result(process)
    finally:
        process.kill()
        process.wait()


def test_a_long_lived_process_sees_changes_at_its_next_call(env):
    env.configure(deny=5, unlock_time=600)
    env.service()
    record_failure(env, "lwt-erin")
    # One PAM handle, two authentications, with an administrator's lock in between: the
    # session's connection must read the new state, not a snapshot from the first call.
    lock = lambda: env.cli("lock", "lwt-erin", "--reason", "test", check=True)
    after = change_between_calls(env, driver(env, "lwt-erin", "auth,wait,auth", [PASSWORD, PASSWORD]), lock)
    assert after == "auth: Authentication failure (7)"
    assert env.cli("unlock", "lwt-erin").returncode == 0

    # Two logins in one process, the configuration changed in between: a bad value in the file
    # is a configuration error at the very next login.
    def break_configuration():
        with open(env.conf, "a") as handle:
            handle.write("deny = not-a-number\n")

    command = driver(env, "lwt-erin", "auth,wait", [PASSWORD], extra=["--repeat", "2"])
    assert change_between_calls(env, command, break_configuration) == "auth: Authentication failure (7)"


def test_a_hundred_thousand_logins_in_one_process_stay_flat(env):
    env.configure(deny=5)
    env.service()
    env.service(name="lw-acct", stack="account required {module} {args}\n")
    record_failure(env, "lwt-frank")  # state: every login reads SQLite through its session
    assert env.show("lwt-frank")["consecutive_failures"] == 1

    def run(repeat):
        result = subprocess.run(driver(env, "lwt-frank", "acct", service="lw-acct", extra=["--repeat", str(repeat)]),
                                capture_output=True, text=True, timeout=900)
        assert result.returncode == 0, result.stdout[-500:]
        report = dict(line.split(": ", 1) for line in result.stdout.splitlines() if line.startswith(("rss_kb", "fds")))
        return int(report["rss_kb"]), int(report["fds"])

    small_rss, small_fds = run(1_000)
    large_rss, large_fds = run(100_000)
    assert large_fds == small_fds, (small_fds, large_fds)
    assert large_rss - small_rss < 1024, (small_rss, large_rss)
