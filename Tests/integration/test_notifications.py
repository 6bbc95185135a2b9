"""Lock notifications through a real mail path: lockwarden notify → msmtp → SMTP on 127.0.0.1."""
import re
import subprocess
import time

import pytest

from conftest import DRIVER, WRONG, trusted_cli


@pytest.fixture
def clinic(users):
    subprocess.run(["groupadd", "-f", "lwt-north-staff"], check=True)
    subprocess.run(["groupadd", "-f", "lwt-north-owners"], check=True)
    subprocess.run(["usermod", "-aG", "lwt-north-staff", "lwt-alice"], check=True)
    subprocess.run(["usermod", "-aG", "lwt-north-owners", "lwt-bob"], check=True)
    subprocess.run(["usermod", "-c", "Alice Martin", "lwt-alice"], check=True)
    yield "[clinic north]\nmembers = @lwt-north-staff\nowners = @lwt-north-owners\n"
    subprocess.run(["usermod", "-c", "Test lwt-alice", "lwt-alice"], check=True)
    for group in ("lwt-north-staff", "lwt-north-owners"):
        subprocess.run(["groupdel", group], capture_output=True)


def configure(env, smtp_command, clinic_text="", **settings):
    env.configure(deny=3, unlock_time=600, user_email="{user}@clinic.example", mail_command=smtp_command,
                  notify_program=trusted_cli(), **settings)
    if clinic_text:
        with open(env.conf, "a") as handle:
            handle.write(clinic_text)
    env.service()


def sql(env, statement):
    result = subprocess.run(["sqlite3", "-cmd", ".timeout 5000", env.db, statement], capture_output=True,
                            text=True, check=True)
    return result.stdout.strip()


def lock(env, user):
    for _ in range(3):
        assert not env.pam(user, WRONG).ok()


def test_a_lock_mails_the_user_and_the_clinic_owners(env, smtp, clinic):
    configure(env, smtp.mail_command(), clinic)
    env.cli("user", "set-email", "lwt-bob", "owner.bob@clinic.example", check=True)
    lock(env, "lwt-alice")
    messages = smtp.wait_for(2)
    assert len(messages) == 2, messages
    by_recipient = {m["to"][0]: m["message"] for m in messages}
    to_user = by_recipient["lwt-alice@clinic.example"]
    assert to_user["Subject"] == "Account Locked"
    assert "too many login attempts" in to_user.get_content()
    assert "contact your administrator" in to_user.get_content()
    to_owner = by_recipient["owner.bob@clinic.example"]
    assert to_owner["Subject"] == "User Account Locked"
    assert "Alice Martin" in to_owner.get_content()
    assert "verify with the employee before reactivating" in to_owner.get_content()


def test_nothing_is_lost_when_the_mail_command_fails(env, smtp):
    configure(env, "/bin/false")
    lock(env, "lwt-carol")
    # The module started a sender at once; wait until its attempt has failed.
    for _ in range(200):
        row = sql(env, "SELECT count(*), sum(attempts), max(last_error IS NOT NULL) FROM outbox WHERE sent_at IS NULL")
        if row == "1|1|1":
            break
        time.sleep(0.05)
    assert row == "1|1|1", row
    # Delivery works again once the mail path does; retries wait, so make the mail due now.
    configure(env, smtp.mail_command())
    sql(env, "UPDATE outbox SET next_attempt_at = 0")
    sent = env.cli("notify")
    assert sent.returncode == 0, sent
    messages = smtp.wait_for(1)
    assert [m["to"] for m in messages] == [["lwt-carol@clinic.example"]]
    assert "Sent 1" in sent.stdout


def test_a_gecos_with_line_breaks_cannot_add_a_header(env, smtp, clinic):
    configure(env, smtp.mail_command(), clinic)
    env.cli("user", "set-email", "lwt-bob", "owner.bob@clinic.example", check=True)
    # usermod refuses control characters; write the hostile GECOS straight into /etc/passwd
    # (a colon would end the field, so the attempt uses a carriage return).
    with open("/etc/passwd") as handle:
        original = handle.read()
    hostile = original.replace(":Alice Martin:", ":Alice\rBcc victim@evil.example\r:")
    assert hostile != original
    with open("/etc/passwd", "w") as handle:
        handle.write(hostile)
    try:
        lock(env, "lwt-alice")
        messages = smtp.wait_for(2)
    finally:
        with open("/etc/passwd", "w") as handle:
            handle.write(original)
    assert len(messages) == 2, messages
    for entry in messages:
        assert all("evil.example" not in recipient for recipient in entry["to"])
        headers = entry["raw"].split(b"\r\n\r\n", 1)[0].split(b"\n\n", 1)[0]
        assert b"Bcc" not in headers and b"evil.example" not in headers, headers
    owner = [m for m in messages if m["to"] == ["owner.bob@clinic.example"]][0]
    assert "Alice\\x0DBcc victim@evil.example\\x0D (lwt-alice)" in owner["message"].get_content()


def test_a_second_factor_reset_is_mailed_to_the_user(env, smtp):
    configure(env, smtp.mail_command(), totp="required")
    env.cli("mfa", "enroll", "lwt-dave", "--no-confirm", "--json", check=True)
    env.cli("mfa", "reset", "lwt-dave", check=True)
    messages = smtp.wait_for(1)
    assert [m["to"] for m in messages] == [["lwt-dave@clinic.example"]]
    assert messages[0]["message"]["Subject"] == "Two-factor authentication reset"
    assert "reset by root" in messages[0]["message"].get_content()


def test_no_user_or_group_lookup_happens_under_the_write_lock(env, smtp, clinic):
    # NSS may be LDAP: a lock's mails are resolved after its commit, not while every other
    # login waits for the write lock (SQLite's WAL write lock: byte 120 of the -shm file).
    configure(env, smtp.mail_command(), clinic)
    env.service(name="lw-lockmail", stack="auth [default=die] {module} authfail {args}\n")
    command = [DRIVER, "--confdir", env.confdir, "--service", "lw-lockmail", "--user", "lwt-alice", "--ops", "auth"]
    for _ in range(2):
        subprocess.run(command, capture_output=True, timeout=60)
    trace = env.base + "/lock.trace"
    subprocess.run(["strace", "-f", "-o", trace, "-e", "trace=openat,fcntl"] + command, capture_output=True, timeout=60)
    held, lookups_under_lock, lookups = set(), [], []
    for line in open(trace):
        pid = line.split(" ", 1)[0]
        if "F_SETLK" in line and "l_start=120" in line and line.rstrip().endswith("= 0"):
            if "F_WRLCK" in line:
                held.add(pid)
            else:
                held.discard(pid)
        elif "openat(" in line and re.search(r'"/etc/(passwd|group)"', line):
            lookups.append(line)
            if pid in held:
                lookups_under_lock.append(line)
    assert env.show("lwt-alice")["locked"] is True
    assert lookups, "the trace saw no lookup at all"
    assert lookups_under_lock == [], lookups_under_lock
    messages = smtp.wait_for(2)
    assert sorted(m["to"][0] for m in messages) == ["lwt-alice@clinic.example", "lwt-bob@clinic.example"]


def test_a_second_lockout_in_a_row_mail_says_a_new_password_is_needed_and_how(env, smtp):
    """"A user locked twice in a row is advised to reset the password once the account is active again."""
    env.configure(deny=2, unlock_time=1, lockouts_before_action=2, lockout_action="require-password-change",
                  user_email="{user}@clinic.example", mail_command=smtp.mail_command(), notify_program=trusted_cli())
    env.service()
    for _ in range(2):
        assert not env.pam("lwt-carol", WRONG).ok()
    first = smtp.wait_for(1)
    time.sleep(2)
    for _ in range(2):
        assert not env.pam("lwt-carol", WRONG).ok()
    messages = smtp.wait_for(2)
    assert [m["message"]["Subject"] for m in messages] == ["Account Locked", "Account Locked"], messages
    assert "password change will be required" not in first[0]["message"].get_content()
    second = messages[1]["message"].get_content()
    assert "locked 2 times in a row" in second and "password change will be required" in second, second
    assert "password reset code (lockwarden password reset)" in second, second
