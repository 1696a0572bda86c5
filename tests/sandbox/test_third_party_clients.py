"""Real third-party XML-RPC clients against a sandbox server, as subprocesses.

The scripts are in ``tests/sandbox/clients/``: the spec's Perl samples (XMLRPC::Lite) and PHP
samples (phpxmlrpc's API), and the spec's user case with Ruby's XMLRPC::Client, node's
``xmlrpc`` package, Perl's Frontier::Client and PHP's xmlrpc extension (over PHP's http
stream and over curl); plus the curl command line for the HTTP variants. The clients that
type every value run against a strict server too; what the others leave untyped (the PHP
samples' digit strings, Perl's plain 1 and digit or non-ASCII strings:
``clients/tolerated_shapes.pl``) is taken by default and refused by a strict server
(``sandbox serve --strict``) with a fault saying what came. Each test is
skipped, saying what is missing, when its interpreter or library is not installed (CI
does not install them); the end of this module and ``test_http_quirks.py`` replay what
they send over raw sockets and always run. To run them all on Debian::

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

from gandi_hosting_cli.sandbox.seed import SEED_LOGIN, SEED_PASSWORD
from tests.sandbox.helpers import call_body, fault, login_body, request, value

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
        pytest.skip(f"not installed: {what} (see this module's docstring)")


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


def test_strict_mode_refuses_the_spec_php_samples_digit_strings(make_sandbox_server):
    # a user checking a phpxmlrpc client with `sandbox serve --strict`: every untyped
    # number (a <string> on the wire) is refused, saying what came; typed calls still work
    library = os.environ.get("PHPXMLRPC_INC")
    if library:
        need("php", "php", "-r", "exit(0);")
    else:
        need("PHP's xmlrpc extension (php-cli, php-xmlrpc)", "php", "-r", "xmlrpc_decode('');")
    strict = make_sandbox_server(strict=True)
    command = ["php", str(CLIENTS / "spec_samples.php"), strict.url]
    out = run(command + ([library] if library else []))
    assert "prepaid account currency: EUR" in out  # login and the session-only calls
    refused = "DataError: integer expected, not string (strict mode)"
    assert f"operation because: {refused} [quantity: '4']" in out
    assert f"could not create VM because: {refused} [os_id: '111']" in out
    assert f"could not create disk because: {refused} [size: '2048']" in out
    assert "created operation#" not in out and "creating VM#" not in out


# --- the spec's user case with other clients ------------------------------------------


# These clients type every value as the spec does: they pass `sandbox serve --strict` too.
BOTH_MODES = pytest.mark.parametrize("strict", [False, True], ids=["default", "strict"])


@BOTH_MODES
def test_user_case_with_ruby_xmlrpc(make_sandbox_server, strict):
    need("Ruby's xmlrpc library (ruby, ruby-xmlrpc)", "ruby", "-rxmlrpc/client", "-e", "0")
    out = run(["ruby", str(CLIENTS / "user_case.rb"), make_sandbox_server(strict=strict).url])
    assert_user_case(out)
    assert "fault 530240: DataError: VM does not exist" in out


@BOTH_MODES
def test_user_case_with_node_xmlrpc(make_sandbox_server, strict):
    env = _node_env()
    need("node and the npm package xmlrpc", "node", "-e", "require('xmlrpc')", env=env)
    url = make_sandbox_server(strict=strict).url
    out = run(["node", str(CLIENTS / "user_case.js"), url], env=env)
    assert_user_case(out)


@BOTH_MODES
def test_user_case_with_perl_frontier_client(make_sandbox_server, strict):
    need("Perl's Frontier::Client (libfrontier-rpc-perl)", "perl", "-MFrontier::Client", "-e", "1")
    url = make_sandbox_server(strict=strict).url
    out = run(["perl", str(CLIENTS / "user_case_frontier.pl"), url])
    assert_user_case(out)


# What Perl's clients send untyped (plain 1, digit strings, non-ASCII strings): taken by
# default, refused by --strict with the argument's type fault saying what came.
UNTYPED = {
    "lite": {
        "1 for a boolean": "501110 DataError: boolean expected, not int (strict mode) [safe: 1]",
        "all-digit password": "501210 DataError: string expected, not int (strict mode) "
        "[password: ***]",
        "non-ASCII password": "501210 DataError: string expected, not base64 (strict mode) "
        "[password: ***]",
    },
    "frontier": {
        "1 for a boolean": "501110 DataError: boolean expected, not int (strict mode) [safe: 1]",
        "all-digit password": "501210 DataError: string expected, not int (strict mode) "
        "[password: ***]",
    },
}


@pytest.mark.parametrize("library", list(UNTYPED))
def test_perl_clients_untyped_values_are_taken_by_default_and_refused_by_strict(
    make_sandbox_server, library
):
    module = {"lite": "XMLRPC::Lite", "frontier": "Frontier::Client"}[library]
    need(f"Perl's {module}", "perl", f"-M{module}", "-e", "1")
    script = str(CLIENTS / "tolerated_shapes.pl")
    cases = UNTYPED[library]
    default = run(["perl", script, make_sandbox_server(strict=False).url, library])
    assert default.splitlines() == [f"{case}: ok" for case in cases] + ["done"]
    strict = run(["perl", script, make_sandbox_server(strict=True).url, library])
    assert strict.splitlines() == [f"{case}: fault {cases[case]}" for case in cases] + ["done"]


@BOTH_MODES
@pytest.mark.parametrize("transport", ["stream", "curl"])
def test_user_case_with_php_xmlrpc_extension(make_sandbox_server, transport, strict):
    need("PHP's xmlrpc extension (php-cli, php-xmlrpc)", "php", "-r", "xmlrpc_decode('');")
    if transport == "curl":
        need("PHP's curl extension (php-curl)", "php", "-r", "curl_init();")
    url = make_sandbox_server(strict=strict).url
    out = run(["php", str(CLIENTS / "user_case.php"), url, transport])
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
def test_curl_logs_in_with_each_http_variant(sandbox_server, tmp_path, options):
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


# --- what they send, replayed over raw sockets (always run) ----------------------------
# The XML the clients above send (PHP's extension declares ISO-8859-1 and indents every
# element; phpxmlrpc and Frontier leave values untyped; XMLRPC::Lite sends non-ASCII strings
# as base64; Ruby, node and PHP write dates in their own forms), so that CI, where the
# clients may be missing, still checks that the sandbox reads it.


def _product_add(session: str, name: str, encoding: str) -> bytes:
    # the product name is echoed in the fault, which shows how the server decoded it
    return (
        f'<?xml version="1.0" encoding="{encoding}"?>\n<methodCall>\n'
        "<methodName>hosting_account_product_add</methodName>\n<params>\n"
        f" <param>\n  <value>\n   <string>{session}</string>\n  </value>\n </param>\n"
        f" <param>\n  <value>\n   <string>{name}</string>\n  </value>\n </param>\n"
        " <param>\n  <value>\n   <int>1</int>\n  </value>\n </param>\n"
        " <param>\n  <value>\n   <string>1m</string>\n  </value>\n </param>\n"
        "</params>\n</methodCall>\n"
    ).encode(encoding)


@pytest.mark.parametrize("encoding", ["iso-8859-1", "ISO-8859-1", "utf-8", "us-ascii", "utf-16"])
def test_declared_encodings_are_honoured(raw, sandbox_server, encoding):
    # PHP's xmlrpc extension declares iso-8859-1 and pretty-prints every element
    name = "sharé" if encoding != "us-ascii" else "shar&#233;"
    conn = raw()
    conn.send(request(_product_add(sandbox_server.login(), name, encoding)))
    status, headers, body = conn.answer()
    assert status == 200 and headers["content-type"].startswith("text/xml")
    assert "shar\u00e9" in fault(body).faultString  # decoded, then answered in UTF-8
    body.decode("utf-8")


@pytest.mark.parametrize(
    "prefix",
    [b"\xef\xbb\xbf", b"\n", b"\r\n  ", b"\xef\xbb\xbf\r\n"],
    ids=["bom", "newline", "whitespace", "bom-newline"],
)
def test_a_bom_or_whitespace_before_the_declaration(raw, prefix):
    conn = raw()
    conn.send(request(prefix + login_body()))
    status, _, body = conn.answer()
    assert status == 200 and isinstance(value(body), str)


def test_value_shapes_other_clients_send(raw, sandbox_server):
    session = sandbox_server.login()
    s = f"<value><string>{session}</string></value>"
    untyped = f"<value>{session}</value>"  # XML-RPC's default type, string
    cases = [
        # untyped strings (phpxmlrpc's and Frontier's default), i4, padded numbers
        (
            call_body("login", f"<value>{SEED_LOGIN}</value>", f"<value>{SEED_PASSWORD}</value>"),
            str,
        ),
        (
            call_body(
                "login",
                f"<value>{SEED_LOGIN}</value>",
                f"<value>{SEED_PASSWORD}</value>",
                "<value><boolean>\n  1\n</boolean></value>",
            ),
            str,
        ),
        (call_body("vm_list", untyped), list),
        (
            call_body(
                "operation_list",
                s,
                "<value><struct>\n <member>\n  <name>state</name>\n"
                "  <value>ALL</value>\n </member>\n</struct></value>",
            ),
            list,
        ),
        (
            call_body(
                "hosting_account_product_add",
                s,
                "<value>shares</value>",
                "<value><i4> 1 </i4></value>",
                "<value>1m</value>",
            ),
            int,
        ),
        (
            call_body(
                "hosting_account_product_add",
                s,
                "<value>shares</value>",
                "<value><i8>1</i8></value>",
                "<value>1m</value>",
            ),
            int,
        ),
        # phpxmlrpc's new xmlrpcval(4): the int as a string
        (
            call_body(
                "hosting_account_product_add",
                s,
                "<value>shares</value>",
                "<value><string>1</string></value>",
                "<value>1m</value>",
            ),
            int,
        ),
        # CDATA and character references in strings
        (
            call_body(
                "login",
                f"<value><![CDATA[{SEED_LOGIN}]]></value>",
                "<value><string>&#109;ypassword</string></value>",
            ),
            str,
        ),
        # a pretty-printed method name
        (call_body("\n  system.listMethods\n"), list),
        # an empty <params/> and a missing <params>
        (
            b"<?xml version='1.0'?><methodCall><methodName>system.listMethods</methodName>"
            b"<params/></methodCall>",
            list,
        ),
        (b"<methodCall><methodName>system.listMethods</methodName></methodCall>", list),
    ]
    conn = raw()
    for body, kind in cases:
        conn.send(request(body))
        status, _, answer = conn.answer()
        assert status == 200
        assert isinstance(value(answer), kind), answer


@pytest.mark.parametrize(
    ("param", "code"),
    [
        ("<value><i8>4294967296</i8></value>", 501030),  # out of 32 bits: the int value fault
        ("<value><base64>aGVsbG8=\n</base64></value>", 501010),  # int expected
        ("<value><nil/></value>", 501010),  # the API never carries nil: int expected
        (
            "<value><ex:nil xmlns:ex='http://ws.apache.org/xmlrpc/namespaces/extensions'/></value>",
            501010,
        ),
        ("<value><double>1.5</double></value>", 501010),
        ("<value><boolean>yes</boolean></value>", 500020),
    ],
)
def test_values_the_api_does_not_take_get_faults_not_errors(raw, sandbox_server, param, code):
    conn = raw()
    conn.send(request(call_body("vm_info", f"<value>{sandbox_server.login()}</value>", param)))
    status, _, body = conn.answer()
    assert status == 200 and fault(body).faultCode == code


def test_operation_list_dates_in_every_form_and_zone(raw, sandbox_server):
    session = sandbox_server.login()
    with sandbox_server.proxy() as api:
        opid = api.hosting_account_product_add(session, "shares", 1, "1m")

    def listed(member: str, date: str) -> list:
        conn = raw()
        conn.send(
            request(
                call_body(
                    "operation_list",
                    f"<value>{session}</value>",
                    f"<value><struct><member><name>{member}</name><value>"
                    f"<dateTime.iso8601>{date}</dateTime.iso8601></value></member></struct></value>",
                )
            )
        )
        return value(conn.answer()[2])

    import time

    now = time.time()

    def stamp(offset_hours: float, fmt: str, zone: str = "") -> str:
        return time.strftime(fmt, time.gmtime(now + offset_hours * 3600)) + zone

    # created_before one hour ahead, written in UTC, in -05:00 and in +02:00 local time
    ahead = [
        stamp(1, "%Y%m%dT%H:%M:%S"),
        stamp(1, "%Y-%m-%dT%H:%M:%SZ"),
        stamp(1, "%Y-%m-%dT%H:%M:%S.123Z"),
        stamp(1 - 5, "%Y-%m-%dT%H:%M:%S", "-05:00"),
        stamp(1 + 2, "%Y%m%dT%H%M%S", "+0200"),
        " " + stamp(1, "%Y%m%dT%H:%M:%S") + "\n",
    ]
    for date in ahead:
        assert opid in listed("created_before", date), date
    # one hour ago in the same zones: not before it; but after it
    behind = [stamp(-1 - 5, "%Y-%m-%dT%H:%M:%S", "-05:00"), stamp(-1 + 2, "%Y%m%dT%H:%M:%S", "+02")]
    for date in behind:
        assert opid not in listed("created_before", date), date
        assert opid in listed("created_after", date), date
    assert listed("created_before", "2006-01-01") == []
    conn = raw()
    conn.send(
        request(
            call_body(
                "operation_list",
                f"<value>{session}</value>",
                "<value><struct><member><name>created_after</name><value>"
                "<dateTime.iso8601>2006-02-30T00:00:00</dateTime.iso8601></value></member></struct></value>",
            )
        )
    )
    assert fault(conn.answer()[2]).faultCode == 501320


def test_base64_holding_utf8_is_taken_where_a_string_is_expected(raw, sandbox_server):
    # Perl's XMLRPC::Lite sends any string with a byte outside printable ASCII as <base64>
    import base64

    def b64(text: bytes) -> str:
        return f"<value><base64>{base64.b64encode(text).decode()}</base64></value>"

    conn = raw()
    conn.send(request(call_body("login", b64(SEED_LOGIN.encode()), b64(SEED_PASSWORD.encode()))))
    assert isinstance(value(conn.answer()[2]), str)
    session = f"<value>{sandbox_server.login()}</value>"
    product = call_body(
        "hosting_account_product_add",
        session,
        b64("sharé".encode()),
        "<value><int>1</int></value>",
        "<value>1m</value>",
    )
    conn.send(request(product))
    assert "'sharé'" in fault(conn.answer()[2]).faultString  # decoded, then refused by name
    conn.send(
        request(product.replace(base64.b64encode("sharé".encode()), base64.b64encode(b"\xff\xfe")))
    )
    assert fault(conn.answer()[2]).faultCode == 501210  # not UTF-8: string expected
