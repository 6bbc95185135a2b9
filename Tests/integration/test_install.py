"""The real installation as the README's install command makes it: the package installed with
apt-get (`make install-package`, whose postinst creates the database), `doctor`, the installed
module driven by pamtester through /etc/pam.d, and `apt-get purge`.

It changes the system, so it runs only in CI (CI=true) or with LOCKWARDEN_TEST_INSTALL=1.
"""
import os
import stat
import subprocess

import pytest

from conftest import PASSWORD, ROOT, WRONG

pytestmark = pytest.mark.skipif(
    not (os.environ.get("CI") == "true" or os.environ.get("LOCKWARDEN_TEST_INSTALL") == "1"),
    reason="changes the system: set LOCKWARDEN_TEST_INSTALL=1 (CI sets CI=true)")

SERVICE = "/etc/pam.d/lockwarden-install-test"
STATE = "/var/lib/lockwarden"


def run(*command, check=True):
    result = subprocess.run(command, capture_output=True, text=True, cwd=ROOT, timeout=600)
    if check:
        assert result.returncode == 0, result.stdout + result.stderr
    return result


def mode(path):
    info = os.lstat(path)
    return stat.S_IMODE(info.st_mode), info.st_uid


def test_install_doctor_pamtester_uninstall(users):
    run("make", "-s", "install-package")
    assert mode(STATE) == (0o700, 0)
    assert mode(STATE + "/lockwarden.db") == (0o600, 0)
    multiarch = run("gcc", "-print-multiarch").stdout.strip()
    module = f"/usr/lib/{multiarch}/security/pam_lockwarden.so"
    assert mode(module)[1] == 0 and mode("/usr/lib/lockwarden/liblockwarden_core.so")[1] == 0
    # The core's own SQLite, which the core loads (from beside itself) only when a login needs it.
    assert mode("/usr/lib/lockwarden/liblockwarden_sqlite.so") == (0o644, 0)
    assert mode("/usr/lib/lockwarden/lockwarden-helper") == (0o4755, 0)
    assert run("man", "-w", "pam_lockwarden").stdout.startswith("/usr/share/man/man8/")
    doctor = run("/usr/sbin/lockwarden", "doctor", check=False)
    assert "problem:" not in doctor.stdout, doctor.stdout
    assert doctor.returncode == 0, doctor.stdout + doctor.stderr

    with open(SERVICE, "w") as handle:
        handle.write(
            "auth     requisite                pam_lockwarden.so preauth deny=2\n"
            "auth     [success=1 default=ignore] pam_unix.so nodelay\n"
            "auth     [success=ok default=die] pam_lockwarden.so authfail deny=2\n"
            "auth     sufficient               pam_lockwarden.so authsucc deny=2\n"
            "auth     required                 pam_deny.so\n"
            "account  required                 pam_lockwarden.so\n"
            "account  required                 pam_unix.so\n")
    try:
        user = "lwt-erin"
        subprocess.run(["/usr/sbin/lockwarden", "unlock", user], capture_output=True)
        ok = subprocess.run(["pamtester", "lockwarden-install-test", user, "authenticate", "acct_mgmt"],
                            input=PASSWORD + "\n", capture_output=True, text=True)
        assert ok.returncode == 0, ok.stdout + ok.stderr
        for _ in range(2):
            bad = subprocess.run(["pamtester", "lockwarden-install-test", user, "authenticate"],
                                 input=WRONG + "\n", capture_output=True, text=True)
            assert bad.returncode != 0
        locked = subprocess.run(["pamtester", "lockwarden-install-test", user, "authenticate"],
                                input=PASSWORD + "\n", capture_output=True, text=True)
        assert locked.returncode != 0, locked.stdout + locked.stderr
        listing = run("/usr/sbin/lockwarden", "list", "--locked")
        assert user in listing.stdout
        doctor = run("/usr/sbin/lockwarden", "doctor", check=False)
        assert "lockwarden-install-test" in doctor.stdout, doctor.stdout
        run("/usr/sbin/lockwarden", "unlock", user)
        again = subprocess.run(["pamtester", "lockwarden-install-test", user, "authenticate"],
                               input=PASSWORD + "\n", capture_output=True, text=True)
        assert again.returncode == 0, again.stdout + again.stderr
    finally:
        os.unlink(SERVICE)
        run("apt-get", "remove", "-y", "-qq", "lockwarden")
    assert not os.path.exists(module)
    assert not os.path.exists("/usr/lib/lockwarden/liblockwarden_sqlite.so")
    assert os.path.exists(STATE + "/lockwarden.db"), "remove keeps the database"
    run("apt-get", "purge", "-y", "-qq", "lockwarden")
    assert not os.path.exists(STATE) and not os.path.exists("/etc/security/lockwarden.conf")
