#!/usr/bin/python3
"""Turns the raw results of bench/lwbench.py into docs/BENCHMARKS.md and docs/benchmarks.png.

    report.py --results build/bench/results --markdown docs/BENCHMARKS.md --plot docs/benchmarks.png
"""
import argparse
import json
import os
import statistics

STACKS = {
    "a": "(a) pam_permit only",
    "b": "(b) pam_faillock",
    "c": "(c) pam_faillock + google-authenticator",
    "d": "(d) Lockwarden",
    "e": "(e) Lockwarden + TOTP",
    "f": "(d) before: static-runtime core",
    "g": "(e) before: static-runtime core",
}
FLOOR_SQLITE = "libsqlite3.so.0 alone"
FLOOR_CORE = "Lockwarden core (Embedded Swift, with its libraries)"
FLOOR_BEFORE = "Lockwarden core before (static Swift runtime)"
PATHS = {"ok": "success", "fail": "failure"}


def load(results, name):
    path = os.path.join(results, name + ".json")
    if not os.path.exists(path):
        return None
    with open(path) as handle:
        return json.load(handle)


def ms(seconds, digits=2):
    return "–" if seconds is None else f"{seconds * 1e3:.{digits}f}"


def ratio(value, base):
    if value is None or not base:
        return "–"
    return f"{value / base:.2f}×"


def mib(kb):
    return "–" if kb is None else f"{kb / 1024:.1f}"


def mega(ir):
    return "–" if ir is None else f"{ir / 1e6:.2f} M"


def verdict(met):
    return "**met**" if met else "**missed**"


def table(headers, rows):
    lines = ["| " + " | ".join(headers) + " |", "| " + " | ".join("---" for _ in headers) + " |"]
    lines += ["| " + " | ".join(str(c) for c in row) + " |" for row in rows]
    return "\n".join(lines)


class Report:
    def __init__(self, results, baseline=None):
        self.baseline = baseline
        self.machine = load(results, "machine") or {}
        self.transaction = load(results, "transaction")
        self.loop = load(results, "loop")
        self.contention = load(results, "contention")
        self.scale = load(results, "scale")
        self.breakdown = load(results, "breakdown")
        self.fleet = load(results, "fleet")
        self.targets = []

    # -- lookups

    def tx(self, stack, path):
        for record in (self.transaction or {}).get("records", []):
            if record["stack"] == stack and record["path"] == path:
                return record
        return None

    def tx_median(self, stack, path):
        record = self.tx(stack, path)
        return record["hyperfine"]["median"] if record else None

    def tx_rss(self, stack, path):
        record = self.tx(stack, path)
        return statistics.median(record["time_v"]["maxrss_kb"]) if record else None

    def tx_cpu(self, stack, path):
        record = self.tx(stack, path)
        return record["hyperfine"]["user"] + record["hyperfine"]["system"] if record else None

    def lp(self, stack, path):
        for record in (self.loop or {}).get("records", []):
            if record["stack"] == stack and record["path"] == path:
                return record
        return None

    def ir(self, stack, path):
        for record in (self.breakdown or {}).get("callgrind_totals", []):
            if record["stack"] == stack and record["path"] == path:
                return record["ir"]
        return None

    # -- sections

    def header(self):
        start = self.machine.get("start", {})
        end = self.machine.get("end", {})
        settings = self.machine.get("settings", {})
        out = ["# Benchmarks", ""]
        out.append(
            "Lockwarden against the stack it replaces, `pam_faillock` + `pam_google_authenticator`, measured in "
            "one run on one machine with the same policy. Every figure below comes from that one run of "
            "`make bench`; nothing is copied from elsewhere. The raw results are JSON files in "
            "`build/bench/results/`.")
        out.append("")
        if start.get("quick"):
            out += ["> **Smoke run** (`BENCH_QUICK=1`): few repetitions, the figures are not meaningful.", ""]
        out += ["## How to run", "",
                "As root, from a checkout, after the README's install command:", "",
                "```sh", "make bench", "```", "",
                "`make bench` builds the test module (`make test-core`) and runs `bench/run`, which installs "
                "what it needs from Debian (hyperfine, time, libpam-google-authenticator, oathtool, sqlite3, "
                "strace, valgrind, python3-matplotlib), creates its users (`lwb-u1` … `lwb-u64`, removed at the "
                "end), keeps its files under `build/bench/`, and rewrites this page and `docs/benchmarks.png`. "
                f"It took {self.machine.get('total_s', 0) / 60:.1f} minutes here. `BENCH_QUICK=1` makes a "
                "short smoke run; `BENCH_NOTE=...` adds a note to this page.", ""]
        out += ["## Machine", ""]
        packages = start.get("packages", {})
        rows = [
            ("Run", f"{start.get('time', '?')} (commit {start.get('git', '?')}"
                    f"{', with uncommitted changes in the tree' if start.get('git_dirty') else ''})"),
            ("CPU", f"{start.get('cpu', '?')}, `nproc` = {start.get('nproc', '?')}"),
            ("Memory (`free -h`)", "<br>".join(f"`{l}`" for l in start.get("free_h", "").splitlines())),
            ("OS, kernel", f"{start.get('os', '?')}, Linux {start.get('kernel', '?')}"),
            ("Work files", f"{start.get('filesystem', '?')} (so fsync reaches the disk)"),
            ("Swift", start.get("swift", "?") or "?"),
            ("Core", f"`build/core/liblockwarden_core.so`, {start.get('core_bytes', 0) / 1e6:.1f} MB"),
            ("Packages", ", ".join(f"{k} {v}" for k, v in sorted(packages.items()))),
            ("/dev/log", "present (log lines were sent to a listener)" if start.get("dev_log")
             else "absent (syslog lines were dropped, so their cost is slightly under-counted)"),
            ("Load average at start / end", f"{' '.join(start.get('loadavg', []))} / {' '.join(end.get('loadavg', []))}"),
        ]
        out.append(table(["", ""], rows))
        out.append("")
        busy = set(start.get("busy_processes", []) + end.get("busy_processes", []))
        for snapshot in end.get("snapshots", []):
            busy |= set(snapshot.get("busy_processes", []))
        busy = sorted(busy)
        loads = ", ".join(f"{s['section']}: {s['loadavg'][0]}" for s in end.get("snapshots", []))
        note = start.get("note", "")
        out.append(
            "**Other work on the machine.** This machine is shared with other builds and test runs, which "
            "take CPU and disk bandwidth from the benchmark and widen the spread of every figure; "
            "compare stacks within this page rather than with another run. "
            + (f"Other busy processes seen during the run: {', '.join(busy)}. " if busy else
               "No other busy process was seen during the run. ")
            + (f"Load average (1 min) at the start of each section: {loads}. " if loads else "")
            + ("The core library changed during the run (it was rebuilt), so late sections measured a "
               "different build. " if start.get("core_sha256") != end.get("core_sha256") else "")
            + (note + " " if note else "")
            + ("Regenerate the figures on a quiet machine before comparing them closely." if busy else ""))
        out.append("")
        out += ["## Method", ""]
        out.append(
            "- **Same policy everywhere.** `deny = 5`, `fail_interval = 900`, `unlock_time = 300` for "
            "pam_faillock and Lockwarden. Loops and contention count hundreds of failures without locking, so "
            "they use `deny = 1000` for both (and Lockwarden's `max_consecutive_failures = 0`).")
        out.append(
            "- **Same password check everywhere.** `pam_permit` stands in for the password module (and "
            "`pam_deny` for a wrong password), so the stacks differ only in the lockout and TOTP modules.")
        out.append(
            "- **Failure paths.** (a), (b), (d): wrong password. (c), (e): right password, wrong code "
            "(the module verifies the code and counts the failure).")
        out.append(
            "- **pam_faillock runs with `nodelay`.** By default it asks libpam for a ~2 s delay after a "
            "counted failure, which would swamp every other cost; Lockwarden requests no delay. (In a real "
            "stack `pam_unix` asks for the same 2 s unless `nodelay`.)")
        out.append(
            "- **google-authenticator** reads a file `secret=build/bench/work/ga/${USER}` (mode 0400, "
            "`user=root`) with `TOTP_AUTH` and `WINDOW_SIZE 3`, no `RATE_LIMIT` and no `DISALLOW_REUSE`, so "
            "repeated runs work. Lockwarden uses `totp_window = 1` (the same three steps). Codes come from "
            "`oathtool`. With its defaults, google-authenticator searches a wide range of steps for clock "
            "skew after a wrong code, which is why its failure path costs more than its success path.")
        out.append(
            "- **Repeated runs of one attempt.** Before every timed run, an untimed `--prepare` step resets "
            "the user's state: `faillock --reset` for (b) and (c), an SQL `UPDATE` of the counters for (d) "
            "and (e), and for the TOTP success path of (e) also the replay mark (`mfa.last_step`), because "
            "Lockwarden accepts a code once only. Every timed attempt is therefore the first failure, or a "
            "success, of a user in good standing.")
        out.append(
            f"- **Whole transaction:** `build/lw_pamdrive` (a `pam_start_confdir` driver), one process per "
            f"attempt, `hyperfine -N`, {settings.get('hyperfine_runs', '?')} runs per case in "
            f"{settings.get('hyperfine_rounds', '?')} rounds that go through all cases in turn (each round "
            f"after {settings.get('warmup', '?')} warm-ups), so that a slow spell of the shared machine hits "
            "every stack alike; CPU is hyperfine's user + system time; peak RSS is the "
            f"median of {self.transaction.get('time_runs', '?') if self.transaction else '?'} runs of "
            "`/usr/bin/time -v`.")
        out.append(
            f"- **In-process loop:** `lw_pamdrive --repeat N` (N = {settings.get('loop_n', '?')}): per attempt "
            "= (time for N − time for 1) / (N − 1), medians of several runs taken in interleaved rounds, so "
            "process start and the first load of the modules are left out; CPU per attempt likewise from the "
            "child's user + system time.")
        out.append(
            "- **Contention:** workers start together; `spawn` starts `lw_pamdrive` for every attempt (sshd), "
            "`inproc` loops in one process through libpam with ctypes (gdm). Latency is per attempt.")
        out.append("")
        return out

    def section_transaction(self):
        out = ["## 1. Whole login transaction (one process per attempt)", ""]
        if not self.transaction:
            return out + ["Not measured in this run.", ""]
        rows = []
        for stack in "abcdefg":
            for path in ("ok", "fail"):
                record = self.tx(stack, path)
                if not record:
                    continue
                h = record["hyperfine"]
                faults = record["time_v"].get("minor_faults")
                rows.append([
                    STACKS[stack], PATHS[path], ms(h["median"]), ms(h["stddev"]), ms(h["user"]), ms(h["system"]),
                    f"{statistics.median(faults):.0f}" if faults else "–", mib(self.tx_rss(stack, path)),
                    mega(self.ir(stack, path)),
                    ratio(h["median"], self.tx_median("b", path)), ratio(h["median"], self.tx_median("c", path)),
                ])
        out.append(table(["Stack", "Path", "Median wall (ms)", "σ (ms)", "User CPU (ms)", "System CPU (ms)",
                          "Page faults", "Peak RSS (MiB)", "Instructions", "Wall vs (b)", "Wall vs (c)"], rows))
        out.append("")
        out.append("CPU: hyperfine's mean user and system time. Page faults (minor) and peak RSS: medians of "
                   "`/usr/bin/time -v`. Instructions: callgrind, whole process, one attempt (section 5). Wall "
                   "time beyond CPU time is waiting, mostly for the disk (fsync, section 5).")
        out.append("")
        return out

    def section_loop(self):
        out = ["## 2. In-process loop (pam_start / pam_authenticate / pam_end repeated)", ""]
        if not self.loop:
            return out + ["Not measured in this run.", ""]
        rows = []
        base = {p: (self.lp("b", p) or {}).get("per_attempt_s") for p in PATHS}
        base_c = {p: (self.lp("c", p) or {}).get("per_attempt_s") for p in PATHS}
        for record in self.loop["records"]:
            path = record["path"]
            if record.get("skipped"):
                rows.append([STACKS[record["stack"]], PATHS[path], "n/a", "", "", "", "", "", record["skipped"]])
                continue
            counted = record.get("counted")
            exact = "" if counted is None else ("yes" if counted == record["n"] else f"no ({counted}/{record['n']})")
            driver = record.get("driver", {})
            rss = f"{mib(driver.get('one', {}).get('rss_kb'))} → {mib(driver.get('many', {}).get('rss_kb'))}"
            rows.append([STACKS[record["stack"]], PATHS[path], ms(record["per_attempt_s"], 3),
                         ms(record.get("cpu_per_attempt_s"), 3),
                         ratio(record["per_attempt_s"], base[path]), ratio(record["per_attempt_s"], base_c[path]),
                         rss, exact, ""])
        out.append(table(["Stack", "Path", "Wall per attempt (ms)", "CPU per attempt (ms)", "vs (b)", "vs (c)",
                          "RSS after 1 → N (MiB)", "Failures counted exactly", "Note"], rows))
        out.append("")
        return out

    def section_contention(self):
        out = ["## 3. Contention", ""]
        if not self.contention:
            return out + ["Not measured in this run.", ""]
        rows = []
        records = self.contention["records"]
        for record in records:
            peer = next((r for r in records if r["scenario"] == record["scenario"] and r["mode"] == record["mode"]
                         and r["stack"] == "b"), None)
            scenario = (f"{record['workers']} processes, 1 user" if record["users"] == 1
                        else f"{record['workers']} processes, {record['users']} users")
            rows.append([scenario, record["mode"], STACKS[record["stack"]], f"{record['attempts_per_s']:.0f}",
                         ratio(record["attempts_per_s"], peer["attempts_per_s"] if peer else None),
                         f"{record['p50_ms']:.1f}", f"{record['p99_ms']:.1f}", f"{record['max_ms']:.0f}",
                         f"{record['counted_total']} / {record['expected_total']}",
                         "yes" if record["exact"] else "**no**"])
        out.append(table(["Load", "Mode", "Stack", "Attempts/s", "vs (b)", "p50 (ms)", "p99 (ms)", "max (ms)",
                          "Counted / made", "Exact"], rows))
        out.append("")
        out.append(
            "Counts: Lockwarden's `consecutive_failures` (`lockwarden show USER --json`), pam_faillock's "
            "records (`faillock --dir D --user U`). **pam_faillock does not fsync** its tally file: its "
            "throughput is that of the page cache, and a crash can lose recent failures. Lockwarden commits "
            "every failure with SQLite `synchronous = FULL` in WAL mode before it answers.")
        out.append("")
        lost = [r for r in records if not r["exact"]]
        if lost:
            out.append(
                "**Lost counts.** " + "; ".join(
                    f"{STACKS[r['stack']]}, {r['workers']} processes on {r['users']} user(s), {r['mode']}: "
                    f"{r['expected_total'] - r['counted_total']} of {r['expected_total']} failures not counted "
                    f"(slowest attempt {r['max_ms']:.0f} ms)" for r in lost)
                + ". An attempt that Lockwarden cannot record within `record_timeout` is denied without "
                "being counted, so under enough parallel attempts some failures go uncounted: a way around "
                "the lockout for an attacker who can open many connections at once.")
            out.append("")
        return out

    def section_scale(self):
        out = ["## 4. Scale (users in the database)", ""]
        if not self.scale:
            return out + ["Not measured in this run.", ""]
        records = self.scale["records"]
        first = records[0] if records else None
        rows = []
        for record in records:
            sizes = record["sizes"]
            per_user = None
            if first and record is not first:
                per_user = ((sizes["accounts_only_bytes"] - first["sizes"]["accounts_only_bytes"])
                            / (record["users"] - first["users"]))
            rows.append([
                f"{record['users']:,}", f"{record['events']:,}", f"{sizes['total_bytes'] / 1e6:.1f} MB",
                f"{sizes['accounts_only_bytes'] / 1e6:.1f} MB", "–" if per_user is None else f"{per_user:.0f} B",
                f"{record['fill_s']:.1f}", ms(record["hyperfine_fail"]["median"]),
                ratio(record["hyperfine_fail"]["median"], first["hyperfine_fail"]["median"]),
                ms(record["hyperfine_ok"]["median"]),
                ratio(record["hyperfine_ok"]["median"], first["hyperfine_ok"]["median"]),
                ms(record["loop_fail"]["per_attempt_s"], 3),
                ratio(record["loop_fail"]["per_attempt_s"], first["loop_fail"]["per_attempt_s"]),
            ])
        out.append(table(["Users", "Events", "DB size", "Accounts only", "Per user", "Fill (s)",
                          "Failure, process (ms)", "vs 1k", "Success, process (ms)", "vs 1k",
                          "Failure, in-process (ms)", "vs 1k"], rows))
        out.append("")
        out.append(
            "The accounts table is filled directly with SQLite in one transaction (UIDs from 3,000,000,000 "
            "up, which no real user has), and the event log with as many rows as users, up to Lockwarden's "
            "`max_events` (100,000), so the largest databases also pay for trimming a full log. "
            "\"Per user\" is the growth of the accounts table and its UID index per added user. The "
            "databases are in the page cache, as they are on a machine that logs users in all day. "
            "pam_faillock keeps one file per user who ever failed (at least one 4 KiB block each).")
        out.append("")
        return out

    def section_breakdown(self):
        out = ["## 5. Where a Lockwarden attempt spends its time", ""]
        b = self.breakdown
        if not b:
            return out + ["Not measured in this run.", ""]
        profiles = b.get("profiles", {})
        services = [s for s in ("d-fail", "d-ok", "e-fail") if s in profiles]
        if services:
            out.append("Instructions (callgrind, inclusive, one attempt in one process):")
            out.append("")
            rows = []
            for index, part in enumerate(profiles[services[0]]["parts"]):
                rows.append([part["part"]] + [mega(profiles[s]["parts"][index]["ir"]) for s in services])
            out.append(table(["Part"] + [f"{STACKS[s[0]]} {PATHS[s.split('-')[1]]}" for s in services], rows))
            out.append("")
            out.append("A part that shows \"–\" was inlined by the compiler. Parts overlap (the transaction "
                       "contains the row reads and writes; SQL parsing happens inside open and the transaction).")
            out.append("")
        dlopen = b.get("dlopen_ir", {})
        relocations = b.get("relocations", {})
        if dlopen:
            out.append("`dlopen(RTLD_NOW)` of each library alone into a fresh process (instructions above a "
                       "baseline), with its relocations. The core no longer loads libstdc++ (linked in) or "
                       "libcrypto (replaced); they stay in the table as the costs that were cut:")
            out.append("")
            rows = []
            for label, value in dlopen.items():
                r = relocations.get(label, {})
                relative = f"{r.get('relative', 0):,}"
                if r.get("relr_words"):
                    relative = f"packed: {r['relr_words']:,} RELR words"
                rows.append([label, mega(value), f"{r.get('symbolic', 0):,}", relative,
                             f"{r.get('file_bytes', 0) / 1e6:.2f} MB"])
            out.append(table(["Library", "dlopen", "Symbol relocations", "Relative relocations", "File"], rows))
            out.append("")
        syscalls = b.get("syscalls", {})
        if syscalls:
            out.append("System calls of one attempt (`strace -f -w -c`; strace slows each call, so times are "
                       "inflated, the counts are exact):")
            out.append("")
            rows = []
            for service, calls in syscalls.items():
                def get(name, key):
                    return calls.get(name, {}).get(key, 0)
                syncs = get("fdatasync", "calls") + get("fsync", "calls")
                sync_s = get("fdatasync", "seconds") + get("fsync", "seconds")
                rows.append([f"{STACKS[service[0]]} {PATHS[service.split('-')[1]]}", sum(c["calls"] for c in calls.values()),
                             syncs, ms(sync_s), get("openat", "calls"), get("unlink", "calls"),
                             get("pwrite64", "calls") + get("write", "calls")])
            out.append(table(["Stack", "System calls", "fsync + fdatasync", "their time (ms)", "openat", "unlink",
                              "write + pwrite"], rows))
            out.append("")
        perf = {k: v for k, v in b.get("perf", {}).items() if "by_dso" in v}
        if perf:
            out.append("Where the CPU time of the driver process goes (`perf record -e cpu-clock` over "
                       f"{next(iter(perf.values()))['attempts']} attempts, one process each; share of its samples):")
            out.append("")
            dsos = []
            for data in perf.values():
                for dso, share in data["by_dso"].items():
                    if share >= 0.02 and dso not in dsos:
                        dsos.append(dso)
            rows = [[f"{STACKS[k[0]]} {PATHS[k.split('-')[1]]}"] + [f"{v['by_dso'].get(d, 0) * 100:.0f} %" for d in dsos]
                    for k, v in perf.items()]
            out.append(table(["Stack"] + [d.replace("[kernel.kallsyms]", "kernel") for d in dsos], rows))
            out.append("")
            top = perf.get("d-fail", {}).get("top", [])
            if top:
                out.append("Heaviest symbols for (d) failure: " + ", ".join(
                    f"`{t['symbol']}` ({t['dso'].replace('[kernel.kallsyms]', 'kernel')}, {t['share'] * 100:.1f} %)"
                    for t in top[:10]) + ".")
                out.append("")
        memory = b.get("memory", {})
        if memory:
            out.append("Resident memory added by one attempt, by mapping (measured inside the process, before "
                       "`pam_end`):")
            out.append("")
            names = set()
            for data in memory.values():
                names |= {n for n, v in data["rss_delta_kb"].items() if abs(v) >= 100}
            names = sorted(names, key=lambda n: -max(d["rss_delta_kb"].get(n, 0) for d in memory.values()))
            rows = []
            for service, data in memory.items():
                total = data["rss_after_kb"] - data["rss_before_kb"]
                rows.append([f"{STACKS[service[0]]} {PATHS[service.split('-')[1]]}", mib(total)]
                            + [mib(data["rss_delta_kb"].get(n, 0)) for n in names])
            out.append(table(["Stack", "Total (MiB)"] + names, rows))
            out.append("")
        for service in ("d-fail", "e-fail"):
            profile = profiles.get(service)
            if not profile:
                continue
            out.append(f"<details><summary>Heaviest functions of {STACKS[service[0]]} "
                       f"{PATHS[service.split('-')[1]]} (inclusive, core and module)</summary>")
            out.append("")
            out.append(table(["Function", "Instructions"],
                             [[f"`{t['function']}`", mega(t["ir"])] for t in profile["top_core_inclusive"][:20]]))
            out.append("")
            out.append(table(["Self cost by object", "Instructions"],
                             [[k, mega(v)] for k, v in list(profile["self_by_object"].items())[:8]]))
            out.append("")
            out.append("</details>")
            out.append("")
        return out

    def fleet_login_ratio(self, path, config):
        login = (self.fleet or {}).get("login", {})
        none = "none-pinned" if config.endswith("-pinned") else "none"
        base, other = login.get(f"{none}-{path}"), login.get(f"{config}-{path}")
        return other["median_ms"] / base["median_ms"] if base and other else None

    def section_fleet(self):
        if not self.fleet:
            return []
        f = self.fleet
        out = ["## 6. The fleet (one lock state through PostgreSQL)", ""]
        out.append(
            "A real PostgreSQL 15 from Debian on this machine, started by the benchmark (`initdb`, TLS with "
            "`sslmode=verify-full`, SCRAM), and the fleet of the integration tests (`Tests/integration/"
            "fleet_cluster.py`). Every latency is measured from the return of the login (or the `lockwarden "
            "unlock`) that made the change to the commit of that change in another host's SQLite database, "
            "which the benchmark polls every 0.5 ms, as a login would read it.")
        out.append("")
        latency = f.get("latency", {})
        if latency:
            rows = []
            labels = {"lock_hc": "Lock (2 failures on ha, 3 on hb) enforced on hc",
                      "lock_ha": "… enforced on ha (whose own 2 failures did not lock)",
                      "unlock_ha": "Unlock on hc enforced on ha", "unlock_hb": "Unlock on hc enforced on hb"}
            for key, label in labels.items():
                record = latency.get(key)
                if record:
                    rows.append([label, record["n"], ms(record["p50_s"], 1), ms(record["p99_s"], 1),
                                 ms(record["max_s"], 1)])
            out.append("Three hosts, each agent in its own network namespace with a veth link to the database; "
                       "hb's clock runs 5 minutes ahead and hc's 5 minutes behind (libfaketime).")
            out.append("")
            out.append(table(["Change", "Rounds", "p50 (ms)", "p99 (ms)", "max (ms)"], rows))
            out.append("")
        t = f.get("throughput")
        if t:
            out.append(
                f"**{t['hosts']} simulated hosts.** Each host wrote a backlog of failures through real logins while "
                f"its agent was stopped ({t['failures'] // t['hosts']} per host, ten accounts shared by all); then "
                f"all {t['hosts']} agents started together. The database took {t['failures']:,} failures in "
                f"{t['first_to_last_s']:.2f} s from its first to its last ({t['wall_s']:.2f} s from the agents' "
                f"start, connection and resynchronisation included): **{t['failures_per_s']:.0f} failures/s**, "
                f"with 2 CPUs shared by the agents and the database. It holds {t['rows']:,} rows with "
                f"{t['distinct_keys']:,} distinct keys (host, local id), counting {t['counted']:,} failures.")
            out.append("")
        load, rest = f.get("agent_load"), f.get("agent_rest")
        if load and rest:
            rows = [["Under load (draining the backlog)", f"{load['cpu_s_mean']:.2f} s per agent "
                     f"({load['cpu_ms_per_failure']:.2f} ms per failure; PostgreSQL {load['postgres_cpu_s']:.2f} s)",
                     f"{load['rss_peak_kb_mean'] / 1024:.1f} (peak, mean) / {load['rss_peak_kb_max'] / 1024:.1f} (max)"],
                    [f"At rest ({rest['seconds']} s, nothing waiting)", f"{rest['cpu_percent_mean']:.2f} % of a CPU "
                     f"(max {rest['cpu_percent_max']:.2f} %)",
                     f"{rest['rss_kb_mean'] / 1024:.1f} (mean) / {rest['rss_kb_max'] / 1024:.1f} (max)"]]
            out.append(table(["Agent", "CPU", "RSS (MiB)"], rows))
            out.append("")
        login = f.get("login")
        if login:
            rows = []
            names = {"none": "No fleet", "outbox": "fleet_host set, agent stopped (the outbox row only)",
                     "agent": "fleet_host set, agent running and pushing",
                     "none-pinned": "Pinned: no fleet", "outbox-pinned": "Pinned: agent stopped",
                     "agent-pinned": "Pinned: agent running and pushing"}
            for config, label in names.items():
                for path in ("fail", "ok"):
                    record = login.get(f"{config}-{path}")
                    if record:
                        q = self.fleet_login_ratio(path, config)
                        rows.append([label, PATHS[path], record["n"], ms(record["median_ms"] / 1000, 3),
                                     ms(record["p90_ms"] / 1000, 3), f"{q:.2f}×" if q else ""])
            out.append("The in-process login loop (pam_start / pam_authenticate / pam_end) on one host, in "
                       "alternating rounds with fresh accounts: the same host without the fleet, with it "
                       "configured but its agent stopped, and with the agent running. Unpinned, the loop, the "
                       "agent and PostgreSQL share the 2 CPUs; pinned, the loop runs alone on CPU 0 and the "
                       "agent and PostgreSQL on CPU 1, as when the database has its own machine. Each ratio "
                       "is against \"no fleet\" of the same pinning.")
            out.append("")
            out.append(table(["Configuration", "Path", "Attempts", "Median (ms)", "p90 (ms)", "Median / no fleet"],
                             rows))
            out.append("")
        return out

    # -- targets

    def evaluate_targets(self):
        targets = []

        def quotient(label, value, base, limit, show=None):
            if value and base:
                targets.append((label, show(value, base) if show else f"{value / base:.2f}×", value / base <= limit))

        rss = lambda v, w: f"{mib(v)} vs {mib(w)} MiB = {v / w:.2f}×"
        quotient("Whole transaction, success of a clean account: (d) ≤ 1.1× (b)",
                 self.tx_median("d", "ok"), self.tx_median("b", "ok"), 1.1)
        quotient("Peak RSS, success: (d) ≤ 1.2× (b)", self.tx_rss("d", "ok"), self.tx_rss("b", "ok"), 1.2, rss)
        quotient("Whole transaction, failure: (d) ≤ 2.0× (b)",
                 self.tx_median("d", "fail"), self.tx_median("b", "fail"), 2.0)
        for path in ("ok", "fail"):
            quotient(f"Whole transaction, {PATHS[path]}: (e) ≤ 1.25× (c)",
                     self.tx_median("e", path), self.tx_median("c", path), 1.25)
        quotient("Peak RSS, failure: (d) ≤ 2.0× (b)", self.tx_rss("d", "fail"), self.tx_rss("b", "fail"), 2.0, rss)
        for path in ("ok", "fail"):
            d, b = self.lp("d", path), self.lp("b", path)
            if d and b and not d.get("skipped") and not b.get("skipped"):
                quotient(f"In-process loop per attempt, {PATHS[path]}: (d) ≤ 1.5× (b)",
                         d["per_attempt_s"], b["per_attempt_s"], 1.5)
        core_bytes = self.machine.get("start", {}).get("core_bytes")
        if core_bytes:
            targets.append(("The core file ≤ 1 MB", f"{core_bytes / 1e6:.2f} MB", core_bytes <= 1_000_000))
        floor = (self.breakdown or {}).get("floor", {})
        if isinstance(floor.get(FLOOR_CORE), dict) and isinstance(floor.get(FLOOR_SQLITE), dict):
            core, sqlite = floor[FLOOR_CORE]["median_s"], floor[FLOOR_SQLITE]["median_s"]
            targets.append(("dlopen of the core with its libraries ≤ 1.25× dlopen of libsqlite3 alone",
                            f"{ms(core, 3)} vs {ms(sqlite, 3)} ms = {core / sqlite:.2f}×", core / sqlite <= 1.25))
        if self.contention:
            records = self.contention["records"]
            exact = all(r["exact"] for r in records)
            wrong = [f"{r['name']} {r['mode']} {r['scenario']}" for r in records if not r["exact"]]
            targets.append(("Contention: exact counts always", "all exact" if exact else "lost: " + "; ".join(wrong),
                            exact))
            for record in records:
                if record["stack"] != "d":
                    continue
                peer = next((r for r in records if r["scenario"] == record["scenario"] and r["mode"] == record["mode"]
                             and r["stack"] == "b"), None)
                if peer:
                    q = record["attempts_per_s"] / peer["attempts_per_s"]
                    load = (f"{record['workers']} processes, 1 user" if record["users"] == 1
                            else f"{record['workers']} processes, {record['users']} users")
                    targets.append((f"Contention throughput ≥ pam_faillock ({load}, {record['mode']}; "
                                    "Lockwarden fsyncs, pam_faillock does not)",
                                    f"{record['attempts_per_s']:.0f} vs {peer['attempts_per_s']:.0f}/s = {q:.2f}×",
                                    q >= 1.0))
        if self.scale and len(self.scale["records"]) >= 2:
            first, last = self.scale["records"][0], self.scale["records"][-1]
            for key, label in (("hyperfine_fail", "failure, one process per attempt"),
                               ("hyperfine_ok", "success, one process per attempt")):
                q = last[key]["median"] / first[key]["median"]
                targets.append((f"Scale: {last['users']:,} users within 1.2× of {first['users']:,} ({label})",
                                f"{q:.2f}×", q <= 1.2))
            q = last["loop_fail"]["per_attempt_s"] / first["loop_fail"]["per_attempt_s"]
            targets.append((f"Scale: {last['users']:,} users within 1.2× of {first['users']:,} (failure, in-process)",
                            f"{q:.2f}×", q <= 1.2))
        latency = (self.fleet or {}).get("latency", {})
        for key, label in (("lock_hc", "lock"), ("unlock_ha", "unlock")):
            record = latency.get(key)
            if record:
                targets.append((f"Fleet: a {label} reaches another host within 1 s (p99, max)",
                                f"{ms(record['p99_s'], 0)} ms, {ms(record['max_s'], 0)} ms", record["max_s"] <= 1.0))
        for path in ("fail", "ok"):
            for config in ("outbox", "agent", "agent-pinned"):
                q = self.fleet_login_ratio(path, config)
                if q:
                    what = {"outbox": "agent stopped", "agent": "agent running, all on 2 shared CPUs",
                            "agent-pinned": "agent running, the database's CPU apart"}[config]
                    targets.append((f"Fleet: login loop, {PATHS[path]}, fleet configured ({what}) within noise "
                                    "(≤ 1.1× no fleet)", f"{q:.2f}×", q <= 1.1))
        self.targets = targets
        out = ["## Targets (from the issue)", ""]
        out.append(table(["Target", "Measured", ""], [[t, m, verdict(ok)] for t, m, ok in targets]))
        out.append("")
        return out

    def summary(self):
        """The figures the before/after table compares, from this run."""
        b = self.breakdown or {}
        sys_d = b.get("syscalls", {}).get("d-ok", {})
        contention = {}
        for record in (self.contention or {}).get("records", []):
            if record["stack"] == "d":
                key = f"{record['workers']}x{record['users']} {record['mode']}"
                contention[key] = {"attempts_per_s": record["attempts_per_s"],
                                   "lost": record["expected_total"] - record["counted_total"],
                                   "made": record["expected_total"]}
        loop = self.lp("d", "fail")
        return {
            "transaction_s": {f"{s}-{p}": self.tx_median(s, p) for s in "bcdefg" for p in ("ok", "fail")},
            "maxrss_kb": {f"{s}-{p}": self.tx_rss(s, p) for s in "ce" for p in ("ok", "fail")},
            "loop_d_fail_s": loop["per_attempt_s"] if loop else None,
            "dlopen_core_ir": b.get("dlopen_ir", {}).get("liblockwarden_core.so (with its libraries)"),
            "syncs_d_ok": sys_d.get("fdatasync", {}).get("calls", 0) + sys_d.get("fsync", {}).get("calls", 0),
            "unlinks_d_ok": sys_d.get("unlink", {}).get("calls", 0),
            "contention_d": contention,
        }

    def before_after(self, baseline):
        if not baseline:
            return []
        before, after = baseline["figures"], self.summary()
        rows = []

        def row(label, old, new, show):
            change = f"{new / old:.2f}×" if old and new is not None else "–"
            rows.append([label, show(old), show(new), change])

        for key in ("d-ok", "d-fail", "e-ok", "e-fail"):
            stack, path = key.split("-")
            row(f"Whole transaction {STACKS[stack]}, {PATHS[path]} (median ms)", before["transaction_s"].get(key),
                after["transaction_s"].get(key), ms)
            peer = {"d": "b", "e": "c"}[stack] + "-" + path
            old_q = _quotient(before["transaction_s"].get(key), before["transaction_s"].get(peer))
            new_q = _quotient(after["transaction_s"].get(key), after["transaction_s"].get(peer))
            row(f"… as a multiple of {STACKS[peer[0]]}", old_q, new_q, lambda v: "–" if v is None else f"{v:.2f}×")
        for key in ("e-ok", "e-fail"):
            row(f"Peak RSS {STACKS['e']}, {PATHS[key[2:]]} (MiB)", before["maxrss_kb"].get(key),
                after["maxrss_kb"].get(key), mib)
        row("In-process loop, (d) failure (ms per attempt)", before.get("loop_d_fail_s"), after.get("loop_d_fail_s"),
            lambda v: ms(v, 1))
        row("`dlopen` of the core with its libraries (instructions)", before.get("dlopen_core_ir"),
            after.get("dlopen_core_ir"), mega)
        row("fsync/fdatasync in one successful attempt through (d)", before.get("syncs_d_ok"),
            after.get("syncs_d_ok"), lambda v: "–" if v is None else str(v))
        row("unlink in one successful attempt through (d)", before.get("unlinks_d_ok"), after.get("unlinks_d_ok"),
            lambda v: "–" if v is None else str(v))
        for key, old in before.get("contention_d", {}).items():
            new = after.get("contention_d", {}).get(key)
            workers, rest = key.split("x")
            users, mode = rest.split(" ")
            label = f"Contention {workers} processes on {users} user(s), {mode}"
            row(f"{label}: failures/s", old["attempts_per_s"], new and new["attempts_per_s"],
                lambda v: "–" if v is None else f"{v:.0f}")
            row(f"{label}: failures not counted", old["lost"], new and new["lost"],
                lambda v: "–" if v is None else str(v))
        out = ["## Before and after", "",
               f"Before: {baseline['label']} (`bench/baseline.json`, the figures of that run). After: this run. "
               "Both on this machine with the same `make bench`; the machine is shared, so small differences "
               "are noise.", ""]
        out.append(table(["Figure", "Before", "After", "After / before"], rows))
        out.append("")
        return out

    def findings(self):
        """The before column, the load floor and the sync latency, from this run's figures."""
        b = self.breakdown or {}
        floor = b.get("floor", {})
        out = ["## Before and after, from this run", ""]
        rows = []
        for now, before in (("d", "f"), ("e", "g")):
            for path in ("ok", "fail"):
                new, old = self.tx_median(now, path), self.tx_median(before, path)
                new_rss, old_rss = self.tx_rss(now, path), self.tx_rss(before, path)
                if new and old:
                    rows.append([STACKS[now], PATHS[path], ms(old), ms(new), ratio(new, old),
                                 mib(old_rss), mib(new_rss)])
        for now, before in (("d", "f"),):
            for path in ("ok", "fail"):
                new, old = self.lp(now, path), self.lp(before, path)
                if new and old and not new.get("skipped") and not old.get("skipped"):
                    rows.append([STACKS[now] + ", in-process loop", PATHS[path], ms(old["per_attempt_s"], 3),
                                 ms(new["per_attempt_s"], 3), ratio(new["per_attempt_s"], old["per_attempt_s"]), "", ""])
        if rows:
            rev = self.machine.get("start", {}).get("before_rev", "")
            out.append(f"The core and module of commit {rev} (a normal-mode Swift library with the static runtime, "
                       "opening the database at every PAM call), built by the benchmark from that commit and run "
                       "in the same rounds on a database of its own, against this tree's:")
            out.append("")
            out.append(table(["Stack", "Path", "Before (ms)", "After (ms)", "After / before", "RSS before (MiB)",
                              "RSS after (MiB)"], rows))
            out.append("")
        if any(isinstance(v, dict) for v in floor.values()):
            out.append("**Loading.** A minimal C program that only calls `dlopen` on one library. The core loads "
                       "SQLite (its own `liblockwarden_sqlite.so`), libnettle and libqrencode only when a login "
                       "needs them, so a clean login pays only for the core's line:")
            out.append("")
            rows = [[label, ms(v["median_s"], 3), ms(v["cpu_s"], 3), mib(v["maxrss_kb"]),
                     f"{v['file_bytes'] / 1e6:.2f} MB"] for label, v in floor.items() if isinstance(v, dict)]
            out.append(table(["Loaded", "Wall (median ms)", "CPU (ms)", "Peak RSS (MiB)", "File"], rows))
            out.append("")
        elif floor.get("error"):
            out += [f"The load floor was not measured in this run: {floor['error']}", ""]
        sync = b.get("syscalls", {}).get("d-fail", {})
        calls = sum(sync.get(name, {}).get("calls", 0) for name in ("fsync", "fdatasync"))
        seconds = sum(sync.get(name, {}).get("seconds", 0.0) for name in ("fsync", "fdatasync"))
        if calls:
            out.append(f"**Sync latency.** A recorded failure of (d) made {calls} sync call(s) taking "
                       f"{ms(seconds / calls, 3)} ms each (strace -w, section 5); pam_faillock makes none, so "
                       "that time is part of every (d) failure figure and of the contention throughput above.")
            out.append("")
        return out

    def write(self, path):
        body = []
        body += self.section_transaction()
        body += self.section_loop()
        body += self.section_contention()
        body += self.section_scale()
        body += self.section_breakdown()
        body += self.section_fleet()
        targets = self.evaluate_targets()
        errors = self.machine.get("errors", [])
        text = self.header() + targets
        if errors:
            text += ["**Sections that failed in this run:** " + "; ".join(
                f"{e['section']}: {e['error'][:300]}" for e in errors), ""]
        text += ["![Per-attempt time of each stack](benchmarks.png)", ""]
        text += body + self.before_after(self.baseline) + self.findings()
        with open(path, "w") as handle:
            handle.write("\n".join(text).rstrip() + "\n")


def _quotient(value, base):
    return value / base if value is not None and base else None


def plot(report, path):
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, axes = plt.subplots(2, 2, figsize=(13, 9))
    colors = {"ok": "#4c956c", "fail": "#d1495b"}
    labels = {"a": "(a) permit", "b": "(b) faillock", "c": "(c) faillock\n+ g-auth", "d": "(d) Lockwarden",
              "e": "(e) Lockwarden\n+ TOTP", "f": "(d) before", "g": "(e) before"}

    ax = axes[0][0]
    width = 0.38
    for offset, which in ((-width / 2, "ok"), (width / 2, "fail")):
        xs, ys, low, high = [], [], [], []
        for i, stack in enumerate("abcdefg"):
            record = report.tx(stack, which)
            if record:
                times = sorted(record["hyperfine"]["times"])
                middle = record["hyperfine"]["median"]
                xs.append(i + offset)
                ys.append(middle * 1e3)
                low.append((middle - times[len(times) // 4]) * 1e3)
                high.append((times[(3 * len(times)) // 4] - middle) * 1e3)
        ax.bar(xs, ys, width, yerr=[low, high], capsize=3, color=colors[which], label=PATHS[which])
        for x, y in zip(xs, ys):
            ax.text(x, y, f"{y:.1f}", ha="center", va="bottom", fontsize=8)
    ax.set_xticks(range(7), [labels[s] for s in "abcdefg"], fontsize=8)
    ax.set_ylabel("ms per attempt (median, quartiles)")
    ax.set_title("1. Whole login transaction, one process per attempt")
    ax.legend()

    ax = axes[0][1]
    stacks = "bcde"
    for offset, which in ((-width / 2, "ok"), (width / 2, "fail")):
        xs, ys = [], []
        for i, stack in enumerate(stacks):
            record = report.lp(stack, which)
            if record and record.get("per_attempt_s") is not None:
                xs.append(i + offset)
                ys.append(record["per_attempt_s"] * 1e3)
        ax.bar(xs, ys, width, color=colors[which], label=PATHS[which])
        for x, y in zip(xs, ys):
            ax.text(x, y, f"{y:.2f}", ha="center", va="bottom", fontsize=8)
    ax.set_xticks(range(len(stacks)), [labels[s] for s in stacks], fontsize=8)
    ax.set_ylabel("ms per attempt")
    ax.set_title("2. In-process loop (e success: n/a, replay protection)")
    ax.legend()

    ax = axes[1][0]
    if report.contention:
        records = report.contention["records"]
        groups = []
        for r in records:
            key = (r["scenario"], r["mode"])
            if key not in groups:
                groups.append(key)
        for offset, stack, color in ((-width / 2, "b", "#577590"), (width / 2, "d", "#f3722c")):
            xs, ys = [], []
            for i, key in enumerate(groups):
                r = next((r for r in records if (r["scenario"], r["mode"]) == key and r["stack"] == stack), None)
                if r:
                    xs.append(i + offset)
                    ys.append(r["attempts_per_s"])
            ax.bar(xs, ys, width, color=color, label=labels[stack].replace("\n", " "))
            for x, y in zip(xs, ys):
                ax.text(x, y, f"{y:.0f}", ha="center", va="bottom", fontsize=8)
        ax.set_xticks(range(len(groups)), [f"{'16 proc, 1 user' if s == 'one-user' else '64 proc, 64 users'}\n{m}"
                                           for s, m in groups], fontsize=8)
        ax.legend()
    ax.set_ylabel("failed attempts per second")
    ax.set_title("3. Contention (pam_faillock does not fsync)")

    ax = axes[1][1]
    if report.scale:
        records = report.scale["records"]
        users = [r["users"] for r in records]
        for key, label, style in (("hyperfine_fail", "failure, process", "o-"),
                                  ("hyperfine_ok", "success, process", "s-")):
            ax.plot(users, [r[key]["median"] * 1e3 for r in records], style, label=label)
        ax.plot(users, [r["loop_fail"]["per_attempt_s"] * 1e3 for r in records], "^-", label="failure, in-process")
        ax.set_xscale("log")
        ax.set_ylim(bottom=0)
        ax.legend()
    ax.set_xlabel("users in the database")
    ax.set_ylabel("ms per attempt")
    ax.set_title("4. Lockwarden per attempt vs database size")

    start = report.machine.get("start", {})
    fig.suptitle(f"Lockwarden vs pam_faillock + google-authenticator — {start.get('time', '')[:10]}, "
                 f"{start.get('nproc', '?')} CPUs (shared machine), commit {start.get('git', '?')}", fontsize=11)
    fig.tight_layout()
    fig.savefig(path, dpi=90)


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--results", required=True)
    parser.add_argument("--markdown", required=True)
    parser.add_argument("--plot", required=True)
    parser.add_argument("--baseline", help="figures of an earlier run (bench/baseline.json) to compare with")
    parser.add_argument("--save-summary", help="write this run's figures (the format of --baseline) here")
    args = parser.parse_args()
    baseline = None
    if args.baseline and os.path.exists(args.baseline):
        with open(args.baseline) as handle:
            baseline = json.load(handle)
    report = Report(args.results, baseline)
    if args.save_summary:
        with open(args.save_summary, "w") as handle:
            json.dump({"label": "", "figures": report.summary()}, handle, indent=1)
    report.write(args.markdown)
    plot(report, args.plot)


if __name__ == "__main__":
    main()
