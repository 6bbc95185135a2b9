"""The lockwarden CLI run for real: outputs, exit codes, escaping, enrollment."""
import json
import pwd
import re
import subprocess

from conftest import CLI, PASSWORD, WRONG, read_until
from qrdecode import decode_qr_text


def test_non_root_is_refused_before_anything_is_read(env):
    env.configure(deny=3)
    result = subprocess.run(["setpriv", "--reuid=65534", "--regid=65534", "--clear-groups", CLI, "--conf",
                             env.conf, "list"], capture_output=True, text=True)
    assert result.returncode == 4, result
    assert "must be run as root" in result.stderr


def test_exit_codes_for_unknown_users_and_bad_arguments(env):
    env.configure(deny=3)
    assert env.cli("show", "lwt-no-such-user").returncode == 3
    assert env.cli("lock", "lwt-no-such-user", "--reason", "x").returncode == 3
    bad = env.cli("log", "--action", "Not an action")
    assert bad.returncode == 64 and "Account locked" in bad.stderr + bad.stdout


def test_lock_show_unlock_as_administrators_see_it(env):
    env.configure(deny=3)
    env.service()
    locked = env.cli("lock", "lwt-alice", "--reason", "Left the clinic")
    assert locked.returncode == 0, locked
    shown = env.cli("show", "lwt-alice", check=True).stdout
    assert re.search(r"Locked Date\s*:?\s+\d{4}-\d\d-\d\d \d\d:\d\d:\d\d", shown), shown
    assert re.search(r"Lock Reason\s*:?\s+Left the clinic", shown), shown
    assert not env.pam("lwt-alice", PASSWORD).ok()
    assert "lwt-alice" in env.cli("list", "--locked", check=True).stdout
    env.cli("unlock", "lwt-alice", check=True)
    shown = env.cli("show", "lwt-alice", check=True).stdout
    assert re.search(r"Unlocked by\s*:?\s+root", shown), shown
    assert "Left the clinic" not in shown
    assert env.pam("lwt-alice", PASSWORD).ok()
    log = env.cli("log", "lwt-alice", check=True).stdout
    assert "Account locked" in log and "Account unlocked" in log


def test_administrative_events_are_syslog_lines_too(env, syslog):
    """The README's promise: every event of the activity log is also one syslog line, the
    CLI's included, with the acting administrator."""
    env.configure(deny=3, unlock_pin="no")
    mark = syslog.mark()
    env.cli("lock", "lwt-alice", "--reason", "Left the clinic", check=True)
    env.cli("unlock", "lwt-alice", check=True)
    env.cli("user", "set-email", "lwt-alice", "alice@clinic.example", check=True)
    uid = pwd.getpwnam("lwt-alice").pw_uid
    raw = [line for line in syslog.since(mark) if re.search(r"lockwarden\[\d+\]: ", line)]
    lines = [line.split(": ", 1)[1] for line in raw]
    origin = f"user=lwt-alice uid={uid} service=lockwarden rhost= tty="
    assert len(lines) == 2, lines
    assert lines[0].startswith("Account locked: " + origin) and "actor=root (uid 0) (" in lines[0], lines
    assert lines[1].startswith("Account unlocked: " + origin) and lines[1].endswith("actor=root (uid 0)"), lines
    assert raw[0].startswith("<84>") and raw[1].startswith("<86>"), raw  # authpriv.warning, authpriv.info


def test_hostile_names_and_hosts_are_escaped_everywhere(env, syslog):
    env.configure(deny=1)
    env.service()
    hostile_user = "evil\x1b]0;pwned\x07\r\nroot"
    hostile_host = "198.51.100.1\x1b[2J%n%s"
    mark = syslog.mark()
    env.pam(hostile_user, WRONG, rhost=hostile_host)
    raw = [line for line in syslog.since(mark) if ("\x1b" in line or "\r" in line)]
    lines = [line for line in syslog.since(mark, settle=0) if "pam_lockwarden" in line]
    assert lines and not any("\x1b" in line or "\r" in line or "\x07" in line for line in lines), lines
    # Only other modules (pam_unix logs the name as it came) may write raw bytes.
    assert all("pam_lockwarden" not in line for line in raw), raw
    assert any("\\x1B]0;pwned" in line for line in lines), lines
    for arguments in (("list",), ("list", "--json"), ("log",), ("log", "--json")):
        output = env.cli(*arguments, check=True).stdout
        assert "\x1b" not in output and "\x07" not in output and "\r" not in output, arguments
    events = env.events()
    assert any(e["rhost"].startswith("198.51.100.1\\x1B[2J%n%s") for e in events), events


def test_enroll_confirms_with_a_code_and_the_qr_code_decodes_to_the_uri(env):
    env.configure(deny=3, totp="required")
    first = env.cli("mfa", "enroll", "lwt-erin", "--no-confirm", "--json", check=True)
    secret = json.loads(first.stdout)["secret"]
    again = env.cli("mfa", "enroll", "lwt-erin")
    assert again.returncode == 1, "an enrolled user is not replaced without --force"

    process = subprocess.Popen([CLI, "--conf", env.conf, "mfa", "enroll", "lwt-frank", "--force"],
                               stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE, bufsize=0)
    # The code is computed from the key the command prints, so read up to its prompt first.
    output = read_until(process, "Verification code")
    key = re.search(r"Secret:\s*([A-Z2-7]+)", output).group(1)
    code = subprocess.run(["oathtool", "--totp", "-b", key], capture_output=True, text=True, check=True).stdout
    rest, err = process.communicate(code.encode(), timeout=30)
    assert process.returncode == 0, output + rest.decode() + err.decode()
    uri = re.search(r"URI:\s*(otpauth://\S+)", output).group(1)
    assert decode_qr_text(output) == uri
    status = json.loads(env.cli("mfa", "status", "lwt-frank", "--json", check=True).stdout)
    assert status["enrolled"] is True and status["backup_codes_left"] == 10
    assert env.show("lwt-frank")["mfa_enrolled"] is True
    assert secret not in env.cli("log", "--json", check=True).stdout, "secrets are never logged"
