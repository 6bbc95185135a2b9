"""Lockwarden in front of a real sshd on 127.0.0.1, driven by the real ssh client."""
import json
import re
import subprocess
import time

import pexpect
import pytest

from conftest import MODULE, PASSWORD, WRONG, trusted_cli
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
        index = child.expect([r"Password: ", r"Verification code: ", r"Device authorization code: ",
                              r"Press Enter[^:]*: ", "LOGGED-IN-OK", pexpect.EOF, pexpect.TIMEOUT,
                              r"Retype new password: ", r"New password: "])
        shown += child.before + (child.after if isinstance(child.after, str) else "")
        if index == 3:
            child.sendline("")
        elif index in (0, 1, 2, 7, 8):
            if not remaining:
                child.close(force=True)
                return False, shown
            answer = remaining.pop(0)
            child.sendline(answer(shown) if callable(answer) else answer)
        elif index == 4:
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


def device_code(smtp, count):
    """The code of the newest "Device Authorization" mail, once `count` mails have come."""
    mail = [m for m in smtp.wait_for(count) if m["message"]["Subject"] == "Device Authorization"][-1]
    return re.search(r"^(\d{8})\s*$", mail["message"].get_content(), re.M).group(1)


def test_reenrollment_over_ssh_needs_the_mailed_device_code_first(sshd, env, smtp):
    """The articles: after a reset, "the next time the user signs in, they will receive a Device
    Authorization email and need to use this code to authenticate. Once complete, they will then
    be shown the Multi-Factor Authentication page with a new code to scan." """
    server = sshd(deny=5, unlock_time=600, totp="required", user_email="{user}@clinic.example",
                  mail_command=smtp.mail_command(), notify_program=trusted_cli())
    enroll(env, "lwt-bob")
    env.cli("mfa", "reset", "lwt-bob", check=True)  # mail 1: the reset notice
    # Someone with only the password: a wrong device code ends the login before any QR code.
    ok, shown = login(server, "lwt-bob", [PASSWORD, "00000000"])
    assert not ok and "Device authorization code: " in shown and "Key: " not in shown, shown
    assert "A device authorization code was mailed to your address" in shown, shown
    mails = smtp.wait_for(2)
    device = [m for m in mails if m["message"]["Subject"] == "Device Authorization"]
    assert [m["to"] for m in device] == [["lwt-bob@clinic.example"]], mails
    code = device_code(smtp, 2)
    details = [e["detail"] for e in env.events("lwt-bob", "--action", "Login failed")]
    assert details and details[-1].endswith("wrong device authorization code"), details
    # The user, with the mail: the code, then the QR code and the first TOTP code.
    ok, shown = login(server, "lwt-bob", [PASSWORD, code,
                                          lambda text: fresh_code(re.search(r"Key: ([A-Z2-7]+)", text).group(1))])
    assert ok, shown
    assert shown.index("Device authorization code: ") < shown.index("Key: "), shown
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


def ssh_stack_server(sshd, **settings):
    from conftest import STANDARD_STACK
    return sshd(stack=STANDARD_STACK, **settings)


def denial_text(shown, user):
    """What a client saw, with the user's own name taken out, for comparisons."""
    return shown.replace(user, "USER").replace("\r", "")


def test_five_wrong_passwords_over_ssh_lock_and_the_right_one_is_refused(sshd, env, syslog):
    server = ssh_stack_server(sshd, deny=5, unlock_time=600)
    mark = syslog.mark()
    for _ in range(5):
        ok, _ = login(server, "lwt-alice", [WRONG])
        assert not ok
    assert env.show("lwt-alice")["locked"] is True
    ok, shown = login(server, "lwt-alice", [PASSWORD])
    assert not ok, shown
    lines = [line for line in syslog.since(mark) if "pam_lockwarden" in line]
    assert any("Account locked: user=lwt-alice" in line and "service=sshd-lockwarden-test" in line
               and "rhost=127.0.0.1" in line for line in lines), lines
    assert any("Login failed (locked): user=lwt-alice" in line for line in lines), lines
    # Admin unlock while sshd keeps running.
    env.cli("unlock", "lwt-alice", check=True)
    ok, shown = login(server, "lwt-alice", [PASSWORD])
    assert ok, shown


def test_every_answer_in_one_connection_is_counted(sshd, env):
    server = ssh_stack_server(sshd, deny=10, unlock_time=600)
    command = server.ssh_command("lwt-bob")
    command[command.index("NumberOfPasswordPrompts=1")] = "NumberOfPasswordPrompts=4"
    child = pexpect.spawn(command[0], command[1:], encoding="utf-8", timeout=30)
    for _ in range(4):
        child.expect("Password: ")
        child.sendline(WRONG)
    child.expect(pexpect.EOF)
    assert env.show("lwt-bob")["consecutive_failures"] == 4


def test_lock_message_over_ssh_follows_the_configuration(sshd, env):
    server = ssh_stack_server(sshd, deny=1, unlock_time=600)
    login(server, "lwt-carol", [WRONG])
    _, quiet = login(server, "lwt-carol", [PASSWORD])
    assert "locked" not in quiet.lower(), quiet
    env.configure(deny=1, unlock_time=600, show_lock_message="yes")
    _, told = login(server, "lwt-carol", [PASSWORD])
    assert "The account is locked. Try again in 10 minutes." in told, told


def test_reactivation_over_ssh(sshd, env):
    server = ssh_stack_server(sshd, deny=2, unlock_time=2)
    login(server, "lwt-dave", [WRONG])
    login(server, "lwt-dave", [WRONG])
    ok, _ = login(server, "lwt-dave", [PASSWORD])
    assert not ok
    time.sleep(3)
    ok, shown = login(server, "lwt-dave", [PASSWORD])
    assert ok, shown


def test_no_enumeration_over_ssh(sshd, env):
    """Unknown user, wrong password, wrong code, locked, not enrolled: the same screens."""
    server = sshd(deny=3, unlock_time=600, totp="required")
    enrollment = enroll(env, "lwt-erin")
    for _ in range(3):
        login(server, "lwt-frank", [WRONG, "123456"])
    assert env.show("lwt-frank")["locked"] is True
    seen = {
        "unknown user": denial_text(login(server, "lwt-nobody", [WRONG, "123456"])[1], "lwt-nobody"),
        "wrong password": denial_text(login(server, "lwt-erin", [WRONG, "123456"])[1], "lwt-erin"),
        "wrong code": denial_text(login(server, "lwt-erin", [PASSWORD, "123456"])[1], "lwt-erin"),
        "locked": denial_text(login(server, "lwt-frank", [PASSWORD, "123456"])[1], "lwt-frank"),
    }
    reference = seen["wrong password"]
    assert "Verification code: " in reference
    for case, text in seen.items():
        assert text == reference, (case, text, reference)
    assert enrollment["secret"] not in "".join(seen.values())


def test_an_enrolled_user_logs_in_with_password_and_oathtool_code(sshd, env):
    server = sshd(deny=3, unlock_time=600, totp="required")
    enrollment = enroll(env, "lwt-alice")
    ok, shown = login(server, "lwt-alice", [PASSWORD, lambda _: fresh_code(enrollment["secret"])])
    assert ok, shown
    assert "Key: " not in shown, "no enrollment for an enrolled user"
    assert env.show("lwt-alice")["consecutive_failures"] == 0


def test_a_password_reset_code_over_ssh(sshd, env, smtp):
    """"Forgot Password" over ssh (keyboard-interactive): the mailed code at the Password prompt,
    then the new password twice, and the user is in."""
    from conftest import STANDARD_STACK
    server = sshd(stack=STANDARD_STACK, deny=5, unlock_time=600, user_email="{user}@clinic.example",
                  mail_command=smtp.mail_command(), notify_program=trusted_cli())
    new = "Ssh-Reset-Pass-9"
    try:
        env.cli("password", "reset", "lwt-frank", check=True)
        mail = [m for m in smtp.wait_for(1) if m["message"]["Subject"] == "Reset your password"][-1]
        assert mail["to"] == ["lwt-frank@clinic.example"]
        code = re.search(r"^(\d{9})\s*$", mail["message"].get_content(), re.M).group(1)
        ok, shown = login(server, "lwt-frank", [code, new, new])
        assert ok, shown
        assert "Password reset code accepted. Choose a new password." in shown, shown
        ok, shown = login(server, "lwt-frank", [new])
        assert ok, shown
    finally:
        subprocess.run(["chpasswd"], input=f"lwt-frank:{PASSWORD}\n", text=True, check=True)
