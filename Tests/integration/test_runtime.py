"""Runtime hygiene of the core inside a host process."""
import os
import pty
import select
import signal
import time

from conftest import BUILD, DRIVER

TRAP_MODULE = os.path.join(BUILD, "pam_lockwarden_trap.so")


def run_under_pty(argv, timeout=20):
    """Runs argv on a pseudo-terminal (as a login would); returns (wait status, output, seconds)."""
    started = time.time()
    pid, fd = pty.fork()
    if pid == 0:
        os.execv(argv[0], argv)
    output = b""
    deadline = started + timeout
    while time.time() < deadline:
        ready, _, _ = select.select([fd], [], [], 0.1)
        if ready:
            try:
                chunk = os.read(fd, 65536)
            except OSError:
                chunk = b""
            output += chunk
        finished, status = os.waitpid(pid, os.WNOHANG)
        if finished:
            return status, output.decode("utf-8", "replace"), time.time() - started
    os.kill(pid, signal.SIGKILL)
    _, status = os.waitpid(pid, 0)
    raise AssertionError(f"still running after {timeout} s (waiting for input?): {output!r}")


def test_a_trap_in_the_core_kills_the_process_at_once_without_a_prompt(env):
    env.configure(deny=5)
    env.service(name="lw-trap", stack="auth requisite {module} preauth {args}\nauth required pam_permit.so\n",
                module=TRAP_MODULE)
    status, output, seconds = run_under_pty(
        [DRIVER, "--confdir", env.confdir, "--service", "lw-trap", "--user", "lwt-alice", "--ops", "auth"])
    assert os.WIFSIGNALED(status), (status, output)
    assert os.WTERMSIG(status) in (signal.SIGILL, signal.SIGTRAP, signal.SIGABRT), (status, output)
    assert seconds < 10, seconds
    lowered = output.lower()
    for sign_of_a_backtracer in ("press space", "interact", "backtrace", "registers", "crashed"):
        assert sign_of_a_backtracer not in lowered, output
    assert "auth:" not in output, "nothing ran past the trap"


def test_a_hundred_thousand_calls_in_one_process_keep_memory_and_descriptors_bounded(env):
    env.configure(deny=5)
    env.service(name="lw-loop", stack="auth requisite {module} preauth {args}\nauth required pam_permit.so\n")

    def run(count):
        import subprocess
        result = subprocess.run([DRIVER, "--confdir", env.confdir, "--service", "lw-loop", "--user", "lwt-alice",
                                 "--ops", "auth", "--repeat", str(count)], capture_output=True, text=True,
                                timeout=900)
        assert result.returncode == 0, result.stderr[-2000:]
        figures = dict(line.split(": ") for line in result.stdout.splitlines() if line.startswith(("rss_kb", "fds")))
        return int(figures["rss_kb"]), int(figures["fds"])

    run(1)  # builds the account index: from then on every call is decided the same way
    small_rss, small_fds = run(1_000)
    large_rss, large_fds = run(100_000)
    print(f"after 1,000 cycles: {small_rss} kB, {small_fds} fds; after 100,000: {large_rss} kB, {large_fds} fds")
    assert large_fds == small_fds
    assert large_rss <= small_rss + 2_048, (small_rss, large_rss)
