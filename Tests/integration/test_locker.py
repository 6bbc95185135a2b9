"""A real screen locker from Debian, i3lock, under Xvfb as a user who is not root, typed at by
xdotool; and real sudo with a NOPASSWD rule. Each runs in a private mount namespace whose
/etc/pam.d/<service> is the test's stack, so the machine's own PAM files are never touched."""
import os
import subprocess
import time

import pytest

from conftest import MODULE, PASSWORD, STANDARD_STACK, WRONG

DISPLAY = ":73"


def in_namespace(env, service, stack, command, user):
    """Runs command as user with stack bound over /etc/pam.d/<service>, in a mount namespace."""
    stack_file = os.path.join(env.base, f"{service}.stack")
    with open(stack_file, "w") as handle:
        handle.write(stack.format(module=MODULE, args=f"conf={env.conf}"))
    os.chmod(stack_file, 0o644)
    target = f"/etc/pam.d/{service}"
    script = (f'mount --bind "{stack_file}" "{target}" && exec setpriv --reuid={user} --regid={user} '
              f'--init-groups /usr/bin/env -i DISPLAY={DISPLAY} HOME=/tmp PATH=/usr/bin:/bin "$@"')
    return ["unshare", "--mount", "--propagation", "private", "sh", "-c", script, "sh", *command]


@pytest.fixture
def xserver():
    server = subprocess.Popen(["Xvfb", DISPLAY, "-ac", "-nolisten", "tcp", "-screen", "0", "640x480x24"],
                              stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        for _ in range(100):
            if subprocess.run(["xdotool", "getmouselocation"], env={"DISPLAY": DISPLAY},
                              capture_output=True).returncode == 0:
                break
            time.sleep(0.1)
        else:
            raise AssertionError("Xvfb did not start")
        yield DISPLAY
    finally:
        server.terminate()
        server.wait(timeout=10)


def type_password(text):
    env = {"DISPLAY": DISPLAY}
    subprocess.run(["xdotool", "type", "--delay", "20", text], env=env, check=True, timeout=30)
    subprocess.run(["xdotool", "key", "Return"], env=env, check=True, timeout=30)


def wait_for(predicate, timeout=20):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(0.1)
    return False


def attempts(env, user):
    return len([e for e in env.events(user) if e["action"].startswith(("Login failed", "Login succeeded"))])


def test_i3lock_counts_locks_and_unlocks_only_after_an_administrator(env, xserver):
    env.configure(deny=3, unlock_time=600)
    locker = subprocess.Popen(in_namespace(env, "i3lock", STANDARD_STACK, ["i3lock", "-n"], "lwt-alice"),
                              stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    try:
        time.sleep(1.0)
        assert locker.poll() is None, locker.stdout.read()
        for expected in (1, 2, 3):
            type_password(WRONG)
            assert wait_for(lambda: attempts(env, "lwt-alice") >= expected), env.events("lwt-alice")
            time.sleep(0.3)
        assert env.show("lwt-alice")["locked"] is True
        # The right password no longer unlocks the screen.
        type_password(PASSWORD)
        assert wait_for(lambda: attempts(env, "lwt-alice") >= 4)
        time.sleep(1.0)
        assert locker.poll() is None
        assert "Login failed (locked)" in [e["action"] for e in env.events("lwt-alice")], env.events("lwt-alice")
        # An administrator's unlock lets it unlock.
        env.cli("unlock", "lwt-alice", check=True)
        time.sleep(0.5)
        type_password(PASSWORD)
        assert locker.wait(timeout=20) == 0
        assert env.show("lwt-alice")["failures"] == 0
        status = os.stat(env.db)
        assert status.st_uid == 0 and status.st_mode & 0o777 == 0o600
    finally:
        if locker.poll() is None:
            locker.kill()
            locker.wait(timeout=10)


SUDO_STACK = STANDARD_STACK + "session required pam_permit.so\n"
SUDOERS = "/etc/sudoers.d/lockwarden-locker-tests"


def test_sudo_with_nopasswd_neither_counts_nor_resets(env):
    """pam_faillock issue 842: a NOPASSWD rule runs only the account stage."""
    env.configure(deny=5, unlock_time=600)
    env.service()
    for _ in range(2):
        assert not env.pam("lwt-bob", WRONG).ok()
    with open(SUDOERS, "w") as handle:
        handle.write("lwt-bob ALL=(root) NOPASSWD: /bin/true\n")
    os.chmod(SUDOERS, 0o440)
    command = in_namespace(env, "sudo", SUDO_STACK, ["sudo", "-n", "/bin/true"], "lwt-bob")
    try:
        for _ in range(3):
            result = subprocess.run(command, capture_output=True, text=True, timeout=60)
            assert result.returncode == 0, result
        assert env.show("lwt-bob")["failures"] == 2
        actions = [e["action"] for e in env.events("lwt-bob")]
        assert actions.count("Login failed") == 2 and "Login succeeded" not in actions, actions
        # The account stage is Lockwarden's: a locked account is refused there, and not counted.
        for _ in range(3):
            assert not env.pam("lwt-bob", WRONG).ok()
        assert env.show("lwt-bob")["locked"] is True
        refused = subprocess.run(command, capture_output=True, text=True, timeout=60)
        assert refused.returncode != 0, refused
        actions = [e["action"] for e in env.events("lwt-bob")]
        assert actions.count("Login failed") == 5 and "Login succeeded" not in actions, actions
    finally:
        os.unlink(SUDOERS)
