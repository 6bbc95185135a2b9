"""Lockout, reactivation and escalation through real libpam and pam_unix."""
import time

from conftest import PASSWORD, WRONG


def fail(env, user, times, **kwargs):
    for _ in range(times):
        result = env.pam(user, WRONG, **kwargs)
        assert not result.ok(), result


def test_locks_after_deny_failures_and_refuses_the_correct_password(env, syslog):
    env.configure(deny=3, unlock_time=600)
    env.service()
    fail(env, "lwt-alice", 2)
    assert env.show("lwt-alice")["locked"] is False
    mark = syslog.mark()
    fail(env, "lwt-alice", 1)
    state = env.show("lwt-alice")
    assert state["locked"] is True
    assert state["lock_reason"] == "Failures"
    assert state["locked_until"] - state["locked_at"] == 600
    lines = syslog.since(mark)
    assert any("Account locked: user=lwt-alice" in line and "rhost=198.51.100.7" in line for line in lines), lines

    mark = syslog.mark()
    result = env.pam("lwt-alice", PASSWORD)
    assert not result.ok(), result
    assert result.last("auth").endswith("(7)"), result  # PAM_AUTH_ERR
    lines = syslog.since(mark)
    assert any("Login failed (locked): user=lwt-alice" in line for line in lines), lines
    # Refused before pam_unix ran: pam_unix logs nothing for this attempt.
    assert not any("pam_unix" in line for line in lines), lines
    # The refusal did not extend the lock.
    assert env.show("lwt-alice")["locked_until"] == state["locked_until"]


def test_failures_outside_the_interval_do_not_add_up(env):
    env.configure(deny=2, fail_interval=2, unlock_time=600)
    env.service()
    fail(env, "lwt-bob", 1)
    time.sleep(3)
    fail(env, "lwt-bob", 1)
    assert env.show("lwt-bob")["locked"] is False
    fail(env, "lwt-bob", 1)
    assert env.show("lwt-bob")["locked"] is True


def test_success_resets_the_counter(env):
    env.configure(deny=3, unlock_time=600)
    env.service()
    fail(env, "lwt-alice", 2)
    assert env.pam("lwt-alice", PASSWORD).ok()
    fail(env, "lwt-alice", 2)
    state = env.show("lwt-alice")
    assert state["locked"] is False
    assert state["failures"] == 2
    assert [e["action"] for e in env.events("lwt-alice")].count("Login succeeded") == 1


def test_timed_reactivation(env):
    env.configure(deny=2, unlock_time=2)
    env.service()
    fail(env, "lwt-carol", 2)
    assert not env.pam("lwt-carol", PASSWORD).ok()
    time.sleep(3)
    result = env.pam("lwt-carol", PASSWORD)
    assert result.ok(), result
    assert env.show("lwt-carol")["locked"] is False


def test_administrator_only_lock_and_cli_unlock(env):
    env.configure(deny=2, unlock_time=0, log_successes="yes")
    env.service()
    fail(env, "lwt-dave", 2)
    state = env.show("lwt-dave")
    assert state["locked"] is True and state["locked_until"] is None
    assert not env.pam("lwt-dave", PASSWORD).ok()

    unlocked = env.cli("unlock", "lwt-dave")
    assert unlocked.returncode == 0, unlocked
    state = env.show("lwt-dave")
    assert state["locked"] is False
    assert state["locked_at"] is None and state["lock_reason"] is None
    assert state["unlocked_by"].startswith("root")
    assert env.pam("lwt-dave", PASSWORD).ok()
    actions = [e["action"] for e in env.events("lwt-dave")]
    assert actions == ["Login failed", "Login failed", "Account locked", "Login failed (locked)",
                       "Account unlocked", "Login succeeded"], actions
    unlock_events = env.events("lwt-dave", "--action", "Account unlocked")
    assert len(unlock_events) == 1 and unlock_events[0]["actor"].startswith("root")


def test_account_stage_denies_a_locked_account(env):
    """What stops a public-key SSH login: no auth stage runs, only account."""
    env.configure(deny=2, unlock_time=600)
    env.service()
    assert env.pam("lwt-erin", ops="acct").ok("acct")
    fail(env, "lwt-erin", 2)
    result = env.pam("lwt-erin", ops="acct")
    assert result.last("acct").endswith("(6)"), result  # PAM_PERM_DENIED
    # Account-only calls never reset the counter.
    assert env.show("lwt-erin")["locked"] is True


def test_password_change_required_after_two_lockouts_in_a_row(env):
    env.configure(deny=2, unlock_time=1, lockouts_before_action=2, lockout_action="require-password-change")
    env.service()
    fail(env, "lwt-frank", 2)
    time.sleep(2)
    fail(env, "lwt-frank", 2)
    state = env.show("lwt-frank")
    assert state["lock_streak"] == 2 and state["password_change_required"] is True
    time.sleep(2)
    result = env.pam("lwt-frank", PASSWORD, ops="auth,acct")
    assert result.ok("auth"), result
    assert result.last("acct").endswith("(12)"), result  # PAM_NEW_AUTHTOK_REQD
    assert "Password change required" in [e["action"] for e in env.events("lwt-frank")]

    new_password = "Another-Horse-9"
    changed = env.pam("lwt-frank", PASSWORD, new_password, new_password, ops="chauthtok", extra=["--expired"])
    assert changed.ok("chauthtok"), changed
    assert env.show("lwt-frank")["password_change_required"] is False
    again = env.pam("lwt-frank", new_password, ops="auth,acct")
    assert again.ok("auth") and again.ok("acct"), again
    import subprocess
    subprocess.run(["chpasswd"], input=f"lwt-frank:{PASSWORD}\n", text=True, check=True)


def test_admin_unlock_action_keeps_the_second_lock(env):
    env.configure(deny=1, unlock_time=1, lockouts_before_action=2, lockout_action="admin-unlock")
    env.service()
    fail(env, "lwt-bob", 1)
    time.sleep(2)
    fail(env, "lwt-bob", 1)
    time.sleep(2)
    state = env.show("lwt-bob")
    assert state["locked"] is True and state["locked_until"] is None
    assert state["lock_reason"] == "Repeated lockouts"
    assert not env.pam("lwt-bob", PASSWORD).ok()


def test_password_change_refused_while_locked(env):
    env.configure(deny=2, unlock_time=600)
    env.service()
    fail(env, "lwt-carol", 2)
    result = env.pam("lwt-carol", PASSWORD, "New-Horse-5", "New-Horse-5", ops="chauthtok", extra=["--expired"])
    assert not result.ok("chauthtok"), result
    assert "Password change refused" in [e["action"] for e in env.events("lwt-carol")]


def test_unknown_users_are_counted_and_look_the_same(env):
    env.configure(deny=2, unlock_time=600)
    env.service()
    known = env.pam("lwt-alice", WRONG)
    unknown = env.pam("lwt-nobody-here", WRONG)
    assert known.prompts() == unknown.prompts()
    assert known.last("auth") == unknown.last("auth")
    env.pam("lwt-nobody-here", WRONG)
    listing = env.cli("list", "--locked", "--json", check=True)
    assert "lwt-nobody-here" in listing.stdout
    # Locked unknown and locked known users are indistinguishable too.
    env.pam("lwt-alice", WRONG)
    assert env.pam("lwt-alice", WRONG).prompts() == env.pam("lwt-nobody-here", WRONG).prompts()


def test_lock_message_only_when_configured(env):
    env.configure(deny=1, unlock_time=600)
    env.service()
    fail(env, "lwt-dave", 1)
    quiet = env.pam("lwt-dave", PASSWORD)
    assert quiet.prompts() == ["PROMPT_ECHO_OFF: Password: "], quiet

    env.configure(deny=1, unlock_time=600, show_lock_message="yes")
    told = env.pam("lwt-dave", PASSWORD)
    # The message comes with the password prompt (sshd shows messages only along with one).
    assert told.prompts()[0].startswith("ERROR_MSG: The account is locked. Try again in"), told
    assert told.prompts()[1] == "PROMPT_ECHO_OFF: Password: "


def test_exempt_group_members_are_never_locked(env):
    import subprocess
    subprocess.run(["groupadd", "-f", "lwt-exempt"], check=True)
    subprocess.run(["usermod", "-aG", "lwt-exempt", "lwt-erin"], check=True)
    try:
        env.configure(deny=2, unlock_time=600, exempt_group="lwt-exempt")
        env.service()
        fail(env, "lwt-erin", 3)
        state = env.show("lwt-erin")
        assert state["locked"] is False and state["consecutive_failures"] == 3
        assert env.pam("lwt-erin", PASSWORD).ok()
        fail(env, "lwt-alice", 2)
        assert env.show("lwt-alice")["locked"] is True
    finally:
        subprocess.run(["gpasswd", "-d", "lwt-erin", "lwt-exempt"], capture_output=True)
        subprocess.run(["groupdel", "lwt-exempt"], capture_output=True)


def test_hard_cap_needs_an_administrator(env):
    env.configure(deny=100, max_consecutive_failures=3, unlock_time=1)
    env.service()
    fail(env, "lwt-carol", 3)
    state = env.show("lwt-carol")
    assert state["locked"] is True and state["locked_until"] is None and state["lock_reason"] == "Failure cap"
    env.cli("unlock", "lwt-carol", check=True)
    assert env.pam("lwt-carol", PASSWORD).ok()
