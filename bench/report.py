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
}
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
    def __init__(self, results):
        self.machine = load(results, "machine") or {}
        self.transaction = load(results, "transaction")
        self.loop = load(results, "loop")
        self.contention = load(results, "contention")
        self.scale = load(results, "scale")
        self.breakdown = load(results, "breakdown")
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
            + "The figures will be regenerated on a quiet machine.")
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
        for stack in "abcde":
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
                + ". A Lockwarden call that waits longer than `busy_timeout` (2000 ms by default) for the "
                "write lock denies the attempt (`on_error = deny`) without counting it, so under enough "
                "parallel attempts some failures go uncounted — a way around the lockout for an attacker "
                "who can open many connections at once. What makes the queue this long is how long each call "
                "holds the database: the commit's fsync, and on close the checkpoint with two more syncs under "
                "an exclusive lock (section 5).")
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
                       "baseline), with its relocations:")
            out.append("")
            rows = []
            for label, value in dlopen.items():
                r = relocations.get(label, {})
                rows.append([label, mega(value), f"{r.get('symbolic', 0):,}", f"{r.get('relative', 0):,}",
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

    # -- targets

    def evaluate_targets(self):
        targets = []
        for path in ("ok", "fail"):
            d, b = self.tx_median("d", path), self.tx_median("b", path)
            if d and b:
                targets.append((f"Whole transaction, {PATHS[path]}: (d) within 1.25× of (b)", f"{d / b:.2f}×",
                                d / b <= 1.25))
        for path in ("ok", "fail"):
            e, c = self.tx_median("e", path), self.tx_median("c", path)
            if e and c:
                targets.append((f"Whole transaction, {PATHS[path]}: (e) within 1.25× of (c)", f"{e / c:.2f}×",
                                e / c <= 1.25))
        for path in ("ok", "fail"):
            e, c = self.tx_rss("e", path), self.tx_rss("c", path)
            if e and c:
                targets.append((f"Peak RSS, {PATHS[path]}: (e) within 1.5× of (c)",
                                f"{mib(e)} vs {mib(c)} MiB = {e / c:.2f}×", e / c <= 1.5))
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
        self.targets = targets
        out = ["## Targets (from the issue)", ""]
        out.append(table(["Target", "Measured", ""], [[t, m, verdict(ok)] for t, m, ok in targets]))
        out.append("")
        return out

    def findings(self):
        """What costs most in Lockwarden, from this run's figures, and what to do about it."""
        b = self.breakdown or {}
        profiles = b.get("profiles", {})
        parts = {p["part"]: p["ir"] for p in profiles.get("d-fail", {}).get("parts", [])}
        parts_e = {p["part"]: p["ir"] for p in profiles.get("e-fail", {}).get("parts", [])}
        dl = b.get("dlopen_ir", {})
        sys_d = b.get("syscalls", {}).get("d-ok", {})
        syncs = sys_d.get("fdatasync", {}).get("calls", 0) + sys_d.get("fsync", {}).get("calls", 0)
        unlinks = sys_d.get("unlink", {}).get("calls", 0)
        mem = b.get("memory", {}).get("e-fail", {}).get("rss_delta_kb", {})
        perf = b.get("perf", {}).get("d-fail", {}).get("by_dso", {})
        whole = parts.get("whole process (driver, libpam, modules)")
        load = parts.get("dlopen of the core and its libraries")
        out = ["## Where the cost is, and how to cut it", ""]
        out.append("Every PAM call of Lockwarden pays for loading a large core, opening SQLite, and (for a "
                   "write) syncing the disk several times; the one-process-per-attempt model of sshd and "
                   "login pays all of it on every attempt. In order of size, from this run's figures:")
        out.append("")
        n = 0
        if load and whole:
            n += 1
            parts_dl = ", ".join(f"{k.split(' ')[0]} {mega(v)}" for k, v in dl.items()
                                 if k.split(" ")[0] in ("libstdc++.so.6", "libcrypto.so.3", "libsqlite3.so.0",
                                                        "libqrencode.so.4"))
            linker = sum(v for k, v in perf.items() if "ld-linux" in k)
            kernel = sum(v for k, v in perf.items() if "kernel" in k)
            out.append(
                f"{n}. **Loading the core.** `dlopen` of the core is {mega(load)} of the {mega(whole)} "
                f"instructions of a failed attempt through (d); pam_faillock's whole process is "
                f"{mega(self.ir('b', 'fail'))}. "
                + (f"In CPU time, the dynamic linker takes {linker * 100:.0f} % of the driver's samples and the "
                   f"kernel {kernel * 100:.0f} % (page faults to map and relocate the libraries, and to unmap "
                   "them at exit). " if perf else "")
                + f"Alone, the libraries the core pulls in cost: {parts_dl}; most of that is symbol lookup for "
                "their relocations, all bound at once under `RTLD_NOW`. Cut: link libstdc++ statically into "
                "the core (it comes in with the static Swift runtime; `-static-libstdc++` with hidden "
                "visibility leaves no symbol relocations to resolve); do not link libqrencode and libcrypto "
                "at login — `LockwardenQR` is needed only for enrollment, and HMAC-SHA1/256/512 for TOTP fits "
                "in a small pure-Swift file (libcrypto can stay, loaded with `dlopen` on first use, for the "
                "PBKDF2 of backup codes and for enrollment).")
        totp = parts_e.get("core: TOTP step")
        if totp:
            n += 1
            out.append(
                f"{n}. **The TOTP step ({mega(totp)} instructions for one wrong code).** Almost all of it is "
                "OpenSSL 3 setting itself up for the first `HMAC()` of the process: `OPENSSL_init_crypto` "
                "loads `openssl.cnf` and `EVP_MAC_fetch` builds the provider's algorithm tables — for three "
                "HMACs of 8 bytes. Cut: the in-core HMAC of 1., used by `TOTPVerifier` in place of "
                "`OpenSSLHMAC` (`Sources/LockwardenCrypto/OpenSSLHMAC.swift`); short of that, "
                "`OPENSSL_init_crypto(OPENSSL_INIT_NO_LOAD_CONFIG, NULL)` and one `EVP_MAC_fetch` per call "
                "rather than `HMAC()` per step.")
        if syncs:
            n += 1
            d_ok, b_ok = self.tx_median("d", "ok"), self.tx_median("b", "ok")
            cpu_d = self.tx_cpu("d", "ok")
            contention = (self.contention or {}).get("records", [])
            one = next((r for r in contention if r["stack"] == "d" and r["users"] == 1 and r["mode"] == "inproc"), None)
            loop_d = self.lp("d", "fail")
            out.append(
                f"{n}. **Syncing and re-creating the WAL on every call.** strace counts {syncs} fsync/fdatasync "
                f"calls and {unlinks} unlinks in one successful attempt through (d); pam_faillock makes none. "
                "Every PAM call opens its own connection, and when the last connection to a WAL database "
                "closes, SQLite checkpoints the WAL into the database (two more syncs) and deletes the "
                "`-wal` and `-shm` files, which the next call creates again (and syncs the directory for). "
                + (f"Here a successful attempt took {ms(d_ok)} ms of wall time for {ms(cpu_d)} ms of CPU; on a "
                   "slower disk the syncs dominate. " if d_ok and cpu_d is not None else "")
                + (f"In the in-process loop, where no library is loaded, a failure through (d) took "
                   f"{ms(loop_d['per_attempt_s'], 1)} ms of wall time for {ms(loop_d['cpu_per_attempt_s'], 1)} ms "
                   "of CPU: the rest is waiting for the syncs. " if loop_d and loop_d.get("cpu_per_attempt_s") else "")
                + (f"Under contention they serialise everything: {one['attempts_per_s']:.0f} failures/s for 16 "
                   "processes on one user. " if one else "")
                + "Cut: keep the WAL between calls — in `Connection` (`Sources/LockwardenStore/SQLite.swift`) "
                "set `SQLITE_DBCONFIG_NO_CKPT_ON_CLOSE` and `SQLITE_FCNTL_PERSIST_WAL` right after "
                "`sqlite3_open_v2`, and leave checkpoints to `wal_autocheckpoint` (and to the `lockwarden "
                "notify` timer). A commit then costs one WAL sync, exactly as durable as now. Also, `preauth` "
                "of a user in good standing changes nothing but still takes the write lock (`BEGIN IMMEDIATE` "
                "in `StateStore.immediateTransaction`, via `Call.commit`): a read transaction first, and a "
                "write only when the state changes (an expired lock), halves the write locks per attempt.")
        schema = parts.get("core: database open (checks, open, pragmas, schema)")
        prepare = parts.get("sqlite3_prepare (SQL parsing, all statements)")
        if schema and prepare:
            n += 1
            out.append(
                f"{n}. **SQLite per call.** Opening the database costs {mega(schema)} and SQL parsing "
                f"{mega(prepare)} per attempt: every PAM call opens a new connection, and a new connection "
                "parses the whole schema (every table and index of every migration) before its first "
                "statement; then each statement is prepared from text. Cut: read `checkSchema`'s "
                "`application_id` and `user_version` in one statement and fold `PRAGMA synchronous` into the "
                "open (`StateStore.open`); or let the PAM calls of one login share one connection while "
                "`getpid()` is unchanged (the design's rule is that no connection crosses a fork, which a pid "
                "check keeps).")
        config = parts.get("core: configuration (read + parse)")
        if config:
            n += 1
            out.append(
                f"{n}. **Configuration.** Reading and parsing the configuration costs {mega(config)} per "
                "attempt (once per PAM call). The core stays loaded (`-z nodelete`), so `CallSettings.load` "
                "can keep the parsed file keyed by (device, inode, size, mtime) and parse it again only when "
                "it changes.")
        if mem:
            n += 1
            big = sorted(mem.items(), key=lambda kv: -kv[1])[:4]
            out.append(
                f"{n}. **Memory.** One attempt through (e) adds "
                + ", ".join(f"{mib(v)} MiB in {k}" for k, v in big)
                + " of resident memory: code and relocated data the dynamic linker and the first calls touch, "
                "and libcrypto's provider tables. 1. and 2. remove libcrypto's and libstdc++'s share; for the "
                f"core itself, {relocations_note(b)} relocations (24 bytes each in `.rela.dyn`, all read at "
                "load) shrink to a few kilobytes with `-Wl,-z,pack-relative-relocs` (RELR, supported by "
                "Debian 12's glibc and binutils).")
        out.append("")
        out.append("These are measurements and suggestions for the code outside `bench/`; this run changes "
                   "none of it. Re-run `make bench` after each change to record the before/after figures.")
        out.append("")
        return out

    def write(self, path):
        body = []
        body += self.section_transaction()
        body += self.section_loop()
        body += self.section_contention()
        body += self.section_scale()
        body += self.section_breakdown()
        targets = self.evaluate_targets()
        errors = self.machine.get("errors", [])
        text = self.header() + targets
        if errors:
            text += ["**Sections that failed in this run:** " + "; ".join(
                f"{e['section']}: {e['error'][:300]}" for e in errors), ""]
        text += ["![Per-attempt time of each stack](benchmarks.png)", ""]
        text += body + self.findings()
        with open(path, "w") as handle:
            handle.write("\n".join(text).rstrip() + "\n")


def relocations_note(b):
    core = b.get("relocations", {}).get("liblockwarden_core.so (with its libraries)", {})
    return f"{core.get('relative', 0):,} R_X86_64_RELATIVE"


def plot(report, path):
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, axes = plt.subplots(2, 2, figsize=(13, 9))
    colors = {"ok": "#4c956c", "fail": "#d1495b"}
    labels = {"a": "(a) permit", "b": "(b) faillock", "c": "(c) faillock\n+ g-auth", "d": "(d) Lockwarden",
              "e": "(e) Lockwarden\n+ TOTP"}

    ax = axes[0][0]
    width = 0.38
    for offset, which in ((-width / 2, "ok"), (width / 2, "fail")):
        xs, ys, low, high = [], [], [], []
        for i, stack in enumerate("abcde"):
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
    ax.set_xticks(range(5), [labels[s] for s in "abcde"], fontsize=8)
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
    args = parser.parse_args()
    report = Report(args.results)
    report.write(args.markdown)
    plot(report, args.plot)


if __name__ == "__main__":
    main()
