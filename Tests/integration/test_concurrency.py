"""Many processes failing at once: every failure is counted exactly once."""
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
