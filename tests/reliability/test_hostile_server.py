"""The CLI against a hostile or broken server, each provoked for real on 127.0.0.1.

A decompression bomb and a huge body are cut at the answer cap with memory bounded; a
server that dribbles, sends headers slowly or ``100 Continue`` forever is given up at the
``--timeout`` deadline (twice it for a read retried once); answers of the wrong shape are
protocol errors (exit 6); a huge or hostile fault text is cut and made printable on the
terminal (whole under ``--debug``); HTTP(S)_PROXY is honoured (absolute URIs for http,
a CONNECT tunnel for https), NO_PROXY and loopback endpoints go direct.
"""

from __future__ import annotations

import os
import subprocess
import sys
import time

import pytest

from gandi_hosting_cli.sandbox.seed import SEED_LOGIN, SEED_PASSWORD
from tests.reliability.faulty_server import (
    FaultyProxy,
    ForwardProxy,
    continue_forever,
    drip,
    fault_xml,
    gzip_bomb,
    huge_body,
    raw_xml,
    response_xml,
    slow_headers,
)
from tests.reliability.support import (
    LONG,
    STATS,
    invoke,
    one_error_line,
    self_signed_certificate,
)

RSS_LIMIT_MB = 150


# Linux keeps the high-water mark of the memory a process replaced by exec (the parent's,
# after fork): a child of the (large) pytest process never looks smaller than pytest. So
# a bare interpreter (-I -S, ~8 MB) forks and execs the CLI and reports its rusage.
LAUNCHER = """
import os, sys
pid = os.fork()
if pid == 0:
    os.execv(sys.argv[1], sys.argv[1:])
_, status, usage = os.wait4(pid, 0)
sys.stderr.write(f"\\nMAXRSS {usage.ru_maxrss}\\n")
sys.exit(os.waitstatus_to_exitcode(status))
"""


def run_child(args: list[str], extra_env: dict[str, str] | None = None, timeout: float = 60):
    """Run the CLI in a child process; return (exit code, stdout, stderr, peak RSS in MB)."""
    env = dict(os.environ, **(extra_env or {}))
    command = [sys.executable, "-I", "-S", "-c", LAUNCHER, sys.executable, "-m"]
    try:
        done = subprocess.run(
            [*command, "gandi_hosting_cli", *args],
            stdin=subprocess.DEVNULL,
            capture_output=True,
            env=env,
            timeout=timeout,
            start_new_session=True,
        )
    except subprocess.TimeoutExpired as exc:
        raise AssertionError(f"the CLI ran past {timeout} s: {exc.stderr!r}") from None
    err, _, last = done.stderr.decode().rstrip().rpartition("\n")
    assert last.startswith("MAXRSS "), done.stderr
    peak_mb = int(last.split()[1]) / 1024  # KB on Linux
    return done.returncode, done.stdout.decode(), err, peak_mb


# -- size ------------------------------------------------------------------------------------
def test_a_gzip_bomb_is_refused_at_the_cap_with_memory_bounded(proxy):
    """4 MB of gzip that inflates to ~4 GB (16 MB / 16 GB in a long run): exit 6, one
    line, the child stays small."""
    proxy.faults = {"*": gzip_bomb(16 if LONG else 4)}
    started = time.monotonic()
    code, stdout, stderr, peak = run_child(["--url", proxy.url, "os", "list"])
    elapsed = time.monotonic() - started
    assert code == 6, stderr
    assert stdout == ""
    lines = stderr.strip().splitlines()
    assert len(lines) == 1 and "larger than 64 MB" in lines[0], stderr
    assert "GANDI_HOSTING_MAX_RESPONSE_MB" in lines[0]
    assert peak < RSS_LIMIT_MB, f"peak RSS {peak:.0f} MB"
    STATS["gzip bomb: peak RSS of the CLI (MB)"] = round(peak)
    STATS["gzip bomb: seconds to refuse"] = round(elapsed, 1)


@pytest.mark.parametrize("declare_length", [True, False], ids=["content-length", "until-close"])
def test_a_plain_body_beyond_a_lowered_cap_is_refused(proxy, declare_length):
    megabytes = 64 if LONG else 16
    proxy.faults = {"*": huge_body(megabytes, declare_length=declare_length)}
    code, stdout, stderr, peak = run_child(
        ["--url", proxy.url, "os", "list"], {"GANDI_HOSTING_MAX_RESPONSE_MB": "2"}
    )
    assert code == 6, stderr
    assert stdout == ""
    assert len(stderr.strip().splitlines()) == 1
    assert "larger than 2 MB" in stderr, stderr
    assert peak < RSS_LIMIT_MB, f"peak RSS {peak:.0f} MB"


def test_an_answer_within_the_cap_is_read(proxy):
    # 200 KB of gzip-compressed answer, under a 1 MB cap: read, inflated, shown
    big_name = "x" * 200_000
    images = (
        "<array><data><value><struct>"
        "<member><name>id</name><value><int>7</int></value></member>"
        f"<member><name>name</name><value><string>{big_name}</string></value></member>"
        "</struct></value></data></array>"
    )
    proxy.faults = {"os_list": raw_xml(response_xml(images), gzip_it=True)}
    code, stdout, stderr, _ = run_child(
        ["--url", proxy.url, "os", "list", "--json"], {"GANDI_HOSTING_MAX_RESPONSE_MB": "1"}
    )
    assert code == 0, stderr
    assert big_name in stdout


def test_an_unusable_cap_is_a_usage_error(proxy, monkeypatch):
    monkeypatch.setenv("GANDI_HOSTING_MAX_RESPONSE_MB", "lots")
    message = one_error_line(invoke("--url", proxy.url, "os", "list"), code=2)
    assert "GANDI_HOSTING_MAX_RESPONSE_MB" in message
    assert proxy.calls == []


# -- time ------------------------------------------------------------------------------------
# the issue's own figures in a long run (--timeout 3, a byte a second), shorter in CI
SLOW_SERVERS = {
    "drip": lambda: drip(1.0 if LONG else 0.2),
    "slow-headers": lambda: slow_headers(0.5 if LONG else 0.1),
    "continue-forever": lambda: continue_forever(0.25 if LONG else 0.05),
}
TIMEOUT = 3.0 if LONG else 0.5
# Each slow answer lasts 20 s or more (drip: ~120 bytes; the others never end), so a
# command that ends within MARGIN s past its timeouts has been cut by a deadline on the
# whole answer, not on each read; the margin leaves room for a loaded machine (how soon
# it ends is a figure in STATS, not an assertion).
MARGIN = 8.0


@pytest.mark.parametrize("kind", sorted(SLOW_SERVERS))
def test_timeout_bounds_the_whole_answer_of_a_read(proxy, kind):
    """A read is retried once: at most twice the timeout (and the short retry pause)."""
    proxy.faults = {"*": SLOW_SERVERS[kind]()}
    started = time.monotonic()
    result = invoke("--url", proxy.url, "--timeout", str(TIMEOUT), "os", "list")
    elapsed = time.monotonic() - started
    message = one_error_line(result)
    assert f"within {TIMEOUT:g} s" in message, message
    assert proxy.calls == ["os_list", "os_list"]
    assert elapsed < 2 * TIMEOUT + MARGIN, f"{kind}: {elapsed:.1f} s"
    STATS[f"{kind}: seconds with --timeout {TIMEOUT:g} (read, retried once)"] = round(elapsed, 2)


@pytest.mark.parametrize("kind", sorted(SLOW_SERVERS))
def test_timeout_bounds_a_write_sent_once(proxy, kind):
    proxy.faults = {"hosting_account_product_add": SLOW_SERVERS[kind]()}
    started = time.monotonic()
    args = ("--timeout", str(TIMEOUT), "product", "add", "--yes", "shares", "1")
    result = invoke("--url", proxy.url, *args)
    elapsed = time.monotonic() - started
    one_error_line(result)
    assert proxy.calls.count("hosting_account_product_add") == 1
    assert elapsed < TIMEOUT + MARGIN, f"{kind}: {elapsed:.1f} s"


# -- shape -----------------------------------------------------------------------------------
EMPTY_PARAMS = b"<?xml version='1.0'?><methodResponse><params></params></methodResponse>"
WRONG_SHAPES = {
    "empty-params": ("os_list", ["os", "list"], EMPTY_PARAMS),
    "string-for-struct": (
        "hosting_account_info",
        ["account", "info"],
        response_xml("<string>surprise</string>"),
    ),
    "struct-without-id": (
        "os_list",
        ["os", "list"],
        response_xml("<array><data><value><struct></struct></value></data></array>"),
    ),
    "strings-for-ids": (
        "vm_list",
        ["vm", "list", "-q"],
        response_xml("<array><data><value><string>one</string></value></data></array>"),
    ),
    "non-integer-fault-code": (
        "os_list",
        ["os", "list"],
        fault_xml("<string>five</string>", "<string>no</string>"),
    ),
    "fault-without-text": (
        "os_list",
        ["os", "list"],
        b"<?xml version='1.0'?><methodResponse><fault><value><struct>"
        b"<member><name>faultCode</name><value><int>520030</int></value></member>"
        b"</struct></value></fault></methodResponse>",
    ),
    "int-that-is-not": ("os_list", ["os", "list"], response_xml("<int>twelve</int>")),
    "nested-100000-deep": (
        "vm_list",
        ["vm", "list", "-q"],
        response_xml(
            "<array><data><value>" * 100_000 + "<int>1</int>" + "</value></data></array>" * 100_000
        ),
    ),
}


@pytest.mark.parametrize("case", sorted(WRONG_SHAPES))
def test_a_wrong_shaped_answer_is_a_protocol_error(proxy, case):
    method, command, body = WRONG_SHAPES[case]
    proxy.faults = {method: raw_xml(body)}
    message = one_error_line(invoke("--url", proxy.url, "--timeout", "2", *command))
    assert "127.0.0.1" in message
    STATS["wrong-shaped answers refused"] += 1


def test_a_login_answer_that_is_not_a_string_is_a_protocol_error(sandbox_server):
    with FaultyProxy(sandbox_server.url, {"login": raw_xml(response_xml("<int>5</int>"))}) as p:
        result = invoke(
            "--url", p.url, "login", SEED_LOGIN, "--password-stdin", input=SEED_PASSWORD + "\n"
        )
    message = one_error_line(result)
    assert "login" in message and "not a string" in message, message
    assert SEED_PASSWORD not in result.output


def test_a_multicall_answer_of_the_wrong_shape_is_a_protocol_error(proxy, sandbox_server):
    from gandi_hosting_cli.api.client import HostingClient
    from gandi_hosting_cli.errors import NetworkError

    session = sandbox_server.login()
    bad_batches = {
        "too-few-results": "<array><data><value><array><data><value><int>1</int></value>"
        "</data></array></value></data></array>",
        "item-neither-list-nor-fault": "<array><data><value><string>x</string></value>"
        "<value><string>y</string></value></data></array>",
        "inner-wrong-type": "<array><data><value><array><data><value><string>no</string>"
        "</value></data></array></value><value><array><data><value><array><data></data>"
        "</array></value></data></array></value></data></array>",
    }
    for name, xml in bad_batches.items():
        proxy.faults = {"vm_list": raw_xml(response_xml(xml))}
        client = HostingClient(proxy.url, timeout=2, session=session, retry_delay=0)
        with pytest.raises(NetworkError) as caught:
            client.multicall([("vm_list", ()), ("disk_list", ())])
        assert caught.value.exit_code == 6, name
        client.close()


def test_a_url_password_is_not_in_the_debug_traceback_of_an_error_page(monkeypatch):
    monkeypatch.setenv("GANDI_HOSTING_LOGIN", SEED_LOGIN)
    monkeypatch.setenv("GANDI_HOSTING_PASSWORD", SEED_PASSWORD)
    with FaultyProxy(None, {"*": "html502"}) as broken:
        url = broken.url.replace("http://", "http://someone:url-secret-93b1@")
        result = invoke("--url", url, "--debug", "os", "list")
    assert result.exit_code == 6, result.output
    assert "HTTP 502" in result.stderr
    assert "url-secret-93b1" not in result.output


# -- faults ----------------------------------------------------------------------------------
def test_a_huge_fault_text_is_cut_on_the_terminal_and_whole_under_debug(proxy):
    text = "DataError: " + "very long explanation " * 5000  # ~110 KB
    proxy.faults = {"os_list": raw_xml(fault_xml("<int>520030</int>", f"<string>{text}</string>"))}
    message = one_error_line(invoke("--url", proxy.url, "os", "list"), code=1)
    assert len(message) < 500, len(message)
    assert "more characters; --debug shows them all" in message
    debug = invoke("--url", proxy.url, "--debug", "os", "list")
    assert debug.exit_code == 1
    assert " ".join(text.split()) in debug.stderr


def test_control_characters_in_a_fault_never_reach_the_terminal(proxy):
    """XML 1.0 cannot carry ESC, but it can carry C1 controls (U+009B is CSI on some
    terminals) and DEL: they are shown escaped, not sent to the terminal."""
    text = "DataError: &#155;2J&#127;cleared"
    proxy.faults = {"os_list": raw_xml(fault_xml("<int>520030</int>", f"<string>{text}</string>"))}
    result = invoke("--url", proxy.url, "os", "list")
    message = one_error_line(result, code=1)
    assert "\x9b" not in message and "\x7f" not in message
    assert "\\x9b2J\\x7fcleared" in message, message
    debug = invoke("--url", proxy.url, "--debug", "os", "list")
    assert "\x9b" not in debug.stderr and "\x7f" not in debug.stderr
    assert "\\x9b2J" in debug.stderr


# -- proxies ---------------------------------------------------------------------------------
PROXY_SECRET = "proxy-pass-4d2f"
PROXY_VARS = ("HTTP_PROXY", "HTTPS_PROXY", "ALL_PROXY", "NO_PROXY")


@pytest.fixture
def clean_proxy_env(monkeypatch):
    for var in PROXY_VARS:
        monkeypatch.delenv(var, raising=False)
        monkeypatch.delenv(var.lower(), raising=False)
    return monkeypatch


def test_an_http_endpoint_is_reached_through_http_proxy(sandbox_server, clean_proxy_env):
    """Absolute-URI requests to the proxy, with its credentials, never shown."""
    name = f"hosting.invalid:{sandbox_server.port}"
    with ForwardProxy({name: ("127.0.0.1", sandbox_server.port)}) as proxy:
        proxy_url = proxy.url.replace("http://", f"http://puser:{PROXY_SECRET}@")
        clean_proxy_env.setenv("HTTP_PROXY", proxy_url)
        url = f"http://{name}/hosting/"
        login = invoke(
            "--url",
            url,
            "login",
            SEED_LOGIN,
            "--password-stdin",
            "--allow-insecure-http",  # plain http to a host that is not loopback
            input=SEED_PASSWORD + "\n",
        )
        assert login.exit_code == 0, login.output
        code, stdout, stderr, _ = run_child(["--url", url, "--debug", "os", "list", "-q"])
        assert code == 0, stderr
        assert stdout.split()
    assert PROXY_SECRET not in login.output + stdout + stderr
    methods = {(m, t.rpartition("/hosting/")[0]) for m, t, _ in proxy.requests}
    assert methods == {("POST", f"http://{name}")}, proxy.requests
    assert all("proxy-authorization" in h for _, _, h in proxy.requests)


def test_no_proxy_and_loopback_endpoints_go_direct(sandbox_server, clean_proxy_env):
    with ForwardProxy() as proxy:
        for var in ("HTTP_PROXY", "HTTPS_PROXY", "ALL_PROXY", "http_proxy", "https_proxy"):
            clean_proxy_env.setenv(var, proxy.url)
        # loopback: direct, whatever the proxy variables say
        login = invoke(
            "--url", sandbox_server.url, "login", SEED_LOGIN, "--password-stdin",
            input=SEED_PASSWORD + "\n",
        )  # fmt: skip
        assert login.exit_code == 0, login.output
        # NO_PROXY: direct too (so a name no resolver knows cannot be reached)
        clean_proxy_env.setenv("NO_PROXY", "example.com,.invalid")
        clean_proxy_env.setenv("GANDI_HOSTING_LOGIN", SEED_LOGIN)
        clean_proxy_env.setenv("GANDI_HOSTING_PASSWORD", SEED_PASSWORD)
        message = one_error_line(
            invoke("--url", "https://hosting.invalid:9/hosting/", "--timeout", "2", "os", "list")
        )
        assert "resolve" in message, message
    assert proxy.requests == []


@pytest.fixture
def self_signed(tmp_path):
    return self_signed_certificate(
        tmp_path, "/CN=secure.invalid", "-addext", "subjectAltName=DNS:secure.invalid"
    )


def test_an_https_endpoint_is_tunnelled_and_its_certificate_still_checked(
    sandbox_server, clean_proxy_env, self_signed
):
    with FaultyProxy(sandbox_server.url, tls=self_signed) as tls:
        name = f"secure.invalid:{tls.port}"
        with ForwardProxy({name: ("127.0.0.1", tls.port)}) as proxy:
            proxy_url = proxy.url.replace("http://", f"http://puser:{PROXY_SECRET}@")
            clean_proxy_env.setenv("HTTPS_PROXY", proxy_url)
            clean_proxy_env.setenv("GANDI_HOSTING_LOGIN", SEED_LOGIN)
            clean_proxy_env.setenv("GANDI_HOSTING_PASSWORD", SEED_PASSWORD)
            result = invoke("--url", f"https://{name}/hosting/", "--timeout", "5", "os", "list")
    message = one_error_line(result)
    assert "certificate" in message.lower(), message  # self-signed: refused, as directly
    assert "through the proxy" in message and PROXY_SECRET not in message
    assert [(m, t) for m, t, _ in proxy.requests] == [("CONNECT", name)]
    assert "proxy-authorization" in proxy.requests[0][2]
    assert tls.calls == []  # nothing was sent over the unverified connection


def test_an_https_endpoint_answers_through_the_tunnel(sandbox_server, clean_proxy_env, self_signed):
    """With the certificate trusted (SSL_CERT_FILE), the same tunnel carries the calls."""
    with FaultyProxy(sandbox_server.url, tls=self_signed) as tls:
        name = f"secure.invalid:{tls.port}"
        with ForwardProxy({name: ("127.0.0.1", tls.port)}) as proxy:
            clean_proxy_env.setenv("HTTPS_PROXY", proxy.url)
            clean_proxy_env.setenv("SSL_CERT_FILE", self_signed[0])
            clean_proxy_env.setenv("GANDI_HOSTING_LOGIN", SEED_LOGIN)
            clean_proxy_env.setenv("GANDI_HOSTING_PASSWORD", SEED_PASSWORD)
            result = invoke("--url", f"https://{name}/hosting/", "os", "list", "-q")
    assert result.exit_code == 0, result.output
    assert result.stdout.split()
    assert {m for m, _, _ in proxy.requests} == {"CONNECT"}
    assert "os_list" in tls.calls


def test_an_unreachable_proxy_is_named_without_its_password(clean_proxy_env):
    from tests.reliability.faulty_server import free_port

    clean_proxy_env.setenv("HTTPS_PROXY", f"http://u:{PROXY_SECRET}@127.0.0.1:{free_port()}")
    clean_proxy_env.setenv("GANDI_HOSTING_LOGIN", SEED_LOGIN)
    clean_proxy_env.setenv("GANDI_HOSTING_PASSWORD", SEED_PASSWORD)
    message = one_error_line(
        invoke("--url", "https://api.example.invalid/hosting/", "--timeout", "2", "os", "list")
    )
    assert "refused" in message and "through the proxy http://127.0.0.1:" in message, message
    assert PROXY_SECRET not in message


def test_an_unsupported_proxy_is_a_usage_error(clean_proxy_env):
    clean_proxy_env.setenv("HTTPS_PROXY", "socks5://127.0.0.1:1080")
    clean_proxy_env.setenv("GANDI_HOSTING_LOGIN", SEED_LOGIN)
    clean_proxy_env.setenv("GANDI_HOSTING_PASSWORD", SEED_PASSWORD)
    message = one_error_line(
        invoke("--url", "https://api.example.invalid/hosting/", "os", "list"), code=2
    )
    assert "http://host:port" in message
