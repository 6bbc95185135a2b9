"""Lockwarden in front of a real sshd on 127.0.0.1, driven by the real ssh client."""
import json
import re
import subprocess
import time

import pexpect
import pytest

from conftest import MODULE, PASSWORD, WRONG
from qrdecode import decode_qr_text
from sshd_server import SshServer
from test_totp import TOTP_STACK, enroll, fresh_code


@pytest.fixture
def sshd(env):
    servers = []

    def start(stack=TOTP_STACK, **settings):
        env.configure(**settings)
        text = stack.format(module=MODULE, args=f"conf={env.conf}")
        server = SshServer(env.base, text)
        servers.append(server)
        return server

    yield start
    for server in servers:
        server.stop()


def login(server, user, answers, timeout=30):
    """Runs ssh, answering each prompt in turn; returns (logged in, everything shown)."""
    child = pexpect.spawn(server.ssh_command(user)[0], server.ssh_command(user)[1:], encoding="utf-8",
                          timeout=timeout)
    shown = ""
    remaining = list(answers)
    while True:
        index = child.expect([r"Password: ", r"Verification code: ", r"Press Enter[^:]*: ", "LOGGED-IN-OK",
                              pexpect.EOF, pexpect.TIMEOUT])
        shown += child.before + (child.after if isinstance(child.after, str) else "")
        if index == 2:
            child.sendline("")
        elif index in (0, 1):
            if not remaining:
                child.close(force=True)
                return False, shown
            answer = remaining.pop(0)
            child.sendline(answer(shown) if callable(answer) else answer)
        elif index == 3:
            child.expect(pexpect.EOF)
            return True, shown
        else:
            child.close(force=True)
            return False, shown


def test_password_and_code_over_keyboard_interactive(sshd):
    server = sshd(deny=3, unlock_time=600, totp="required")
    ok, shown = login(server, "lwt-alice", [PASSWORD, lambda text: fresh_code(re.search(r"Key: ([A-Z2-7]+)", text).group(1))])
    assert ok, shown
    assert "Backup codes" in shown


def test_reenrollment_over_ssh_shows_a_scannable_qr_code(sshd, env):
    server = sshd(deny=5, unlock_time=600, totp="required")
    enroll(env, "lwt-bob")
    env.cli("mfa", "reset", "lwt-bob", check=True)
    ok, shown = login(server, "lwt-bob", [PASSWORD, lambda text: fresh_code(re.search(r"Key: ([A-Z2-7]+)", text).group(1))])
    assert ok, shown
    uri = re.search(r"URI: (otpauth://\S+)", shown).group(1)
    assert decode_qr_text(shown.replace("\r", "")) == uri
    status = json.loads(env.cli("mfa", "status", "lwt-bob", "--json", check=True).stdout)
    assert status["enrolled"] is True


def test_public_key_login_of_a_locked_user_is_refused_by_the_account_stage(env):
    from conftest import STANDARD_STACK
    env.configure(deny=3, unlock_time=600)
    key = f"{env.base}/client_ed25519"
    subprocess.run(["ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-f", key], check=True)
    with open(f"{env.base}/lwt-carol.keys", "w") as handle:
        handle.write(open(key + ".pub").read())
    server = SshServer(env.base, STANDARD_STACK.format(module=MODULE, args=f"conf={env.conf}"),
                       extra_config=f"AuthorizedKeysFile {env.base}/%u.keys\n")
    try:
        command = server.ssh_command("lwt-carol", key=key)
        before = subprocess.run(command, capture_output=True, text=True, timeout=30)
        assert "LOGGED-IN-OK" in before.stdout, before
        env.cli("lock", "lwt-carol", "--reason", "investigation", check=True)
        after = subprocess.run(command, capture_output=True, text=True, timeout=30)
        assert "LOGGED-IN-OK" not in after.stdout and after.returncode != 0, after
        actions = [(e["action"], e["detail"]) for e in env.events("lwt-carol")]
        assert ("Login failed (locked)", "account check") in actions, actions
    finally:
        server.stop()
