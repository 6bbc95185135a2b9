"""No copy of a secret is left in a login process once the core is done with it: a wrong
password the core asked for and threw away, and a wrong backup code it checked. The driver
gets each secret hex-encoded and decodes it only for PAM's response (which the module clears),
so a plain copy in the process's memory is one the core left; gcore dumps that memory."""
import os
import secrets
import subprocess

from conftest import DRIVER, read_until

TOTP_STACK = "auth required {module} totp {args}\n"
PREAUTH_STACK = "auth requisite {module} preauth {args}\n"


def memory_after_login(env, tmp_path, user, service, answers):
    """Runs one authentication, dumps the driver's memory while it waits, lets it finish."""
    command = [DRIVER, "--confdir", env.confdir, "--service", service, "--user", user, "--rhost", "198.51.100.7",
               "--tty", "pts/3", "--ops", "auth,wait"]
    for answer in answers:
        command += ["--answer-hex", answer.encode().hex()]
    process = subprocess.Popen(command, stdin=subprocess.PIPE, stdout=subprocess.PIPE)
    try:
        shown = read_until(process, "wait: ready")
        prefix = str(tmp_path / "login")
        dump = subprocess.run(["gcore", "-o", prefix, str(process.pid)], capture_output=True, text=True, timeout=120)
        assert dump.returncode == 0, dump.stderr
        with open(f"{prefix}.{process.pid}", "rb") as handle:
            memory = handle.read()
        os.unlink(f"{prefix}.{process.pid}")
        process.stdin.write(b"\n")
        process.stdin.flush()
        process.wait(timeout=60)
        return shown, memory
    finally:
        process.kill()
        process.wait()


def test_a_refused_password_leaves_no_copy_in_the_login_process(env, tmp_path):
    env.configure(deny=3)
    env.service(name="lw-preauth", stack=PREAUTH_STACK)
    env.cli("lock", "lwt-alice", "--reason", "wipe check", check=True)
    # Long enough for an allocation size that the rest of the call is unlikely to reuse: a copy
    # left behind stays in the freed memory where the dump finds it.
    password = "Lw-wipe-" + secrets.token_hex(100)
    shown, memory = memory_after_login(env, tmp_path, "lwt-alice", "lw-preauth", [password])
    assert "PROMPT_ECHO_OFF: Password: " in shown and "auth: Authentication failure (7)" in shown, shown
    # The dump is of the right process and readable: the hex form in argv is there.
    assert password.encode().hex().encode() in memory
    assert password.encode() not in memory


def test_a_wrong_backup_code_leaves_no_copy_in_the_login_process(env, tmp_path):
    env.configure(deny=10, totp="required")
    env.service(name="lw-totp", stack=TOTP_STACK)
    env.cli("mfa", "enroll", "lwt-bob", "--no-confirm", "--force", "--json", check=True)
    alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567"
    code = "".join(secrets.choice(alphabet) for _ in range(10))
    typed = code[:5] + "-" + code[5:]
    shown, memory = memory_after_login(env, tmp_path, "lwt-bob", "lw-totp", [typed])
    assert "PROMPT_ECHO_OFF: Verification code: " in shown and "auth: Authentication failure (7)" in shown, shown
    events = env.events("lwt-bob")
    assert any(event["action"] == "Login failed" and event["detail"].endswith("wrong backup code")
               for event in events), events
    assert typed.encode().hex().encode() in memory
    assert typed.encode() not in memory
    assert code.encode() not in memory, "the normalized copy"
