"""Attacks on an installed system, each as an attacker would try it, and why each now fails."""
import os
import pty
import pwd
import re
import shutil
import signal
import sqlite3
import subprocess
import tempfile
import threading
import time

import pytest

from conftest import CLI, DRIVER, WRONG, trusted_cli
from smtp_sink import SmtpSink

SUDOERS = "/etc/sudoers.d/lockwarden-security-tests"
# The README's sudoers line for clinic owners.
README_COMMANDS = [f"{CLI} list", f"{CLI} list *", f"{CLI} show *", f"{CLI} unlock *", f"{CLI} log", f"{CLI} log *"]


@pytest.fixture
def owners(clinics):
    """The clinics' configuration; the test's sudoers file is removed after."""
    yield clinics
    if os.path.exists(SUDOERS):
        os.unlink(SUDOERS)


def allow_sudo(lines):
    with open(SUDOERS, "w") as handle:
        handle.write("".join(line + "\n" for line in lines))
    os.chmod(SUDOERS, 0o440)
    check = subprocess.run(["visudo", "-c", "-f", SUDOERS], capture_output=True, text=True)
    assert check.returncode == 0, check.stdout + check.stderr


def as_user(user, *command, **options):
    return subprocess.run(["runuser", "-u", user, "--", *command], capture_output=True, text=True, timeout=60,
                          **options)


def lock(env, user, times=3):
    for _ in range(times):
        assert not env.pam(user, WRONG).ok()
    assert env.show(user)["locked"] is True


def test_an_owner_cannot_become_root_through_proc_self_cmdline(env, owners, installed_conf):
    """Finding 1: --conf=$D/../../proc/self/cmdline, with configuration lines in $D's name."""
    env.configure(deny=3, unlock_time=0, unlock_pin="yes", admin_email="it@clinic.example")
    with open(env.conf, "a") as handle:
        handle.write(owners)
    installed_conf(env)
    env.service()
    lock(env, "lwt-carol")
    allow_sudo([f"%lwt-north-owners ALL=(root) NOPASSWD: {', '.join(README_COMMANDS)}"])
    proof = "/var/tmp/lockwarden-pwned"
    if os.path.exists(proof):
        os.unlink(proof)
    hostile = f"\nadmin_group = lwt-north-owners\nmail_command = /usr/bin/touch {proof}\nunlock_pin = yes\n"
    directory = "/tmp/" + hostile.replace("/", "_")
    os.mkdir(directory)
    try:
        attack = f"--conf={directory}/../../proc/self/cmdline"
        refused = as_user("lwt-bob", "sudo", "-n", CLI, "unlock", "lwt-carol", attack)
        assert refused.returncode == 5, refused
        assert "--conf is refused under sudo" in refused.stderr, refused
        # Root itself may name a file, but not this one.
        as_root = subprocess.run([CLI, "unlock", "lwt-carol", attack], capture_output=True, text=True)
        assert as_root.returncode == 1 and "configuration refused" in as_root.stderr, as_root
        direct = subprocess.run([CLI, "--conf", "/proc/self/cmdline", "unlock", "lwt-carol"],
                                capture_output=True, text=True)
        assert direct.returncode == 1 and "/proc, /sys or /dev" in direct.stderr, direct
        time.sleep(0.5)
        assert not os.path.exists(proof), "the injected mail_command ran"
        assert env.show("lwt-carol")["locked"] is True
        refusals = env.events("lwt-carol", "--action", "Access refused") + env.events("--action", "Access refused")
        assert any(r["actor"].startswith("lwt-bob") for r in refusals), refusals
    finally:
        os.rmdir(directory)
        if os.path.exists(proof):
            os.unlink(proof)


def test_a_flipping_symlinked_directory_is_never_admitted(env, owners, syslog):
    """Finding 3: a directory link flipped between the real configuration and the attacker's."""
    env.configure(deny=3)
    race = tempfile.mkdtemp(prefix="lwt-race-")
    os.chmod(race, 0o755)
    evil = os.path.join(race, "evil")
    os.mkdir(evil)
    with open(os.path.join(evil, "lockwarden.conf"), "w") as handle:
        handle.write(f"db = {env.db}\ndeny = 1000\n")
    os.chown(evil, pwd_uid("lwt-bob"), -1)
    os.chown(os.path.join(evil, "lockwarden.conf"), pwd_uid("lwt-bob"), -1)
    link = os.path.join(race, "l")
    os.chown(race, pwd_uid("lwt-bob"), -1)
    stop = threading.Event()
    trusted = os.path.dirname(env.conf)

    def flip():
        while not stop.is_set():
            for target in (trusted, evil):
                try:
                    os.symlink(target, link + ".new")
                    os.rename(link + ".new", link)
                except OSError:
                    pass

    flipper = threading.Thread(target=flip, daemon=True)
    flipper.start()
    path = os.path.join(link, "lockwarden.conf")
    env.service(name="lw-race", stack="auth requisite {module} preauth conf=" + path + "\nauth required pam_permit.so\n",
                args="")
    try:
        for _ in range(60):
            shown = subprocess.run([CLI, "--conf", path, "show", "lwt-alice"], capture_output=True, text=True)
            assert shown.returncode == 1 and "configuration refused" in shown.stderr, shown
            login = env.pam("lwt-alice", ops="auth", service="lw-race")
            assert not login.ok(), login
    finally:
        stop.set()
        flipper.join(timeout=5)
        shutil.rmtree(race, ignore_errors=True)


def pwd_uid(name):
    return pwd.getpwnam(name).pw_uid


def setuid_driver(env):
    """A root-owned set-uid copy of the driver, standing in for su: its real uid is the caller's."""
    copy = os.path.join(env.base, "lw_pamdrive_setuid")
    shutil.copy(DRIVER, copy)
    os.chown(copy, 0, 0)
    os.chmod(copy, 0o4755)
    return copy


def in_core_as_root(pid, host):
    """The set-uid host itself (not setpriv before it drops to the caller and execs it) with
    real, effective and saved uid 0: inside a core call."""
    try:
        return os.readlink(f"/proc/{pid}/exe") == os.path.realpath(host) and uids(pid) == ["0", "0", "0", "0"]
    except OSError:
        return False


def uids(pid):
    with open(f"/proc/{pid}/status") as handle:
        for line in handle:
            if line.startswith("Uid:"):
                return line.split()[1:]
    return []


def process_state(pid):
    with open(f"/proc/{pid}/stat") as handle:
        return handle.read().rsplit(")", 1)[1].split()[0]


def wait_until(predicate, timeout=15):
    deadline = time.time() + timeout
    while time.time() < deadline:
        if predicate():
            return True
        time.sleep(0.02)
    return False


def lock_held_while_bob_fails(env):
    """A set-uid host for an authfail-only service, and a writer holding the database's lock
    (as a slow login would), so that bob's failure waits inside the core."""
    env.configure(deny=50, busy_timeout=100, record_timeout=20000)
    env.service(name="lw-suid", stack="auth [default=die] {module} authfail {args}\n")
    host = setuid_driver(env)
    before = env.show("lwt-bob")["consecutive_failures"]
    holder = sqlite3.connect(env.db, timeout=1, isolation_level=None)
    holder.execute("BEGIN IMMEDIATE")
    return host, str(pwd_uid("lwt-bob")), before, holder


def test_the_caller_cannot_stop_or_kill_a_set_uid_host_inside_the_core(env):
    """Finding 2: SIGSTOP from the calling user while the set-uid host is in a transaction."""
    host, bob, before, holder = lock_held_while_bob_fails(env)
    attempt = None
    try:
        attempt = subprocess.Popen(
            ["setpriv", f"--reuid={bob}", f"--regid={bob}", "--clear-groups", host, "--confdir", env.confdir,
             "--service", "lw-suid", "--user", "lwt-bob", "--ops", "auth"],
            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
        # Inside the core call the real and saved uid are 0 as well as the effective one. setpriv,
        # which runs as root until it switches to bob and execs the host, must not count.
        assert wait_until(lambda: in_core_as_root(attempt.pid, host)), uids(attempt.pid)
        for name in ("STOP", "KILL"):
            sent = as_user("lwt-bob", "kill", f"-{name}", str(attempt.pid))
            assert sent.returncode != 0 and "not permitted" in sent.stderr, sent
        assert process_state(attempt.pid) != "T" and attempt.poll() is None
    finally:
        holder.execute("ROLLBACK")
        holder.close()
    out, _ = attempt.communicate(timeout=30)
    assert "auth: Authentication failure" in out, out
    assert env.show("lwt-bob")["consecutive_failures"] == before + 1


def test_ctrl_z_inside_the_core_stops_the_host_only_after_the_lock_is_released(env):
    """Finding 2: the terminal's SIGTSTP needs no permission, so it waits until the call is over."""
    host, bob, before, holder = lock_held_while_bob_fails(env)
    pid, terminal = pty.fork()
    if pid == 0:
        os.execvp("setpriv", ["setpriv", f"--reuid={bob}", f"--regid={bob}", "--clear-groups",
                              "/bin/bash", "--norc", "--noprofile", "-i"])
    released = False
    try:
        os.write(terminal, (f"{host} --confdir {env.confdir} --service lw-suid --user lwt-bob --ops auth\n").encode())
        found = []

        def in_core():
            listed = subprocess.run(["pgrep", "-f", "-x", f"{host} .*"], capture_output=True, text=True).stdout.split()
            found[:] = listed
            return bool(listed) and uids(listed[0]) == ["0", "0", "0", "0"]

        assert wait_until(in_core), found
        driver = int(found[0])
        os.write(terminal, b"\x1a")  # Ctrl-Z
        time.sleep(0.5)
        assert process_state(driver) != "T", "stopped while holding or waiting for the write lock"
        holder.execute("ROLLBACK")
        released = True
        assert wait_until(lambda: process_state(driver) == "T"), process_state(driver)
        # Stopped, but after its transaction: the failure is counted and others log in as usual.
        assert env.show("lwt-bob")["consecutive_failures"] == before + 1
        other = env.pam("lwt-alice", WRONG, ops="auth", service="lw-suid")
        assert not other.ok() and "Authentication failure" in other.last("auth"), other
        assert env.show("lwt-alice")["consecutive_failures"] >= 1
        os.write(terminal, b"fg\n")
        assert wait_until(lambda: not os.path.exists(f"/proc/{driver}") or process_state(driver) == "Z")
    finally:
        if not released:
            holder.execute("ROLLBACK")
        holder.close()
        os.write(terminal, b"exit\n")
        if not wait_until(lambda: os.waitpid(pid, os.WNOHANG)[0] != 0, timeout=5):
            os.kill(pid, signal.SIGKILL)
            os.waitpid(pid, 0)
        os.close(terminal)


def test_sudo_variables_set_by_the_caller_make_nobody_root(env, owners, installed_conf):
    """Finding 4: a sudoers rule tagged SETENV lets the caller choose SUDO_UID and SUDO_USER."""
    env.configure(deny=3, unlock_time=0)
    with open(env.conf, "a") as handle:
        handle.write(owners)
    installed_conf(env)
    env.service()
    lock(env, "lwt-carol")
    allow_sudo([f"lwt-bob ALL=(root) NOPASSWD:SETENV: {CLI} show *, {CLI} unlock *"])
    for claimed in (["SUDO_UID=0", "SUDO_USER=root"], ["SUDO_UID=", "SUDO_USER="],
                    [f"SUDO_UID={pwd_uid('lwt-dave')}", "SUDO_USER=lwt-dave"]):
        refused = as_user("lwt-bob", "sudo", "-n", *claimed, CLI, "unlock", "lwt-carol")
        assert refused.returncode == 5 and "cannot be identified" in refused.stderr, (claimed, refused)
        assert env.show("lwt-carol")["locked"] is True


@pytest.fixture
def smtp():
    sink = SmtpSink()
    yield sink
    sink.close()


def recorder(env):
    """A mail command that records its descriptors, working directory and environment."""
    script = os.path.join(env.base, "record-mail")
    record = os.path.join(env.base, "mail-record")
    with open(script, "w") as handle:
        handle.write("#!/usr/bin/python3\nimport os, sys\nsys.stdin.read()\n"
                     "fds = sorted(int(n) for n in os.listdir('/proc/self/fd'))\n"
                     "links = [os.readlink(f'/proc/self/fd/{n}') for n in fds if os.path.exists(f'/proc/self/fd/{n}')]\n"
                     f"with open({record!r}, 'w') as out:\n"
                     "    out.write(repr((links, os.getcwd(), open('/proc/self/environ', 'rb').read())))\n")
    os.chmod(script, 0o755)
    return script, record


def test_the_mail_command_gets_no_host_descriptor_directory_or_environment(env, syslog):
    """Findings 5 and 6: a lock reached through a set-uid host mails at once, and cleanly."""
    script, record = recorder(env)
    env.configure(deny=3, user_email="{user}@clinic.example", mail_command=script, notify_program=trusted_cli())
    env.service(name="lw-suid", stack="auth [default=die] {module} authfail {args}\n")
    host = setuid_driver(env)
    bob = str(pwd_uid("lwt-bob"))
    marker = os.path.join(env.base, "host-secret")
    with open(marker, "w") as handle:
        handle.write("x")
    leaked = os.open(marker, os.O_RDONLY)  # inherited: no close-on-exec, as a careless host leaves it
    os.set_inheritable(leaked, True)
    mark = syslog.mark()
    for _ in range(3):
        subprocess.run(["setpriv", f"--reuid={bob}", f"--regid={bob}", "--clear-groups", host, "--confdir",
                        env.confdir, "--service", "lw-suid", "--user", "lwt-bob", "--ops", "auth"],
                       cwd="/run/lockwarden-tests", pass_fds=(leaked,), capture_output=True, timeout=60,
                       env={"PATH": "/usr/bin:/bin", "HOME": "/nonexistent"})
    os.close(leaked)
    assert wait_until(lambda: os.path.exists(record), timeout=20), syslog.since(mark)
    links, cwd, environment = eval(open(record).read())
    assert marker not in links, links
    # The mail itself on a pipe, /dev/null for the rest, and nothing of the host.
    assert len(links) == 3 and links[0].startswith("pipe:") and links[1:] == ["/dev/null", "/dev/null"], links
    assert cwd == "/"
    assert environment == b"PATH=/usr/sbin:/usr/bin:/sbin:/bin\x00", environment
    refusals = [e for e in env.events("--action", "Access refused")]
    assert refusals == [], refusals


def pin_from(message):
    match = re.search(r"^\s*(\d{6})\s*$", message["message"].get_content(), re.M)
    assert match, message["message"].get_content()
    return match.group(1)


def request_pin(env):
    return subprocess.run([CLI, "--conf", env.conf, "unlock", "lwt-alice"], input="", capture_output=True, text=True)


def test_pin_requests_and_wrong_pins_are_limited_per_hour(env, smtp):
    """Finding 7: each new PIN used to bring five fresh tries."""
    env.configure(deny=3, unlock_time=0, unlock_pin="yes", admin_email="it@clinic.example",
                  mail_command=smtp.mail_command(), notify_on_lock="no", pin_requests_per_hour=2,
                  pin_failures_per_hour=3)
    env.service()
    lock(env, "lwt-alice")
    assert "mailed" in request_pin(env).stdout
    assert "mailed" in request_pin(env).stdout
    third = request_pin(env)
    assert third.returncode == 1 and "no PIN sent: 2 PIN requests by this administrator" in third.stderr, third
    messages = smtp.wait_for(3, timeout=3)
    assert len(messages) == 2, messages
    pin = pin_from(messages[1])
    wrong = "000000" if pin != "000000" else "111111"
    for _ in range(3):
        assert env.cli("unlock", "lwt-alice", "--pin", wrong).returncode == 1
    right = env.cli("unlock", "lwt-alice", "--pin", pin)
    assert right.returncode == 1 and "PIN not checked: 3 wrong PINs" in right.stderr, right
    assert env.show("lwt-alice")["locked"] is True
    details = [e["detail"] for e in env.events("lwt-alice", "--action", "Account unlock failed")]
    assert details == ["no PIN sent: 2 PIN requests by this administrator in the last hour"] + ["wrong PIN"] * 3 + [
        "PIN not checked: 3 wrong PINs by this administrator in the last hour"], details


def test_no_pin_text_is_left_in_the_database_after_delivery(env, smtp):
    """Finding 8: the outbox kept 'unlock-pin|...|925928' after sending."""
    env.configure(deny=3, unlock_time=0, unlock_pin="yes", admin_email="it@clinic.example",
                  mail_command=smtp.mail_command(), notify_on_lock="no")
    env.service()
    lock(env, "lwt-alice")
    assert "mailed" in request_pin(env).stdout
    pin = pin_from(smtp.wait_for(1)[0]).encode()
    contents = b""
    for suffix in ("", "-wal"):
        if os.path.exists(env.db + suffix):
            with open(env.db + suffix, "rb") as handle:
                contents += handle.read()
    assert contents and pin not in contents
    outbox = subprocess.run(["sqlite3", env.db, "SELECT count(*) FROM outbox"], capture_output=True, text=True)
    assert outbox.stdout.strip() == "0"
    assert env.cli("unlock", "lwt-alice", "--pin", pin.decode()).returncode == 0


def test_a_gecos_holding_placeholders_is_mailed_as_written(env, smtp):
    """Finding 9: placeholders were replaced one after another, so {pin} in a GECOS expanded."""
    env.configure(deny=3, unlock_time=0, unlock_pin="yes", admin_email="it@clinic.example",
                  mail_command=smtp.mail_command(), notify_on_lock="no")
    env.service()
    # Every other placeholder too: whichever order values were once replaced in, one would expand.
    subprocess.run(["usermod", "-c", "Mallory {pin} {host} {user}", "lwt-alice"], check=True)
    try:
        lock(env, "lwt-alice")
        request_pin(env)
        request_pin(env)
        for message in smtp.wait_for(2):
            body = message["message"].get_content()
            assert "Mallory {pin} {host} {user} (lwt-alice)" in body, body
            assert body.count(pin_from(message)) == 1, body
    finally:
        subprocess.run(["usermod", "-c", "Test lwt-alice", "lwt-alice"], check=True)


def test_a_flood_of_failures_leaves_the_last_lock_and_unlock_in_the_log(env):
    """Finding 9: 100,000 failures rolled the bounded log over, erasing locks and unlocks."""
    env.configure(deny=3, unlock_time=0, max_events=100)
    env.service()
    lock(env, "lwt-alice")
    assert env.cli("unlock", "lwt-alice").returncode == 0
    env.service(name="lw-flood", stack="auth [default=die] {module} authfail {args}\n")
    flood = env.pam("lwt-nobody-flood", ops="auth", service="lw-flood", extra=["--repeat", "400"])
    assert flood.code == 1
    actions = [e["action"] for e in env.events("lwt-alice")]
    assert "Account locked" in actions and "Account unlocked" in actions, actions
    total = subprocess.run(["sqlite3", env.db, "SELECT count(*) FROM events WHERE action LIKE 'Login failed%'"],
                           capture_output=True, text=True)
    assert int(total.stdout) <= 100 + 64, total.stdout
