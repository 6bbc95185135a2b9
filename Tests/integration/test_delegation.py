"""Clinic owners unlock their own staff through sudo, and only them; PIN-confirmed unlock."""
import os
import re
import subprocess

import pytest

from conftest import CLI, PASSWORD, WRONG

SUDOERS = "/etc/sudoers.d/lockwarden-tests"


@pytest.fixture
def sudo_for_owners(env, installed_conf):
    """The sudoers line the README documents; the test's configuration is the installed one."""
    env.install = lambda: installed_conf(env)
    prefix = CLI
    commands = ", ".join([f"{prefix} list", f"{prefix} log"]
                         + [f"{prefix} {verb} *" for verb in ("list", "show", "unlock", "log", "lock", "password reset")])
    with open(SUDOERS, "w") as handle:
        handle.write(f"%lwt-north-owners ALL=(root) NOPASSWD: {commands}\n"
                     f"%lwt-south-owners ALL=(root) NOPASSWD: {commands}\n")
    os.chmod(SUDOERS, 0o440)
    check = subprocess.run(["visudo", "-c", "-f", SUDOERS], capture_output=True, text=True)
    assert check.returncode == 0, check.stdout + check.stderr
    yield
    os.unlink(SUDOERS)


def as_owner(env, owner, *arguments):
    """lockwarden through sudo, with the test's configuration installed (sudo allows no --conf)."""
    env.install()
    command = ["runuser", "-u", owner, "--", "sudo", "-n", CLI, *arguments]
    return subprocess.run(command, capture_output=True, text=True, timeout=60)


def lock(env, user):
    for _ in range(3):
        assert not env.pam(user, WRONG).ok()
    assert env.show(user)["locked"] is True


def test_an_owner_unlocks_a_member_of_their_clinic_through_sudo(env, clinics, sudo_for_owners):
    env.configure(deny=3, unlock_time=0)
    with open(env.conf, "a") as handle:
        handle.write(clinics)
    env.service()
    lock(env, "lwt-alice")
    result = as_owner(env, "lwt-bob", "unlock", "lwt-alice")
    assert result.returncode == 0, result
    state = env.show("lwt-alice")
    assert state["locked"] is False and state["unlocked_by"].startswith("lwt-bob"), state
    assert env.pam("lwt-alice", PASSWORD).ok()
    listing = as_owner(env, "lwt-bob", "list")
    assert listing.returncode == 0 and "lwt-carol" not in listing.stdout, listing


def test_an_owner_is_refused_outside_their_clinics_and_each_refusal_is_an_event(env, clinics, sudo_for_owners):
    env.configure(deny=3, unlock_time=0)
    with open(env.conf, "a") as handle:
        handle.write(clinics)
    env.service()
    lock(env, "lwt-carol")
    refused = as_owner(env, "lwt-bob", "unlock", "lwt-carol")
    assert refused.returncode == 5, refused
    assert "lwt-bob" in refused.stderr and "lwt-carol" in refused.stderr
    assert env.show("lwt-carol")["locked"] is True
    shown = as_owner(env, "lwt-bob", "show", "lwt-carol")
    assert shown.returncode == 5, shown
    locked = as_owner(env, "lwt-bob", "lock", "lwt-alice", "--reason", "x")
    assert locked.returncode == 5, "owners may not lock"
    refusals = env.events("--action", "Access refused")
    assert len(refusals) == 3, refusals
    assert all(r["actor"].startswith("lwt-bob") for r in refusals)
    # The other clinic's owner may.
    assert as_owner(env, "lwt-dave", "unlock", "lwt-carol").returncode == 0


def test_an_owner_has_a_reset_code_mailed_to_their_member_not_to_themselves(env, clinics, sudo_for_owners, smtp):
    """"Staff credentials can be reset by their Account Owner": the code goes to the member."""
    env.configure(deny=3, unlock_time=0, user_email="{user}@clinic.example", mail_command=smtp.mail_command())
    with open(env.conf, "a") as handle:
        handle.write(clinics)
    env.service()
    result = as_owner(env, "lwt-bob", "password", "reset", "lwt-alice")
    assert result.returncode == 0, result
    messages = smtp.wait_for(1)
    assert [m["to"] for m in messages] == [["lwt-alice@clinic.example"]], messages
    assert messages[0]["message"]["Subject"] == "Reset your password"
    assert "by lwt-bob (uid" in messages[0]["message"].get_content()
    requested = env.events("lwt-alice", "--action", "Password reset requested")
    assert len(requested) == 1 and requested[0]["actor"].startswith("lwt-bob (uid"), requested
    # Outside their clinics: refused, an event, and no mail.
    refused = as_owner(env, "lwt-bob", "password", "reset", "lwt-carol")
    assert refused.returncode == 5, refused
    assert len(smtp.wait_for(2, timeout=2)) == 1


def test_without_root_the_cli_refuses(env):
    env.configure(deny=3)
    result = subprocess.run(["runuser", "-u", "lwt-bob", "--", CLI, "--conf", env.conf, "unlock", "lwt-alice"],
                            capture_output=True, text=True)
    assert result.returncode == 4, result


def pin_from(message):
    match = re.search(r"^\s*(\d{6})\s*$", message["message"].get_content(), re.M)
    assert match, message["message"].get_content()
    return match.group(1)


def test_pin_confirmed_unlock_through_a_real_mail_path(env, smtp):
    env.configure(deny=3, unlock_time=0, unlock_pin="yes", admin_email="it@clinic.example",
                  mail_command=smtp.mail_command(), notify_on_lock="no")
    env.service()
    lock(env, "lwt-erin")
    first = subprocess.run([CLI, "--conf", env.conf, "unlock", "lwt-erin"], input="", capture_output=True, text=True)
    assert "it@clinic.example" in first.stdout, first
    assert env.show("lwt-erin")["locked"] is True
    messages = smtp.wait_for(1)
    assert [m["to"] for m in messages] == [["it@clinic.example"]]
    assert messages[0]["message"]["Subject"] == "User Account Unlock"
    pin = pin_from(messages[0])
    assert "Unlock PIN sent" in [e["action"] for e in env.events("lwt-erin")]

    wrong = "000000" if pin != "000000" else "111111"
    failed = env.cli("unlock", "lwt-erin", "--pin", wrong)
    assert failed.returncode == 1 and env.show("lwt-erin")["locked"] is True, failed
    assert len(env.events("lwt-erin", "--action", "Account unlock failed")) == 1

    right = env.cli("unlock", "lwt-erin", "--pin", pin)
    assert right.returncode == 0, right
    assert env.show("lwt-erin")["locked"] is False
    assert env.show("lwt-erin")["unlocked_by"].startswith("root")

    lock(env, "lwt-erin")
    reused = env.cli("unlock", "lwt-erin", "--pin", pin)
    assert reused.returncode == 1 and env.show("lwt-erin")["locked"] is True, reused


def test_an_expired_or_superseded_pin_fails(env, smtp):
    env.configure(deny=3, unlock_time=0, unlock_pin="yes", admin_email="it@clinic.example",
                  mail_command=smtp.mail_command(), notify_on_lock="no")
    env.service()
    lock(env, "lwt-frank")
    subprocess.run([CLI, "--conf", env.conf, "unlock", "lwt-frank"], input="", capture_output=True, text=True)
    subprocess.run([CLI, "--conf", env.conf, "unlock", "lwt-frank"], input="", capture_output=True, text=True)
    messages = smtp.wait_for(2)
    older, newer = pin_from(messages[0]), pin_from(messages[1])
    if older != newer:
        assert env.cli("unlock", "lwt-frank", "--pin", older).returncode == 1, "only the latest PIN is valid"
    subprocess.run(["sqlite3", "-cmd", ".timeout 5000", env.db, "UPDATE unlock_pins SET expires_at = 0"], check=True)
    expired = env.cli("unlock", "lwt-frank", "--pin", newer)
    assert expired.returncode == 1 and env.show("lwt-frank")["locked"] is True, expired
    details = [e["detail"] for e in env.events("lwt-frank", "--action", "Account unlock failed")]
    assert any("expired" in d for d in details), details
