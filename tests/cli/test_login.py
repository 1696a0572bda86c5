"""login / logout / session / su against a real sandbox server on 127.0.0.1."""

from __future__ import annotations

import json
import os
import stat

from gandi_hosting_cli.sandbox.seed import SEED_CUSTOMER, SEED_LOGIN, SEED_PASSWORD

SERVICE = "gandi-hosting"


def login(cli, url, *extra, password=SEED_PASSWORD, env=None):
    return cli(
        "--url",
        url,
        "login",
        SEED_LOGIN,
        "--password-stdin",
        *extra,
        input=password + "\n",
        env=env,
    )


def cached_session_id(keyring_backend, url, profile="default", login_name=SEED_LOGIN):
    raw = keyring_backend.entries[(SERVICE, f"{profile}|{url}|{login_name}")]
    return json.loads(raw)["session_id"]


def state_file(home):
    return home / "state" / "gandi-hosting" / "sessions.json"


def test_login_session_logout_round_trip(cli, sandbox_server, memory_keyring):
    url = sandbox_server.url
    result = login(cli, url)
    assert result.exit_code == 0, result.output
    assert result.stdout == ""  # people get a message on stderr, nothing on stdout
    assert f"Logged in as {SEED_LOGIN}" in result.stderr
    session_id = cached_session_id(memory_keyring, url)

    shown = cli("--url", url, "session")
    assert shown.exit_code == 0
    assert SEED_LOGIN in shown.stdout and url in shown.stdout
    assert "Safe      yes" in shown.stdout and "keyring" in shown.stdout
    assert session_id not in shown.output

    data = json.loads(cli("--url", url, "session", "--json").stdout)
    assert data["logged_in"] is True and data["login"] == SEED_LOGIN
    assert data["endpoint"] == url and data["safe"] is True
    assert data["store"].startswith("keyring")
    assert session_id not in json.dumps(data)

    out = cli("--url", url, "logout")
    assert out.exit_code == 0 and "Logged out" in out.stderr
    assert memory_keyring.entries == {}
    after = cli("--url", url, "session")
    assert after.exit_code == 3
    assert "gandi-hosting login" in after.stderr


def test_a_second_command_reuses_the_session_in_exactly_one_request(cli, logged_in):
    before = logged_in.request_count
    result = cli("--url", logged_in.url, "account", "currency")
    assert result.exit_code == 0 and result.stdout == "EUR\n"
    assert logged_in.request_count == before + 1


def test_session_expired_by_the_server_is_renewed_once_transparently(
    cli, make_sandbox_server, clock, memory_keyring
):
    server = make_sandbox_server(session_ttl=60, clock=clock)
    assert login(cli, server.url, "--remember").exit_code == 0
    first = cached_session_id(memory_keyring, server.url)
    clock.tick(61)  # the server forgets the session
    before = server.request_count
    result = cli("--url", server.url, "account", "currency")
    assert result.exit_code == 0, result.output
    assert result.stdout == "EUR\n"
    assert server.request_count == before + 3  # refused, login, retried
    assert cached_session_id(memory_keyring, server.url) != first


def test_renewal_takes_the_password_from_the_environment(cli, make_sandbox_server, clock):
    server = make_sandbox_server(session_ttl=60, clock=clock)
    assert login(cli, server.url).exit_code == 0
    clock.tick(61)  # the server forgets the session
    result = cli(
        "--url", server.url, "account", "currency", env={"GANDI_HOSTING_PASSWORD": SEED_PASSWORD}
    )
    assert result.exit_code == 0 and result.stdout == "EUR\n"


def test_expired_session_without_a_password_off_a_terminal_exits_3_with_the_hint(
    cli, make_sandbox_server, clock
):
    server = make_sandbox_server(session_ttl=60, clock=clock)
    assert login(cli, server.url).exit_code == 0
    clock.tick(61)  # the server forgets the session
    result = cli("--url", server.url, "account", "currency")
    assert result.exit_code == 3
    assert result.stdout == ""
    assert "run `gandi-hosting login`" in result.stderr
    assert "Traceback" not in result.output


def test_a_locally_expired_session_is_renewed_before_use_without_a_wasted_request(
    cli, logged_in, memory_keyring
):
    key = (SERVICE, f"default|{logged_in.url}|{SEED_LOGIN}")
    record = json.loads(memory_keyring.entries[key])
    record["expires"] = "2000-01-01T00:00:00+00:00"
    memory_keyring.entries[key] = json.dumps(record)
    before = logged_in.request_count
    result = cli(
        "--url", logged_in.url, "account", "currency", env={"GANDI_HOSTING_PASSWORD": SEED_PASSWORD}
    )
    assert result.exit_code == 0
    assert logged_in.request_count == before + 2  # login, then the call: no refused call


def test_bad_password_exits_3(cli, sandbox_server, memory_keyring):
    result = login(cli, sandbox_server.url, password="not-the-password")
    assert result.exit_code == 3
    assert "not-the-password" not in result.output
    assert memory_keyring.entries == {}


def test_without_keyring_sessions_go_to_a_0600_file_said_once(
    cli, sandbox_server, no_keyring, isolate
):
    first = login(cli, sandbox_server.url)
    assert first.exit_code == 0, first.output
    path = state_file(isolate)
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert stat.S_IMODE(path.parent.stat().st_mode) == 0o700
    assert first.stderr.count(str(path)) == 1
    second = login(cli, sandbox_server.url)
    assert str(path) not in second.stderr  # said once, when the file was created
    shown = json.loads(cli("--url", sandbox_server.url, "session", "--json").stdout)
    assert shown["store"] == f"file ({path})"
    assert cli("--url", sandbox_server.url, "account", "currency").stdout == "EUR\n"


def test_the_fallback_file_is_refused_when_others_can_read_it(
    cli, sandbox_server, no_keyring, isolate
):
    assert login(cli, sandbox_server.url).exit_code == 0
    path = state_file(isolate)
    os.chmod(path, 0o644)
    result = cli("--url", sandbox_server.url, "account", "currency")
    assert result.exit_code == 1
    assert "refusing to use" in result.stderr and "chmod 600" in result.stderr


def test_remember_needs_a_keyring_and_sends_nothing_without_one(
    cli, sandbox_server, no_keyring, isolate
):
    result = login(cli, sandbox_server.url, "--remember")
    assert result.exit_code == 2
    assert "keyring" in result.stderr
    assert sandbox_server.request_count == 0
    assert not state_file(isolate).exists()


def test_remember_keeps_the_password_in_keyring_only(cli, sandbox_server, memory_keyring):
    assert login(cli, sandbox_server.url, "--remember").exit_code == 0
    assert memory_keyring.entries[(SERVICE, f"password|{sandbox_server.url}|{SEED_LOGIN}")] == (
        SEED_PASSWORD
    )
    cli("--url", sandbox_server.url, "logout")
    assert memory_keyring.entries == {}


def test_debug_trace_shows_calls_but_neither_password_nor_session_id(
    cli, sandbox_server, memory_keyring
):
    result = login(cli, sandbox_server.url, "--debug")
    session_id = cached_session_id(memory_keyring, sandbox_server.url)
    assert "-> login(" in result.stderr and "***" in result.stderr
    traced = cli("--url", sandbox_server.url, "--debug", "account", "info")
    assert "-> hosting_account_info(***)" in traced.stderr
    assert " ms)" in traced.stderr
    failing = cli("--url", sandbox_server.url, "--debug", "vm", "info", "424242")
    answers = [line for line in failing.stderr.splitlines() if line.startswith("<- ")]
    assert any("530240" in line for line in answers)  # the fault, in the trace
    assert "[fault 530240]" in failing.stderr  # and its code on the error line
    for out in (result, traced, failing):
        assert SEED_PASSWORD not in out.output
        assert session_id not in out.output


def test_su_acts_as_a_customer_and_survives_renewal(cli, make_sandbox_server, clock):
    server = make_sandbox_server(session_ttl=60, clock=clock)
    assert login(cli, server.url, "--unsafe").exit_code == 0
    result = cli("--url", server.url, "su", SEED_CUSTOMER, "--json")
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout)["acting_as"] == SEED_CUSTOMER
    info = json.loads(cli("--url", server.url, "account", "info", "--json").stdout)
    assert info["handle"] == SEED_CUSTOMER
    clock.tick(61)  # the server forgets the session
    again = cli(
        "--url",
        server.url,
        "account",
        "info",
        "--json",
        env={"GANDI_HOSTING_PASSWORD": SEED_PASSWORD},
    )
    assert again.exit_code == 0, again.output
    assert json.loads(again.stdout)["handle"] == SEED_CUSTOMER


def test_sessions_are_kept_per_profile_from_config_toml(cli, sandbox_server, isolate):
    config = isolate / "config" / "gandi-hosting" / "config.toml"
    config.parent.mkdir(parents=True)
    config.write_text(f'[work]\nurl = "{sandbox_server.url}"\nlogin = "{SEED_LOGIN}"\n')
    result = cli("--profile", "work", "login", "--password-stdin", input=SEED_PASSWORD + "\n")
    assert result.exit_code == 0, result.output
    shown = json.loads(cli("session", "--json", env={"GANDI_HOSTING_PROFILE": "work"}).stdout)
    assert shown["profile"] == "work" and shown["endpoint"] == sandbox_server.url
    assert cli("--url", sandbox_server.url, "session").exit_code == 3  # default profile
    unknown = cli("--profile", "nope", "session")
    assert unknown.exit_code == 2 and "work" in unknown.stderr


def test_a_failing_keyring_backend_falls_back_to_the_file(cli, sandbox_server, isolate):
    import keyring

    from tests.conftest import MemoryKeyring

    class LockedKeyring(MemoryKeyring):
        def get_password(self, service, username):
            raise RuntimeError("keyring is locked")

        def set_password(self, service, username, password):
            raise RuntimeError("keyring is locked")

    keyring.set_keyring(LockedKeyring())
    result = login(cli, sandbox_server.url)
    assert result.exit_code == 0, result.output
    assert "keyring failed (keyring is locked)" in result.stderr
    assert state_file(isolate).exists()


def test_login_json(cli, sandbox_server):
    result = login(cli, sandbox_server.url, "--json")
    data = json.loads(result.stdout)
    assert data["login"] == SEED_LOGIN and "session_id" not in data


def test_off_a_terminal_login_needs_a_password_source(cli, sandbox_server):
    result = cli("--url", sandbox_server.url, "login", SEED_LOGIN)
    assert result.exit_code == 2 and "--password-stdin" in result.stderr
    assert sandbox_server.request_count == 0
