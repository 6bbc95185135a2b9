"""Hostile user names and hosts through real PAM: never success, no aliasing of another
account, and nothing raw in syslog, the activity log or the CLI."""
import os

import pytest

from conftest import PASSWORD

HOSTILE_NAMES = [
    "lwt-alice\r\nroot",
    "lwt-alice\x1b[2J\x1b]0;owned\x07",
    "%n%s%x%p",
    os.fsdecode(b"lwt-alice\xff\xfe\xc0\x80"),  # invalid UTF-8, passed to PAM as raw bytes
    "root" + "A" * 300,
    "x" * 16384,
    "lwt-alice'; DROP TABLE accounts; --",
    "lwt-alice\u202e",
    "LWT-ALICE",
    "lwt-alice ",
]


@pytest.mark.parametrize("name", HOSTILE_NAMES, ids=range(len(HOSTILE_NAMES)))
def test_hostile_names_never_succeed_never_alias_and_are_escaped(env, syslog, name):
    env.configure(deny=2, unlock_time=600)
    env.service()
    mark = syslog.mark()
    for _ in range(3):
        result = env.pam(name, PASSWORD, rhost="203.0.113.5\r\nInjected: yes")
        assert not result.ok(), result
    lines = [line for line in syslog.since(mark) if "pam_lockwarden" in line]
    assert lines
    for line in lines:
        assert not any(ord(c) < 0x20 or 0x7F <= ord(c) < 0xA0 for c in line.split(": ", 1)[-1]), repr(line)
        assert "\udcff" not in line and "\ufffd" not in line, repr(line)
        assert "\u202e" not in line
    # No other account was touched.
    for victim in ("lwt-alice", "root"):
        record = env.show(victim)
        assert record["consecutive_failures"] == 0 and record["locked"] is False, (victim, record)
    for command in (("list", "--json"), ("log", "--json"), ("list",), ("log",)):
        output = env.cli(*command, check=True).stdout
        assert "\x1b" not in output and "\r" not in output and "\u202e" not in output, command
    assert env.pam("lwt-alice", PASSWORD).ok(), "the real account still logs in"


def test_an_empty_user_name_never_succeeds(env, syslog):
    env.configure(deny=2)
    env.service(name="lw-permit", stack="auth requisite {module} preauth {args}\nauth required pam_permit.so\n")
    result = env.pam("", ops="auth", service="lw-permit")
    assert not result.ok(), result
