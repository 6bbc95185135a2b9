"""Fixtures for the real-PAM integration tests.

Everything here is real: libpam with service files in a private directory
(pam_start_confdir), pam_unix with users made by useradd, the release build of the
core loaded by the PAM module, the lockwarden CLI, and a syslog listener on /dev/log
so the module's log lines can be asserted. Tests run as root.
"""
import json
import os
import pwd
import shutil
import socket
import stat
import subprocess
import tempfile
import threading
import time

import pytest
import select

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
BUILD = os.path.join(ROOT, "build")
DRIVER = os.path.join(BUILD, "lw_pamdrive")
DLOPEN_CHECK = os.path.join(BUILD, "lw_dlopen_check")
MODULE = os.path.join(BUILD, "pam_lockwarden_test.so")
MODULE_NOCORE = os.path.join(BUILD, "pam_lockwarden_nocore.so")
PRODUCTION_MODULE = os.path.join(BUILD, "pam_lockwarden.so")
CORE = os.path.join(BUILD, "core", "liblockwarden_core.so")
CLI = os.path.join(ROOT, ".build", "release", "lockwarden")

# Lockwarden trusts configuration only along a root-owned path that others cannot write, so
# test files live here rather than in /tmp.
TEST_BASE = "/run/lockwarden-tests"

PASSWORD = "Correct-Horse-7"
WRONG = "wrong-password"
USERS = ["lwt-alice", "lwt-bob", "lwt-carol", "lwt-dave", "lwt-erin", "lwt-frank"]

# The stack the README documents for login-like services, pointing at the test build.
STANDARD_STACK = """\
auth     requisite                  {module} preauth {args}
auth     [success=1 default=ignore] pam_unix.so nodelay
auth     [success=ok default=die]   {module} authfail {args}
auth     sufficient                 {module} authsucc {args}
auth     required                   pam_deny.so
account  required                   {module} {args}
account  required                   pam_unix.so
password requisite                  {module} {args}
password [success=ok default=die]   pam_unix.so
password required                   {module} changed {args}
"""


def pytest_configure(config):
    if os.geteuid() != 0:
        pytest.exit("the integration tests need root (real users, /etc/shadow, /dev/log)", returncode=2)
    for path in (DRIVER, MODULE, MODULE_NOCORE, CORE, CLI):
        if not os.path.exists(path):
            pytest.exit(f"missing build artefact {path}: run 'make test'", returncode=2)


class SyslogListener:
    """Binds /dev/log for the test session and keeps every datagram."""

    PATH = "/dev/log"

    def __init__(self):
        self.lines = []
        self.lock = threading.Lock()
        self.saved = None
        if os.path.exists(self.PATH):
            if self._is_live():
                self.saved = self.PATH + ".lockwarden-tests"
                os.rename(self.PATH, self.saved)
            else:
                os.unlink(self.PATH)
        self.sock = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
        self.sock.bind(self.PATH)
        os.chmod(self.PATH, 0o666)
        self.thread = threading.Thread(target=self._run, daemon=True)
        self.running = True
        self.thread.start()

    def _is_live(self):
        probe = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
        try:
            probe.connect(self.PATH)
            return True
        except OSError:
            return False
        finally:
            probe.close()

    def _run(self):
        self.sock.settimeout(0.2)
        while self.running:
            try:
                data = self.sock.recv(65536)
            except socket.timeout:
                continue
            except OSError:
                break
            with self.lock:
                self.lines.append(data.decode("utf-8", "replace"))

    def mark(self):
        with self.lock:
            return len(self.lines)

    def since(self, mark, settle=0.3):
        time.sleep(settle)
        with self.lock:
            return self.lines[mark:]

    def close(self):
        self.running = False
        self.thread.join(timeout=2)
        self.sock.close()
        try:
            os.unlink(self.PATH)
        except FileNotFoundError:
            pass
        if self.saved:
            os.rename(self.saved, self.PATH)


@pytest.fixture
def smtp():
    """An SMTP listener on 127.0.0.1 that keeps every message (smtp_sink.py)."""
    from smtp_sink import SmtpSink
    sink = SmtpSink()
    yield sink
    sink.close()


@pytest.fixture(scope="session")
def syslog():
    listener = SyslogListener()
    yield listener
    listener.close()


@pytest.fixture(scope="session")
def users():
    """Real local users with a known password, removed afterwards."""
    for name in USERS:
        subprocess.run(["userdel", "-f", name], capture_output=True)
        subprocess.run(["useradd", "-M", "-s", "/bin/sh", "-c", f"Test {name}", name], check=True)
    subprocess.run(["chpasswd"], input="".join(f"{n}:{PASSWORD}\n" for n in USERS), text=True, check=True)
    yield USERS
    for name in USERS:
        subprocess.run(["userdel", "-f", name], capture_output=True)


class Environment:
    """A private state directory, configuration and PAM service directory."""

    def __init__(self, base):
        self.base = base
        os.chmod(base, 0o755)
        self.state_dir = os.path.join(base, "state")
        os.mkdir(self.state_dir, 0o700)
        self.db = os.path.join(self.state_dir, "lockwarden.db")
        self.conf = os.path.join(base, "lockwarden.conf")
        self.confdir = os.path.join(base, "pam.d")
        os.mkdir(self.confdir, 0o755)

    def configure(self, **settings):
        lines = [f"db = {self.db}"] + [f"{key} = {value}" for key, value in settings.items()]
        with open(self.conf, "w") as handle:
            handle.write("\n".join(lines) + "\n")
        os.chmod(self.conf, 0o644)
        if not os.path.exists(self.db):
            self.cli("init", check=True)

    def service(self, name="lw-test", stack=STANDARD_STACK, module=MODULE, args=""):
        text = stack.format(module=module, args=f"conf={self.conf} {args}".strip())
        with open(os.path.join(self.confdir, name), "w") as handle:
            handle.write(text)
        return name

    def pam(self, user, *answers, ops="auth", service="lw-test", rhost="198.51.100.7", tty="pts/3",
            extra=(), as_user=None):
        command = [DRIVER, "--confdir", self.confdir, "--service", service, "--user", user,
                   "--rhost", rhost, "--tty", tty, "--ops", ops]
        for answer in answers:
            command += ["--answer", answer]
        command += list(extra)
        if as_user:
            command = ["setpriv", f"--reuid={as_user}", f"--regid={as_user}", "--clear-groups"] + command
        result = subprocess.run(command, capture_output=True, text=True, timeout=120)
        return PamResult(result)

    def cli(self, *arguments, check=False):
        # As root itself: sudo's variables (if the suite runs under sudo) would make it an owner.
        clean = {key: value for key, value in os.environ.items() if not key.startswith("SUDO_")}
        result = subprocess.run([CLI, "--conf", self.conf, *arguments] if arguments and arguments[0] != "--help"
                                else [CLI, *arguments], capture_output=True, text=True, timeout=60, env=clean)
        if check and result.returncode != 0:
            raise AssertionError(f"lockwarden {' '.join(arguments)} failed: {result.stdout}{result.stderr}")
        return result

    def show(self, user):
        result = self.cli("show", user, "--json", check=True)
        return json.loads(result.stdout)

    def events(self, *arguments):
        result = self.cli("log", *arguments, "--json", check=True)
        return json.loads(result.stdout)


class PamResult:
    def __init__(self, completed):
        self.code = completed.returncode
        self.out = completed.stdout
        self.err = completed.stderr
        self.results = {}
        for line in completed.stdout.splitlines():
            op, _, rest = line.partition(": ")
            if op in ("auth", "acct", "chauthtok", "setcred", "open", "close"):
                self.results.setdefault(op, []).append(rest)

    def last(self, op):
        return self.results.get(op, [""])[-1]

    def ok(self, op="auth"):
        return self.last(op).endswith("(0)")

    def prompts(self):
        return [line for line in self.out.splitlines() if line.startswith(("PROMPT_", "ERROR_MSG", "TEXT_INFO"))]

    def __repr__(self):
        return f"PamResult(code={self.code}, out={self.out!r}, err={self.err!r})"


def test_directory(prefix="it-"):
    """A fresh directory (0755, root's) under TEST_BASE."""
    os.makedirs(TEST_BASE, mode=0o755, exist_ok=True)
    os.chmod(TEST_BASE, 0o755)
    base = tempfile.mkdtemp(prefix=prefix, dir=TEST_BASE)
    os.chmod(base, 0o755)
    return base


@pytest.fixture
def clinics(users):
    """Two clinics: lwt-bob owns north (lwt-alice), lwt-dave owns south (lwt-carol). Yields
    their configuration sections."""
    groups = {"lwt-north-staff": ["lwt-alice"], "lwt-north-owners": ["lwt-bob"],
              "lwt-south-staff": ["lwt-carol"], "lwt-south-owners": ["lwt-dave"]}
    for group, members in groups.items():
        subprocess.run(["groupadd", "-f", group], check=True)
        for member in members:
            subprocess.run(["usermod", "-aG", group, member], check=True)
    yield ("[clinic north]\nmembers = @lwt-north-staff\nowners = @lwt-north-owners\n"
           "[clinic south]\nmembers = @lwt-south-staff\nowners = @lwt-south-owners\n")
    for group in groups:
        subprocess.run(["groupdel", group], capture_output=True)


_trusted_cli = []


def trusted_cli():
    """The CLI at a trusted path, for notify_program: the checkout may live anywhere, /tmp too,
    and Lockwarden runs only programs along root-owned paths that nobody else can write."""
    if not _trusted_cli:
        directory = os.path.join(TEST_BASE, "bin")
        os.makedirs(directory, mode=0o755, exist_ok=True)
        os.chmod(directory, 0o755)
        target = os.path.join(directory, "lockwarden")
        shutil.copyfile(CLI, target + ".new")
        os.chmod(target + ".new", 0o755)
        os.rename(target + ".new", target)
        _trusted_cli.append(target)
    return _trusted_cli[0]


INSTALLED_CONF = "/etc/security/lockwarden.conf"


@pytest.fixture
def installed_conf():
    """Under sudo the CLI reads only the installed configuration. Yields a function that puts a
    test's configuration there; the machine's own file (or its absence) is restored after."""
    saved = None
    if os.path.exists(INSTALLED_CONF):
        with open(INSTALLED_CONF, "rb") as handle:
            saved = (handle.read(), stat.S_IMODE(os.stat(INSTALLED_CONF).st_mode))

    def install(environment):
        os.makedirs(os.path.dirname(INSTALLED_CONF), mode=0o755, exist_ok=True)
        shutil.copyfile(environment.conf, INSTALLED_CONF + ".lockwarden-test")
        os.chmod(INSTALLED_CONF + ".lockwarden-test", 0o644)
        os.rename(INSTALLED_CONF + ".lockwarden-test", INSTALLED_CONF)

    try:
        yield install
    finally:
        if saved is None:
            if os.path.exists(INSTALLED_CONF):
                os.unlink(INSTALLED_CONF)
        else:
            with open(INSTALLED_CONF, "wb") as handle:
                handle.write(saved[0])
            os.chmod(INSTALLED_CONF, saved[1])


@pytest.fixture
def env(users, syslog):
    base = test_directory()
    environment = Environment(base)
    yield environment
    shutil.rmtree(base, ignore_errors=True)


def read_until(process, prompt, timeout=30):
    """What an unbuffered child printed up to and including `prompt` (a prompt has no newline)."""
    seen = b""
    deadline = time.time() + timeout
    while prompt.encode() not in seen and time.time() < deadline:
        ready, _, _ = select.select([process.stdout], [], [], max(0.0, deadline - time.time()))
        if not ready:
            break
        chunk = os.read(process.stdout.fileno(), 65536)
        if not chunk:
            break
        seen += chunk
    text = seen.decode("utf-8", "replace")
    assert prompt in text, f"no {prompt!r} within {timeout} s: {text!r}"
    return text
