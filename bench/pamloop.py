#!/usr/bin/python3
"""One benchmark worker: login attempts through real libpam, timed one by one.

    pamloop.py --mode inproc --confdir D --service S --user U --attempts N [--answer A]...
               [--start-at NS] --out FILE
    pamloop.py --mode spawn  --driver lw_pamdrive ...            (one process per attempt)
    pamloop.py --mode smaps  ...                                  (RSS by mapping, one attempt)

inproc: pam_start_confdir / pam_authenticate / pam_end in this process, through ctypes, the
way a long-running service (gdm, a screen locker) uses PAM. spawn: the PAM driver is started
for every attempt, the way sshd and login use PAM. Both wait until CLOCK_MONOTONIC reaches
--start-at, so that many workers start together, and write the per-attempt latencies (ns),
the first start and last end (CLOCK_MONOTONIC ns, comparable across processes) and the
outcomes as JSON. smaps: the resident memory each mapping gained during one attempt,
measured before pam_end (pam_end unloads modules that are not linked -z nodelete).
"""
import argparse
import ctypes
import json
import os
import time

PAM_SUCCESS = 0
PAM_PROMPT_ECHO_OFF = 1
PAM_PROMPT_ECHO_ON = 2


class PamMessage(ctypes.Structure):
    _fields_ = [("msg_style", ctypes.c_int), ("msg", ctypes.c_char_p)]


class PamResponse(ctypes.Structure):
    _fields_ = [("resp", ctypes.c_void_p), ("resp_retcode", ctypes.c_int)]


CONV_FUNC = ctypes.CFUNCTYPE(ctypes.c_int, ctypes.c_int, ctypes.POINTER(ctypes.POINTER(PamMessage)),
                             ctypes.POINTER(ctypes.POINTER(PamResponse)), ctypes.c_void_p)


class PamConv(ctypes.Structure):
    _fields_ = [("conv", CONV_FUNC), ("appdata_ptr", ctypes.c_void_p)]


class Pam:
    """The few libpam calls a login needs; answers prompts from a fixed list, per attempt."""

    def __init__(self, confdir, service, user, answers):
        self.libpam = ctypes.CDLL("libpam.so.0")
        self.libc = ctypes.CDLL("libc.so.6")
        self.libc.calloc.restype = ctypes.c_void_p
        self.libc.calloc.argtypes = [ctypes.c_size_t, ctypes.c_size_t]
        self.libc.strdup.restype = ctypes.c_void_p
        self.libc.strdup.argtypes = [ctypes.c_char_p]
        self.libpam.pam_start_confdir.argtypes = [ctypes.c_char_p, ctypes.c_char_p, ctypes.POINTER(PamConv),
                                                  ctypes.c_char_p, ctypes.POINTER(ctypes.c_void_p)]
        self.libpam.pam_authenticate.argtypes = [ctypes.c_void_p, ctypes.c_int]
        self.libpam.pam_end.argtypes = [ctypes.c_void_p, ctypes.c_int]
        self.confdir = confdir.encode()
        self.service = service.encode()
        self.user = user.encode()
        self.answers = [a.encode() for a in answers]
        self.next_answer = 0
        self.conv_func = CONV_FUNC(self._conversation)
        self.conv = PamConv(self.conv_func, None)

    def _conversation(self, count, messages, responses, _appdata):
        if count <= 0 or count > 32:
            return 19  # PAM_CONV_ERR
        block = self.libc.calloc(count, ctypes.sizeof(PamResponse))
        if not block:
            return 5  # PAM_BUF_ERR
        replies = ctypes.cast(block, ctypes.POINTER(PamResponse))
        for i in range(count):
            style = messages[i].contents.msg_style
            if style in (PAM_PROMPT_ECHO_OFF, PAM_PROMPT_ECHO_ON):
                if self.next_answer >= len(self.answers):
                    return 19  # libpam frees nothing on error; a few bytes leak, once
                replies[i].resp = self.libc.strdup(self.answers[self.next_answer])
                self.next_answer += 1
        responses[0] = replies
        return PAM_SUCCESS

    def start(self):
        self.next_answer = 0
        handle = ctypes.c_void_p()
        rc = self.libpam.pam_start_confdir(self.service, self.user, ctypes.byref(self.conv), self.confdir,
                                           ctypes.byref(handle))
        if rc != PAM_SUCCESS:
            raise RuntimeError(f"pam_start_confdir: {rc}")
        return handle

    def authenticate(self, handle):
        return self.libpam.pam_authenticate(handle, 0)

    def end(self, handle, status):
        self.libpam.pam_end(handle, status)

    def attempt(self):
        handle = self.start()
        rc = self.authenticate(handle)
        self.end(handle, rc)
        return rc


def wait_until(start_at):
    if start_at:
        while True:
            left = start_at - time.monotonic_ns()
            if left <= 0:
                return
            time.sleep(min(left / 1e9, 0.05))


def run_inproc(args):
    pam = Pam(args.confdir, args.service, args.user, args.answer)
    latencies, outcomes = [], {}
    wait_until(args.start_at)
    first = time.monotonic_ns()
    for _ in range(args.attempts):
        t0 = time.perf_counter_ns()
        rc = pam.attempt()
        latencies.append(time.perf_counter_ns() - t0)
        outcomes[str(rc)] = outcomes.get(str(rc), 0) + 1
    return {"latencies_ns": latencies, "start_ns": first, "end_ns": time.monotonic_ns(), "outcomes": outcomes}


def run_spawn(args):
    argv = [args.driver, "--confdir", args.confdir, "--service", args.service, "--user", args.user]
    for answer in args.answer:
        argv += ["--answer", answer]
    devnull = os.open(os.devnull, os.O_WRONLY)
    actions = [(os.POSIX_SPAWN_DUP2, devnull, 1), (os.POSIX_SPAWN_DUP2, devnull, 2)]
    latencies, outcomes = [], {}
    wait_until(args.start_at)
    first = time.monotonic_ns()
    for _ in range(args.attempts):
        t0 = time.perf_counter_ns()
        pid = os.posix_spawn(args.driver, argv, os.environ, file_actions=actions)
        _, status = os.waitpid(pid, 0)
        latencies.append(time.perf_counter_ns() - t0)
        key = str(os.waitstatus_to_exitcode(status))
        outcomes[key] = outcomes.get(key, 0) + 1
    return {"latencies_ns": latencies, "start_ns": first, "end_ns": time.monotonic_ns(), "outcomes": outcomes}


def rss_by_mapping():
    """Resident kB per mapped file (anonymous mappings by their label or "[anon]")."""
    totals = {}
    current = "[anon]"
    with open("/proc/self/smaps") as handle:
        for line in handle:
            head = line.split(None, 5)
            if head and "-" in head[0] and len(head) >= 5 and not head[0].endswith(":"):
                current = head[5].strip() if len(head) == 6 and head[5].strip() else "[anon]"
            elif line.startswith("Rss:"):
                totals[current] = totals.get(current, 0) + int(line.split()[1])
    return totals


def run_smaps(args):
    pam = Pam(args.confdir, args.service, args.user, args.answer)
    before = rss_by_mapping()
    handle = pam.start()
    rc = pam.authenticate(handle)
    after = rss_by_mapping()
    pam.end(handle, rc)
    delta = {}
    for name in set(before) | set(after):
        grown = after.get(name, 0) - before.get(name, 0)
        if grown:
            delta[os.path.basename(name) if name.startswith("/") else name] = grown
    return {"rc": rc, "rss_delta_kb": delta, "rss_before_kb": sum(before.values()), "rss_after_kb": sum(after.values())}


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--mode", choices=["inproc", "spawn", "smaps"], required=True)
    parser.add_argument("--confdir", required=True)
    parser.add_argument("--service", required=True)
    parser.add_argument("--user", required=True)
    parser.add_argument("--attempts", type=int, default=1)
    parser.add_argument("--answer", action="append", default=[])
    parser.add_argument("--start-at", type=int, default=0)
    parser.add_argument("--driver", default="")
    parser.add_argument("--out", required=True)
    args = parser.parse_args()
    if not 1 <= args.attempts <= 100000:
        parser.error("--attempts must be 1 to 100000")
    result = {"inproc": run_inproc, "spawn": run_spawn, "smaps": run_smaps}[args.mode](args)
    with open(args.out, "w") as handle:
        json.dump(result, handle)


if __name__ == "__main__":
    main()
