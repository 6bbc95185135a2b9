"""Many processes failing at once: every failure is counted exactly once."""
import os
import subprocess

from conftest import DRIVER

WORKERS = 16
ATTEMPTS = 50


def test_sixteen_processes_fifty_failures_each_count_exactly(env):
    # deny = 0 and no cap: count without locking, so every attempt is a counted failure.
    env.configure(deny=0, max_consecutive_failures=0, busy_timeout=10000)
    stack = "auth [default=die] {module} authfail {args}\n"
    env.service(name="lw-count", stack=stack)
    command = [DRIVER, "--confdir", env.confdir, "--service", "lw-count", "--user", "lwt-alice",
               "--ops", "auth", "--repeat", str(ATTEMPTS)]
    workers = [subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
               for _ in range(WORKERS)]
    outputs = [worker.communicate(timeout=600) for worker in workers]
    for out, err in outputs:
        results = [line for line in out.splitlines() if line.startswith("auth: ")]
        assert len(results) == ATTEMPTS, out + err
        assert all(line.endswith("(7)") for line in results), out
    state = env.show("lwt-alice")
    assert state["consecutive_failures"] == WORKERS * ATTEMPTS, state
    failures = env.events("lwt-alice", "--action", "Login failed", "--limit", "100000")
    assert len(failures) == WORKERS * ATTEMPTS
    integrity = subprocess.run(["sqlite3", env.db, "PRAGMA integrity_check"], capture_output=True, text=True)
    assert integrity.stdout.strip() == "ok", integrity


def test_a_recorded_failure_is_synced_once_and_the_wal_is_kept(env):
    # Durable (synchronous = FULL) but no more: one sync of the WAL per recorded failure, no
    # directory sync, no checkpoint, nothing deleted and re-created by the next call.
    env.configure(deny=0, max_consecutive_failures=0)
    env.service(name="lw-sync", stack="auth [default=die] {module} authfail {args}\n")
    before = env.show("lwt-carol")["consecutive_failures"]
    command = [DRIVER, "--confdir", env.confdir, "--service", "lw-sync", "--user", "lwt-carol", "--ops", "auth"]
    subprocess.run(command, capture_output=True, check=False, timeout=60)
    assert os.path.exists(env.db + "-wal") and os.path.exists(env.db + "-shm")
    trace = env.base + "/sync.trace"
    traced = subprocess.run(["strace", "-f", "-o", trace, "-e", "trace=fsync,fdatasync,unlink,unlinkat"] + command,
                            capture_output=True, text=True, timeout=60)
    assert "auth: Authentication failure (7)" in traced.stdout, traced
    calls = [line for line in open(trace) if "sync(" in line or "unlink" in line]
    assert len([line for line in calls if "sync(" in line]) == 1, calls
    assert not [line for line in calls if "unlink" in line], calls
    assert os.path.exists(env.db + "-wal")
    assert env.show("lwt-carol")["consecutive_failures"] == before + 2


def test_a_success_of_a_clean_account_is_not_synced_unless_sync_is_always(env):
    # A clean success writes nothing (log_successes = no, the default); a failure is synced once;
    # a success that clears failures is synced like any recorded change; with log_successes and
    # sync = always a clean success is recorded and synced.
    env.service(name="lw-succ", stack="auth required {module} authsucc {args}\n")
    env.service(name="lw-fail", stack="auth [default=die] {module} authfail {args}\n")
    command = [DRIVER, "--confdir", env.confdir, "--ops", "auth", "--user", "lwt-erin", "--service"]

    def syncs(service):
        trace = env.base + f"/{service}.trace"
        traced = subprocess.run(["strace", "-f", "-y", "-o", trace, "-e", "trace=fsync,fdatasync"] + command + [service],
                                capture_output=True, text=True, timeout=60)
        return traced.stdout, len([line for line in open(trace) if "sync(" in line])

    env.configure(deny=5)
    subprocess.run(command + ["lw-succ"], capture_output=True, timeout=60)
    out, count = syncs("lw-succ")
    assert "auth: Success (0)" in out and count == 0, (out, count)
    # The first write into a new or restarted WAL also syncs its header (SQLite's rule): warm up.
    subprocess.run(command + ["lw-fail"], capture_output=True, timeout=60)
    out, count = syncs("lw-fail")
    assert "auth: Authentication failure (7)" in out and count == 1, (out, count, open(env.base + "/lw-fail.trace").read())
    out, count = syncs("lw-succ")
    assert "auth: Success (0)" in out and count == 1, (out, count)
    assert env.show("lwt-erin")["consecutive_failures"] == 0
    out, count = syncs("lw-succ")
    assert "auth: Success (0)" in out and count == 0, (out, count)
    events = [e["action"] for e in env.events("lwt-erin")]
    assert events.count("Login succeeded") == 1 and events.count("Login failed") == 2, events
    env.configure(deny=5, sync="always", log_successes="yes")
    # The CLI above checkpointed and removed the WAL; the first login makes it again.
    subprocess.run(command + ["lw-succ"], capture_output=True, timeout=60)
    out, count = syncs("lw-succ")
    assert "auth: Success (0)" in out and count == 1, (out, count)
    events = [e["action"] for e in env.events("lwt-erin")]
    assert events.count("Login succeeded") == 3, events
