"""The Debian package: lintian, then apt-get install in a disposable root (an overlay of this
machine's root in a private mount namespace, thrown away after the test, so the machine's own
/etc/pam.d is never touched), pam-auth-update --enable, the resulting common-auth stack driven
with real users, then remove and purge."""
import glob
import os
import subprocess
import tempfile

import pytest

from conftest import BUILD, DRIVER, PASSWORD, WRONG

PROFILES = ["lockwarden", "lockwarden-authfail", "lockwarden-authsucc"]


def package():
    debs = sorted(glob.glob(os.path.join(BUILD, "lockwarden_*.deb")))
    assert debs, "no package: run 'make deb'"
    return debs[-1]


class DisposableRoot:
    """This machine's / as the lower layer of an overlay whose upper layer is a tmpfs, with
    /proc, /dev and /sys, inside a mount namespace held open by one process."""

    def __init__(self):
        self.base = tempfile.mkdtemp(prefix="lw-root-", dir="/run")
        self.root = os.path.join(self.base, "root")
        script = f"""set -e
mount -t tmpfs tmpfs {self.base}
mkdir {self.base}/upper {self.base}/work {self.root}
mount -t overlay overlay -o lowerdir=/,upperdir={self.base}/upper,workdir={self.base}/work {self.root}
mount -t proc proc {self.root}/proc
mount --rbind /dev {self.root}/dev
mount --rbind /sys {self.root}/sys
mount -t tmpfs tmpfs {self.root}/run
mount -t tmpfs tmpfs {self.root}/tmp
echo ready
exec sleep 3600
"""
        self.holder = subprocess.Popen(["unshare", "--mount", "--propagation", "private", "sh", "-c", script],
                                       stdout=subprocess.PIPE, text=True)
        line = self.holder.stdout.readline()
        assert line.strip() == "ready", line

    def run(self, command, check=True, timeout=600):
        environment = {"PATH": "/usr/sbin:/usr/bin:/sbin:/bin", "DEBIAN_FRONTEND": "noninteractive", "LANG": "C"}
        result = subprocess.run(["nsenter", "-t", str(self.holder.pid), "-m", "chroot", self.root, "sh", "-c", command],
                                capture_output=True, text=True, timeout=timeout, env=environment)
        if check:
            assert result.returncode == 0, f"{command}\n{result.stdout}{result.stderr}"
        return result

    def read(self, path):
        return self.run(f"cat {path}").stdout

    def close(self):
        self.holder.kill()
        self.holder.wait(timeout=10)
        os.rmdir(self.base)


@pytest.fixture
def disposable_root(users):
    root = DisposableRoot()
    try:
        yield root
    finally:
        root.close()


def test_lintian_reports_no_errors():
    result = subprocess.run(["lintian", "--fail-on", "error", "--tag-display-limit", "0", package()],
                            capture_output=True, text=True, timeout=600)
    assert result.returncode == 0, result.stdout + result.stderr
    assert not [line for line in result.stdout.splitlines() if line.startswith("E:")], result.stdout


def login(root, user, password):
    result = root.run(f"{DRIVER} --confdir /etc/pam.d --service lwt-package --user {user} --rhost 198.51.100.9 "
                      f"--tty pts/5 --ops auth,acct --answer '{password}'", check=False)
    return "auth: Success (0)" in result.stdout and "acct: Success (0)" in result.stdout


def test_install_enable_lock_unlock_remove_purge(disposable_root):
    root = disposable_root
    # Like a fresh machine: no Lockwarden files from earlier tests or installs in this root.
    root.run("rm -rf /etc/security/lockwarden.conf /var/lib/lockwarden /usr/lib/lockwarden /usr/sbin/lockwarden "
             "/usr/lib/*/security/pam_lockwarden.so /etc/systemd/system/lockwarden-notify.*")
    original = {name: root.read(f"/etc/pam.d/{name}") for name in ("common-auth", "common-account", "common-password")}
    # The package is installed with apt-get, from the file; the machine's packages satisfy it.
    root.run(f"apt-get install -y -q {package()}")
    assert root.run("stat -c '%a %U' /var/lib/lockwarden /var/lib/lockwarden/lockwarden.db").stdout.split() == \
        ["700", "root", "600", "root"]
    assert root.run("stat -c '%a %U' /usr/lib/lockwarden/lockwarden-helper").stdout.split() == ["4755", "root"]
    assert root.run("man -w pam_lockwarden lockwarden lockwarden.conf").stdout.count("/usr/share/man/") == 3
    # Default: no - installing changed nothing.
    for name, text in original.items():
        assert root.read(f"/etc/pam.d/{name}") == text, name

    root.run("pam-auth-update --enable " + " ".join(PROFILES))
    auth = root.read("/etc/pam.d/common-auth")
    rules = [line for line in auth.splitlines() if line.strip() and not line.startswith("#")]

    def where(text):
        return next(i for i, rule in enumerate(rules) if text in rule)
    # preauth before pam_unix, authfail after it, then the fallback deny, and authsucc last.
    assert where("preauth") < where("pam_unix.so") < where("authfail") < where("pam_deny.so") < where("authsucc"), auth
    assert "pam_lockwarden.so" in root.read("/etc/pam.d/common-account")
    assert "pam_lockwarden.so changed" in root.read("/etc/pam.d/common-password")
    doctor = root.run("lockwarden doctor", check=False)
    assert "problem:" not in doctor.stdout, doctor.stdout
    assert "login" in next(line for line in doctor.stdout.splitlines() if "services using" in line), doctor.stdout

    # A service that includes the common stacks, as login, su and the display managers do.
    root.run("printf '@include common-auth\\n@include common-account\\n@include common-password\\n' "
             "> /etc/pam.d/lwt-package")
    assert login(root, "lwt-carol", PASSWORD)
    for _ in range(5):  # the shipped default: deny = 5
        assert not login(root, "lwt-carol", WRONG)
    assert '"locked" : true' in root.run("lockwarden show lwt-carol --json").stdout.replace('":', '" :')
    assert not login(root, "lwt-carol", PASSWORD)
    root.run("lockwarden unlock lwt-carol")
    assert login(root, "lwt-carol", PASSWORD)

    root.run("apt-get remove -y -q lockwarden")
    for name, text in original.items():
        assert root.read(f"/etc/pam.d/{name}") == text, name
    assert root.run("test -e /var/lib/lockwarden/lockwarden.db", check=False).returncode == 0  # remove keeps state
    root.run("apt-get purge -y -q lockwarden")
    for path in ("/var/lib/lockwarden", "/etc/security/lockwarden.conf", "/usr/lib/lockwarden"):
        assert root.run(f"test -e {path}", check=False).returncode != 0, path
    assert login(root, "lwt-carol", PASSWORD)
