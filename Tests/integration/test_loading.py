"""The module and the core as shared objects: loading, exports, runtime hygiene."""
import os
import re
import subprocess

from conftest import CORE, DLOPEN_CHECK, DRIVER, MODULE, MODULE_NOCORE, PASSWORD, PRODUCTION_MODULE, WRONG

PAM_EXPORTS = {"pam_sm_authenticate", "pam_sm_setcred", "pam_sm_acct_mgmt", "pam_sm_chauthtok"}
CORE_EXPORTS = {"lw_core_abi_version", "lw_core_handle", "lw_core_session_open", "lw_core_session_close"}


def exported(path):
    output = subprocess.run(["nm", "-D", "--defined-only", path], capture_output=True, text=True, check=True).stdout
    # Upper-case types are global symbols; lower-case ones are local and not exported.
    return {line.split()[-1] for line in output.splitlines() if re.match(r"^\S+ [A-Z] ", line)}


def test_module_exports_only_pam_entry_points():
    assert exported(PRODUCTION_MODULE) == PAM_EXPORTS
    assert exported(MODULE) == PAM_EXPORTS


def test_core_exports_only_the_contract():
    assert exported(CORE) == CORE_EXPORTS


def test_core_needs_no_swift_toolchain_at_run_time():
    dynamic = subprocess.run(["readelf", "-d", CORE], capture_output=True, text=True, check=True).stdout
    needed = re.findall(r"\(NEEDED\)\s+Shared library: \[(.+?)\]", dynamic)
    assert needed, dynamic
    assert not [lib for lib in needed if "swift" in lib.lower() or "Foundation" in lib or "dispatch" in lib.lower()]
    # No RUNPATH at all: the libraries come from the system's paths, never from beside the core.
    assert not re.findall(r"\((?:RUNPATH|RPATH)\)", dynamic), dynamic
    assert "NODELETE" in dynamic and "BIND_NOW" in dynamic
    # Embedded Swift: no C++ runtime, and no Swift runtime linked in either.
    assert "libstdc++.so.6" not in needed, needed
    # Hashing is in Swift: loading and initialising libcrypto cost every login.
    assert not [lib for lib in needed if lib.startswith(("libcrypto.", "libssl."))], needed
    # SQLite, Nettle and libqrencode are loaded when a login needs them, not with the core.
    assert sorted(needed) == ["ld-linux-x86-64.so.2", "libc.so.6", "libm.so.6"], needed


def test_module_is_hardened():
    dynamic = subprocess.run(["readelf", "-d", "-l", PRODUCTION_MODULE], capture_output=True, text=True).stdout
    assert "BIND_NOW" in dynamic and "GNU_RELRO" in dynamic


def test_dlopen_now_smoke():
    for path, symbols in ((CORE, CORE_EXPORTS), (PRODUCTION_MODULE, PAM_EXPORTS)):
        result = subprocess.run([DLOPEN_CHECK, path, "--expect-symbols", ",".join(sorted(symbols))],
                                capture_output=True, text=True)
        assert result.returncode == 0, result.stdout + result.stderr


def test_core_is_embedded_swift_with_no_runtime_inside():
    """No Swift runtime, metadata or backtracer: nothing that reads SWIFT_* variables or prints."""
    symbols = subprocess.run(["nm", "-D", "--undefined-only", CORE], capture_output=True, text=True, check=True).stdout
    assert not [line for line in symbols.splitlines() if "swift" in line.lower()], symbols
    text = subprocess.run(["strings", "-n", "6", CORE], capture_output=True, text=True, check=True).stdout
    for sign in ("SWIFT_BACKTRACE", "SWIFT_DEBUG", "swift runtime", "cannot print value"):
        assert sign not in text, sign


def test_a_set_uid_host_with_swift_variables_writes_nothing_to_the_terminal(env):
    """The full runtime printed 'swift runtime: backtrace-on-crash is not supported for
    privileged executables.' on su's terminal when a user set SWIFT_BACKTRACE."""
    import pty
    import pwd
    import shutil
    import time
    env.configure(deny=5)
    env.service(name="lw-suid-env", stack="auth requisite {module} preauth {args}\nauth required pam_permit.so\n")
    host = os.path.join(env.base, "lw_pamdrive_setuid")
    shutil.copy(DRIVER, host)
    os.chown(host, 0, 0)
    os.chmod(host, 0o4755)
    bob = str(pwd.getpwnam("lwt-bob").pw_uid)
    pid, terminal = pty.fork()
    if pid == 0:
        os.execve("/usr/bin/setpriv", ["setpriv", f"--reuid={bob}", f"--regid={bob}", "--clear-groups", host,
                                       "--confdir", env.confdir, "--service", "lw-suid-env", "--user", "lwt-bob",
                                       "--ops", "auth"],
                  {"PATH": "/usr/bin:/bin", "SWIFT_BACKTRACE": "enable=yes,interactive=yes",
                   "SWIFT_DEBUG_FAILED_TYPE_LOOKUP": "1", "SWIFT_DETERMINISTIC_HASHING": "1"})
    output = b""
    deadline = time.time() + 30
    while time.time() < deadline:
        try:
            chunk = os.read(terminal, 65536)
        except OSError:
            break
        if not chunk:
            break
        output += chunk
    _, status = os.waitpid(pid, 0)
    os.close(terminal)
    text = output.decode("utf-8", "replace")
    assert os.WIFEXITED(status) and os.WEXITSTATUS(status) == 0, (status, text)
    # Only the driver's own report of each operation reaches the terminal.
    assert [line for line in text.splitlines() if line.strip()] == ["auth: Success (0)"], text


def test_core_loads_without_the_toolchain_on_the_library_path():
    env = {"PATH": "/usr/bin:/bin", "LD_LIBRARY_PATH": ""}
    result = subprocess.run([DLOPEN_CHECK, CORE], capture_output=True, text=True, env=env)
    assert result.returncode == 0, result.stdout + result.stderr


def test_signal_handlers_unchanged_after_authentication(env):
    env.configure(deny=5)
    env.service()
    result = env.pam("lwt-alice", PASSWORD, ops="auth,acct", extra=["--check-signals", "--repeat", "3"])
    assert "signals: unchanged" in result.out, result
    assert result.code == 0, result
    locked = env.pam("lwt-bob", WRONG, ops="auth", extra=["--check-signals"])
    assert "signals: unchanged" in locked.out, locked


def test_missing_core_denies_with_a_log_line(env, syslog):
    env.configure(deny=5)
    stack = "auth requisite {module} preauth {args}\nauth required pam_permit.so\n"
    env.service(name="lw-nocore", stack=stack, module=MODULE_NOCORE)
    mark = syslog.mark()
    result = env.pam("lwt-alice", ops="auth", service="lw-nocore")
    assert result.last("auth").endswith("(7)"), result
    lines = syslog.since(mark)
    assert any("liblockwarden_core.so" in line and "pam_lockwarden" in line for line in lines), lines


def test_non_root_caller_asking_about_another_account_is_denied_with_a_log_line(env, syslog):
    """A caller that is not root goes through the helper, which acts for its own account only."""
    env.configure(deny=5)
    stack = "auth requisite {module} preauth {args}\nauth required pam_permit.so\n"
    env.service(name="lw-nonroot", stack=stack)
    os.chmod(env.confdir, 0o755)
    mark = syslog.mark()
    result = env.pam("lwt-alice", ops="auth", service="lw-nonroot", as_user="65534")
    assert result.last("auth").endswith("(7)"), result
    lines = syslog.since(mark)
    assert any("lockwarden-helper" in line and "another account" in line for line in lines), lines


def test_broken_configuration_fails_closed(env, syslog):
    env.configure(deny=5)
    with open(env.conf, "a") as handle:
        handle.write("deny = five\n")
    stack = "auth requisite {module} preauth {args}\nauth required pam_permit.so\n"
    env.service(name="lw-badconf", stack=stack)
    mark = syslog.mark()
    result = env.pam("lwt-alice", ops="auth", service="lw-badconf")
    assert result.last("auth").endswith("(7)"), result
    assert any("deny must be a whole number" in line for line in syslog.since(mark))


def test_missing_database_fails_closed(env, syslog):
    env.configure(deny=5)
    os.unlink(env.db)
    stack = "auth requisite {module} preauth {args}\nauth required pam_permit.so\n"
    env.service(name="lw-nodb", stack=stack)
    mark = syslog.mark()
    result = env.pam("lwt-alice", ops="auth", service="lw-nodb")
    assert result.last("auth").endswith("(7)"), result
    assert any("state database missing" in line for line in syslog.since(mark))
    assert not os.path.exists(env.db), "the module must never create the database"
