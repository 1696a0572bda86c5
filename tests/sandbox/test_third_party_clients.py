"""Real third-party XML-RPC clients against a sandbox server, as subprocesses.

The scripts are in ``tests/sandbox/clients/``: the spec's Perl samples (XMLRPC::Lite) and PHP
samples (phpxmlrpc's API), and the spec's user case with Ruby's XMLRPC::Client, node's
``xmlrpc`` package, Perl's Frontier::Client and PHP's xmlrpc extension (over PHP's http
stream and over curl); plus the curl command line for the HTTP variants. Each test is
skipped, saying what is missing, when its interpreter or library is not installed (CI
does not install them); ``test_http_quirks.py`` replays what they send over raw sockets
and always runs. To run them all on Debian::

    apt-get install libxmlrpc-lite-perl libfrontier-rpc-perl ruby ruby-xmlrpc \\
        php-cli php-xmlrpc php-curl curl
    npm install -g xmlrpc   # or XMLRPC_NODE_MODULES=/path/to/node_modules

``PHPXMLRPC_INC=/path/to/phpxmlrpc/lib/xmlrpc.inc`` runs the PHP samples on the real
phpxmlrpc library instead of ``clients/phpxmlrpc_shim.php``.
"""

from __future__ import annotations

import functools
import gzip
import os
import shutil
import subprocess
from pathlib import Path

import pytest

CLIENTS = Path(__file__).parent / "clients"
TIMEOUT = 90


@functools.cache
def _works(*command: str, env: tuple[tuple[str, str], ...] = ()) -> bool:
    if shutil.which(command[0]) is None:
        return False
    try:
        result = subprocess.run(
            command, capture_output=True, timeout=30, env={**os.environ, **dict(env)}
        )
    except (OSError, subprocess.TimeoutExpired):
        return False
    return result.returncode == 0


def _node_env() -> dict[str, str]:
    paths = [os.environ.get("XMLRPC_NODE_MODULES", ""), os.environ.get("NODE_PATH", "")]
    if shutil.which("npm"):
        try:
            root = subprocess.run(
                ["npm", "root", "-g"], capture_output=True, text=True, timeout=30
            ).stdout.strip()
            paths.append(root)
        except (OSError, subprocess.TimeoutExpired):
            pass
    return {"NODE_PATH": os.pathsep.join(p for p in paths if p)}


def need(what: str, *command: str, env: dict[str, str] | None = None) -> None:
    if not _works(*command, env=tuple(sorted((env or {}).items()))):
        pytest.skip(f"{what} is not installed (see this module's docstring)")


def run(command: list[str], env: dict[str, str] | None = None) -> str:
    """Run a client script; its output, after checking that it ended well."""
    result = subprocess.run(
        command,
        capture_output=True,
        text=True,
        timeout=TIMEOUT,
        env={**os.environ, "TZ": "UTC", **(env or {})},
        stdin=subprocess.DEVNULL,
    )
    assert result.returncode == 0, f"{command[:2]} failed:\n{result.stdout}\n{result.stderr}"
    return result.stdout


def assert_spec_samples_ran(out: str, server) -> None:
    """What the spec's 26 samples print against a fresh sandbox (as the Python port does)."""
    assert out.startswith("--- 01_login") and "--- done" in out
    assert "could not login" not in out
    assert "prepaid account currency: EUR" in out
    assert "created operation#" in out and "creating VM#" in out and "creating disk#" in out
    assert "could not retrieve informations of VM#456 because: DataError: VM does not exist" in out
    assert "could not create a disk_attach" in out and "disk does not exist" in out
    assert "Debian 12 64 bits" in out and "operations list:" in out
    assert "malformed" not in out and "expected" not in out  # no type or wire fault
    assert server.request_count == 26  # one call per sample, login included


def assert_user_case(out: str) -> None:
    for line in ("login OK", "created operation#", "creating VM#", "creating disk#"):
        assert line in out
    assert ": disk_attach DONE" in out
    assert out.rstrip().endswith("user case OK")


# --- the spec's own samples -----------------------------------------------------------


def test_spec_perl_samples_with_xmlrpc_lite(sandbox_server):
    need("Perl's XMLRPC::Lite (libxmlrpc-lite-perl)", "perl", "-MXMLRPC::Lite", "-e", "1")
    out = run(["perl", str(CLIENTS / "spec_samples.pl"), sandbox_server.url])
    assert_spec_samples_ran(out, sandbox_server)
    assert "prepaid account balance: 500" in out


def test_xmlrpc_lite_keep_alive_base64_strings_and_dates(sandbox_server):
    need("Perl's XMLRPC::Lite (libxmlrpc-lite-perl)", "perl", "-MXMLRPC::Lite", "-e", "1")
    out = run(["perl", str(CLIENTS / "xmlrpc_lite_extras.pl"), sandbox_server.url])
    assert "non-ASCII string sent as base64: understood" in out
    assert out.rstrip().endswith("extras OK")


def test_spec_php_samples(sandbox_server):
    library = os.environ.get("PHPXMLRPC_INC")
    if library:
        need("php", "php", "-r", "exit(0);")
    else:
        need("PHP's xmlrpc extension (php-cli, php-xmlrpc)", "php", "-r", "xmlrpc_decode('');")
    command = ["php", str(CLIENTS / "spec_samples.php"), sandbox_server.url]
    out = run(command + ([library] if library else []))
    assert_spec_samples_ran(out, sandbox_server)
    # new xmlrpcval(4) and new xmlrpcval("2048") are strings on the wire: taken for ints
    assert "created operation#" in out and "creating disk#" in out


# --- the spec's user case with other clients ------------------------------------------


def test_user_case_with_ruby_xmlrpc(sandbox_server):
    need("Ruby's xmlrpc library (ruby, ruby-xmlrpc)", "ruby", "-rxmlrpc/client", "-e", "0")
    out = run(["ruby", str(CLIENTS / "user_case.rb"), sandbox_server.url])
    assert_user_case(out)
    assert "fault 530240: DataError: VM does not exist" in out


def test_user_case_with_node_xmlrpc(sandbox_server):
    env = _node_env()
    need("node and the npm package xmlrpc", "node", "-e", "require('xmlrpc')", env=env)
    out = run(["node", str(CLIENTS / "user_case.js"), sandbox_server.url], env=env)
    assert_user_case(out)


def test_user_case_with_perl_frontier_client(sandbox_server):
    need("Perl's Frontier::Client (libfrontier-rpc-perl)", "perl", "-MFrontier::Client", "-e", "1")
    out = run(["perl", str(CLIENTS / "user_case_frontier.pl"), sandbox_server.url])
    assert_user_case(out)


@pytest.mark.parametrize("transport", ["stream", "curl"])
def test_user_case_with_php_xmlrpc_extension(sandbox_server, transport):
    need("PHP's xmlrpc extension (php-cli, php-xmlrpc)", "php", "-r", "xmlrpc_decode('');")
    if transport == "curl":
        need("PHP's curl extension (php-curl)", "php", "-r", "curl_init();")
    out = run(["php", str(CLIENTS / "user_case.php"), sandbox_server.url, transport])
    assert_user_case(out)


# --- curl: the HTTP variants a shell script would use ---------------------------------

LOGIN = (
    b"<?xml version='1.0'?><methodCall><methodName>login</methodName><params>"
    b"<param><value>AA1234-GANDI</value></param><param><value>mypassword</value></param>"
    b"</params></methodCall>"
)


@pytest.mark.parametrize(
    "options",
    [
        [],  # curl's default Content-Type: application/x-www-form-urlencoded
        ["-H", "Content-Type: text/xml"],
        ["--http1.0"],
        ["-H", "Transfer-Encoding: chunked"],
        ["-H", "Expect: 100-continue", "--expect100-timeout", "5"],
        ["-H", "Content-Encoding: gzip"],
    ],
    ids=["plain", "text-xml", "http1.0", "chunked", "expect", "gzip"],
)
def test_curl(sandbox_server, tmp_path, options):
    need("curl", "curl", "--version")
    body = gzip.compress(LOGIN) if "Content-Encoding: gzip" in options else LOGIN
    (tmp_path / "login.xml").write_bytes(body)
    out = _curl(tmp_path, options, sandbox_server.url)
    heads, _, answer = out.rpartition("\r\n\r\n")
    head = heads.split("\r\n\r\n")[-1]  # after a "100 Continue" head, if any
    assert head.startswith("HTTP/1.1 200 ")
    assert heads.startswith("HTTP/1.1 100 Continue\r\n") == ("Expect: 100-continue" in options)
    assert "Content-Type: text/xml" in head
    assert "<string>" in answer and "<fault>" not in answer


def _curl(directory: Path, options: list[str], url: str) -> str:
    result = subprocess.run(
        ["curl", "-sS", "-i", "--max-time", "20", *options, "--data-binary", "@login.xml", url],
        capture_output=True,
        timeout=TIMEOUT,
        cwd=directory,
    )
    assert result.returncode == 0, result.stderr
    return result.stdout.decode("latin-1")  # bytes kept: the heads end in CRLF CRLF


def test_curl_reuses_one_connection_for_several_calls(sandbox_server, tmp_path):
    need("curl", "curl", "--version")
    (tmp_path / "login.xml").write_bytes(LOGIN)
    calls = []
    for _ in range(3):
        calls += ["--data-binary", "@login.xml", sandbox_server.url, "--next"]
    result = subprocess.run(
        ["curl", "-sS", "-v", "--max-time", "20", *calls[:-1]],
        capture_output=True,
        text=True,
        timeout=TIMEOUT,
        cwd=tmp_path,
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.count("<string>") == 3
    assert result.stderr.count("Connected to") == 1  # then "Re-using existing connection"
    assert sandbox_server.request_count == 3


def test_curl_over_the_limit_gets_413_without_sending_the_body(sandbox_server, tmp_path):
    need("curl", "curl", "--version")
    (tmp_path / "login.xml").write_bytes(b" " * (2 * 1024 * 1024) + LOGIN)  # curl sends Expect
    out = _curl(tmp_path, [], sandbox_server.url)
    assert out.startswith("HTTP/1.1 413 ")
