"""Bad input to the CLI: refused before any request, one error line, exit 2; and random
arguments thrown at every command against a sandbox never give a traceback or an exit
code outside DESIGN.md's table.
"""

from __future__ import annotations

import click
import pytest
from hypothesis import given
from hypothesis import strategies as st

from gandi_hosting_cli.sandbox.seed import SEED_LOGIN, SEED_PASSWORD
from tests.reliability.invariants import assert_invariants
from tests.reliability.support import DOCUMENTED_EXIT_CODES, STATS, fuzz_settings, invoke

PW = "rootpassword\n"
VMC = ["vm", "create", "web1", "--os", "111", "--shares", "1", "--password-stdin"]

# (arguments, stdin): each must be refused as a usage error before anything is sent
BAD_INPUT = [
    # ids
    (["vm", "info", ""], None),
    (["vm", "info", "   "], None),
    (["disk", "info", ""], None),
    (["op", "info", "abc"], None),
    (["op", "info", "0"], None),
    (["op", "info", "-5"], None),
    (["op", "info", "1.5"], None),
    (["op", "wait", "12", "x"], None),
    (["op", "cancel", "--yes", "0x10"], None),
    (["product", "renew", "--yes", "abc"], None),
    (["product", "renew", "--yes", "0"], None),
    (["product", "update", "--yes", "1", "0"], None),
    (["product", "update", "--yes", "1", "100001"], None),
    (["product", "remove", "-1", "--yes"], None),
    # names
    (["disk", "create", "bad name", "--size", "1G"], None),
    (["disk", "create", "", "--size", "1G"], None),
    (["disk", "create", "d" * 65, "--size", "1G"], None),
    (["disk", "create", "ok/../etc", "--size", "1G"], None),
    # sizes
    (["disk", "create", "d1", "--size", "0"], None),
    (["disk", "create", "d1", "--size", "-1G"], None),
    (["disk", "create", "d1", "--size", "1.5M"], None),
    (["disk", "create", "d1", "--size", "10X"], None),
    (["disk", "create", "d1", "--size", ""], None),
    (["disk", "create", "d1", "--size", "1e9"], None),
    (["vm", "update", "web1", "--max-memory", "lots"], None),
    # durations
    (["product", "add", "--yes", "shares", "1", "--duration", "0m"], None),
    (["product", "add", "--yes", "shares", "1", "--duration", "13y"], None),
    (["product", "add", "--yes", "shares", "1", "--duration", "121m"], None),
    (["product", "add", "--yes", "shares", "1", "--duration", "1w"], None),
    (["product", "add", "--yes", "shares", "1", "--duration", "12"], None),
    (["product", "renew", "--yes", "1", "--duration", "m"], None),
    # dates
    (["op", "list", "--created-after", "yesterday"], None),
    (["op", "list", "--updated-before", "2026-13-01"], None),
    (["op", "list", "--created-before", "2026-02-30T10:00"], None),
    (["op", "list", "--updated-after", "0001-01-01"], None),  # found by the fuzz: exit 1
    (["op", "list", "--created-before", "9999-12-31T23:59:59-14:00"], None),
    # choices
    (["product", "add", "--yes", "cpu", "1"], None),
    (["disk", "create", "d1", "--size", "1G", "--fstype", "ntfs"], None),
    (["op", "list", "--state", "FINISHED"], None),
    (["op", "list", "--type", "vm_explode"], None),
    (["completion", "powershell"], None),
    # hostnames
    (["vm", "create", "bad-", "--os", "111", "--shares", "1", "--password-stdin"], PW),
    (["vm", "create", "a b", "--os", "111", "--shares", "1", "--password-stdin"], PW),
    (["vm", "create", "web_1", "--os", "111", "--shares", "1", "--password-stdin"], PW),
    (["vm", "create", "h" * 64, "--os", "111", "--shares", "1", "--password-stdin"], PW),
    (["vm", "create", "wéb", "--os", "111", "--shares", "1", "--password-stdin"], PW),
    # handles and user names
    (["su", "\udcff"], None),  # a non-UTF-8 byte on the command line: was sent, fault, exit 1
    (["su", "AA 1234"], None),
    (["su", ""], None),
    (["login", "bad\tlogin", "--password-stdin"], "mypassword\n"),
    ([*VMC, "--login", "Bad User"], PW),  # was refused by the API (exit 1) after a request
    ([*VMC, "--login", "root;id"], PW),
    # numbers
    (["vm", "create", "web1", "--os", "111", "--shares", "0", "--password-stdin"], PW),
    ([*VMC, "--cpu", "9"], PW),
    ([*VMC, "--shares", "2", "--cpu", "3"], PW),
    (["vm", "create", "web1", "--os", "", "--shares", "1", "--password-stdin"], PW),
    (["vm", "update", "web1", "--cpu", "0"], None),
    (["vm", "update", "web1"], None),
    (["product", "add", "--yes", "shares", "0"], None),
    (["product", "add", "--yes", "shares", "100001"], None),
    (["product", "add", "--yes", "shares", "many"], None),
    (["--timeout", "0", "vm", "list"], None),
    (["--timeout", "abc", "vm", "list"], None),
    (["op", "wait", "10001", "--wait-timeout", "-1"], None),
    # passwords from stdin
    (VMC, ""),
    (VMC, "\n"),
    (VMC, b"\xff\xfe12345678\n"),
    (VMC, "short\n"),
    (VMC, "pass\x01word123\n"),
    (VMC, "x" * 129 + "\n"),
    (["vm", "create", "web1", "--os", "111", "--shares", "1"], None),  # none at all, no terminal
    (["login", SEED_LOGIN, "--password-stdin"], ""),
    (["login", SEED_LOGIN, "--password-stdin"], b"\xc3\x28mypassword\n"),
    # destructive commands off a terminal without --yes
    (["vm", "delete", "101"], None),
    (["disk", "delete", "1001"], None),
    (["product", "remove", "1"], None),
    (["op", "cancel", "10001"], None),
    # unknown commands and options
    (["vm", "explode"], None),
    (["vm", "list", "--colour"], None),
]  # fmt: skip


@pytest.mark.parametrize(("args", "stdin"), BAD_INPUT, ids=lambda v: repr(v)[:60])
def test_bad_input_is_refused_before_any_request(sandbox_server, logged_in_url, args, stdin):
    before = sandbox_server.request_count
    result = invoke("--url", logged_in_url, *args, input=stdin)
    assert result.exit_code == 2, result.output
    errors = [line for line in result.stderr.splitlines() if line.startswith("Error")]
    assert len(errors) == 1, result.stderr
    assert len(errors[0]) < 500
    assert "Traceback" not in result.output
    assert result.stdout == ""
    assert sandbox_server.request_count == before, "a request was sent for bad input"


# -- every command, random arguments ---------------------------------------------------

GLOBAL_PARAMS = {"profile", "url", "sandbox", "timeout", "debug", "quiet", "json", "json_"}
SKIPPED = {("sandbox", "serve"), ("sandbox", "reset")}  # a server that runs until killed; a file


def _commands() -> list[tuple[tuple[str, ...], click.Command]]:
    from gandi_hosting_cli.cli import cli

    found = []

    def walk(cmd: click.Command, path: tuple[str, ...]) -> None:
        if isinstance(cmd, click.Group):
            ctx = click.Context(cmd)
            for name in cmd.list_commands(ctx):
                walk(cmd.get_command(ctx, name), (*path, name))
        elif path not in SKIPPED:
            found.append((path, cmd))

    walk(cli, ())
    return found


COMMANDS = _commands()
TEXT = st.text(
    alphabet=st.characters(blacklist_categories=("Cs",), blacklist_characters="\x00"),
    max_size=12,
)
HOSTILE = st.sampled_from(
    ["", " ", "-", "--", "-1", "0", "99999999999", "1e400", "nan", "inf", "web1", "fail-x",
     "../../etc/passwd", "$(id)", "'; DROP TABLE vms; --", "%s%n", "\u202e", "a" * 300,
     "ünïcödé", "\t", "101", "1001", "10001", "Debian 12"]
)  # fmt: skip
TYPED = {
    "duration": st.sampled_from(["1m", "6m", "1y", "10y", "0m", "11y", "121m", "1M", "1 y"]),
    "size": st.sampled_from(["1024", "1G", "2048M", "1.5G", "0", "-1", "1T", "512", "1P"]),
    "date": st.sampled_from(
        [
            "2026-01-31",
            "2026-01-31T12:00",
            "2026-01-31T12:00Z",
            "1970-01-01",
            "9999-12-31T23:59:59+14:00",
            "2026-1-1",
            "0001-01-01",
        ]
    ),  # fmt: skip
    "hostname": st.sampled_from(["web1", "fail-web", "a", "a" * 63, "x-y"]),
    "name": st.sampled_from(["data", "fail-d", "d.1_x", "a" * 64]),
    "vm": st.sampled_from(["101", "102", "web1", "web2"]),
    "disk": st.sampled_from(["1001", "1002", "data", "sys_web1"]),
    "os": st.sampled_from(["111", "110", "Debian 12", "Debian 12 64 bits", "Ubuntu"]),
    "opid": st.sampled_from(["10001", "10002", "10003", "1", "99999"]),
}


def _value(param: click.Parameter) -> st.SearchStrategy[str]:
    ptype = param.type
    options: list[st.SearchStrategy[str]] = [TEXT, HOSTILE]
    if isinstance(ptype, click.Choice):
        options.append(st.sampled_from(list(ptype.choices)))
    elif isinstance(ptype, (click.IntRange, click.types.IntParamType)):
        options.append(st.integers(-5, 200_000).map(str))
        options.append(st.sampled_from(["1", "2", "4", "8"]))
    elif isinstance(ptype, (click.FloatRange, click.types.FloatParamType)):
        options.append(st.sampled_from(["0", "0.1", "1", "-1", "5"]))
    elif getattr(ptype, "name", None) in TYPED:
        options.append(TYPED[ptype.name])
        options.append(TYPED[ptype.name])  # weigh the plausible values up
    return st.one_of(options)


@st.composite
def command_lines(draw) -> tuple[tuple[str, ...], list[str], bytes | None]:
    path, cmd = draw(st.sampled_from(COMMANDS))
    args: list[str] = []
    for param in cmd.params:
        if param.name in GLOBAL_PARAMS and param.name != "json_":
            continue
        if isinstance(param, click.Argument):
            count = draw(st.integers(0, 3)) if param.nargs == -1 else 1
            if draw(st.integers(0, 9)) == 0:
                count = 0  # now and then a missing argument
            args.extend(draw(_value(param)) for _ in range(count))
        elif isinstance(param, click.Option) and param.is_flag:
            if param.name == "wait_timeout":
                continue
            if draw(st.booleans()):
                args.append(param.opts[-1])
        elif isinstance(param, click.Option) and draw(st.booleans()):
            if param.name == "wait_timeout":
                args += [param.opts[-1], draw(st.sampled_from(["0.1", "1", "-1", "x"]))]
            else:
                args += [param.opts[-1], draw(_value(param))]
    if draw(st.integers(0, 7)) == 0:
        args.append(draw(HOSTILE))  # a stray extra argument
    for flag in ("--json", "-q", "--debug"):
        if draw(st.integers(0, 4)) == 0:
            args.insert(draw(st.integers(0, len(args))), flag)
    stdin = draw(
        st.one_of(
            st.none(),
            st.sampled_from([b"", b"\n", b"rootpassword\n", b"\xff\xfe\n", b"mypassword\n"]),
            st.binary(max_size=40),
        )
    )
    return path, args, stdin


@pytest.fixture
def fuzz_env(sandbox_server, logged_in_url, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)  # nothing a command writes lands in the repository
    session = sandbox_server.login()
    with sandbox_server.proxy() as api:
        api.hosting_account_product_add(session, "shares", 8, "1m")
        api.hosting_account_info(session)
        api.vm_create(session, "web1", "rootpassword", 111, 1, 1, {})
        api.disk_create(session, {"name": "data", "size": 1024})
        api.hosting_account_info(session)
    return sandbox_server


def _relogin(url: str) -> None:
    result = invoke("--url", url, "login", SEED_LOGIN, "--password-stdin", input=SEED_PASSWORD)
    assert result.exit_code == 0, result.output


@pytest.mark.slow
@fuzz_settings(ci=250, long=4000)
@given(line=command_lines())
def test_random_arguments_to_every_command(fuzz_env, line):
    path, args, stdin = line
    url = fuzz_env.url
    result = invoke("--url", url, "--timeout", "5", *path, *args, input=stdin)
    STATS["cli fuzz: command lines"] += 1
    shown = f"{' '.join(path)} {args!r} stdin={stdin!r}\n{result.output}"
    assert result.exit_code in DOCUMENTED_EXIT_CODES, shown
    assert result.exception is None, f"{shown}\n{result.exception!r}"
    assert "Traceback" not in result.output, shown
    assert "unexpected error" not in result.stderr, shown
    if result.exit_code == 2:
        said = result.stderr.splitlines()
        # one line for people, or the JSON error object only with --json / -o json
        assert any(line.startswith(("Error", '{"error"')) for line in said), shown
    if path[0] in ("login", "logout", "su"):
        _relogin(url)


def test_after_the_random_arguments_the_books_still_balance(fuzz_env):
    """The fuzz above shares its server; here a short run, then the invariants."""
    from hypothesis import HealthCheck, settings

    runs = []

    # a plain @given run: a failure in any example fails this test (nothing is swallowed)
    @settings(
        max_examples=60,
        database=None,
        derandomize=True,
        deadline=None,
        suppress_health_check=list(HealthCheck),
    )
    @given(line=command_lines())
    def run(line) -> None:
        path, args, stdin = line
        result = invoke("--url", fuzz_env.url, "--timeout", "5", *path, *args, input=stdin)
        runs.append(result.exit_code)
        if path[0] in ("login", "logout", "su"):
            _relogin(fuzz_env.url)

    run()
    assert runs and set(runs) <= DOCUMENTED_EXIT_CODES
    assert_invariants(fuzz_env.state_path, url=fuzz_env.url)


@pytest.mark.slow
@fuzz_settings(ci=80, long=1500)
@given(line=command_lines())
def test_random_arguments_against_the_embedded_sandbox(tmp_path_factory, line):
    """The same through ``--sandbox``: the in-process transport, no server."""
    path, args, stdin = line
    result = invoke("--sandbox", "--timeout", "5", *path, *args, input=stdin)
    STATS["cli fuzz: command lines (--sandbox)"] += 1
    shown = f"{' '.join(path)} {args!r} stdin={stdin!r}\n{result.output}"
    assert result.exit_code in DOCUMENTED_EXIT_CODES, shown
    assert result.exception is None, f"{shown}\n{result.exception!r}"
    assert "Traceback" not in result.output, shown
    assert "unexpected error" not in result.stderr, shown
