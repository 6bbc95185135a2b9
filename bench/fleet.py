"""Section 6 of the benchmark: the fleet (one lock state through PostgreSQL).

Uses the fleet of the integration tests (Tests/integration/fleet_cluster.py): a real PostgreSQL
from Debian, hosts with their own state, configuration and agent.

  latency     three hosts in their own network namespaces, clocks at 0, +300 s and -300 s:
              2 failures on ha, 3 on hb, then the time until hc's database (and ha's) holds
              the lock; then an unlock on hc and the time until ha and hb hold the unlock.
              Measured from the return of the login (or CLI) that made the change to the
              commit in the other host's SQLite, polled every 0.5 ms.
  throughput  20 hosts on 127.0.0.1, each with a backlog of failures written by real logins
              while its agent was stopped; all 20 agents start together, and the database's
              rate is the failures it took divided by the time from its first to its last.
  agent       CPU and RSS of the agents while they drain that backlog, and at rest after it.
  login       the in-process login loop (failures and successes) on one host without the fleet,
              with fleet_host set and the agent stopped (only the outbox row), and with the
              agent running and pushing to the database.
"""
import json
import os
import sqlite3
import statistics
import subprocess
import sys
import time

TOP = os.path.abspath(os.path.join(os.path.dirname(__file__), ".."))
sys.path.insert(0, os.path.join(TOP, "Tests", "integration"))

from conftest import CLI, Environment, test_directory  # noqa: E402
from fleet_cluster import PORT, Database, Fleet, wait_until  # noqa: E402

POLICY = {"deny": 5, "unlock_time": 300, "fail_interval": 900, "notify_on_lock": "no"}
COUNTING = {"deny": 1000, "max_consecutive_failures": 0, "unlock_time": 300, "fail_interval": 900,
            "notify_on_lock": "no"}
SIMULATED_HOSTS = 20


def stack(module, conf):
    """Lockwarden around pam_permit (success) or pam_deny (failure), as in the other sections."""
    stacks = {}
    for path, password in (("ok", "pam_permit.so"), ("fail", "pam_deny.so")):
        stacks[path] = (f"auth requisite                  {module} preauth conf={conf}\n"
                        f"auth [success=1 default=ignore] {password}\n"
                        f"auth [default=die]              {module} authfail conf={conf}\n"
                        f"auth sufficient                 {module} authsucc conf={conf}\n"
                        "auth required                   pam_deny.so\n")
    return stacks


def write_services(env, module):
    for path, text in stack(module, env.conf).items():
        with open(os.path.join(env.confdir, f"lwf-{path}"), "w") as handle:
            handle.write(text)


def locked_in(db, user_uid):
    """Whether the account is locked in this SQLite database (read-only, as a login reads it)."""
    connection = sqlite3.connect(f"file:{db}?mode=ro", uri=True, timeout=5)
    try:
        row = connection.execute("SELECT locked_at FROM accounts WHERE uid = ?", (user_uid,)).fetchone()
    finally:
        connection.close()
    return bool(row and row[0] is not None)


def seen_after(start, hosts, uid, locked, timeout=10.0):
    """For each host, the seconds from `start` (monotonic) until its database shows the account
    `locked` (or not), all polled together every 0.5 ms; raises if one never does."""
    seen = {}
    while len(seen) < len(hosts):
        for host in hosts:
            if host.name not in seen and locked_in(host.env.db, uid) == locked:
                seen[host.name] = time.monotonic() - start
        if time.monotonic() - start > timeout:
            missing = [host.name for host in hosts if host.name not in seen]
            raise RuntimeError(f"{'lock' if locked else 'unlock'} never reached {missing}")
        time.sleep(0.0005)
    return seen


def percentile(values, fraction):
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(fraction * (len(ordered) - 1))))]


def cpu_seconds(pid):
    with open(f"/proc/{pid}/stat") as handle:
        fields = handle.read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def memory_kb(pid, key):
    with open(f"/proc/{pid}/status") as handle:
        for line in handle:
            if line.startswith(key + ":"):
                return int(line.split()[1])
    return 0


def postgres_cpu(database):
    """CPU seconds of every process of this PostgreSQL server (postmaster and backends)."""
    with open(os.path.join(database.data, "postmaster.pid")) as handle:
        postmaster = int(handle.readline())
    pids = [postmaster] + [int(p) for p in subprocess.run(["pgrep", "-P", str(postmaster)], capture_output=True,
                                                          text=True).stdout.split()]
    total = 0.0
    for pid in pids:
        try:
            total += cpu_seconds(pid)
        except OSError:
            pass
    return total


class FleetBench:
    def __init__(self, bench, module, driver_path, users, uids, quick):
        self.bench = bench
        self.module = module
        self.driver = driver_path
        self.users = users
        self.uids = uids
        self.quick = quick

    def login(self, host, path, user):
        command = host.clocked([self.driver, "--confdir", host.env.confdir, "--service", f"lwf-{path}",
                                "--user", user, "--ops", "auth", "--answer", "x"])
        subprocess.run(command, capture_output=True, timeout=60)

    def latency(self):
        rounds = 5 if self.quick else 40
        fleet = Fleet(POLICY)
        lock, unlock = {"hc": [], "ha": []}, {"ha": [], "hb": []}
        try:
            for host in fleet.hosts:
                write_services(host.env, self.module)
            a, b, c = fleet.hosts
            for index in range(rounds):
                user = self.users[index % len(self.users)]
                uid = self.uids[user]
                for _ in range(2):
                    self.login(a, "fail", user)
                for _ in range(3):
                    self.login(b, "fail", user)
                for name, seconds in seen_after(time.monotonic(), [c, a], uid, True).items():
                    lock[name].append(seconds)
                c.cli("unlock", user)
                for name, seconds in seen_after(time.monotonic(), [a, b], uid, False).items():
                    unlock[name].append(seconds)
                # The next round starts from a quiet fleet.
                ready, _ = wait_until(lambda: all(host.outbox_empty() for host in fleet.hosts), 30, interval=0.05)
                if not ready:
                    raise RuntimeError("the fleet did not drain between rounds")
        finally:
            fleet.close()
        summary = {}
        for kind, samples in (("lock", lock), ("unlock", unlock)):
            for name, values in samples.items():
                summary[f"{kind}_{name}"] = {"n": len(values), "p50_s": percentile(values, 0.5),
                                             "p99_s": percentile(values, 0.99), "max_s": max(values),
                                             "samples_s": values}
        return summary

    def simulated_hosts(self):
        base = test_directory("fleet-bench-db-")
        database = Database(base, ["127.0.0.1"])
        hosts, agents = [], []
        result = {}
        try:
            subprocess.run([CLI, "fleet", "init", "--admin", database.admin], check=True, capture_output=True)
            per_host = 20 if self.quick else 250
            for index in range(SIMULATED_HOSTS):
                name = f"sim{index:02d}"
                credentials = subprocess.run([CLI, "fleet", "add-host", name, "--admin", database.admin],
                                             check=True, capture_output=True, text=True).stdout.strip()
                env = Environment(test_directory(f"fleet-bench-{name}-"))
                connection = os.path.join(env.base, "fleet.conn")
                with open(connection, "w") as handle:
                    handle.write(f"host=127.0.0.1 port={PORT} dbname=lockwarden {credentials} "
                                 f"sslmode=verify-full sslrootcert={database.ca}\n")
                os.chmod(connection, 0o600)
                env.configure(fleet_host=name, fleet_connection=connection, **COUNTING)
                write_services(env, self.module)
                hosts.append(env)
            # The backlog: real failed logins while no agent runs, ten accounts shared by all.
            for index, env in enumerate(hosts):
                user = self.users[index % 10]
                outcomes = self.pamloop(env, "fail", user, per_host)["outcomes"]
                if outcomes != {"7": per_host}:  # PAM_AUTH_ERR every time: counted, never locked
                    raise RuntimeError(f"backlog logins of {env.base}: {outcomes}")
            total = per_host * SIMULATED_HOSTS
            started = time.monotonic()
            agents = [subprocess.Popen([CLI, "--conf", env.conf, "fleet", "run"], stdout=subprocess.DEVNULL,
                                       stderr=subprocess.DEVNULL) for env in hosts]
            pg_before = postgres_cpu(database)
            cpu_before = [cpu_seconds(agent.pid) for agent in agents]
            taken, _ = wait_until(lambda: int(database.sql("SELECT coalesce(sum(count), 0) FROM lockwarden.events "
                                                           "WHERE input = 'failure'")[0][0]) >= total,
                                  180, interval=0.05)
            wall = time.monotonic() - started
            if not taken:
                raise RuntimeError("the database did not take every failure within 180 s")
            cpu_load = [cpu_seconds(agent.pid) - before for agent, before in zip(agents, cpu_before)]
            pg_load = postgres_cpu(database) - pg_before
            rss_load = [memory_kb(agent.pid, "VmHWM") for agent in agents]
            span = float(database.sql("SELECT extract(epoch FROM max(received_at) - min(received_at)) "
                                      "FROM lockwarden.events WHERE input = 'failure'")[0][0])
            exact = database.sql("SELECT count(*), count(DISTINCT (host, local_id)), sum(count) "
                                 "FROM lockwarden.events WHERE input = 'failure'")[0]
            result["throughput"] = {"hosts": SIMULATED_HOSTS, "failures": total, "first_to_last_s": span,
                                    "wall_s": wall, "failures_per_s": total / span if span else None,
                                    "rows": int(exact[0]), "distinct_keys": int(exact[1]),
                                    "counted": int(exact[2])}
            result["agent_load"] = {"cpu_s_mean": statistics.mean(cpu_load), "cpu_s_max": max(cpu_load),
                                    "cpu_ms_per_failure": 1000 * sum(cpu_load) / total,
                                    "postgres_cpu_s": pg_load, "rss_peak_kb_max": max(rss_load),
                                    "rss_peak_kb_mean": statistics.mean(rss_load)}
            # At rest: nothing waiting, the agents listen and look at their outbox every 50 ms.
            time.sleep(2)
            rest = 5 if self.quick else 20
            before = [cpu_seconds(agent.pid) for agent in agents]
            time.sleep(rest)
            idle = [(cpu_seconds(agent.pid) - b) / rest for agent, b in zip(agents, before)]
            result["agent_rest"] = {"seconds": rest, "cpu_percent_mean": 100 * statistics.mean(idle),
                                    "cpu_percent_max": 100 * max(idle),
                                    "rss_kb_mean": statistics.mean(memory_kb(a.pid, "VmRSS") for a in agents),
                                    "rss_kb_max": max(memory_kb(a.pid, "VmRSS") for a in agents)}
            result["login"] = self.login_path(hosts[0], agents, database)
        finally:
            for agent in agents:
                if agent.poll() is None:
                    agent.terminate()
                    agent.wait(timeout=30)
            database.stop()
            for env in hosts:
                subprocess.run(["rm", "-rf", env.base])
            subprocess.run(["rm", "-rf", base])
        return result

    def pamloop(self, env, path, user, attempts, cpu=None):
        out = os.path.join(env.base, "loop.json")
        subprocess.run((["taskset", "-c", cpu] if cpu else []) + [sys.executable, os.path.join(TOP, "bench", "pamloop.py"), "--mode", "inproc", "--confdir",
                        env.confdir, "--service", f"lwf-{path}", "--user", user, "--attempts", str(attempts),
                        "--answer", "x", "--out", out], check=True, timeout=600)
        with open(out) as handle:
            return json.load(handle)

    def login_path(self, fleet_env, agents, database):
        """The same login loop without the fleet, with fleet_host set but no agent, and with the
        agent running, in alternating rounds; the accounts are fresh in every round. The agent
        of `fleet_env` is agents[0]; it is stopped for the outbox rounds and started again.
        Every configuration runs twice: with everything sharing both CPUs, and "pinned", with
        the loop alone on CPU 0 and the agent and PostgreSQL on CPU 1 (as when the database
        runs on its own machine and the host has a core to spare for the agent)."""
        plain = Environment(test_directory("fleet-bench-plain-"))
        plain.configure(**COUNTING)
        write_services(plain, self.module)
        attempts, rounds = (20, 2) if self.quick else (200, 5)
        configs = ("none", "agent", "outbox")
        samples = {f"{config}{pin}-{path}": [] for config in configs for pin in ("", "-pinned")
                   for path in ("fail", "ok")}
        try:
            for round_index in range(rounds):
                for pinned in (False, True):
                    for config in configs:
                        env = plain if config == "none" else fleet_env
                        if config == "outbox":
                            agents[0].terminate()
                            agents[0].wait(timeout=30)
                        elif config == "agent" and agents[0].poll() is not None:
                            agents[0] = subprocess.Popen([CLI, "--conf", env.conf, "fleet", "run"],
                                                         stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
                        pin(database, agents[0], "1" if pinned else "0,1")
                        index = 10 + round_index * 6 + (3 if pinned else 0) + configs.index(config)
                        for path in ("fail", "ok"):
                            loop = self.pamloop(env, path, self.users[index], attempts,
                                                cpu="0" if pinned else None)
                            samples[f"{config}{'-pinned' if pinned else ''}-{path}"].extend(loop["latencies_ns"])
        finally:
            pin(database, agents[0], "0,1")
            subprocess.run(["rm", "-rf", plain.base])
        return {key: {"n": len(values), "median_ms": statistics.median(values) / 1e6,
                      "p90_ms": percentile(values, 0.9) / 1e6} for key, values in samples.items()}


def pin(database, agent, cpus):
    """Moves PostgreSQL (the postmaster, whose new backends inherit it, and every backend) and
    the agent to `cpus`."""
    with open(os.path.join(database.data, "postmaster.pid")) as handle:
        postmaster = handle.readline().strip()
    pids = [postmaster] + subprocess.run(["pgrep", "-P", postmaster], capture_output=True, text=True).stdout.split()
    if agent.poll() is None:
        pids.append(str(agent.pid))
    for pid in pids:
        subprocess.run(["taskset", "-a", "-pc", cpus, pid], capture_output=True)


def section_fleet(bench, module, driver_path, quick):
    fleet = FleetBench(bench, module, driver_path, list(bench.users), bench.uids, quick)
    results = {"latency": fleet.latency()}
    results.update(fleet.simulated_hosts())
    bench.save("fleet", results)
