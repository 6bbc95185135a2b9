"""Equal failure time through the README's stack with the real pam_unix (nodelay): a wrong
password for a real user costs its password hash, and a failure for a name the system does not
know must take as long. A benchmark-style check with a generous bound, on medians."""
import statistics
import subprocess

from conftest import DRIVER, WRONG

ROUNDS = 80
WARM_ROUNDS = 15


def failure_microseconds(env, user):
    command = [DRIVER, "--confdir", env.confdir, "--service", "lw-test", "--user", user, "--rhost", "198.51.100.7",
               "--tty", "pts/3", "--ops", "auth", "--timing", "--answer", WRONG]
    result = subprocess.run(command, capture_output=True, text=True, timeout=60)
    lines = result.stdout.splitlines()
    assert "auth: Authentication failure (7)" in lines, result.stdout
    return int(next(line for line in lines if line.startswith("time: ")).split()[1])


def test_an_unknown_name_fails_as_slowly_as_a_real_user(env):
    env.configure(deny=1000, fail_interval=60, unlock_time=1)
    env.service()
    # Real users' failures first teach the state how long a failure takes on this host, under
    # the same alternating load as the measured rounds.
    warm = []
    for _ in range(WARM_ROUNDS):
        warm.append(failure_microseconds(env, "lwt-alice"))
        failure_microseconds(env, "lwt-no-such-user")
    real, unknown = [], []
    for _ in range(ROUNDS):
        real.append(failure_microseconds(env, "lwt-alice"))
        unknown.append(failure_microseconds(env, "lwt-no-such-user"))
    real_median, unknown_median = statistics.median(real), statistics.median(unknown)
    print(f"medians: real {real_median / 1000:.1f} ms, unknown {unknown_median / 1000:.1f} ms "
          f"(first real failures {statistics.median(warm) / 1000:.1f} ms)")
    # The hash must cost something for the check to mean anything.
    assert real_median > 5_000, real
    assert abs(real_median - unknown_median) <= 2_000, (real, unknown)
