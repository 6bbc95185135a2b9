"""A real fleet for the tests and the benchmark: PostgreSQL from Debian (initdb in a temporary
directory, TLS with a CA made here), and hosts that each have their own state directory,
configuration, PAM service and agent. Each agent runs in its own network namespace with a veth
link to the database, so that cutting a link is a real partition; a host may run on a clock
shifted by libfaketime (its logins, its CLI and its agent alike)."""
import json
import os
import re
import shutil
import signal
import subprocess
import time

from conftest import CLI, DRIVER, Environment, test_directory
from test_totp import TOTP_STACK

PG_BIN = "/usr/lib/postgresql/15/bin"
PORT = 54329
FAKETIME = "/usr/lib/x86_64-linux-gnu/faketime/libfaketime.so.1"


def run(command, check=True, **options):
    result = subprocess.run(command, capture_output=True, text=True, timeout=120, **options)
    if check and result.returncode != 0:
        raise AssertionError(f"{command} failed: {result.stdout}{result.stderr}")
    return result


def wait_until(condition, timeout, interval=0.02):
    """Polls `condition` until it returns something true or `timeout` seconds pass; returns
    (value, seconds taken)."""
    start = time.monotonic()
    deadline = start + timeout
    while True:
        value = condition()
        if value or time.monotonic() >= deadline:
            return value, time.monotonic() - start
        time.sleep(interval)


class Database:
    """One PostgreSQL server listening on a private socket and on the fleet's veth addresses."""

    def __init__(self, base, addresses):
        self.base = base
        self.data = os.path.join(base, "data")
        self.socket_dir = os.path.join(base, "socket")
        self.log = os.path.join(base, "socket", "postgres.log")
        self.addresses = addresses
        for path in (self.data, self.socket_dir):
            os.makedirs(path, mode=0o700)
            shutil.chown(path, "postgres", "postgres")
        self.ca = os.path.join(base, "ca.pem")
        self._certificates()
        run(["runuser", "-u", "postgres", "--", f"{PG_BIN}/initdb", "-D", self.data, "-U", "postgres",
             "-A", "trust", "--no-sync"])
        with open(os.path.join(self.data, "pg_hba.conf"), "w") as handle:
            # The administrator on the private socket; hosts only over TLS with SCRAM.
            handle.write("local all postgres trust\n"
                         "hostssl lockwarden all 10.231.0.0/16 scram-sha-256\n"
                         "hostssl lockwarden all 127.0.0.1/32 scram-sha-256\n")
        with open(os.path.join(self.data, "postgresql.conf"), "a") as handle:
            handle.write(f"listen_addresses = '{','.join(addresses)}'\nport = {PORT}\n"
                         f"unix_socket_directories = '{self.socket_dir}'\nssl = on\n"
                         f"ssl_cert_file = '{self.data}/server.pem'\nssl_key_file = '{self.data}/server.key'\n"
                         "fsync = off\npassword_encryption = 'scram-sha-256'\n")
        for name in ("server.pem", "server.key"):
            shutil.move(os.path.join(base, name), os.path.join(self.data, name))
            shutil.chown(os.path.join(self.data, name), "postgres", "postgres")
        self.start()
        run(["runuser", "-u", "postgres", "--", f"{PG_BIN}/createdb", "-h", self.socket_dir, "-p", str(PORT),
             "lockwarden"])

    @property
    def admin(self):
        return f"host={self.socket_dir} port={PORT} dbname=lockwarden user=postgres"

    def _certificates(self):
        """A CA and a server certificate for every address; made a day back, so that a host
        whose clock runs minutes behind still finds them valid."""
        key = os.path.join(self.base, "ca.key")
        back = ["faketime", "-f", "-1d"]
        run(back + ["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", key, "-out", self.ca,
                    "-days", "3", "-subj", "/CN=Lockwarden test CA"])
        run(["openssl", "req", "-newkey", "rsa:2048", "-nodes", "-keyout", os.path.join(self.base, "server.key"),
             "-out", os.path.join(self.base, "server.csr"), "-subj", "/CN=fleet database"])
        extensions = os.path.join(self.base, "san.cnf")
        with open(extensions, "w") as handle:
            handle.write("subjectAltName = " + ",".join(f"IP:{address}" for address in self.addresses) + "\n")
        run(back + ["openssl", "x509", "-req", "-in", os.path.join(self.base, "server.csr"), "-CA", self.ca,
                    "-CAkey", key, "-CAcreateserial", "-out", os.path.join(self.base, "server.pem"), "-days", "3",
                    "-extfile", extensions])
        os.chmod(self.ca, 0o644)

    def start(self):
        run(["runuser", "-u", "postgres", "--", f"{PG_BIN}/pg_ctl", "-D", self.data, "-l", self.log, "-w",
             "-t", "60", "start"])

    def stop(self):
        run(["runuser", "-u", "postgres", "--", f"{PG_BIN}/pg_ctl", "-D", self.data, "-m", "fast", "-w", "stop"],
            check=False)

    def sql(self, statement, conninfo=None):
        """psql's unaligned answer as a list of rows (columns split on |)."""
        result = run(["psql", conninfo or self.admin, "-X", "-A", "-t", "-v", "ON_ERROR_STOP=1", "-c", statement],
                     check=False)
        if result.returncode != 0:
            raise RuntimeError(result.stderr.strip())
        return [line.split("|") for line in result.stdout.splitlines() if line]


class Host:
    """One fleet host: an Environment (state, configuration, PAM service), a network namespace
    with a veth link to the database, an agent, and optionally a shifted clock."""

    def __init__(self, index, name, database, credentials, settings, key, skew=None):
        self.index = index
        self.name = name
        self.namespace = f"lwfleet-{name}"
        self.link = f"lwf-{name}"
        self.database_address = f"10.231.{index}.1"
        self.skew = skew
        self.env = Environment(test_directory(f"fleet-{name}-"))
        self.connection_file = os.path.join(self.env.base, "fleet.conn")
        with open(self.connection_file, "w") as handle:
            handle.write(f"# fleet database of {name}\nhost={self.database_address} port={PORT} dbname=lockwarden\n"
                         f"{credentials} sslmode=verify-full sslrootcert={database.ca} connect_timeout=2\n")
        os.chmod(self.connection_file, 0o600)
        # The same fleet key on every host, as an administrator copies it.
        self.key_file = os.path.join(self.env.base, "fleet.key")
        shutil.copyfile(key, self.key_file)
        os.chmod(self.key_file, 0o600)
        self.env.configure(fleet_host=name, fleet_connection=self.connection_file, fleet_key=self.key_file,
                           **settings)
        self.env.service()
        self.env.service(name="lw-totp", stack=TOTP_STACK)
        self.agent = None

    @staticmethod
    def make_link(index, name):
        namespace, link = f"lwfleet-{name}", f"lwf-{name}"
        subprocess.run(["ip", "netns", "del", namespace], capture_output=True)
        subprocess.run(["ip", "link", "del", link], capture_output=True)
        run(["ip", "netns", "add", namespace])
        run(["ip", "link", "add", link, "type", "veth", "peer", "name", link + "-ns"])
        run(["ip", "link", "set", link + "-ns", "netns", namespace])
        run(["ip", "addr", "add", f"10.231.{index}.1/30", "dev", link])
        run(["ip", "link", "set", link, "up"])
        for command in (["ip", "addr", "add", f"10.231.{index}.2/30", "dev", link + "-ns"],
                        ["ip", "link", "set", link + "-ns", "up"], ["ip", "link", "set", "lo", "up"]):
            run(["ip", "netns", "exec", namespace] + command)

    @staticmethod
    def drop_link(name):
        subprocess.run(["ip", "netns", "del", f"lwfleet-{name}"], capture_output=True)
        subprocess.run(["ip", "link", "del", f"lwf-{name}"], capture_output=True)

    def now(self):
        """This host's clock."""
        return time.time() + (int(self.skew) if self.skew else 0)

    def clocked(self, command):
        """The command on this host's clock."""
        if not self.skew:
            return command
        return ["env", f"LD_PRELOAD={FAKETIME}", f"FAKETIME={self.skew}", "FAKETIME_DONT_FAKE_MONOTONIC=1"] + command

    def start_agent(self):
        command = ["ip", "netns", "exec", self.namespace] + self.clocked([CLI, "--conf", self.env.conf, "fleet", "run"])
        self.agent = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)

    def kill_agent(self, sig=signal.SIGKILL):
        if self.agent and self.agent.poll() is None:
            self.agent.send_signal(sig)
            self.agent.wait(timeout=30)
        self.agent = None

    def cut(self):
        run(["ip", "link", "set", self.link, "down"])

    def heal(self):
        run(["ip", "link", "set", self.link, "up"])

    def login(self, user, *answers, service="lw-test", true_clock=False):
        """Whether the login succeeds. `true_clock`: this login runs on the true clock whatever
        the host's (a TOTP code is valid only where the clock agrees with the phone's)."""
        command = [DRIVER, "--confdir", self.env.confdir, "--service", service, "--user", user,
                   "--rhost", "198.51.100.7", "--tty", "pts/3", "--ops", "auth"]
        for answer in answers:
            command += ["--answer", answer]
        result = run(command if true_clock else self.clocked(command), check=False)
        return result.stdout.splitlines()[-1].endswith("(0)") if result.stdout else False

    def cli(self, *arguments, check=True):
        return run(self.clocked([CLI, "--conf", self.env.conf, *arguments]), check=check)

    def show(self, user):
        return json.loads(self.cli("show", user, "--json").stdout)

    def status(self):
        return json.loads(self.cli("fleet", "status", "--json", check=False).stdout)

    def outbox_empty(self):
        status = self.status()
        return status["connected"] and status["waiting"] == 0


class Fleet:
    """The database and three hosts: a on the true clock, b five minutes ahead, c five behind."""

    NAMES = [("ha", None), ("hb", "+300"), ("hc", "-300")]

    def __init__(self, settings):
        self.base = test_directory("fleet-db-")
        for index, (name, _) in enumerate(self.NAMES, start=1):
            Host.make_link(index, name)
        addresses = ["127.0.0.1"] + [f"10.231.{index}.1" for index in range(1, len(self.NAMES) + 1)]
        self.database = Database(self.base, addresses)
        self.hosts = []
        try:
            init = run([CLI, "fleet", "init", "--admin", self.database.admin])
            self.init_output = init.stdout
            self.key = os.path.join(self.base, "fleet.key")
            made = run([CLI, "fleet", "new-key", "--output", self.key]).stdout
            assert "wrote the fleet key" in made, made
            for index, (name, skew) in enumerate(self.NAMES, start=1):
                added = run([CLI, "fleet", "add-host", name, "--admin", self.database.admin]).stdout.strip()
                assert re.fullmatch(rf"user={name} password=[A-Z2-7]{{32}}", added), added
                self.hosts.append(Host(index, name, self.database, added, settings, self.key, skew=skew))
            for host in self.hosts:
                host.start_agent()
            ready, _ = wait_until(lambda: all(host.outbox_empty() for host in self.hosts), 30, interval=0.2)
            assert ready, [host.status() for host in self.hosts]
        except BaseException:
            self.close()
            raise

    def host(self, name):
        return next(host for host in self.hosts if host.name == name)

    def fleet_account(self, user):
        rows = self.database.sql(
            "SELECT consecutive_failures, locked_until IS NOT NULL OR locked_at IS NOT NULL, version "
            f"FROM lockwarden.accounts WHERE account = '{user}'")
        return rows[0] if rows else None

    def pushed(self, user):
        """(host, count) of every failure the database holds for `user`, and how many distinct
        idempotency keys they have."""
        rows = self.database.sql(
            "SELECT host, sum(count), count(DISTINCT (host, local_id)), count(*) FROM lockwarden.events "
            f"WHERE account = '{user}' AND input = 'failure' GROUP BY host ORDER BY host")
        return {row[0]: (int(row[1]), int(row[2]), int(row[3])) for row in rows}

    def close(self):
        for host in self.hosts:
            host.kill_agent(signal.SIGTERM)
        self.database.stop()
        for name, _ in self.NAMES:
            Host.drop_link(name)
        for host in self.hosts:
            shutil.rmtree(host.env.base, ignore_errors=True)
        shutil.rmtree(self.base, ignore_errors=True)
