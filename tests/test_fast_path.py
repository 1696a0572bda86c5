"""The fast path (``gandi_hosting_cli/fast/``): ``--help`` and completion without click.

What it prints must be exactly what click prints: every command's help at the widths
people use (COLUMNS 60, 80, 120) through the real entry point, and at every width click
can use (50 to 78 columns) through the formatter; completion requests of every kind in
bash, zsh and fish. Where it is not sure (a stale cache, a config.toml, words it does
not parse) it must step aside, and click answers. It must import none of click, rich,
keyring or xmlrpc.
"""

from __future__ import annotations

import os
import subprocess
import sys
import time

import click
import pytest
from click.testing import CliRunner

from gandi_hosting_cli.cli import cli
from gandi_hosting_cli.config import name_cache
from gandi_hosting_cli.config.settings import DEFAULT_URL
from gandi_hosting_cli.docgen import helptext
from gandi_hosting_cli.docgen.fasttable import WIDTHS
from gandi_hosting_cli.fast import COMPLETE_VAR, Unanswered, answer, table
from gandi_hosting_cli.fast import helptext as fast_help
from gandi_hosting_cli.fast.complete import completion_output
from gandi_hosting_cli.sandbox.seed import SEED_LOGIN

ENTRIES = helptext.walk()
HEAVY = ("click", "rich", "keyring", "xmlrpc")
LOGIN = "AB9-GANDI"


def click_help(path: tuple[str, ...], columns: int) -> str:
    """What click prints (CliRunner would force 80 columns: the CLI's own main, captured)."""
    import io
    from contextlib import redirect_stdout

    out = io.StringIO()
    old = os.environ.get("COLUMNS")
    os.environ["COLUMNS"] = str(columns)
    try:
        with redirect_stdout(out):
            code = cli.main([*path, "--help"], prog_name="gandi-hosting", standalone_mode=False)
    finally:
        os.environ.pop("COLUMNS") if old is None else os.environ.update(COLUMNS=old)
    assert code == 0
    return out.getvalue()


@pytest.mark.parametrize("columns", [60, 80, 120])
@pytest.mark.parametrize("entry", ENTRIES, ids=lambda e: " ".join(e.path) or "root")
def test_every_commands_help_is_clicks_byte_for_byte(monkeypatch, entry, columns):
    expected = click_help(entry.path, columns)
    monkeypatch.setenv("COLUMNS", str(columns))
    assert fast_help.help_output(list(entry.path), "--help") == expected
    assert expected.startswith(f"Usage: {entry.words} ")


def test_every_width_click_can_use_gives_clicks_text():
    for entry in ENTRIES:
        for width in WIDTHS:
            ctx = click.Context(
                entry.command, info_name=entry.ctx.info_name, parent=entry.ctx.parent
            )
            ctx.terminal_width = width
            ours = fast_help.render(
                table.COMMANDS[" ".join(entry.path)]["help"], width, table.CHUNKS
            )
            assert ours == entry.command.get_help(ctx), (entry.path, width)


def test_short_help_shortened_like_click():
    text = "Make the account match MANIFEST: independent operations in parallel, all-in-one."
    for limit in range(1, 90):
        assert fast_help.default_short_help(text, limit) == click.utils._make_default_short_help(
            text, limit
        )


def run_cli(args: list[str], env: dict[str, str] | None = None, importtime: bool = False):
    flags = ["-X", "importtime"] if importtime else []
    return subprocess.run(
        [sys.executable, *flags, "-m", "gandi_hosting_cli", *args],
        capture_output=True,
        timeout=60,
        env={**os.environ, **(env or {})},
    )


def top_level_imports(stderr: bytes) -> set[str]:
    names = {
        line.rsplit("|", 1)[1].strip()
        for line in stderr.decode().splitlines()
        if line.startswith("import time:") and "|" in line
    }
    assert "gandi_hosting_cli.fast" in names  # the measurement works
    return {name.split(".")[0] for name in names}


@pytest.mark.parametrize(
    "args",
    [["--help"], ["vm", "--help"], ["vm", "create", "--help"], ["op", "wait", "-h"]],
    ids=" ".join,
)
def test_help_through_the_entry_point_is_clicks_and_imports_no_click(args):
    done = run_cli(args, {"COLUMNS": "72"}, importtime=True)
    assert done.returncode == 0
    assert done.stdout.decode() == click_help(tuple(args[:-1]), 72)
    assert top_level_imports(done.stderr) & set(HEAVY) == set()


def test_an_argv_the_table_does_not_know_goes_to_click():
    # global options before --help, an unknown command: click answers as it always did
    done = run_cli(["--json", "vm", "--help"], importtime=True)
    assert done.returncode == 0 and b"Usage: gandi-hosting vm" in done.stdout
    assert "click" in top_level_imports(done.stderr)
    done = run_cli(["nosuch", "--help"])
    assert done.returncode == 2 and b"No such command" in done.stderr
    assert answer(["vm", "nosuch", "--help"], os.environ) is False
    assert answer(["vm info", "--help"], os.environ) is False  # one word: no such command


# -- completion ---------------------------------------------------------------------------
def request(shell: str, line: str) -> dict[str, str]:
    words = line.split(" ")
    env = {COMPLETE_VAR: f"{shell}_complete", "COMP_WORDS": line}
    env["COMP_CWORD"] = words[-1] if shell == "fish" else str(len(words) - 1)
    return env


def click_completion(env: dict[str, str]) -> bytes:
    result = CliRunner().invoke(cli, [], env=env, prog_name="gandi-hosting")
    assert result.exit_code == 0, result.output
    return result.stdout_bytes


def fast_completion(env: dict[str, str]) -> bytes | None:
    return completion_output({**os.environ, **env})


@pytest.fixture
def fresh_cache(monkeypatch):
    """Names in the cache of the account completion uses (default endpoint, LOGIN)."""
    monkeypatch.setenv("GANDI_HOSTING_LOGIN", LOGIN)
    key = name_cache.account_key(DEFAULT_URL, LOGIN)
    vms = [{"id": 10 + i, "hostname": f"web{i}", "state": "running"} for i in range(5)]
    vms.append({"id": 99, "hostname": "db:1", "state": "halted"})
    name_cache.store("vm", vms, key, complete=True)
    disks = [{"id": 20 + i, "name": f"data{i}", "state": "created"} for i in range(3)]
    name_cache.store("disk", disks, key, complete=True)
    name_cache.store("os", [{"id": 3, "label": "Debian 12 64 bits", "version": "12"}], key,
                     complete=True)  # fmt: skip
    ops = [{"id": 7, "type": "vm_create", "state": "RUN"}, {"id": 8, "state": "DONE"}]
    name_cache.store("op", ops, key, complete=True)
    return key


LINES = [
    "gandi-hosting ",
    "gandi-hosting v",
    "gandi-hosting vm ",
    "gandi-hosting vm i",
    "gandi-hosting vm info --",
    "gandi-hosting vm info --json --j",
    "gandi-hosting --json vm list --j",
    "gandi-hosting vm list --wa",
    "gandi-hosting -",
    "gandi-hosting vm list --columns ",
    "gandi-hosting vm list --columns id,ho",
    "gandi-hosting vm list --columns=st",
    "gandi-hosting vm list --sort -",
    "gandi-hosting vm list --sort h",
    "gandi-hosting disk list --sort -na",
    "gandi-hosting -o ",
    "gandi-hosting vm list --output=j",
    "gandi-hosting op list --state r",
    "gandi-hosting op list --state ",
    "gandi-hosting --profile ",
    "gandi-hosting plan ",
    "gandi-hosting sandbox serve --state ",
    "gandi-hosting product ",
    "gandi-hosting completion ",
    "gandi-hosting vm info ",
    "gandi-hosting vm info w",
    "gandi-hosting vm info web1 web",
    "gandi-hosting vm info 1",
    "gandi-hosting vm info d",
    "gandi-hosting --url https://api.gandi.net/hosting vm stop ",
    "gandi-hosting disk info ",
    "gandi-hosting vm create --os ",
    "gandi-hosting op wait ",
    "gandi-hosting op info ",
    "gandi-hosting vm stop web1 --wait ",
]


@pytest.mark.parametrize("shell", ["bash", "zsh", "fish"])
@pytest.mark.parametrize("line", LINES, ids=lambda line: line.split(" ", 1)[1] or "empty")
def test_completion_is_clicks_byte_for_byte(fresh_cache, shell, line):
    env = request(shell, line)
    assert fast_completion(env) == click_completion(env)


def test_completion_of_names_reads_the_cache_of_the_account_in_use(fresh_cache, monkeypatch):
    monkeypatch.delenv("GANDI_HOSTING_LOGIN")
    # no login known for the default endpoint: nothing cached for "|" (an empty login), and
    # no live refresh without a login (click's neither): the answer is empty at once
    env = request("bash", "gandi-hosting vm info w")
    assert fast_completion(env) == click_completion(env) == b"\n"
    # --sandbox: the sandbox's own account
    key = name_cache.account_key("http://sandbox/hosting/", SEED_LOGIN)
    name_cache.store("vm", [{"id": 5, "hostname": "box", "state": "halted"}], key, complete=True)
    env = request("bash", "gandi-hosting --sandbox vm info ")
    assert fast_completion(env) == click_completion(env) == b"plain,box\nplain,5\n"


def test_a_stale_cache_goes_to_click(fresh_cache):
    env = request("zsh", "gandi-hosting vm info ")
    assert fast_completion(env) is not None
    data = name_cache.load()
    data["accounts"][fresh_cache]["vm"]["updated"] = time.time() - 3600
    name_cache.save(data)
    with pytest.raises(Unanswered):  # click refreshes it (a request bounded to 0.3 s)
        fast_completion(env)
    assert answer([], {**os.environ, **env}) is False  # and nothing was printed


@pytest.fixture
def config(isolate):
    path = isolate / "config" / "gandi-hosting" / "config.toml"
    path.parent.mkdir(parents=True, exist_ok=True)
    return path


def test_profiles_of_config_toml_choose_the_account_completed(fresh_cache, config, monkeypatch):
    """What `login` and `config use` write: the profile's url and login name the cache."""
    monkeypatch.delenv("GANDI_HOSTING_LOGIN")
    url = "http://127.0.0.1:9/hosting/"
    key = name_cache.account_key(url, "CD5-GANDI")
    name_cache.store("disk", [{"id": 3, "name": "backup", "state": "created"}], key,
                     complete=True)  # fmt: skip
    config.write_text(
        'current = "work"  # chosen by config use\n\n[default]\nlogin = "AB9-GANDI"\n\n'
        f"# the lab\n[work]\nurl = '{url}'\nlogin = \"CD5-GANDI\"\nwait = true\n"
    )
    for line in (
        "gandi-hosting disk info ",
        "gandi-hosting --profile default disk info ",
        "gandi-hosting --profile ",
        "gandi-hosting --profile w",
    ):
        env = request("fish", line)
        assert fast_completion(env) == click_completion(env), line
    answer = fast_completion(request("bash", "gandi-hosting disk info "))
    assert answer == b"plain,backup\nplain,3\n"


@pytest.mark.parametrize(
    "text",
    [
        '[work]\nurl = "http://h/\\u0041"\n',  # an escape
        "[work]\ntimeout = 3\n",  # a number
        '[work.lab]\nurl = "http://h/"\n',  # a dotted table
        '[work]\nurl = "a"\nurl = "b"\n',  # not TOML at all
        "[[vm]]\n",
    ],
)
def test_a_config_toml_beyond_what_the_cli_writes_goes_to_click(fresh_cache, config, text):
    config.write_text(text)
    with pytest.raises(Unanswered):
        fast_completion(request("bash", "gandi-hosting vm info "))


SIMPLE_TOML = [
    '# top\ncurrent = "b"\n\n[a]\nurl = "http://x/#y"  # a comment\nwait = false\n',
    "[ b ]\r\nlogin = 'AB-GANDI'\r\nallow_insecure_http = true\n[c-d_1]\n",
    '[default]\nlogin = "AA1234-GANDI"\nurl = "http://127.0.0.1:34725/hosting/"\n',
    '\t[x]\t# tabs\n\tk\t=\t""\n',
]
TOML_FOR_TOMLLIB = [
    '[a]\nurl = "\\u0041"\n',  # an escape
    "[a]\nn = 3\n",
    "[a.b]\n",
    '[a]\nk = "x"\nk = "y"\n',  # invalid: tomllib says why
    "[a]\n[a]\n",
    "[[a]]\n",
    'a = "x\ry"\n',  # a bare carriage return
    "a = 'x' 'y'\n",
    'a = """x"""\n',
    '"a" = "x"\n',
    "a = truex\n",
    "\ufeff[a]\n",
]


@pytest.mark.parametrize("text", SIMPLE_TOML)
def test_the_toml_the_cli_writes_reads_as_tomllib_reads_it(text):
    tomllib = pytest.importorskip("tomllib")
    from gandi_hosting_cli.config.simple_toml import read_simple_toml

    assert read_simple_toml(text) == tomllib.loads(text)


@pytest.mark.parametrize("text", TOML_FOR_TOMLLIB)
def test_other_toml_is_left_to_tomllib(text, isolate):
    from gandi_hosting_cli.config import settings
    from gandi_hosting_cli.config.simple_toml import NotSimple, read_simple_toml

    with pytest.raises(NotSimple):
        read_simple_toml(text)
    path = isolate / "other.toml"
    path.write_text(text, encoding="utf-8")
    try:
        expected = pytest.importorskip("tomllib").loads(text)
    except ValueError:  # the settings say what is wrong, as before
        with pytest.raises(settings.ConfigError):
            settings.load_profiles(path)
    else:
        assert settings._load_toml(path) == expected


@pytest.mark.parametrize(
    "line",
    [
        "gandi-hosting vm info 'we",  # quotes: shlex decides
        "gandi-hosting -- vm ",
        "gandi-hosting vm nosuch ",
        "gandi-hosting -qo ",  # short options run together
        "gandi-hosting --url http://user:pw@h/ vm info ",
        "gandi-hosting vm list --watch ",  # an optional value: click decides what it takes
        "gandi-hosting vm list --watch 5 --j",
    ],
)
def test_words_it_does_not_parse_go_to_click(fresh_cache, line):
    env = request("bash", line)
    try:
        assert fast_completion(env) is None
    except Unanswered:
        pass


def test_the_sources_of_scripts_are_left_to_click():
    assert completion_output({COMPLETE_VAR: "bash_source"}) is None


@pytest.mark.parametrize(
    "line", ["gandi-hosting vm ", "gandi-hosting vm list --col", "gandi-hosting vm info w"]
)
def test_a_completion_request_imports_no_click(fresh_cache, line):
    env = request("fish", line)
    done = run_cli([], env, importtime=True)
    assert done.returncode == 0
    assert done.stdout == click_completion(env)
    assert top_level_imports(done.stderr) & set(HEAVY) == set()


@pytest.mark.parametrize(
    "url",
    [
        "https://api.gandi.net/hosting/",
        "https://api.gandi.net/hosting",
        "HTTP://Example.COM:80/rpc",
        "http://127.0.0.1:8080",
        "https://h:0443/a/b",
        " sandbox ",
    ],
)
def test_endpoints_are_normalised_as_the_settings_do(url):
    from gandi_hosting_cli.cli.context import SANDBOX_ENDPOINT
    from gandi_hosting_cli.config.settings import normalize_url
    from gandi_hosting_cli.fast.complete import normalize_url as fast_normalize

    expected = SANDBOX_ENDPOINT if url.strip() == "sandbox" else normalize_url(url)
    assert fast_normalize(url, "sandbox", SANDBOX_ENDPOINT) == expected


def test_a_config_toml_over_its_bound_is_left_to_click_which_refuses_it(tmp_path):
    """The fast path reads config.toml with the CLI's own bound (1 MB): beyond, the request
    falls through to click, whose reader exits 2 at once (tests/reliability/test_input_bounds)."""
    from gandi_hosting_cli.fast import complete

    big = tmp_path / "config.toml"
    big.write_text("# " + "x" * (complete.MAX_CONFIG_BYTES + 10) + "\n")
    with pytest.raises(complete.Unanswered):
        complete._read_text(str(big), complete.MAX_CONFIG_BYTES)
    small = tmp_path / "small.toml"
    small.write_text('[default]\nurl = "sandbox"\n')
    assert complete._read_text(str(small), complete.MAX_CONFIG_BYTES) == small.read_text()
