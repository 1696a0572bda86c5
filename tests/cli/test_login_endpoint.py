"""``login`` remembers where it logged in; URLs in any spelling find the same session; no
password in clear over the network; ``session --check`` asks the server."""

from __future__ import annotations

import json
import sys
import time

import pytest

from gandi_hosting_cli.config.settings import normalize_url
from gandi_hosting_cli.sandbox.seed import SEED_LOGIN, SEED_PASSWORD

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover
    import tomli as tomllib


def login(cli, url, *extra, env=None):
    return cli(
        "--url", url, "login", SEED_LOGIN, "--password-stdin", *extra,
        input=SEED_PASSWORD + "\n", env=env,
    )  # fmt: skip


def one_line_error(result) -> str:
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    assert lines[0].startswith("Error: ") and "unexpected" not in lines[0]
    return lines[0]


class Clock:
    """The served sandbox's clock, moved by the test (no sleeping)."""

    def __init__(self) -> None:
        self.now = time.time()

    def __call__(self) -> float:
        return self.now


# -- login remembers the endpoint --------------------------------------------------------
def test_after_login_with_url_a_plain_command_talks_to_the_same_server(
    cli, sandbox_server, isolate
):
    assert login(cli, sandbox_server.url).exit_code == 0
    config = tomllib.loads((isolate / "config" / "gandi-hosting" / "config.toml").read_text())
    assert config["default"] == {"url": sandbox_server.url, "login": SEED_LOGIN}
    before = sandbox_server.request_count
    result = cli("account", "balance")  # no --url: the profile now says where
    assert result.exit_code == 0, result.output
    assert "EUR" in result.stdout
    assert sandbox_server.request_count == before + 1


def test_login_keeps_the_comments_of_config_toml(cli, sandbox_server, isolate):
    path = isolate / "config" / "gandi-hosting" / "config.toml"
    path.parent.mkdir(parents=True)
    path.write_text("# hand-written\n[default]\nwait = true  # always wait\n")
    assert login(cli, sandbox_server.url).exit_code == 0
    text = path.read_text()
    assert "# hand-written" in text and "# always wait" in text
    assert tomllib.loads(text)["default"]["url"] == sandbox_server.url


def test_login_saves_in_the_profile_given(cli, sandbox_server, isolate):
    assert login(cli, sandbox_server.url, "--profile", "lab").exit_code == 0
    config = tomllib.loads((isolate / "config" / "gandi-hosting" / "config.toml").read_text())
    assert config["lab"]["url"] == sandbox_server.url and "default" not in config
    assert cli("--profile", "lab", "account", "currency").stdout == "EUR\n"


# -- URL forms ---------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("typed", "normal"),
    [
        ("http://h:8080/hosting", "http://h:8080/hosting/"),
        ("http://h:8080/hosting/", "http://h:8080/hosting/"),
        ("HTTP://H.Example:8080/hosting/", "http://h.example:8080/hosting/"),
        ("http://h:80/hosting/", "http://h/hosting/"),
        ("https://api.gandi.net:443/hosting", "https://api.gandi.net/hosting/"),
        ("https://api.gandi.net", "https://api.gandi.net/"),
        ("http://[::1]:8080/hosting", "http://[::1]:8080/hosting/"),
        (" sandbox ", "sandbox"),
    ],
)
def test_urls_are_normalised(typed, normal):
    assert normalize_url(typed) == normal


def test_a_session_is_found_whatever_form_of_the_url_is_typed(cli, sandbox_server):
    url = sandbox_server.url  # http://127.0.0.1:PORT/hosting/
    assert login(cli, url.rstrip("/")).exit_code == 0
    for form in (url, url.rstrip("/"), url.replace("http://", "HTTP://")):
        before = sandbox_server.request_count
        result = cli("--url", form, "account", "currency")
        assert result.exit_code == 0, (form, result.output)
        assert sandbox_server.request_count == before + 1  # the cached session, no login
        assert cli("--url", form, "session").exit_code == 0


@pytest.mark.parametrize("url", ["127.0.0.1:8080/hosting/", "api.gandi.net", "ftp://h/x/"])
def test_a_url_without_an_http_scheme_is_a_usage_error(cli, url):
    result = cli("--url", url, "account", "info")
    assert result.exit_code == 2
    assert url.strip() in one_line_error(result) or "scheme" in result.stderr


def test_the_environment_url_is_checked_too(cli):
    result = cli("account", "info", env={"GANDI_HOSTING_URL": "example.com"})
    assert result.exit_code == 2 and "no scheme" in one_line_error(result)


# -- no password in clear ------------------------------------------------------------------
def remote_form(url: str) -> str:
    """The sandbox's URL through 0.0.0.0: reaches this machine on Linux, yet is not a
    loopback address, so the tool must treat it as another host."""
    return url.replace("127.0.0.1", "0.0.0.0")


def test_login_refuses_plain_http_to_another_host(cli, sandbox_server, isolate):
    before = sandbox_server.request_count
    result = login(cli, remote_form(sandbox_server.url))
    assert result.exit_code == 2
    line = one_line_error(result)
    assert "in clear" in line and "0.0.0.0" in line and "--allow-insecure-http" in line
    assert sandbox_server.request_count == before  # nothing sent
    result = cli("--url", "http://192.0.2.1/hosting/", "login", SEED_LOGIN)
    assert result.exit_code == 2 and "Password" not in result.stderr  # refused before prompting


def test_login_over_plain_http_elsewhere_with_the_flag(cli, sandbox_server):
    url = remote_form(sandbox_server.url)
    result = login(cli, url, "--allow-insecure-http")
    assert result.exit_code == 0, result.output
    assert cli("--url", url, "account", "currency").stdout == "EUR\n"


def test_https_and_loopback_are_not_refused(cli, sandbox_server):
    assert login(cli, sandbox_server.url).exit_code == 0
    assert login(cli, sandbox_server.url.replace("127.0.0.1", "localhost")).exit_code == 0


def test_automatic_renewal_over_plain_http_elsewhere_needs_the_profile_setting(
    cli, make_sandbox_server, monkeypatch
):
    clock = Clock()
    server = make_sandbox_server(clock=clock, session_ttl=3600)
    url = remote_form(server.url)
    assert login(cli, url, "--allow-insecure-http").exit_code == 0
    monkeypatch.setenv("GANDI_HOSTING_PASSWORD", SEED_PASSWORD)
    clock.now += 7200  # the server forgets the session
    before = server.request_count
    result = cli("--url", url, "account", "currency")
    assert result.exit_code == 3
    assert "in clear" in one_line_error(result)
    assert server.request_count == before + 1  # the refused call; no login was sent
    assert cli("config", "set", "allow_insecure_http", "true").exit_code == 0
    result = cli("--url", url, "account", "currency")
    assert result.exit_code == 0, result.output


# -- session --check -----------------------------------------------------------------------
def test_session_without_check_says_its_expiry_is_a_local_estimate(cli, sandbox_server):
    assert login(cli, sandbox_server.url).exit_code == 0
    before = sandbox_server.request_count
    result = cli("--url", sandbox_server.url, "session")
    assert result.exit_code == 0 and "local estimate" in result.stdout
    assert sandbox_server.request_count == before  # nothing asked


def test_session_check_exits_3_after_a_server_side_expiry(cli, make_sandbox_server):
    clock = Clock()
    server = make_sandbox_server(clock=clock, session_ttl=3600)
    assert login(cli, server.url).exit_code == 0
    ok = cli("--url", server.url, "session", "--check", "--json")
    assert ok.exit_code == 0, ok.output
    data = json.loads(ok.stdout)
    assert data["checked"] is True and data["valid_on_server"] is True
    clock.now += 3601  # the server's clock passes the session's end; the local estimate not
    assert cli("--url", server.url, "session").exit_code == 0  # the estimate still says valid
    before = server.request_count
    result = cli("--url", server.url, "session", "--check")
    assert result.exit_code == 3
    assert "no longer accepts" in result.stderr and "refused by the server" in result.stdout
    assert server.request_count == before + 1  # one cheap call, no renewal


def test_a_sandbox_login_is_not_saved_in_the_profile(cli, isolate):
    assert cli("--sandbox", "login").exit_code == 0
    assert not (isolate / "config" / "gandi-hosting" / "config.toml").exists()
