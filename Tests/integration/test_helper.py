"""Callers that are not root (screen lockers) through lockwarden-helper, the set-uid program
the module runs for them: the same counter as every other login, and a helper that a user
running it by hand cannot turn against the state."""
import concurrent.futures
import os
import pty
import stat
import struct
import subprocess
import time

from conftest import BUILD, PASSWORD, WRONG

HELPER = os.path.join(BUILD, "helper", "lockwarden-helper")
STAGE_AUTHENTICATE, STAGE_ACCOUNT = 1, 2


def as_user(env, user, *answers, ops="auth"):
    os.chmod(env.confdir, 0o755)
    return env.pam(user, *answers, ops=ops, as_user=user)


def frame(user, mode, conf, stage=STAGE_AUTHENTICATE, token=b"", service=b"i3lock", extra=()):
    """A request as the module writes it (pam/lw_helper_wire.h)."""
    def field(data):
        return struct.pack("<I", len(data)) + data
    arguments = [a for a in (mode.encode() if mode else None, f"conf={conf}".encode(), *extra) if a is not None]
    return (b"LWH1" + struct.pack("<II", stage, 0) + field(user.encode()) + field(service) + field(b"")
            + field(b":0") + field(token) + struct.pack("<I", len(arguments)) + b"".join(map(field, arguments)))


def run_helper(user, data, env_vars=None, stdin=None):
    """As the user, with exactly env_vars in the helper's environment (set by env(1), which
    runs as the user: only a root process can write where the tests look for side effects)."""
    variables = [f"{key}={value}" for key, value in (env_vars or {"PATH": "/usr/bin:/bin"}).items()]
    command = ["setpriv", f"--reuid={user}", f"--regid={user}", "--clear-groups", "/usr/bin/env", "-i",
               *variables, HELPER]
    return subprocess.run(command, input=data if stdin is None else None, stdin=stdin, capture_output=True,
                          timeout=60, env={"PATH": "/usr/bin:/bin"})


def failures(env, user):
    return env.show(user)["failures"]


def test_failures_at_a_locker_count_with_the_others_and_lock(env):
    env.configure(deny=3, unlock_time=600)
    env.service()
    assert not env.pam("lwt-alice", WRONG).ok()  # over SSH, as root
    for _ in range(2):
        assert not as_user(env, "lwt-alice", WRONG).ok()  # at the screen locker, as the user
    assert env.show("lwt-alice")["locked"] is True
    # The right password no longer unlocks the screen, and does not count.
    result = as_user(env, "lwt-alice", PASSWORD)
    assert not result.ok(), result
    assert env.show("lwt-alice")["locked"] is True
    # An administrator's unlock lets it unlock.
    env.cli("unlock", "lwt-alice", check=True)
    assert as_user(env, "lwt-alice", PASSWORD).ok()
    status = os.stat(env.db)
    assert status.st_uid == 0 and stat.S_IMODE(status.st_mode) == 0o600


def test_a_locker_that_only_authenticates_still_clears_the_counter(env):
    """swaylock issue 286: the success of pam_authenticate alone resets the count."""
    env.configure(deny=3, unlock_time=600)
    env.service()
    for _ in range(2):
        assert not as_user(env, "lwt-bob", WRONG).ok()
    assert failures(env, "lwt-bob") == 2
    assert as_user(env, "lwt-bob", PASSWORD).ok()
    assert failures(env, "lwt-bob") == 0
    events = [event["action"] for event in env.events("lwt-bob")]
    assert events.count("Login failed") == 2 and "Login succeeded" in events, events


def test_the_lock_message_reaches_the_locker(env):
    env.configure(deny=1, unlock_time=600, show_lock_message="yes")
    env.service()
    assert not as_user(env, "lwt-carol", WRONG).ok()
    result = as_user(env, "lwt-carol", PASSWORD)
    assert not result.ok()
    assert any(line.startswith("ERROR_MSG") and "locked" in line for line in result.prompts()), result


def test_a_cancelled_prompt_counts_once_at_most(env):
    """pam_faillock issue 422: a prompt that is cancelled (the conversation fails) is one failure."""
    env.configure(deny=5, unlock_time=600)
    env.service()
    result = as_user(env, "lwt-dave")  # no answers: the conversation fails at the first prompt
    assert not result.ok()
    assert failures(env, "lwt-dave") <= 1


def test_the_account_stage_alone_neither_counts_nor_resets(env):
    """pam_faillock issue 842: sudo with NOPASSWD runs only the account stage."""
    env.configure(deny=5, unlock_time=600)
    env.service()
    for _ in range(2):
        assert not env.pam("lwt-erin", WRONG).ok()
    for caller in (None, "lwt-erin"):
        result = env.pam("lwt-erin", ops="acct", as_user=caller) if caller else env.pam("lwt-erin", ops="acct")
        assert result.ok("acct"), result
        assert failures(env, "lwt-erin") == 2


def test_another_users_name_is_refused_logged_slowed_and_changes_nothing(env, syslog):
    env.configure(deny=3, unlock_time=600)
    env.service()
    before = env.events()
    mark = syslog.mark()
    started = time.monotonic()
    result = run_helper("lwt-bob", frame("lwt-alice", "authfail", env.conf))
    assert time.monotonic() - started >= 2.0
    assert result.stdout == b"V 1\n", result
    assert failures(env, "lwt-alice") == 0 and env.events() == before
    assert any("lockwarden-helper" in line and "another account" in line and "lwt-alice" in line
               for line in syslog.since(mark))


def test_a_flood_of_requests_for_another_account_changes_nothing(env):
    env.configure(deny=3, unlock_time=600)
    env.service()
    before = env.events()
    with concurrent.futures.ThreadPoolExecutor(max_workers=16) as pool:
        results = list(pool.map(lambda _: run_helper("lwt-bob", frame("lwt-alice", "authfail", env.conf)),
                                range(48)))
    assert all(result.stdout == b"V 1\n" for result in results)
    assert failures(env, "lwt-alice") == 0 and env.events() == before


def test_a_terminal_on_stdin_is_refused(env, syslog):
    env.configure(deny=3)
    leader, follower = pty.openpty()
    mark = syslog.mark()
    try:
        result = run_helper("lwt-alice", None, stdin=follower)
    finally:
        os.close(leader)
        os.close(follower)
    assert result.stdout == b"V 1\n", result
    assert any("stdin is a terminal" in line for line in syslog.since(mark))


def test_oversized_and_malformed_requests_are_refused(env, syslog):
    env.configure(deny=3)
    before = env.events()
    for data in (b"LWH1" + b"\xff" * 400_000, b"LWH1" + struct.pack("<II", 1, 0) + struct.pack("<I", 5000) + b"x",
                 b"GET / HTTP/1.0\r\n\r\n", frame("lwt-alice", "authfail", env.conf) + b"trailing"):
        mark = syslog.mark()
        result = run_helper("lwt-alice", data)
        assert result.stdout == b"V 1\n", (data[:16], result)
        assert any("refused a request from uid" in line for line in syslog.since(mark)), data[:16]
    assert env.events() == before


def test_a_hand_call_cannot_lift_a_lock_or_clear_the_count_without_the_password(env):
    env.configure(deny=2, unlock_time=600)
    env.service()
    assert not as_user(env, "lwt-frank", WRONG).ok()
    # authsucc without the password is a wrong guess, not a success.
    assert run_helper("lwt-frank", frame("lwt-frank", "authsucc", env.conf, token=b"guess")).stdout.endswith(b"V 1\n")
    assert env.show("lwt-frank")["locked"] is True
    # Even with the right password a success never lifts a lock.
    result = run_helper("lwt-frank", frame("lwt-frank", "authsucc", env.conf, token=PASSWORD.encode()))
    assert result.stdout.endswith(b"V 1\n"), result
    assert env.show("lwt-frank")["locked"] is True
    # Settings on the module line (a huge deny, another database) are not the caller's to choose.
    env.cli("unlock", "lwt-frank", check=True)
    extra = (b"deny=1000", b"db=/run/lockwarden-tests/other.db")
    for _ in range(2):
        run_helper("lwt-frank", frame("lwt-frank", "authfail", env.conf, extra=extra))
    assert env.show("lwt-frank")["locked"] is True


def test_conf_outside_the_allowed_directory_and_other_steps_are_refused(env, syslog):
    env.configure(deny=3)
    before = env.events()
    assert run_helper("lwt-alice", frame("lwt-alice", "authfail", "/tmp/lockwarden.conf")).stdout == b"V 1\n"
    assert run_helper("lwt-alice", frame("lwt-alice", "authfail", env.conf + "/../x")).stdout == b"V 1\n"
    mark = syslog.mark()
    assert run_helper("lwt-alice", frame("lwt-alice", "totp", env.conf)).stdout == b"V 1\n"
    assert any("only preauth, authfail, authsucc" in line for line in syslog.since(mark))
    assert env.events() == before


def test_hostile_environment_variables_have_no_effect(env, tmp_path):
    env.configure(deny=3, unlock_time=600)
    env.service()
    marker = "/run/lockwarden-tests/helper-preload-ran"
    if os.path.exists(marker):
        os.unlink(marker)
    source = tmp_path / "preload.c"
    source.write_text('#include <stdio.h>\n__attribute__((constructor)) static void ran(void) '
                      f'{{ FILE *f = fopen("{marker}", "w"); if (f) fclose(f); }}\n')
    library = "/run/lockwarden-tests/helper-preload.so"
    subprocess.run(["gcc", "-shared", "-fPIC", "-o", library, str(source)], check=True)
    os.chmod(library, 0o755)
    hostile = {"PATH": "/run/lockwarden-tests:/usr/bin:/bin", "LD_PRELOAD": library, "LD_LIBRARY_PATH": "/tmp",
               "TZ": "../../../../etc/shadow", "LOCALDOMAIN": "x", "SQLITE_TMPDIR": "/tmp", "HOME": "/tmp",
               "LANG": "../../../tmp/x", "GCONV_PATH": "/tmp", "IFS": "x"}
    result = run_helper("lwt-alice", frame("lwt-alice", "authfail", env.conf), env_vars=hostile)
    assert result.stdout == b"V 1\n", result
    assert not os.path.exists(marker)
    # The request itself was an ordinary failure of the caller's own account, counted once.
    assert failures(env, "lwt-alice") == 1
