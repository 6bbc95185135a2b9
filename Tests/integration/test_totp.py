"""TOTP through real libpam and pam_unix, with oathtool as the independent implementation."""
import json
import re
import subprocess
import time

from qrdecode import decode_qr_text

from conftest import DRIVER, PASSWORD, WRONG, read_until

TOTP_STACK = """\
auth     requisite                          {module} preauth {args}
auth     [success=1 default=ignore]         pam_unix.so nodelay
auth     [success=ok default=die]           {module} authfail {args}
auth     [success=ok ignore=ignore default=die] {module} totp {args}
auth     sufficient                         {module} authsucc {args}
auth     required                           pam_deny.so
account  required                           {module} {args}
account  required                           pam_unix.so
"""


def oathtool(secret, algorithm="sha1", digits=6):
    command = ["oathtool", "--totp" if algorithm == "sha1" else f"--totp={algorithm}", f"--digits={digits}",
               "-b", secret]
    return subprocess.run(command, capture_output=True, text=True, check=True).stdout.strip()


def fresh_code(secret, **kwargs):
    """A code with at least 3 seconds left in its step, so the test does not race a step change."""
    for _ in range(5):
        if time.time() % 30 < 27:
            break
        time.sleep(1)
    return oathtool(secret, **kwargs)


def enroll(env, user):
    result = env.cli("mfa", "enroll", user, "--no-confirm", "--force", "--json", check=True)
    return json.loads(result.stdout)


def configure_totp(env, **settings):
    defaults = {"deny": 3, "unlock_time": 600, "totp": "required"}
    defaults.update(settings)
    env.configure(**defaults)
    env.service(stack=TOTP_STACK)


def test_password_and_oathtool_code_log_in_and_a_replay_is_refused(env, syslog):
    configure_totp(env)
    enrollment = enroll(env, "lwt-alice")
    code = fresh_code(enrollment["secret"])
    result = env.pam("lwt-alice", PASSWORD, code, ops="auth,acct")
    assert result.ok("auth") and result.ok("acct"), result
    assert result.prompts() == ["PROMPT_ECHO_OFF: Password: ", "PROMPT_ECHO_OFF: Verification code: "]

    mark = syslog.mark()
    replay = env.pam("lwt-alice", PASSWORD, code)
    assert not replay.ok(), replay
    assert any("Login failed: user=lwt-alice" in line and "replayed code" in line for line in syslog.since(mark))
    details = [e["detail"] for e in env.events("lwt-alice", "--action", "Login failed")]
    assert any("replayed code" in detail for detail in details), details


def test_sha256_eight_digit_codes_interoperate(env):
    configure_totp(env, totp_algorithm="sha256", totp_digits=8)
    enrollment = enroll(env, "lwt-bob")
    assert "algorithm=SHA256" in enrollment["uri"] and "digits=8" in enrollment["uri"]
    code = fresh_code(enrollment["secret"], algorithm="sha256", digits=8)
    assert len(code) == 8
    assert env.pam("lwt-bob", PASSWORD, code).ok()


def test_wrong_codes_count_as_failures_and_lock(env):
    configure_totp(env)
    enroll(env, "lwt-carol")
    for attempt in range(3):
        result = env.pam("lwt-carol", PASSWORD, "000000" if attempt else "12345x")
        assert not result.ok(), result
    state = env.show("lwt-carol")
    assert state["locked"] is True, state
    details = [e["detail"] for e in env.events("lwt-carol", "--action", "Login failed")]
    assert any("malformed code" in d for d in details) and any("wrong code" in d for d in details), details


def test_a_wrong_password_and_a_wrong_code_look_the_same(env):
    configure_totp(env, deny=10)
    enrollment = enroll(env, "lwt-dave")
    wrong_password = env.pam("lwt-dave", WRONG, "123456")
    wrong_code = env.pam("lwt-dave", PASSWORD, "123456")
    unknown_user = env.pam("lwt-no-such-user", WRONG, "123456")
    assert wrong_password.prompts() == wrong_code.prompts() == unknown_user.prompts()
    assert wrong_password.last("auth") == wrong_code.last("auth") == unknown_user.last("auth")
    assert env.pam("lwt-dave", PASSWORD, fresh_code(enrollment["secret"])).ok()


def test_success_with_the_code_resets_the_shared_counter(env):
    configure_totp(env)
    enrollment = enroll(env, "lwt-erin")
    env.pam("lwt-erin", WRONG, "000000")
    env.pam("lwt-erin", PASSWORD, "000000")
    assert env.show("lwt-erin")["failures"] == 2
    assert env.pam("lwt-erin", PASSWORD, fresh_code(enrollment["secret"])).ok()
    assert env.show("lwt-erin")["failures"] == 0


def test_backup_codes_work_once(env):
    configure_totp(env)
    enrollment = enroll(env, "lwt-frank")
    backup = enrollment["backup_codes"][0]
    used = env.pam("lwt-frank", PASSWORD, backup.lower())
    assert used.ok(), used
    assert "Backup code used" in [e["action"] for e in env.events("lwt-frank")]
    assert not env.pam("lwt-frank", PASSWORD, backup).ok()
    assert env.pam("lwt-frank", PASSWORD, enrollment["backup_codes"][1]).ok()


def test_optional_mode_ignores_users_without_a_secret(env):
    configure_totp(env, totp="optional")
    assert env.pam("lwt-alice", PASSWORD).ok()
    enrollment = enroll(env, "lwt-alice")
    assert not env.pam("lwt-alice", PASSWORD).ok(), "an enrolled user must give a code"
    assert env.pam("lwt-alice", PASSWORD, fresh_code(enrollment["secret"])).ok()


def test_reset_then_enrollment_at_next_login(env):
    configure_totp(env)
    old = enroll(env, "lwt-bob")
    # No address: the administrator hands the device authorization code over.
    reset = env.cli("mfa", "reset", "lwt-bob", "--show-code", check=True).stdout
    code = re.search(r"Device authorization code for lwt-bob \(valid 15 minutes, once\): (\d{8})$", reset, re.M).group(1)
    assert "MFA reset" in [e["action"] for e in env.events("lwt-bob")]
    assert code not in env.cli("log", "--json", check=True).stdout, "the code is never logged"

    driver = subprocess.Popen(
        [DRIVER, "--confdir", env.confdir, "--service", "lw-test", "--user", "lwt-bob", "--ops", "auth",
         "--answer", PASSWORD, "--answer", code, "--stdin-answers"],
        stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE, bufsize=0)
    try:
        shown = read_until(driver, "PROMPT_ECHO_OFF: Verification code: ")
        key = re.search(r"Key: ([A-Z2-7]+)", shown).group(1)
        uri = re.search(r"URI: (otpauth://\S+)", shown).group(1)
        assert f"secret={key}&" in uri and "issuer=" in uri
        picture = shown.split("TEXT_INFO: ")[2]
        assert decode_qr_text(picture.rstrip("\n")) == uri
        driver.stdin.write((fresh_code(key) + "\n\n").encode())
        out, err = (part.decode("utf-8", "replace") for part in driver.communicate(timeout=60))
    finally:
        if driver.poll() is None:
            driver.kill()
    assert "auth: Success (0)" in out, shown + out + err
    assert "Backup codes" in out and "PROMPT_ECHO_ON: Press Enter" in out
    assert "MFA enrolled" in [e["action"] for e in env.events("lwt-bob")]
    status = json.loads(env.cli("mfa", "status", "lwt-bob", "--json", check=True).stdout)
    record = status[0] if isinstance(status, list) else status
    assert record["enrolled"] is True and record["reenroll_required"] is False
    # The old secret no longer works.
    assert not env.pam("lwt-bob", PASSWORD, fresh_code(old["secret"])).ok()


def test_reenrollment_inside_the_conversation(env):
    configure_totp(env, reenroll_verification="none")
    enroll(env, "lwt-carol")
    env.cli("mfa", "reset", "lwt-carol", check=True)
    first = env.pam("lwt-carol", PASSWORD)
    assert not first.ok()
    match = re.search(r"Key: ([A-Z2-7]+)", first.out)
    assert match, first
    uri = re.search(r"URI: (otpauth://\S+)", first.out).group(1)
    assert f"secret={match.group(1)}" in uri, first
    assert decode_qr_text(first.out) == uri, "the QR code shown is the URI"
    # The secret shown by an abandoned enrollment was never stored: a new one comes next time.
    second = env.pam("lwt-carol", PASSWORD, "000000")
    new_secret = re.search(r"Key: ([A-Z2-7]+)", second.out).group(1)
    assert new_secret != match.group(1)
    assert not second.ok()
    assert env.show("lwt-carol")["locked"] is False


def test_concurrent_logins_with_one_code_let_exactly_one_in(env):
    configure_totp(env, deny=20)
    enrollment = enroll(env, "lwt-dave")
    code = fresh_code(enrollment["secret"])
    command = [DRIVER, "--confdir", env.confdir, "--service", "lw-test", "--user", "lwt-dave", "--ops", "auth",
               "--answer", PASSWORD, "--answer", code]
    racers = [subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True) for _ in range(6)]
    outcomes = [racer.communicate(timeout=120)[0] for racer in racers]
    winners = [out for out in outcomes if "auth: Success (0)" in out]
    assert len(winners) == 1, outcomes
    details = [e["detail"] for e in env.events("lwt-dave", "--action", "Login failed")]
    assert sum("replayed code" in d for d in details) == 5, details
