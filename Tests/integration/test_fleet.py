"""A fleet of three hosts sharing one lock state through a real PostgreSQL (fleet_cluster.py):
host ha on the true clock, hb five minutes ahead, hc five minutes behind, each agent in its own
network namespace. Logins use the real PAM stack with pam_unix on each host."""
import base64
import hashlib
import json
import pwd
import signal
import subprocess

import pytest

from conftest import PASSWORD, WRONG
from fleet_cluster import Fleet, wait_until
from test_totp import fresh_code

EXEMPT_GROUP = "lwt-fleet-exempt"
# unlock_time equals the clocks' skew: a host that applied the lock on its own clock without
# the database's would see it as already over (hb) or as lasting twice as long (hc).
SETTINGS = {"deny": 5, "unlock_time": 300, "fail_interval": 900, "exempt_group": EXEMPT_GROUP,
            "notify_on_lock": "yes", "mail_command": "/bin/false", "totp": "optional"}


def run_quietly(command):
    subprocess.run(command, capture_output=True)


@pytest.fixture(scope="module")
def fleet(users, syslog):
    run_quietly(["groupadd", "-f", EXEMPT_GROUP])
    run_quietly(["usermod", "-aG", EXEMPT_GROUP, "lwt-carol"])
    cluster = Fleet(SETTINGS)
    yield cluster
    cluster.close()
    run_quietly(["groupdel", EXEMPT_GROUP])


def locked_everywhere(fleet, user, locked=True):
    return all(host.show(user)["locked"] == locked for host in fleet.hosts)


def drained(fleet):
    return all(host.outbox_empty() for host in fleet.hosts)


def test_failures_on_two_hosts_lock_all_three_and_an_unlock_anywhere_lifts_it(fleet):
    a, b, c = fleet.hosts
    user = "lwt-alice"
    for host in fleet.hosts:
        host.cli("user", "set-email", user, "alice@example.org")
    for _ in range(2):
        assert not a.login(user, WRONG)
    for _ in range(3):
        assert not b.login(user, WRONG)
    # No host saw five failures: only the fleet's count can lock.
    locked, seconds = wait_until(lambda: locked_everywhere(fleet, user), 1.0)
    assert locked, [host.show(user) for host in fleet.hosts]
    assert fleet.pushed(user) == {"ha": (2, 2, 2), "hb": (3, 3, 3)}
    # The lock mail goes out once, from hb, whose input made the lock (kept queued here: the
    # mail command fails).
    def mails():
        return {host.name: sqlite_value(host, "SELECT count(*) FROM outbox WHERE kind = 'locked-user' "
                                              "AND recipient = 'alice@example.org'") for host in fleet.hosts}
    wait_until(lambda: mails()["hb"] != "0", 2.0)
    assert mails() == {"ha": "0", "hb": "1", "hc": "0"}
    for host in fleet.hosts:
        shown = host.show(user)
        # The same lock on every clock: about unlock_time left, whatever the host's skew.
        assert 240 <= shown["locked_until"] - host.now() <= 302, (host.name, shown)
        assert not host.login(user, PASSWORD), host.name
    # Host c saw no failure of its own: its lock is the fleet's, and its log says so.
    events = json.loads(c.cli("log", user, "--json").stdout)
    assert sorted((e["action"], e["detail"], e["actor"]) for e in events) == [
        ("Account locked", "fleet: Failures", "fleet (hb)"), ("Login failed (locked)", "", "")]

    # The shared history names the host of every input, in the order the database took them.
    history = json.loads(c.cli("log", user, "--fleet", "--json").stdout)
    assert [(e["host"], e["input"], e["outcome"]) for e in history] == [
        ("ha", "failure", "Login failed"), ("ha", "failure", "Login failed"), ("hb", "failure", "Login failed"),
        ("hb", "failure", "Login failed"), ("hb", "failure", "Login failed, Account locked")]
    fleet_view = json.loads(a.cli("show", user, "--fleet", "--json").stdout)
    assert fleet_view["locked"] and fleet_view["fleet_updated_by"] == "hb"
    assert fleet_view["locked_until"] == a.show(user)["locked_until"]

    c.cli("unlock", user)
    unlocked, _ = wait_until(lambda: locked_everywhere(fleet, user, locked=False), 1.0)
    assert unlocked, [host.show(user) for host in fleet.hosts]
    assert a.login(user, PASSWORD) and b.login(user, PASSWORD)
    assert fleet.fleet_account(user)[0] == "0"


def test_with_the_database_stopped_hosts_lock_locally_and_the_counts_are_exact_after(fleet):
    a, b, _ = fleet.hosts
    user = "lwt-bob"
    fleet.database.stop()
    try:
        for _ in range(5):
            assert not a.login(user, WRONG)
        assert a.show(user)["locked"], "the local count must lock while the database is down"
        for _ in range(2):
            assert not b.login(user, WRONG)
        assert not b.show(user)["locked"]
        down, _ = wait_until(lambda: not a.status()["connected"], 10, interval=0.2)
        assert down and a.status()["waiting"] == 5
        # The outage lasts 30 s in all.
        wait_until(lambda: False, 30 - 2)
    finally:
        fleet.database.start()
    caught_up, _ = wait_until(lambda: drained(fleet), 30, interval=0.2)
    assert caught_up, [host.status() for host in fleet.hosts]
    assert fleet.pushed(user) == {"ha": (5, 5, 5), "hb": (2, 2, 2)}
    locked, _ = wait_until(lambda: locked_everywhere(fleet, user), 2.0)
    assert locked
    a.cli("unlock", user)
    wait_until(lambda: locked_everywhere(fleet, user, locked=False), 2.0)


def test_an_agent_killed_mid_burst_loses_and_doubles_nothing(fleet):
    a = fleet.hosts[0]
    user = "lwt-carol"  # exempt: counted, never locked, so every failure reaches the stack
    for attempt in range(30):
        assert not a.login(user, WRONG)
        if attempt == 12:
            a.kill_agent(signal.SIGKILL)
        if attempt == 20:
            a.start_agent()
    caught_up, _ = wait_until(lambda: drained(fleet), 30, interval=0.2)
    assert caught_up
    assert fleet.pushed(user) == {"ha": (30, 30, 30)}
    assert fleet.fleet_account(user)[0] == "30"


def test_a_partition_heals_without_lost_or_doubled_failures(fleet):
    a, b, c = fleet.hosts
    user = "lwt-dave"
    c.cut()
    try:
        for _ in range(3):
            assert not c.login(user, WRONG)
        assert not a.login(user, WRONG)
        cut_off, _ = wait_until(lambda: not c.status()["connected"], 25, interval=0.2)
        assert cut_off and c.status()["waiting"] == 3
    finally:
        c.heal()
    locked, _ = wait_until(lambda: drained(fleet) and locked_everywhere(fleet, user, locked=False), 30, interval=0.2)
    assert locked
    assert fleet.pushed(user) == {"ha": (1, 1, 1), "hc": (3, 3, 3)}
    assert fleet.fleet_account(user)[0] == "4"
    # Every host now counts from the fleet's 4: one more failure anywhere locks everywhere.
    assert not b.login(user, WRONG)
    locked, _ = wait_until(lambda: locked_everywhere(fleet, user), 2.0)
    assert locked
    b.cli("unlock", user)
    wait_until(lambda: locked_everywhere(fleet, user, locked=False), 2.0)


def test_a_host_role_cannot_write_another_hosts_history_nor_delete_any(fleet):
    a = fleet.hosts[0]
    with open(a.connection_file) as handle:
        conninfo = " ".join(line.strip() for line in handle if not line.startswith("#"))
    conninfo = conninfo.replace("host=10.231.1.1", "host=127.0.0.1")
    fleet.database.sql("SELECT 1", conninfo)  # the role itself may connect and read
    forged = ("INSERT INTO lockwarden.events (host, local_id, happened_at, account, input, subject, count) "
              "VALUES ('hb', 999999, 0, 'lwt-erin', 'failure', 'regular', 1)")
    with pytest.raises(RuntimeError, match="row-level security"):
        fleet.database.sql(forged, conninfo)
    for statement in ("DELETE FROM lockwarden.events", "UPDATE lockwarden.events SET count = 1",
                      "TRUNCATE lockwarden.events", "CREATE ROLE intruder"):
        with pytest.raises(RuntimeError, match="permission denied"):
            fleet.database.sql(statement, conninfo)
    assert fleet.pushed("lwt-erin") == {}


def test_a_wrong_credential_is_refused_and_says_why(fleet):
    a = fleet.hosts[0]
    with open(a.connection_file) as handle:
        text = handle.read()
    original = text
    try:
        with open(a.connection_file, "w") as handle:
            handle.write(text.replace("password=", "password=X"))
        a.kill_agent(signal.SIGTERM)
        a.start_agent()
        refused, _ = wait_until(lambda: "password authentication failed" in a.status()["last_error"], 15,
                                interval=0.2)
        assert refused, a.status()
        assert a.cli("fleet", "status", check=False).returncode == 1
        # Logins go on, on the local count.
        assert a.login("lwt-frank", PASSWORD)
    finally:
        with open(a.connection_file, "w") as handle:
            handle.write(original)
        a.kill_agent(signal.SIGTERM)
        a.start_agent()
    healthy, _ = wait_until(lambda: a.outbox_empty(), 15, interval=0.2)
    assert healthy


def test_a_host_without_fleet_host_queues_nothing(env):
    env.configure()
    env.service()
    assert not env.pam("lwt-erin", WRONG).ok()
    assert env.cli("fleet", "status").returncode == 1
    database = env.db
    count = subprocess.run(["sqlite3", database, "SELECT count(*) FROM fleet_outbox"], capture_output=True,
                           text=True, check=True).stdout.strip()
    assert count == "0"


def sqlite_value(host, statement):
    return subprocess.run(["sqlite3", host.env.db, statement], capture_output=True, text=True,
                          check=True).stdout.strip()


def test_second_factors_are_shared_sealed_and_a_used_code_is_refused_on_the_others(fleet):
    a, b, c = fleet.hosts
    user = "lwt-frank"
    uid = pwd.getpwnam(user).pw_uid
    enrolled = json.loads(c.cli("mfa", "enroll", user, "--no-confirm", "--force", "--json").stdout)
    shared, _ = wait_until(lambda: a.show(user)["mfa_enrolled"] and b.show(user)["mfa_enrolled"], 1.0)
    assert shared, (a.show(user), b.show(user))
    # The database holds the secret only sealed with the fleet key, which it never sees.
    secret = base64.b32decode(enrolled["secret"] + "=" * (-len(enrolled["secret"]) % 8))
    sealed, fingerprint = fleet.database.sql(
        "SELECT encode(sealed_secret, 'hex'), encode(fingerprint, 'hex') FROM lockwarden.second_factors "
        f"WHERE account = '{user}'")[0]
    assert secret.hex() not in sealed and len(sealed) > 2 * len(secret)
    assert fingerprint == hashlib.sha256(secret).hexdigest()
    with open(a.key_file) as handle:
        assert handle.read().strip() not in json.dumps(fleet.database.sql("SELECT * FROM lockwarden.second_factors"))

    # A code accepted on ha is refused on hb once ha's replay mark has arrived.
    code = fresh_code(enrolled["secret"])
    assert a.login(user, PASSWORD, code, service="lw-totp")
    step_on_a = sqlite_value(a, f"SELECT last_step FROM mfa WHERE uid = {uid}")
    marked, seconds = wait_until(
        lambda: sqlite_value(b, f"SELECT last_step FROM mfa WHERE uid = {uid}") == step_on_a, 1.0)
    assert marked, (step_on_a, sqlite_value(b, f"SELECT last_step FROM mfa WHERE uid = {uid}"))
    assert not b.login(user, PASSWORD, code, service="lw-totp", true_clock=True)
    assert any("replayed code" in e["detail"] for e in json.loads(b.cli("log", user, "--json").stdout)
               if e["action"] == "Login failed")

    # A backup code used on ha is gone on hc.
    backup = enrolled["backup_codes"][0]
    assert a.login(user, PASSWORD, backup, service="lw-totp")
    used, _ = wait_until(lambda: c.show(user)["mfa_backup_codes_left"] == 9, 1.0)
    assert used, c.show(user)
    assert not c.login(user, PASSWORD, backup, service="lw-totp")

    # A reset on hb reaches ha and hc, and so does the device code handed out with it (its
    # hash), so the user may authorize the new device at any of them; their logs say whence.
    b.cli("mfa", "reset", user, "--show-code")
    reset, _ = wait_until(lambda: all(not h.show(user)["mfa_enrolled"] and h.show(user)["mfa_reenroll_required"]
                                      and h.show(user)["device_code_until"] for h in (a, c)), 1.0)
    assert reset, (a.show(user), c.show(user))
    # The same moment on every clock: the code's end moved by each host's skew.
    ends = {h.name: h.show(user)["device_code_until"] - int(h.skew or 0) for h in fleet.hosts}
    assert max(ends.values()) - min(ends.values()) <= 3, ends
    events = json.loads(c.cli("log", user, "--json").stdout)
    assert ("MFA reset", "fleet", "fleet (hb)") in [(e["action"], e["detail"], e["actor"]) for e in events]
    a.cli("unlock", user)
