"""Password reset the way "Forgot Password" describes it, through real libpam and pam_unix: a
one-time code mailed to the user's own address, typed in place of the password, then a new
password twice in the same conversation; nothing mailed while the account is locked."""
import re
import subprocess

import pytest

from conftest import PASSWORD, WRONG, trusted_cli

NEW = "Fresh-Battery-42"


@pytest.fixture
def restore_password():
    """The suite's users keep their known password after a test that changed one."""
    changed = []
    yield changed.append
    for name in changed:
        subprocess.run(["chpasswd"], input=f"{name}:{PASSWORD}\n", text=True, check=True)


def configure(env, smtp, **settings):
    values = {"deny": 3, "unlock_time": 600, "user_email": "{user}@clinic.example",
              "mail_command": smtp.mail_command(), "notify_program": trusted_cli()}
    values.update(settings)
    env.configure(**values)
    env.service()


def reset_code(smtp, count):
    """The code in the newest "Reset your password" mail, once `count` mails have come."""
    mails = [m for m in smtp.wait_for(count) if m["message"]["Subject"] == "Reset your password"]
    return mails[-1], re.search(r"^(\d{9})\s*$", mails[-1]["message"].get_content(), re.M).group(1)


def test_a_mailed_code_then_a_new_password_twice_logs_the_user_in(env, smtp, restore_password):
    configure(env, smtp)
    restore_password("lwt-alice")
    sent = env.cli("password", "reset", "lwt-alice", check=True)
    assert "was mailed to lwt-alice@clinic.example" in sent.stdout, sent.stdout
    mail, code = reset_code(smtp, 1)
    assert mail["to"] == ["lwt-alice@clinic.example"]
    assert "valid for 60 minutes" in mail["message"].get_content()
    assert "only the most recent code works" in mail["message"].get_content()
    # The old password works until the reset is completed; show says a code is pending.
    assert env.pam("lwt-alice", PASSWORD).ok()
    assert env.show("lwt-alice")["reset_code_until"] is not None
    assert re.search(r"Reset code\s*:\s+pending until \d{4}-", env.cli("show", "lwt-alice", check=True).stdout)

    result = env.pam("lwt-alice", code, NEW, NEW)
    assert result.ok(), result
    assert "PROMPT_ECHO_OFF: New password: " in result.out and "PROMPT_ECHO_OFF: Retype new password: " in result.out
    assert "TEXT_INFO: Your password has been changed." in result.out
    assert env.pam("lwt-alice", NEW).ok(), "the new password works"
    assert not env.pam("lwt-alice", PASSWORD).ok(), "the old one does not"
    spent = env.pam("lwt-alice", code, NEW, NEW)
    assert not spent.ok() and "New password" not in spent.out, "the code is spent"
    actions = [e["action"] for e in env.events("lwt-alice")]
    assert actions.count("Password reset requested") == 1 and "Password reset code used" in actions
    assert "Password changed" in actions
    assert env.show("lwt-alice")["reset_code_until"] is None
    assert code not in env.cli("log", "--json", check=True).stdout, "the code is never logged"


def test_mismatched_new_passwords_are_asked_again(env, smtp, restore_password):
    configure(env, smtp)
    restore_password("lwt-bob")
    env.cli("password", "reset", "lwt-bob", check=True)
    _, code = reset_code(smtp, 1)
    result = env.pam("lwt-bob", code, NEW, NEW + "x", NEW, NEW)
    assert result.ok(), result
    assert "ERROR_MSG: The passwords do not match. Try again." in result.out
    assert env.pam("lwt-bob", NEW).ok()


def test_replaced_wrong_and_expired_codes_are_refused_and_counted(env, smtp, restore_password):
    configure(env, smtp, deny=10)
    restore_password("lwt-carol")
    env.cli("password", "reset", "lwt-carol", check=True)
    _, first = reset_code(smtp, 1)
    env.cli("password", "reset", "lwt-carol", check=True)
    _, second = reset_code(smtp, 2)
    if first != second:
        replaced = env.pam("lwt-carol", first, NEW, NEW)
        assert not replaced.ok() and "New password" not in replaced.out, "only the most recent code works"
    wrong = "000000000" if second != "000000000" else "111111111"
    assert not env.pam("lwt-carol", wrong, NEW, NEW).ok()
    failures = env.show("lwt-carol")["consecutive_failures"]
    assert failures == (2 if first != second else 1), failures
    # Expired: the stored code's time is moved into the past.
    subprocess.run(["sqlite3", env.db, "UPDATE one_time_codes SET expires_at = 1 WHERE purpose = 'password'"],
                   check=True)
    expired = env.pam("lwt-carol", second, NEW, NEW)
    assert not expired.ok() and "New password" not in expired.out
    assert env.pam("lwt-carol", PASSWORD).ok(), "the old password still works"


def test_a_locked_account_gets_no_mail_and_the_refusal_is_an_event(env, smtp):
    configure(env, smtp)
    for _ in range(3):
        assert not env.pam("lwt-dave", WRONG).ok()
    refused = env.cli("password", "reset", "lwt-dave")
    assert refused.returncode == 1
    assert re.search(r"lwt-dave is locked until \d{4}-\d\d-\d\d \d\d:\d\d:\d\d; no reset code was sent", refused.stderr), \
        refused.stderr
    events = env.events("lwt-dave", "--action", "Password reset refused (locked)")
    assert len(events) == 1 and events[0]["detail"].startswith("locked until "), events
    # The lock's own mail comes; no reset code does.
    subjects = [m["message"]["Subject"] for m in smtp.wait_for(2, timeout=3)]
    assert subjects == ["Account Locked"], subjects


CHPASSWD_SERVICE = "/etc/pam.d/chpasswd"


@pytest.fixture
def chpasswd_refuses_once(tmp_path):
    """chpasswd's own PAM service refuses the next new password once, the way a quality rule
    would (pam_exec before the host's common-password); the file is restored afterwards."""
    marker = tmp_path / "refuse-once"
    script = tmp_path / "quality.sh"
    script.write_text(f"#!/bin/sh\nif [ -e {marker} ]; then rm -f {marker}; exit 1; fi\nexit 0\n")
    script.chmod(0o755)
    with open(CHPASSWD_SERVICE) as handle:
        saved = handle.read()
    try:
        with open(CHPASSWD_SERVICE, "w") as handle:
            handle.write(f"password requisite pam_exec.so quiet {script}\n" + saved)
        marker.write_text("")
        yield marker
    finally:
        with open(CHPASSWD_SERVICE, "w") as handle:
            handle.write(saved)


def test_a_new_password_the_rules_refuse_is_reported_and_asked_again(env, smtp, restore_password,
                                                                       chpasswd_refuses_once):
    configure(env, smtp)
    restore_password("lwt-erin")
    env.cli("password", "reset", "lwt-erin", check=True)
    _, code = reset_code(smtp, 1)
    result = env.pam("lwt-erin", code, "weak", "weak", NEW, NEW)
    assert result.ok(), result
    assert "ERROR_MSG: The new password was refused by this system's password rules" in result.out, result.out
    assert not chpasswd_refuses_once.exists(), "chpasswd's service was asked"
    assert env.pam("lwt-erin", NEW).ok() and not env.pam("lwt-erin", "weak").ok()


def test_a_gecos_with_line_breaks_cannot_add_a_header_to_the_reset_mail(env, smtp):
    configure(env, smtp, mail_password_reset_subject="Reset for {full_name}")
    # usermod refuses control characters: the hostile GECOS goes straight into /etc/passwd.
    with open("/etc/passwd") as handle:
        original = handle.read()
    hostile = original.replace(":Test lwt-dave:", ":Dave\rBcc victim@evil.example\r:")
    assert hostile != original
    with open("/etc/passwd", "w") as handle:
        handle.write(hostile)
    try:
        env.cli("password", "reset", "lwt-dave", check=True)
        messages = smtp.wait_for(1)
        assert [m["to"] for m in messages] == [["lwt-dave@clinic.example"]], messages
        headers = messages[0]["raw"].split(b"\r\n\r\n", 1)[0]
        assert not any(line.lower().startswith(b"bcc") for line in headers.split(b"\r\n")), headers
        assert messages[0]["message"]["Subject"].startswith("Reset for Dave"), headers
    finally:
        with open("/etc/passwd", "w") as handle:
            handle.write(original)
