#!/usr/bin/python3
"""Lockwarden benchmarks: every measurement of docs/BENCHMARKS.md, in one run.

Called by bench/run (see there). Writes raw results as JSON files into OUT/results and keeps
its work files (PAM service files, tally directory, databases) in OUT/work.

Stacks, all with the same policy (deny, fail_interval, unlock_time) and pam_permit standing
in for the password module, so the password check costs the same everywhere:
  a  pam_permit alone (the floor: libpam and the driver)
  b  pam_faillock preauth / authfail / authsucc around the password module
  c  b + pam_google_authenticator (TOTP)
  d  Lockwarden preauth / authfail / authsucc around the password module
  e  d + Lockwarden's totp step
  f  d with the core as it was before it was built in Embedded Swift (BENCH_BEFORE, a commit),
     on a database of its own
  g  e with that core
The failure path of a and b and d replaces pam_permit by pam_deny (same cost); the failure
path of c and e gives a wrong code after a right password (verify the code, count the failure).
"""
import argparse
import base64
import hashlib
import hmac
import json
import os
import platform
import pwd
import re
import resource
import shutil
import sqlite3
import statistics
import struct
import subprocess
import sys
import time

TOP = os.path.abspath(os.path.join(os.path.dirname(__file__), ".."))
DRIVER = os.path.join(TOP, "build", "lw_pamdrive")
MODULE = os.path.join(TOP, "build", "pam_lockwarden_test.so")
CORE = os.path.join(TOP, "build", "core", "liblockwarden_core.so")
CLI = os.path.join(TOP, ".build", "release", "lockwarden")
PAMLOOP = os.path.join(TOP, "bench", "pamloop.py")
PYTHON = "/usr/bin/python3"
SECURITY = "/usr/lib/x86_64-linux-gnu/security"
# The "before" column: the last commit whose core was a normal-mode Swift library with the
# static runtime, built by this script from that commit's sources.
BEFORE_REV = os.environ.get("BENCH_BEFORE", "2c92624")

QUICK = os.environ.get("BENCH_QUICK") == "1"
USER_PREFIX = "lwb-u"
USER_COUNT = 64
USER_GECOS = "Lockwarden benchmark user"
FILL_UID_BASE = 3_000_000_000  # far above any real UID; below 2^32 - 1

# Same policy for every stack. "standard" for single attempts (a prepare step resets the
# counters before each timed attempt, so nothing ever locks); "counting" for loops and
# contention, where hundreds of failures must be counted without locking.
STANDARD = {"deny": 5, "unlock_time": 300, "fail_interval": 900}
COUNTING = {"deny": 1000, "unlock_time": 300, "fail_interval": 900}

if QUICK:
    HF_ROUNDS = 1
    HF_RUNS, HF_WARMUP, TIME_RUNS = 5, 1, 3
    LOOP_N, LOOP_REPS, LOOP_ONE_REPS = 10, 2, 4
    CONT_ONE_USER, CONT_MANY_USERS = 4, 2
    SCALES = [1000, 10000]
else:
    HF_ROUNDS = 3
    HF_RUNS, HF_WARMUP, TIME_RUNS = 60, 3, 15
    LOOP_N, LOOP_REPS, LOOP_ONE_REPS = 300, 5, 10
    CONT_ONE_USER, CONT_MANY_USERS = 60, 15  # 16 x 60 = 64 x 15 = 960 failures (< deny, < 1024)
    SCALES = [1000, 100_000, 1_000_000]
CONT_ONE_WORKERS, CONT_MANY_WORKERS = 16, 64
MAX_EVENTS = 100_000  # Lockwarden's default max_events: the event log of a busy machine is full


def log(message):
    print(f"[bench {time.strftime('%H:%M:%S')}] {message}", flush=True)


def run(command, check=True, timeout=600, **kwargs):
    result = subprocess.run(command, capture_output=True, text=True, timeout=timeout, **kwargs)
    if check and result.returncode != 0:
        raise RuntimeError(f"{' '.join(command)} exited {result.returncode}: {result.stdout}{result.stderr}")
    return result


def median(values):
    return statistics.median(values) if values else None


def percentile(values, fraction):
    if not values:
        return None
    ordered = sorted(values)
    index = min(len(ordered) - 1, max(0, int(round(fraction * (len(ordered) - 1)))))
    return ordered[index]


# ---- TOTP (RFC 6238, SHA1, 6 digits, 30 s) for choosing a wrong code; oathtool gives the right ones

def totp_at(secret_b32, step):
    key = base64.b32decode(secret_b32 + "=" * (-len(secret_b32) % 8))
    digest = hmac.new(key, struct.pack(">Q", step), hashlib.sha1).digest()
    offset = digest[-1] & 0x0F
    return "%06d" % ((struct.unpack(">I", digest[offset:offset + 4])[0] & 0x7FFFFFFF) % 1_000_000)


def oathtool(secret_b32):
    return run(["oathtool", "--totp", "-b", secret_b32]).stdout.strip()


def fresh_code(secret_b32):
    """A right code with at least 35 s of validity left (window of one step either side)."""
    for _ in range(10):
        if time.time() % 30 < 25:
            break
        time.sleep(1)
    return oathtool(secret_b32)


def wrong_code(*secrets):
    now = int(time.time()) // 30
    taken = {totp_at(s, now + d) for s in secrets for d in range(-3, 4)}
    for candidate in ("000000", "111111", "222222", "333333"):
        if candidate not in taken:
            return candidate
    raise RuntimeError("no wrong code found")


# ---- the core before Embedded Swift, for the "before" column

def build_before(bench):
    """Builds the PAM module and core of BEFORE_REV (kept between runs in OUT/before): its core
    was a normal-mode Swift library with the static runtime. Returns (module, core)."""
    source = os.path.join(bench.out, "before")
    core_dir = os.path.join(source, "build", "core")
    core = os.path.join(core_dir, "liblockwarden_core.so")
    module = os.path.join(source, "build", "pam_lockwarden_test.so")
    revision = run(["git", "-C", TOP, "rev-parse", BEFORE_REV]).stdout.strip()
    stamp = os.path.join(source, ".revision")
    if os.path.exists(module) and os.path.exists(core) and open(stamp).read().strip() == revision:
        return module, core
    log(f"0. building the core and module of {BEFORE_REV} for the 'before' column")
    shutil.rmtree(source, ignore_errors=True)
    os.makedirs(source)
    archive = subprocess.run(["git", "-C", TOP, "archive", revision], capture_output=True, check=True).stdout
    subprocess.run(["tar", "-x", "--no-same-permissions", "-C", source], input=archive, check=True)
    run(["make", "-C", source, "static-libstdcxx"])
    run(["swift", "build", "-c", "release", "--static-swift-stdlib", "--disable-local-rpath", "--product",
         "lockwarden_core"], cwd=source, timeout=3600)
    os.makedirs(core_dir, mode=0o755, exist_ok=True)
    shutil.copyfile(os.path.join(source, ".build", "release", "liblockwarden_core.so"), core)
    os.chmod(core, 0o644)
    run(["make", "-C", source, "-f", "pam/Makefile.inc", "build/pam_lockwarden_test.so"])
    with open(stamp, "w") as handle:
        handle.write(revision + "\n")
    return module, core


# ---- the environment: users, files, stacks

class Bench:
    def __init__(self, out):
        self.out = out
        self.work = os.path.join(out, "work")
        self.results = os.path.join(out, "results")
        self.confdir = os.path.join(self.work, "pam.d")
        self.tally = os.path.join(self.work, "faillock")
        self.gadir = os.path.join(self.work, "ga")
        self.state = os.path.join(self.work, "state")
        self.db = os.path.join(self.state, "lockwarden.db")
        self.state_before = os.path.join(self.work, "state-before")
        self.db_before = os.path.join(self.state_before, "lockwarden.db")
        self.users = [f"{USER_PREFIX}{i}" for i in range(1, USER_COUNT + 1)]
        self.uids = {}
        self.lw_secret = None
        self.ga_secret = None
        self.errors = []

    # -- files

    def prepare_dirs(self):
        shutil.rmtree(self.work, ignore_errors=True)
        shutil.rmtree(self.results, ignore_errors=True)
        os.makedirs(self.results)
        os.makedirs(self.work)
        os.chmod(self.work, 0o755)
        for path, mode in ((self.confdir, 0o755), (self.tally, 0o755), (self.gadir, 0o700), (self.state, 0o700),
                           (self.state_before, 0o700)):
            os.mkdir(path)
            os.chmod(path, mode)
        with open(os.path.join(self.confdir, "other"), "w") as handle:
            handle.write("auth required pam_deny.so\naccount required pam_deny.so\n")

    def save(self, name, data):
        with open(os.path.join(self.results, name + ".json"), "w") as handle:
            json.dump(data, handle, indent=1)

    # -- users

    def create_users(self):
        for name in self.users:
            try:
                entry = pwd.getpwnam(name)
            except KeyError:
                entry = None
            if entry is not None:
                if entry.pw_gecos != USER_GECOS:
                    raise RuntimeError(f"user {name} exists and is not one of the benchmark's: not touching it")
                run(["userdel", "-f", name], check=False)
            run(["useradd", "-M", "-N", "-s", "/usr/sbin/nologin", "-c", USER_GECOS, name])
            self.uids[name] = pwd.getpwnam(name).pw_uid
        clash = [e.pw_name for e in pwd.getpwall() if e.pw_uid >= FILL_UID_BASE and e.pw_uid != 4294967295]
        if clash:
            raise RuntimeError(f"users with UIDs in the fill range exist: {clash}")

    def remove_users(self):
        for name in self.users:
            try:
                if pwd.getpwnam(name).pw_gecos == USER_GECOS:
                    run(["userdel", "-f", name], check=False)
            except KeyError:
                pass

    # -- configuration and stacks

    def lw_conf(self, name, policy, db=None):
        path = os.path.join(self.work, name)
        lines = [f"db = {db or self.db}"] + [f"{k} = {v}" for k, v in policy.items()]
        if policy is COUNTING:
            lines.append("max_consecutive_failures = 0")
        with open(path, "w") as handle:
            handle.write("\n".join(lines) + "\n")
        os.chmod(path, 0o644)
        return path

    def faillock_args(self, policy):
        return (f"dir={self.tally} deny={policy['deny']} unlock_time={policy['unlock_time']} "
                f"fail_interval={policy['fail_interval']} nodelay")

    def downgrade_before_db(self):
        """The before column's core knows schema 4 and refuses a newer one; schemas 5 to 9 only
        add tables (failure_timing, one_time_codes, the fleet's three) and columns of them, so
        its database is set back to 4 once the CLI is done with it."""
        connection = sqlite3.connect(self.db_before, timeout=30, isolation_level=None)
        try:
            version = connection.execute("PRAGMA user_version").fetchone()[0]
            if 5 <= version <= 9:
                for table in ("failure_timing", "one_time_codes", "fleet_outbox", "fleet_applied", "fleet_agent"):
                    connection.execute(f"DROP TABLE IF EXISTS {table}")
                connection.execute("PRAGMA user_version = 4")
        finally:
            connection.close()

    def write_stacks(self, suffix, policy, conf, conf_before):
        """Service files a-<path> ... g- (with suffix) for path ok and fail."""
        fl = self.faillock_args(policy)
        ga = f"secret={self.gadir}/${{USER}} user=root"
        lw = f"conf={conf}"
        lw_before = f"conf={conf_before}"
        for path in ("ok", "fail"):
            password = "pam_permit.so" if path == "ok" else "pam_deny.so"
            stacks = {
                "a": f"auth required {password}\n",
                "b": (f"auth requisite                      pam_faillock.so preauth {fl}\n"
                      f"auth [success=1 default=ignore]     {password}\n"
                      f"auth [default=die]                  pam_faillock.so authfail {fl}\n"
                      f"auth sufficient                     pam_faillock.so authsucc {fl}\n"
                      f"auth required                       pam_deny.so\n"),
                # Password right: the code decides; a wrong password would skip the code.
                "c": (f"auth requisite                      pam_faillock.so preauth {fl}\n"
                      f"auth [success=ok default=1]         pam_permit.so\n"
                      f"auth [success=1 default=ignore]     pam_google_authenticator.so {ga}\n"
                      f"auth [default=die]                  pam_faillock.so authfail {fl}\n"
                      f"auth sufficient                     pam_faillock.so authsucc {fl}\n"
                      f"auth required                       pam_deny.so\n"),
                "d": (f"auth requisite                      {MODULE} preauth {lw}\n"
                      f"auth [success=1 default=ignore]     {password}\n"
                      f"auth [default=die]                  {MODULE} authfail {lw}\n"
                      f"auth sufficient                     {MODULE} authsucc {lw}\n"
                      f"auth required                       pam_deny.so\n"),
                "e": (f"auth requisite                      {MODULE} preauth {lw} totp=required\n"
                      f"auth [success=1 default=ignore]     pam_permit.so\n"
                      f"auth [default=die]                  {MODULE} authfail {lw} totp=required\n"
                      f"auth [success=ok ignore=ignore default=die] {MODULE} totp {lw} totp=required\n"
                      f"auth sufficient                     {MODULE} authsucc {lw} totp=required\n"
                      f"auth required                       pam_deny.so\n"),
            }
            for before, now in BEFORE.items():
                stacks[before] = stacks[now].replace(MODULE, self.before_module).replace(lw, lw_before)
            for stack, text in stacks.items():
                with open(os.path.join(self.confdir, f"{stack}{suffix}-{path}"), "w") as handle:
                    handle.write(text)

    def setup(self):
        self.prepare_dirs()
        self.create_users()
        self.before_module, self.before_core = build_before(self)
        self.conf = self.lw_conf("lw.conf", STANDARD)
        self.conf_counting = self.lw_conf("lw-counting.conf", COUNTING)
        self.conf_before = self.lw_conf("lw-before.conf", STANDARD, db=self.db_before)
        self.conf_before_counting = self.lw_conf("lw-before-counting.conf", COUNTING, db=self.db_before)
        run([CLI, "--conf", self.conf, "init"])
        run([CLI, "--conf", self.conf_before, "init"])
        self.write_stacks("", STANDARD, self.conf, self.conf_before)
        self.write_stacks("c", COUNTING, self.conf_counting, self.conf_before_counting)
        user = self.users[0]
        enrolled = json.loads(run([CLI, "--conf", self.conf, "mfa", "enroll", user, "--no-confirm", "--json"]).stdout)
        self.lw_secret = enrolled["secret"]
        enrolled = json.loads(run([CLI, "--conf", self.conf_before, "mfa", "enroll", user, "--no-confirm",
                                   "--json"]).stdout)
        self.lw_secret_before = enrolled["secret"]
        self.downgrade_before_db()
        self.ga_secret = base64.b32encode(os.urandom(20)).decode()
        # google-authenticator's own file format: no RATE_LIMIT, no DISALLOW_REUSE, the default window.
        path = os.path.join(self.gadir, user)
        with open(path, "w") as handle:
            handle.write(f'{self.ga_secret}\n" TOTP_AUTH\n" WINDOW_SIZE 3\n')
        os.chmod(path, 0o400)
        self.write_reset_scripts()

    # -- resetting state between timed attempts (never timed)

    def lw_reset_sql(self, uids, mfa=False):
        where = ",".join(str(u) for u in uids)
        sql = ("UPDATE accounts SET recent_failures = '', consecutive_failures = 0, locked_at = NULL, "
               f"locked_until = NULL, lock_reason = NULL, lock_streak = 0 WHERE uid IN ({where});")
        if mfa:
            sql += f" UPDATE mfa SET last_step = NULL WHERE uid IN ({where});"
        return sql

    def write_script(self, name, lines):
        path = os.path.join(self.work, name)
        with open(path, "w") as handle:
            handle.write("#!/bin/sh\nset -e\numask 077\n" + "\n".join(lines) + "\n")
        os.chmod(path, 0o755)
        return path

    def user_for(self, stack):
        """The user a stack's attempts are for: (d) and its before column use one with nothing
        recorded, the account most logins are for; the TOTP stacks the enrolled one."""
        return self.users[2] if stack in "df" else self.users[0]

    def index_warmup(self, service):
        """A login of another, clean user: after an SQL reset (a change Lockwarden did not make) the
        account index is older than the database, and the first login that needs SQLite rebuilds it.
        Run untimed, so that the timed attempt finds the index current, as every real login does."""
        return (" ".join(self.driver_command(service, self.users[1], [])) + " >/dev/null") if service else ":"

    def write_reset_scripts(self):
        # The resets leave the WAL in place as login calls do (no checkpoint on close): otherwise
        # every timed attempt would pay for re-creating it, which no real login does.
        uids = [self.uids[self.users[0]], self.uids[self.users[2]]]
        user = self.users[0]
        self.resets = getattr(self, "resets", {})
        self.resets["none"] = self.write_script("reset-none.sh", [":"])
        self.resets["faillock"] = self.write_script(
            "reset-faillock.sh", [f"faillock --dir {self.tally} --user {user} --reset"])
        for suffix, db, warm in (("", self.db, "d-ok"), ("-before", self.db_before, None)):
            sqlite = f'sqlite3 -cmd ".timeout 5000" -cmd ".dbconfig no_ckpt_on_close on" {db}'
            self.resets["lw" + suffix] = self.write_script(
                f"reset-lw{suffix}.sh", [f'{sqlite} "{self.lw_reset_sql(uids)}"', self.index_warmup(warm)])
            self.resets["lw-mfa" + suffix] = self.write_script(
                f"reset-lw-mfa{suffix}.sh", [f'{sqlite} "{self.lw_reset_sql(uids, mfa=True)}"', self.index_warmup(warm)])

    def reset_for(self, stack, path):
        if stack == "a":
            return self.resets["none"]
        if stack in "bc":
            return self.resets["faillock"]
        suffix = "-before" if stack in BEFORE else ""
        if stack in "eg" and path == "ok":
            return self.resets["lw-mfa" + suffix]
        return self.resets["lw" + suffix]

    def answers_for(self, stack, path):
        secrets = (self.ga_secret, self.lw_secret, self.lw_secret_before)
        if stack == "c":
            return [fresh_code(self.ga_secret) if path == "ok" else wrong_code(*secrets)]
        if stack in "eg":
            secret = self.lw_secret if stack == "e" else self.lw_secret_before
            return [fresh_code(secret) if path == "ok" else wrong_code(*secrets)]
        return []

    def driver_command(self, service, user, answers, repeat=None):
        command = [DRIVER, "--confdir", self.confdir, "--service", service, "--user", user]
        for answer in answers:
            command += ["--answer", answer]
        if repeat:
            command += ["--repeat", str(repeat)]
        return command

    def check_outcome(self, command, path, reset):
        run([reset])
        result = run(command, check=False)
        ok = result.returncode == 0 and "auth: Success (0)" in result.stdout
        if (path == "ok") != ok:
            raise RuntimeError(f"unexpected outcome of {' '.join(command)}: {result.stdout}{result.stderr}")
        return result.stdout.strip().splitlines()[-1]

    # -- counts

    def lw_failures(self, user, conf=None):
        # The before column's database is kept at the schema its core reads, which the current
        # CLI would refuse: read that one straight from SQLite.
        if conf in (self.conf_before, self.conf_before_counting):
            connection = sqlite3.connect(self.db_before, timeout=30, isolation_level=None)
            try:
                row = connection.execute("SELECT consecutive_failures FROM accounts WHERE uid = ?",
                                         (pwd.getpwnam(user).pw_uid,)).fetchone()
            finally:
                connection.close()
            return row[0] if row else 0
        shown = json.loads(run([CLI, "--conf", conf or self.conf, "show", user, "--json"]).stdout)
        return shown.get("consecutive_failures")

    def faillock_records(self, user):
        listing = run(["faillock", "--dir", self.tally, "--user", user]).stdout
        return sum(1 for line in listing.splitlines() if re.match(r"^\d{4}-\d{2}-\d{2} ", line))

    def reset_all(self, users, db=None, warm="dc-ok"):
        for user in users:
            run(["faillock", "--dir", self.tally, "--user", user, "--reset"])
        connection = sqlite3.connect(db or self.db, timeout=5, isolation_level=None)
        try:
            connection.executescript(self.lw_reset_sql([self.uids[u] for u in users]))
        finally:
            connection.close()
        run(["/bin/sh", "-c", self.index_warmup(warm)], check=False)


# ---- 1. whole login transaction, one process per attempt

STACK_NAMES = {
    "a": "pam_permit only",
    "b": "pam_faillock",
    "c": "pam_faillock + google-authenticator",
    "d": "Lockwarden",
    "e": "Lockwarden + TOTP",
    "f": "Lockwarden before (static-runtime core)",
    "g": "Lockwarden + TOTP before (static-runtime core)",
}
LOCKWARDEN = "defg"
BEFORE = {"f": "d", "g": "e"}


def hyperfine(bench, name, command, reset, expect_failure, runs=None, warmup=None):
    export = os.path.join(bench.results, f"hyperfine-{name}.json")
    args = ["hyperfine", "-N", "--style", "basic", "--runs", str(runs or HF_RUNS), "--warmup",
            str(HF_WARMUP if warmup is None else warmup), "--prepare", reset, "--export-json", export]
    if expect_failure:
        args.append("-i")
    run(args + [" ".join(command)], timeout=900)
    with open(export) as handle:
        data = json.load(handle)["results"][0]
    os.unlink(export)
    return {k: data[k] for k in ("mean", "stddev", "median", "min", "max", "user", "system", "times", "exit_codes")}


class HyperfineCase:
    """One command timed by hyperfine in several rounds; the rounds of all cases are interleaved, so
    that a slow spell of the shared machine hits every stack alike. Statistics over all runs."""

    def __init__(self, bench, name, command, reset, expect_failure):
        self.bench, self.name, self.command, self.reset, self.expect_failure = (bench, name, command, reset,
                                                                               expect_failure)
        self.times, self.exit_codes, self.user, self.system = [], [], [], []

    def round(self, runs):
        data = hyperfine(self.bench, self.name, self.command(), self.reset, self.expect_failure, runs=runs)
        self.times += data["times"]
        self.exit_codes += data["exit_codes"]
        self.user += [data["user"]] * len(data["times"])
        self.system += [data["system"]] * len(data["times"])

    def result(self):
        times = self.times
        return {"mean": statistics.mean(times), "stddev": statistics.stdev(times) if len(times) > 1 else 0.0,
                "median": statistics.median(times), "min": min(times), "max": max(times),
                "user": statistics.mean(self.user), "system": statistics.mean(self.system), "times": times,
                "exit_codes": self.exit_codes, "rounds": HF_ROUNDS}


def hyperfine_rounds(cases, label):
    runs = max(2, HF_RUNS // HF_ROUNDS)
    for index in range(HF_ROUNDS):
        log(f"{label}: round {index + 1} of {HF_ROUNDS} ({len(cases)} cases x {runs} runs)")
        for case in cases:
            case.round(runs)


def time_v(command, reset, runs):
    rss, cpu, wall, faults, switches = [], [], [], [], []
    for _ in range(runs):
        run([reset])
        result = run(["/usr/bin/time", "-v"] + command, check=False)
        fields = dict(line.strip().split(": ", 1) for line in result.stderr.splitlines() if ": " in line)
        rss.append(int(fields["Maximum resident set size (kbytes)"]))
        cpu.append(float(fields["User time (seconds)"]) + float(fields["System time (seconds)"]))
        clock = fields["Elapsed (wall clock) time (h:mm:ss or m:ss)"].split(":")
        wall.append(sum(float(part) * 60 ** i for i, part in enumerate(reversed(clock))))
        faults.append(int(fields["Minor (reclaiming a frame) page faults"]))
        switches.append(int(fields["Voluntary context switches"]))
    return {"maxrss_kb": rss, "cpu_s": cpu, "wall_s": wall, "minor_faults": faults, "voluntary_switches": switches}


def section_transaction(bench):
    records, cases = [], []
    for stack in "abcdefg":
        user = bench.user_for(stack)
        for path in ("ok", "fail"):
            service = f"{stack}-{path}"
            reset = bench.reset_for(stack, path)
            command = lambda st=stack, pa=path, se=service, us=user: bench.driver_command(se, us, bench.answers_for(st, pa))
            last = bench.check_outcome(command(), path, reset)
            record = {"stack": stack, "name": STACK_NAMES[stack], "path": path, "service": service,
                      "outcome": last, "command": " ".join(command()).replace(TOP + "/", ""),
                      "prepare": os.path.basename(reset)}
            records.append(record)
            cases.append(HyperfineCase(bench, service, command, reset, path == "fail"))
    hyperfine_rounds(cases, "1. whole transaction")
    for record, case in zip(records, cases):
        log(f"1. /usr/bin/time -v: {record['service']}")
        record["hyperfine"] = case.result()
        record["time_v"] = time_v(case.command(), case.reset, TIME_RUNS)
    bench.save("transaction", {"runs": HF_RUNS, "warmup": HF_WARMUP, "time_runs": TIME_RUNS, "records": records,
                               "stacks": {s: open(os.path.join(bench.confdir, f"{s}-fail")).read() for s in "abcdefg"}})


# ---- 2. in-process loop: lw_pamdrive --repeat N

def timed(command):
    """Wall seconds, CPU seconds (user + system of the child) and the result of one command."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    t0 = time.perf_counter()
    result = run(command, check=False)
    wall = time.perf_counter() - t0
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    return wall, cpu, result


def driver_report(output):
    values = dict(re.findall(r"^(rss_kb|fds): (-?\d+)$", output, re.M))
    return {k: int(v) for k, v in values.items()}


class LoopCase:
    """Repeated `lw_pamdrive --repeat N` runs of one service; per attempt = (T(N) - T(1)) / (N - 1)."""

    def __init__(self, bench, service, user, reset, n, answers=lambda: []):
        self.bench, self.service, self.user, self.reset, self.n, self.answers = bench, service, user, reset, n, answers
        self.one, self.many, self.one_cpu, self.many_cpu = [], [], [], []
        self.reports, self.outcomes = {}, {}

    def round(self):
        """One measurement of T(1) and T(N) (plus extra T(1) runs for a steadier baseline)."""
        answers = self.answers()
        for _ in range(max(1, LOOP_ONE_REPS // LOOP_REPS)):
            run([self.reset])
            seconds, cpu, result = timed(self.bench.driver_command(self.service, self.user, answers, repeat=1))
            self.one.append(seconds)
            self.one_cpu.append(cpu)
            self.reports["one"] = driver_report(result.stdout)
        run([self.reset])
        seconds, cpu, result = timed(self.bench.driver_command(self.service, self.user, answers, repeat=self.n))
        self.many.append(seconds)
        self.many_cpu.append(cpu)
        self.reports["many"] = driver_report(result.stdout)
        for line in result.stdout.splitlines():
            if line.startswith("auth: "):
                self.outcomes[line[6:]] = self.outcomes.get(line[6:], 0) + 1

    def result(self):
        n = self.n
        return {"n": n, "one_s": self.one, "many_s": self.many, "one_cpu_s": self.one_cpu, "many_cpu_s": self.many_cpu,
                "per_attempt_s": (median(self.many) - median(self.one)) / (n - 1),
                "cpu_per_attempt_s": (median(self.many_cpu) - median(self.one_cpu)) / (n - 1),
                "driver": self.reports, "outcomes": self.outcomes}


def run_rounds(cases, label):
    """Rounds over all cases, so that a slow spell of the shared disk hits every stack alike."""
    for index in range(LOOP_REPS):
        log(f"{label}: round {index + 1} of {LOOP_REPS} ({len(cases)} cases x {cases[0].n} attempts)")
        for case in cases:
            case.round()


def section_loop(bench):
    user = bench.users[0]
    records, cases = [], []
    for stack in "bcdefg":
        for path in ("ok", "fail"):
            if stack in "eg" and path == "ok":
                continue
            case = LoopCase(bench, f"{stack}c-{path}", bench.user_for(stack), bench.reset_for(stack, path), LOOP_N,
                            answers=lambda s=stack, p=path: bench.answers_for(s, p))
            case.stack, case.path = stack, path
            cases.append(case)
    run_rounds(cases, "2. in-process loop")
    for stack in "bcdefg":
        for path in ("ok", "fail"):
            if stack in "eg" and path == "ok":
                records.append({"stack": stack, "name": STACK_NAMES[stack], "path": path, "skipped":
                                "a TOTP code is accepted once per user and 30-s step (replay protection), "
                                "so one process cannot log the same user in again and again"})
                continue
            case = next(c for c in cases if c.stack == stack and c.path == path)
            record = {"stack": stack, "name": STACK_NAMES[stack], "path": path, "service": case.service}
            record.update(case.result())
            if path == "fail":
                user = case.user
                run([case.reset])
                run(bench.driver_command(case.service, user, case.answers(), repeat=LOOP_N), check=False)
                record["counted"] = (bench.faillock_records(user) if stack in "bc"
                                     else bench.lw_failures(user, bench.conf_before_counting if stack in BEFORE
                                                            else bench.conf_counting))
            records.append(record)
    bench.save("loop", {"records": records, "policy": COUNTING})


# ---- 3. contention

def run_workers(bench, mode, service, users, attempts):
    start_at = time.monotonic_ns() + int((3 + len(users) * 0.05) * 1e9)
    processes, outs = [], []
    for i, user in enumerate(users):
        out = os.path.join(bench.work, f"worker-{i}.json")
        outs.append(out)
        processes.append(subprocess.Popen(
            [PYTHON, PAMLOOP, "--mode", mode, "--driver", DRIVER, "--confdir", bench.confdir, "--service", service,
             "--user", user, "--attempts", str(attempts), "--start-at", str(start_at), "--out", out],
            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True))
    errors = []
    for process in processes:
        try:
            _, err = process.communicate(timeout=600)
        except subprocess.TimeoutExpired:
            process.kill()
            _, err = process.communicate()
        if process.returncode != 0:
            errors.append(err[-500:])
    if errors:
        raise RuntimeError(f"{len(errors)} workers failed: {errors[0]}")
    results = []
    for out in outs:
        with open(out) as handle:
            results.append(json.load(handle))
        os.unlink(out)
    return results


def section_contention(bench):
    scenarios = [
        ("one-user", [bench.users[0]] * CONT_ONE_WORKERS, CONT_ONE_USER),
        ("many-users", bench.users[:CONT_MANY_WORKERS], CONT_MANY_USERS),
    ]
    records = []
    for scenario, workers, attempts in scenarios:
        distinct = sorted(set(workers))
        for mode in ("spawn", "inproc"):
            for stack in "bd":
                service = f"{stack}c-fail"
                log(f"3. contention: {scenario}, {len(workers)} workers x {attempts} failures, {mode}, {service}")
                bench.reset_all(distinct)
                results = run_workers(bench, mode, service, workers, attempts)
                latencies = [ns for r in results for ns in r["latencies_ns"]]
                wall = (max(r["end_ns"] for r in results) - min(r["start_ns"] for r in results)) / 1e9
                outcomes = {}
                for r in results:
                    for key, count in r["outcomes"].items():
                        outcomes[key] = outcomes.get(key, 0) + count
                expected = {u: workers.count(u) * attempts for u in distinct}
                if stack == "b":
                    counted = {u: bench.faillock_records(u) for u in distinct}
                else:
                    counted = {u: bench.lw_failures(u, bench.conf_counting) for u in distinct}
                records.append({
                    "scenario": scenario, "mode": mode, "stack": stack, "name": STACK_NAMES[stack],
                    "workers": len(workers), "users": len(distinct), "attempts_per_worker": attempts,
                    "total": len(latencies), "wall_s": wall, "attempts_per_s": len(latencies) / wall,
                    "p50_ms": percentile(latencies, 0.50) / 1e6, "p99_ms": percentile(latencies, 0.99) / 1e6,
                    "max_ms": max(latencies) / 1e6, "outcomes": outcomes,
                    "expected_total": sum(expected.values()), "counted_total": sum(counted.values()),
                    "exact": counted == expected,
                    "mismatched_users": sorted(u for u in distinct if counted[u] != expected[u]),
                })
                log(f"   {records[-1]['attempts_per_s']:.0f}/s p99 {records[-1]['p99_ms']:.1f} ms "
                    f"counted {records[-1]['counted_total']}/{records[-1]['expected_total']}")
    bench.save("contention", {"records": records, "policy": COUNTING})


# ---- 4. scale

def fill_database(db, users, uid_base, events):
    connection = sqlite3.connect(db, timeout=30, isolation_level=None)
    try:
        columns = {row[1] for row in connection.execute("PRAGMA table_info(accounts)")}
        needed = {"uid", "name", "updated_at", "last_success_at"}
        if not needed <= columns:
            raise RuntimeError(f"accounts table lacks {needed - columns}")
        now = int(time.time())
        connection.execute("BEGIN IMMEDIATE")
        connection.execute(
            """
            WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < ?)
            INSERT INTO accounts (uid, name, last_success_at, updated_at)
            SELECT ? + i, CAST('lwb-fill-' || i AS BLOB), ? - (i % 86400), ? - (i % 86400) FROM n
            """, (users, uid_base, now, now))
        connection.execute("COMMIT")
        connection.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        accounts_size = os.path.getsize(db)
        connection.execute("BEGIN IMMEDIATE")
        connection.execute(
            """
            WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < ?)
            INSERT INTO events (time, user, uid, action, service, rhost, tty, actor, detail)
            SELECT ? - (i % 86400), 'lwb-fill-' || i, ? + i, 'Login succeeded', 'sshd', '203.0.113.' || (i % 250),
                   'ssh', '', '' FROM n
            """, (events, now, uid_base))
        connection.execute("COMMIT")
        connection.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        sizes = {}
        try:
            for name, size in connection.execute("SELECT name, SUM(pgsize) FROM dbstat GROUP BY name"):
                sizes[name] = size
        except sqlite3.Error:
            pass
        return {"accounts_only_bytes": accounts_size, "total_bytes": os.path.getsize(db), "by_object": sizes}
    finally:
        connection.close()


def section_scale(bench):
    user = bench.users[0]
    records, hf_cases, loop_cases = [], [], []
    for users in SCALES:
        tag = f"s{users}"
        state = os.path.join(bench.work, f"state-{users}")
        os.mkdir(state)
        os.chmod(state, 0o700)
        db = os.path.join(state, "lockwarden.db")
        conf = bench.lw_conf(f"lw-{users}.conf", STANDARD, db=db)
        conf_counting = bench.lw_conf(f"lw-{users}-counting.conf", COUNTING, db=db)
        run([CLI, "--conf", conf, "init"])
        log(f"4. scale: filling {users} accounts and {min(users, MAX_EVENTS)} events")
        t0 = time.perf_counter()
        sizes = fill_database(db, users - 1, FILL_UID_BASE, min(users, MAX_EVENTS))
        fill_s = time.perf_counter() - t0
        with open(os.path.join(bench.confdir, f"d{tag}-ok"), "w") as handle:
            handle.write(open(os.path.join(bench.confdir, "d-ok")).read().replace(bench.conf, conf))
        with open(os.path.join(bench.confdir, f"d{tag}-fail"), "w") as handle:
            handle.write(open(os.path.join(bench.confdir, "d-fail")).read().replace(bench.conf, conf))
        with open(os.path.join(bench.confdir, f"d{tag}c-fail"), "w") as handle:
            handle.write(open(os.path.join(bench.confdir, "dc-fail")).read().replace(bench.conf_counting,
                                                                                   conf_counting))
        # A success through the module clears the user's failures and keeps the account index
        # current (an SQL reset would make every login rebuild it from all the accounts).
        reset = bench.write_script(f"reset-lw-{users}.sh", [
            " ".join(bench.driver_command(f"d{tag}-ok", user, [])) + " >/dev/null"])
        record = {"users": users, "fill_s": fill_s, "sizes": sizes, "events": min(users, MAX_EVENTS),
                  "db": db, "conf_counting": conf_counting}
        for path in ("ok", "fail"):
            service = f"d{tag}-{path}"
            command = bench.driver_command(service, user, [])
            bench.check_outcome(command, path, reset)
            hf_cases.append((record, path, HyperfineCase(bench, service, lambda c=command: c, reset, path == "fail")))
        loop_cases.append((record, LoopCase(bench, f"d{tag}c-fail", user, reset, LOOP_N)))
        records.append(record)
    hyperfine_rounds([c for _, _, c in hf_cases], "4. scale, whole transaction")
    run_rounds([c for _, c in loop_cases], "4. scale, in-process loop")
    for record, path, case in hf_cases:
        record[f"hyperfine_{path}"] = case.result()
    for record, case in loop_cases:
        record["loop_fail"] = case.result()
        run([case.reset])
        run(bench.driver_command(case.service, user, [], repeat=LOOP_N), check=False)
        record["loop_fail"]["counted"] = bench.lw_failures(user, record.pop("conf_counting"))
        record["db_bytes_after"] = os.path.getsize(record.pop("db"))
    for users in SCALES:
        shutil.rmtree(os.path.join(bench.work, f"state-{users}"), ignore_errors=True)
    bench.save("scale", {"records": records})


# ---- 5. cost breakdown

def callgrind(command, out):
    result = run(["valgrind", "--tool=callgrind", f"--callgrind-out-file={out}"] + command, check=False,
                 timeout=600)
    match = re.search(r"Collected : (\d+)", result.stderr)
    return int(match.group(1)) if match else None


def annotate(out, inclusive):
    """Function -> instructions (inclusive or self) from callgrind_annotate."""
    text = run(["callgrind_annotate", "--auto=no", f"--inclusive={'yes' if inclusive else 'no'}", "--threshold=100", out]).stdout
    costs = {}
    for line in text.splitlines():
        match = re.match(r"^\s*([\d,]+)\s+\([\s\d.]+%\)\s+(.+?)(?:\s+\[(.+)\])?$", line)
        if match and match.group(2) != "PROGRAM TOTALS":
            value = int(match.group(1).replace(",", ""))
            name = match.group(2)
            name = name.split(":", 1)[1] if ":" in name and not name.startswith("???") else name.replace("???:", "")
            name = re.sub(r"'\d+$", "", name)
            where = os.path.basename(match.group(3) or "")
            key = (name, where)
            costs[key] = max(costs.get(key, 0), value)
    return costs


def demangle(names):
    tool = shutil.which("swift-demangle") or shutil.which("swift")
    if not tool:
        return {n: n for n in names}
    command = [tool] + ([] if tool.endswith("swift-demangle") else ["demangle"]) + ["--simplified", "--compact"]
    try:
        result = subprocess.run(command, input="\n".join(names) + "\n", capture_output=True, text=True, timeout=60)
        lines = result.stdout.splitlines()
        if result.returncode == 0 and len(lines) == len(names):
            return dict(zip(names, lines))
    except (OSError, subprocess.SubprocessError):
        pass
    return {n: n for n in names}


# Parts of one Lockwarden attempt, found by function name in the callgrind profile (inclusive
# instruction counts, summed over the calls of one attempt). Patterns match demangled Swift
# names or C names; the first match of each pattern list wins.
BREAKDOWN = [
    ("whole process (driver, libpam, modules)", [r"^\(below main\)$"]),
    ("pam_start_confdir (parse stack, load modules)", [r"^pam_start_confdir$"]),
    ("dlopen of the core and its libraries", [r"^lw_core_load$"]),
    ("core: configuration (read + parse)", [r"CallSettings\.load"]),
    ("core: user lookup (getpwnam, groups)", [r"CallSubject\.resolve"]),
    ("core: database open (checks, open, pragmas, schema)", [r"StateStore\.open\(for:"]),
    ("core: transaction (BEGIN IMMEDIATE ... COMMIT)", [r"StateStore\.immediateTransaction"]),
    ("core: read account row", [r"StateStore\.account\("]),
    ("core: write account row", [r"StateStore\.save\("]),
    ("core: append event", [r"StateStore\.append\("]),
    ("core: policy decision", [r"Step\.decide", r"LockPolicy\."]),
    ("core: TOTP step", [r"TOTPFlow\.run"]),
    ("sqlite3_prepare (SQL parsing, all statements)", [r"^sqlite3_prepare_v2$"]),
    ("sqlite3_close (checkpoint of the WAL on close)", [r"^sqlite3_close(_v2)?$"]),
    ("syslog lines", [r"^host_log$"]),
]


def breakdown(out):
    inclusive = annotate(out, True)
    exclusive = annotate(out, False)
    names = demangle(sorted({n for n, _ in inclusive} | {n for n, _ in exclusive}))
    readable, core_functions = {}, {}
    for (raw, where), value in inclusive.items():
        key = names.get(raw, raw)
        readable[key] = max(readable.get(key, 0), value)
        if where.startswith(("liblockwarden_core", "pam_lockwarden")):
            core_functions[key] = max(core_functions.get(key, 0), value)
    parts = []
    for label, patterns in BREAKDOWN:
        value = None
        for pattern in patterns:
            hits = [v for n, v in readable.items() if re.search(pattern, n)]
            if hits:
                value = max(hits)
                break
        parts.append({"part": label, "ir": value})
    core = sorted(((v, n) for n, v in core_functions.items()), reverse=True)
    by_self = sorted(((v, names.get(n, n), w) for (n, w), v in exclusive.items()), reverse=True)
    by_object = {}
    for (n, w), v in exclusive.items():
        by_object[w or "?"] = by_object.get(w or "?", 0) + v
    return {"parts": parts,
            "top_core_inclusive": [{"function": n[:140], "ir": v} for v, n in core[:30]],
            "top_self": [{"function": n[:100], "object": w, "ir": v} for v, n, w in by_self[:20]],
            "self_by_object": dict(sorted(by_object.items(), key=lambda kv: -kv[1]))}


def strace_syscalls(command, reset):
    run([reset])
    path = os.path.join(os.path.dirname(os.path.abspath(reset)), "strace.txt")
    run(["strace", "-f", "-w", "-c", "-o", path] + command, check=False)
    calls = {}
    with open(path) as handle:
        for line in handle:
            parts = line.split()
            if len(parts) >= 5 and re.match(r"^[\d.]+$", parts[0]) and parts[-1] != "total":
                seconds, count = float(parts[1]), int(parts[3])
                calls[parts[-1]] = {"seconds": seconds, "calls": count}
    os.unlink(path)
    return calls


def dlopen_costs(bench):
    """Instructions to dlopen(RTLD_NOW) each library into a fresh process, over a baseline."""
    libs = {
        "baseline": None,
        "liblockwarden_core.so (with its libraries)": CORE,
        "liblockwarden_core.so before (static runtime)": bench.before_core,
        "libstdc++.so.6": "libstdc++.so.6",
        "libcrypto.so.3": "libcrypto.so.3",
        "libsqlite3.so.0": "libsqlite3.so.0",
        "libqrencode.so.4": "libqrencode.so.4",
        "pam_lockwarden.so (module alone)": MODULE,
        "pam_faillock.so": os.path.join(SECURITY, "pam_faillock.so"),
        "pam_google_authenticator.so": os.path.join(SECURITY, "pam_google_authenticator.so"),
    }
    values = {}
    for label, lib in libs.items():
        code = "import ctypes" + (f"; ctypes.CDLL({lib!r}, mode=ctypes.RTLD_LOCAL | 2)" if lib else "")
        out = os.path.join(bench.work, "callgrind.dlopen")
        values[label] = callgrind([PYTHON, "-S", "-c", code], out)
        os.unlink(out)
    base = values.pop("baseline")
    costs = {label: (v - base if v is not None and base is not None else None) for label, v in values.items()}
    relocations = {}
    for label, lib in libs.items():
        if not lib:
            continue
        path = lib if lib.startswith("/") else os.path.join("/lib/x86_64-linux-gnu", lib)
        text = run(["readelf", "-rW", path], check=False).stdout
        kinds = {}
        for kind in re.findall(r"\bR_X86_64_(\w+)", text):
            kinds[kind] = kinds.get(kind, 0) + 1
        relr = re.search(r"'\.relr\.dyn' at offset \w+ contains (\d+) entr", text)
        relocations[label] = {"symbolic": sum(v for k, v in kinds.items() if k != "RELATIVE"),
                              "relative": kinds.get("RELATIVE", 0), "relr_words": int(relr.group(1)) if relr else 0,
                              "file_bytes": os.path.getsize(os.path.realpath(path))}
    return costs, relocations


FLOOR_LOADER = r"""#include <dlfcn.h>
#include <stdio.h>
int main(int argc, char **argv) {
    if (argc > 1 && !dlopen(argv[1], RTLD_NOW | RTLD_LOCAL)) { fprintf(stderr, "%s\n", dlerror()); return 1; }
    return 0;
}
"""

FLOOR_SQLITE = "libsqlite3.so.0 alone"
FLOOR_CORE = "Lockwarden core (Embedded Swift, with its libraries)"
FLOOR_BEFORE = "Lockwarden core before (static Swift runtime)"
FLOOR_PRIVATE_SQLITE = "liblockwarden_sqlite.so (the core's own SQLite) alone"


def runtime_floor(bench):
    """What loading costs a process before anything runs: a minimal C program that only dlopen()s
    one library, against the program alone. The core loads libsqlite3 only when a login needs it,
    so its load is compared with loading libsqlite3 alone."""
    gcc = shutil.which("gcc")
    if not gcc:
        return {"error": "gcc not on PATH"}
    work = os.path.join(bench.work, "floor")
    os.makedirs(work, exist_ok=True)
    with open(os.path.join(work, "loader.c"), "w") as handle:
        handle.write(FLOOR_LOADER)
    loader = os.path.join(work, "loader")
    run([gcc, "-O2", "-o", loader, os.path.join(work, "loader.c"), "-ldl"])
    none = bench.resets["none"]
    cases = {"C program alone": [loader], FLOOR_SQLITE: [loader, "libsqlite3.so.0"],
             FLOOR_PRIVATE_SQLITE: [loader, os.path.join(os.path.dirname(CORE), "liblockwarden_sqlite.so")],
             FLOOR_CORE: [loader, CORE], FLOOR_BEFORE: [loader, bench.before_core]}
    result = {}
    for label, command in cases.items():
        timed = hyperfine(bench, "floor", command, none, False)
        target = command[-1] if command[-1].startswith("/") else os.path.join("/lib/x86_64-linux-gnu", command[-1])
        result[label] = {"median_s": timed["median"], "cpu_s": timed["user"] + timed["system"],
                         "maxrss_kb": statistics.median(time_v(command, none, TIME_RUNS)["maxrss_kb"]),
                         "file_bytes": os.path.getsize(os.path.realpath(target))}
    return result


def perf_profile(bench, service, stack, path, attempts):
    """CPU samples (perf, cpu-clock) of the driver over a loop of attempts, by shared object."""
    data = os.path.join(bench.work, "perf.data")
    command = " ".join(bench.driver_command(service, bench.user_for(stack), bench.answers_for(stack, path)))
    loop = bench.write_script("perf-loop.sh", [
        f"i=0; while [ $i -lt {attempts} ]; do {bench.reset_for(stack, path)}; {command} >/dev/null || :; "
        "i=$((i+1)); done"])
    recorded = run(["perf", "record", "-q", "-e", "cpu-clock", "-F", "4000", "-o", data, "--", loop], check=False,
                   timeout=600)
    if recorded.returncode != 0:
        return {"error": (recorded.stderr or recorded.stdout)[-300:]}
    report = run(["perf", "report", "-i", data, "--no-children", "--comm", "lw_pamdrive", "--sort", "dso,sym",
                  "--stdio", "-g", "none"], check=False).stdout
    os.unlink(data)
    by_dso, symbols = {}, []
    for line in report.splitlines():
        match = re.match(r"^\s*([\d.]+)%\s+(\S+)\s+\[([.k])\]\s+(.+?)\s*$", line)
        if match:
            share, dso, _, symbol = float(match.group(1)), match.group(2), match.group(3), match.group(4)
            by_dso[dso] = by_dso.get(dso, 0.0) + share
            symbols.append((share, dso, symbol))
    total = sum(by_dso.values()) or 1.0
    return {"attempts": attempts,
            "by_dso": {k: v / total for k, v in sorted(by_dso.items(), key=lambda kv: -kv[1])},
            "top": [{"share": v / total, "dso": d, "symbol": n[:80]} for v, d, n in sorted(symbols, reverse=True)[:15]]}


def section_breakdown(bench):
    totals = []
    cg = os.path.join(bench.work, "callgrind.out")
    profiles = {}
    for stack in "abcdefg":
        for path in ("ok", "fail"):
            service = f"{stack}-{path}"
            log(f"5. callgrind: {service}")
            command = bench.driver_command(service, bench.user_for(stack), bench.answers_for(stack, path))
            reset = bench.reset_for(stack, path)
            run([reset])
            ir = callgrind(command, cg)
            totals.append({"stack": stack, "name": STACK_NAMES[stack], "path": path, "ir": ir})
            if service in ("b-fail", "d-ok", "d-fail", "e-fail"):
                profiles[service] = breakdown(cg)
            os.unlink(cg)
    syscalls = {}
    for service, stack, path in (("b-fail", "b", "fail"), ("d-ok", "d", "ok"), ("d-fail", "d", "fail"),
                                 ("e-fail", "e", "fail")):
        log(f"5. strace: {service}")
        command = bench.driver_command(service, bench.user_for(stack), bench.answers_for(stack, path))
        syscalls[service] = strace_syscalls(command, bench.reset_for(stack, path))
    log("5. dlopen cost per library")
    dlopen, relocations = dlopen_costs(bench)
    log("5. the load floor: the core against libsqlite3 alone")
    try:
        floor = runtime_floor(bench)
    except Exception as error:  # the rest of the section still counts
        floor = {"error": str(error)[:500]}
    memory = {}
    for service, stack, path in (("b-fail", "b", "fail"), ("c-fail", "c", "fail"), ("d-fail", "d", "fail"),
                                 ("e-fail", "e", "fail")):
        log(f"5. resident memory by mapping: {service}")
        run([bench.reset_for(stack, path)])
        out = os.path.join(bench.work, "smaps.json")
        command = [PYTHON, PAMLOOP, "--mode", "smaps", "--confdir", bench.confdir, "--service", service,
                   "--user", bench.user_for(stack), "--out", out]
        for answer in bench.answers_for(stack, path):
            command += ["--answer", answer]
        run(command)
        with open(out) as handle:
            memory[service] = json.load(handle)
        os.unlink(out)
    perf = {}
    if shutil.which("perf"):
        for service, stack, path in (("b-fail", "b", "fail"), ("d-fail", "d", "fail"), ("e-fail", "e", "fail")):
            log(f"5. perf: {service}")
            perf[service] = perf_profile(bench, service, stack, path, 20 if QUICK else 100)
    bench.save("breakdown", {"callgrind_totals": totals, "profiles": profiles, "syscalls": syscalls,
                             "dlopen_ir": dlopen, "relocations": relocations, "memory": memory, "perf": perf,
                             "floor": floor})


# ---- the machine

def section_fleet(bench):
    """The fleet: bench/fleet.py (it uses the integration tests' PostgreSQL fleet)."""
    log("section 6: the fleet (PostgreSQL, three hosts in namespaces, then 20 simulated hosts)")
    import fleet
    fleet.section_fleet(bench, MODULE, DRIVER, QUICK)


def package_versions():
    names = ["libpam0g", "libpam-modules", "libpam-google-authenticator", "libsqlite3-0", "libssl3", "libstdc++6",
             "libqrencode4", "libc6", "hyperfine", "valgrind", "oathtool", "time"]
    result = run(["dpkg-query", "-W", "-f", "${Package} ${Version}\\n"] + names, check=False)
    return dict(line.split(" ", 1) for line in result.stdout.splitlines() if " " in line)


OWN_PROCESSES = {"lw_pamdrive", "hyperfine", "ps", "sqlite3", "faillock", "time", "valgrind", "strace", "perf",
                 "lockwarden", "sh"}


def busy_processes():
    """Other processes that used CPU recently (ps: CPU share over each process's life)."""
    result = run(["ps", "-eo", "pid,pcpu,comm", "--sort=-pcpu", "--no-headers"], check=False)
    mine = {os.getpid(), os.getppid()}
    busy = []
    for line in result.stdout.splitlines():
        parts = line.split(None, 2)
        if len(parts) == 3 and float(parts[1]) >= 5.0 and int(parts[0]) not in mine \
                and parts[2].strip() not in OWN_PROCESSES and not parts[2].startswith("memcheck"):
            busy.append(parts[2].strip())
    return sorted(set(busy))[:10]


def sha256(path):
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def machine(bench, phase):
    info = {
        "phase": phase,
        "time": time.strftime("%Y-%m-%d %H:%M:%S %z"),
        "loadavg": open("/proc/loadavg").read().split()[:3],
        "busy_processes": busy_processes(),
        "core_sha256": sha256(CORE),
        "snapshots": getattr(bench, "snapshots", []),
    }
    if phase == "start":
        cpu = [l.split(":", 1)[1].strip() for l in open("/proc/cpuinfo") if l.startswith("model name")]
        os_release = dict(l.rstrip("\n").split("=", 1) for l in open("/etc/os-release") if "=" in l)
        info.update({
            "nproc": run(["nproc"]).stdout.strip(),
            "cpu": cpu[0] if cpu else platform.processor(),
            "free_h": run(["free", "-h"]).stdout.rstrip(),
            "kernel": platform.release(),
            "os": os_release.get("PRETTY_NAME", "").strip('"'),
            "filesystem": run(["df", "-hT", bench.work]).stdout.splitlines()[-1].split()[1],
            "dev_log": os.path.exists("/dev/log"),
            "packages": package_versions(),
            "swift": (run(["swift", "--version"], check=False).stdout.strip().splitlines() or [""])[0]
            if shutil.which("swift") else "",
            "git": run(["git", "-C", TOP, "rev-parse", "--short", "HEAD"], check=False).stdout.strip(),
            # The report and plot this run rewrites do not count as changes to what was measured.
            "git_dirty": bool(run(["git", "-C", TOP, "status", "--porcelain", "--untracked-files=no", "--", ".",
                                   ":!docs/BENCHMARKS.md", ":!docs/benchmarks.png"], check=False).stdout.strip()),
            "core_bytes": os.path.getsize(CORE),
            "before_core_bytes": os.path.getsize(bench.before_core) if getattr(bench, "before_core", None) else None,
            "before_rev": BEFORE_REV,
            "quick": QUICK,
            "note": os.environ.get("BENCH_NOTE", ""),
        })
    return info


def main():
    parser = argparse.ArgumentParser(description="Lockwarden benchmarks (see bench/run)")
    parser.add_argument("--out", required=True)
    parser.add_argument("--only", default="1,2,3,4,5,6", help="comma-separated sections to run")
    args = parser.parse_args()
    if os.geteuid() != 0:
        sys.exit("lwbench: run as root")
    bench = Bench(os.path.abspath(args.out))
    sections = {"1": section_transaction, "2": section_loop, "3": section_contention, "4": section_scale,
                "5": section_breakdown, "6": section_fleet}
    started = time.time()
    durations = {}
    try:
        bench.setup()
        start_info = machine(bench, "start")
        bench.snapshots = []
        for key in args.only.split(","):
            bench.snapshots.append({"section": key, "loadavg": open("/proc/loadavg").read().split()[:3],
                                    "busy_processes": busy_processes()})
            t0 = time.time()
            try:
                sections[key](bench)
            except Exception as error:  # one broken section must not lose the others
                log(f"section {key} failed: {error}")
                bench.errors.append({"section": key, "error": str(error)[:2000]})
            durations[key] = time.time() - t0
        bench.save("machine", {"start": start_info, "end": machine(bench, "end"), "durations_s": durations,
                               "total_s": time.time() - started, "errors": bench.errors,
                               "command": "make bench", "settings": {
                                   "hyperfine_runs": HF_RUNS, "hyperfine_rounds": HF_ROUNDS, "warmup": HF_WARMUP, "time_runs": TIME_RUNS,
                                   "loop_n": LOOP_N, "loop_reps": LOOP_REPS, "scales": SCALES,
                                   "contention": [[CONT_ONE_WORKERS, CONT_ONE_USER],
                                                  [CONT_MANY_WORKERS, CONT_MANY_USERS]],
                                   "standard_policy": STANDARD, "counting_policy": COUNTING}})
    finally:
        bench.remove_users()
    log(f"done in {time.time() - started:.0f} s" + (f", {len(bench.errors)} section(s) failed" if bench.errors else ""))
    sys.exit(1 if bench.errors else 0)


if __name__ == "__main__":
    main()
