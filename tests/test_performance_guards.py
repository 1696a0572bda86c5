"""Untimed guards of what the performance targets rest on (benchmarks/ has the figures).

- HTTP requests per command with a cached session: exactly 1 for a read by id, at most 1
  more for a name; `--details` lists grow by one request per object at most without
  multicall, over a bounded pool of connections. (Already guarded elsewhere, not
  repeated: `vm info ID` = 1 in cli/test_resolve.py, `--details` constant in N with
  multicall in cli/test_vm_list.py and cli/test_disk.py.)
- Start-up: `--version` and `--help` import no click (the entry point answers them;
  completion requests: test_fast_path.py), nor rich, keyring or xmlrpc; a command that
  reads with a cached session in the 0600 file store never imports keyring when
  PYTHON_KEYRING_BACKEND names the fail or null backend.
- keyring is paid for only where it can work: the embedded sandbox (`--sandbox`) never
  imports it; on Linux a real endpoint never imports the macOS or Windows backends, and
  "no usable backend" is remembered so the next command imports no keyring at all;
  PYTHON_KEYRING_BACKEND and keyring's own keyringrc.cfg are honoured as keyring does.
"""

from __future__ import annotations

import os
import stat
import subprocess
import sys
from pathlib import Path

import click
import pytest

from gandi_hosting_cli import __version__
from gandi_hosting_cli.api.client import FALLBACK_WORKERS
from gandi_hosting_cli.cli import LAZY_COMMANDS
from gandi_hosting_cli.sandbox.seed import SEED_LOGIN, SEED_PASSWORD
from tests.cli.hosting_helpers import Gh

HEAVY = ("rich", "keyring", "xmlrpc", "prompt_toolkit")


def cost(g: Gh, *args: str) -> int:
    before = g.server.request_count
    result = g(*args)
    assert result.exit_code == 0, (args, result.stderr)
    return g.server.request_count - before


@pytest.fixture
def g(cli, logged_in) -> Gh:
    return Gh(cli, logged_in)


# -- requests per command ---------------------------------------------------------------
@pytest.mark.parametrize("fmt", [[], ["--json"]], ids=["human", "json"])
def test_reads_by_id_cost_exactly_one_request(g, fmt):
    [vm_id] = g.vms(1, "web")
    [disk_id] = g.disks(1, "data")
    opid = g.json("op", "list")[0]
    opid = opid["id"] if isinstance(opid, dict) else opid
    assert cost(g, *fmt, "disk", "info", str(disk_id)) == 1
    assert cost(g, *fmt, "account", "balance") == 1
    assert cost(g, *fmt, "op", "info", str(opid)) == 1
    assert cost(g, *fmt, "vm", "info", str(vm_id)) == 1


@pytest.mark.parametrize("fmt", [[], ["--json"]], ids=["human", "json"])
def test_a_name_adds_at_most_one_request(g, fmt):
    g.vms(30, "web")
    g.disks(30, "data")
    assert cost(g, *fmt, "vm", "info", "web17") <= 2
    assert cost(g, *fmt, "disk", "info", "data17") <= 2
    if not fmt:  # the OS label for people came with the lookup (os_list in its batch)
        assert "Debian 12 64 bits" in g("vm", "info", "web17").stdout


class ConnectionCounter:
    """Counts the connections a sandbox server accepts (wraps its own bookkeeping)."""

    def __init__(self, server) -> None:
        self.httpd = server.server._httpd
        self.opened = 0
        self._track = self.httpd.track
        self.httpd.track = self.track

    def track(self, conn, *, add: bool) -> None:
        if add:
            self.opened += 1
        self._track(conn, add=add)


@pytest.mark.parametrize("kind", ["vm", "disk"])
def test_details_without_multicall_cost_one_request_per_object_over_a_bounded_pool(
    cli, make_sandbox_server, kind
):
    g = Gh(cli, make_sandbox_server(multicall=False))
    g.login()
    make = g.vms if kind == "vm" else g.disks
    make(10, "few")
    few = cost(g, "--json", kind, "list", "--details")
    make(30, "more")
    objects = len(g.json(kind, "list"))
    counter = ConnectionCounter(g.server)
    many = cost(g, "--json", kind, "list", "--details")
    assert many - few <= 30  # one request per object added, at most
    # the list, one info per object, plus the refused system.multicall probe (a process
    # remembers the refusal, so the in-process runner may skip it the second time)
    assert few <= 10 + 2
    assert many <= objects + 2
    # single calls go over a bounded pool of keep-alive connections, not one per call
    assert counter.opened <= FALLBACK_WORKERS + 1


# -- start-up -----------------------------------------------------------------------------
def imported_modules(
    args: list[str], env: dict[str, str] | None = None, *, drop: tuple[str, ...] = ()
) -> set[str]:
    """Every module a run of the CLI imported (``-X importtime``); ``drop``: variables
    taken out of the environment."""
    environ = {**os.environ, **(env or {})}
    for name in drop:
        environ.pop(name, None)
    run = subprocess.run(
        [sys.executable, "-X", "importtime", "-m", "gandi_hosting_cli", *args],
        capture_output=True,
        text=True,
        timeout=60,
        env=environ,
    )
    assert run.returncode == 0, run.stderr[-2000:]
    names = {
        line.rsplit("|", 1)[1].strip()
        for line in run.stderr.splitlines()
        if line.startswith("import time:") and "|" in line
    }
    assert "gandi_hosting_cli" in names  # the measurement works
    return names


def login_in_a_process(
    url: list[str], environ: dict[str, str] | None = None
) -> subprocess.CompletedProcess:
    """``login`` of the seeded account in a process of its own, as a user runs it."""
    login = subprocess.run(
        [sys.executable, "-m", "gandi_hosting_cli", *url, "login", SEED_LOGIN, "--password-stdin"],
        input=SEED_PASSWORD + "\n", capture_output=True, text=True, timeout=60, env=environ,
    )  # fmt: skip
    assert login.returncode == 0, login.stderr
    return login


def imported(args: list[str], env: dict[str, str] | None = None) -> set[str]:
    """Top-level packages a run of the CLI imported."""
    names = imported_modules(args, env)
    assert "gandi_hosting_cli.cli" in names  # the CLI itself ran
    return {name.split(".")[0] for name in names}


@pytest.mark.parametrize(
    "args",
    [
        ["--help"],
        ["vm", "--help"],
        ["vm", "info", "--help"],
        ["disk", "list", "--help"],
        ["op", "wait", "-h"],
        ["product", "--help"],
        ["sandbox", "serve", "--help"],
        ["shell", "--help"],
    ],
    ids=" ".join,
)
def test_help_is_answered_without_click_rich_keyring_or_xmlrpc(args):
    # the fast path (gandi_hosting_cli/fast/, tables generated by docgen)
    names = imported_modules(args)
    assert {name.split(".")[0] for name in names} & {"click", *HEAVY} == set()
    assert "gandi_hosting_cli.cli" not in names


def test_completion_scripts_import_neither_rich_keyring_nor_xmlrpc():
    assert imported(["completion", "bash"]) & set(HEAVY) == set()


def test_version_is_answered_without_importing_click():
    names = imported_modules(["--version"])
    assert {name.split(".")[0] for name in names} & {"click", *HEAVY} == set()
    assert "gandi_hosting_cli.cli" not in names
    done = subprocess.run(
        [sys.executable, "-m", "gandi_hosting_cli", "--version"],
        capture_output=True, text=True, timeout=60,
    )  # fmt: skip
    assert (done.returncode, done.stdout) == (0, f"gandi-hosting, version {__version__}\n")


def test_version_with_other_arguments_still_goes_to_click():
    assert "gandi_hosting_cli.cli" in imported_modules(["--version", "--help"])
    done = subprocess.run(
        [sys.executable, "-m", "gandi_hosting_cli", "--version", "--help"],
        capture_output=True, text=True, timeout=60,
    )  # fmt: skip
    assert done.returncode == 0 and done.stdout == f"gandi-hosting, version {__version__}\n"


# the layers a command reaches only when it runs: never on --help or a completion request
RUN_TIME_ONLY = (
    "gandi_hosting_cli.workflows",
    "gandi_hosting_cli.output.render",
    "gandi_hosting_cli.output.result",
    "gandi_hosting_cli.output.shaping",
    "gandi_hosting_cli.output.formatting",
    "gandi_hosting_cli.api",
    "gandi_hosting_cli.auth",
    "gandi_hosting_cli.config.settings",
    "gandi_hosting_cli.config.edit",
    "gandi_hosting_cli.config.capabilities",
    "gandi_hosting_cli.config.name_cache",
    "gandi_hosting_cli.config.files",
    "gandi_hosting_cli.declarative",
    "gandi_hosting_cli.cli.dry_run",
    "gandi_hosting_cli.cli.reporting",
)
COMMAND_MODULES = tuple({target.split(":")[0] for target in LAZY_COMMANDS.values()})


def run_time_modules(names: set[str], also: tuple[str, ...] = ()) -> set[str]:
    prefixes = (*RUN_TIME_ONLY, *also)
    return {n for n in names if any(n == p or n.startswith(p + ".") for p in prefixes)}


def test_help_imports_no_command_module_and_no_workflow_output_or_api_layer():
    names = imported_modules(["--help"])
    assert run_time_modules(names, COMMAND_MODULES) == set()


@pytest.mark.parametrize(
    "words", ["vm ", "vm info --", "disk list --state "], ids=["vm", "vm-info", "disk-option"]
)
def test_a_completion_request_imports_no_workflow_output_or_api_layer(words):
    env = {
        "_GANDI_HOSTING_COMPLETE": "bash_complete",
        "COMP_WORDS": f"gandi-hosting {words}",
        "COMP_CWORD": str(len(words.split(" "))),
    }
    assert run_time_modules(imported_modules([], env)) == set()


@pytest.mark.parametrize("args", [["vm", "--help"], ["vm", "info", "--help"]], ids=" ".join)
def test_a_groups_help_imports_no_workflow_output_or_api_layer(args):
    assert run_time_modules(imported_modules(args)) == set()


def test_the_root_help_shows_each_commands_own_short_help(monkeypatch):
    # the table --help shows comes from a generated copy: it says what the commands say
    from gandi_hosting_cli.cli import RootGroup, cli

    def table(format_commands, width: int) -> str:
        ctx = click.Context(cli, info_name="gandi-hosting", terminal_width=width)
        formatter = ctx.make_formatter()
        format_commands(cli, ctx, formatter)
        return formatter.getvalue()

    for width in (50, 80, 200):
        ours = table(RootGroup.format_commands, width)
        assert ours == table(click.Group.format_commands, width)
        assert "  vm  " in ours and "Create, inspect, start" in ours


@pytest.mark.parametrize("backend", ["fail", "null"])
def test_a_cached_session_in_the_file_store_costs_no_keyring_import(sandbox_server, backend):
    # headless servers and CI: PYTHON_KEYRING_BACKEND names a backend that stores nothing
    env = {"PYTHON_KEYRING_BACKEND": f"keyring.backends.{backend}.Keyring"}
    [vm_id] = sandbox_server.sandbox.bulk_create_vms(SEED_LOGIN, 1, "web")
    url = ["--url", sandbox_server.url]
    login = login_in_a_process(url, {**os.environ, **env})
    assert "sessions are kept in" in login.stderr  # the 0600 file store
    before = sandbox_server.request_count
    names = imported([*url, "--json", "vm", "info", str(vm_id)], env)
    assert sandbox_server.request_count == before + 1
    assert "keyring" not in names and "rich" not in names
    assert "xmlrpc" in names  # it did talk to the API


def test_a_refused_multicall_is_remembered_across_invocations(make_sandbox_server, tmp_path):
    """Separate processes (as a shell loop runs them): only the first pays the refused probe,
    so a --details list costs N+1 requests without multicall."""
    server = make_sandbox_server(multicall=False)
    server.sandbox.bulk_create_vms(SEED_LOGIN, 5, prefix="w")
    env = {**os.environ, "PYTHON_KEYRING_BACKEND": "keyring.backends.fail.Keyring"}

    def run(*args: str, stdin: str | None = None) -> int:
        before = server.request_count
        done = subprocess.run(
            [sys.executable, "-m", "gandi_hosting_cli", "--url", server.url, *args],
            input=stdin, capture_output=True, text=True, env=env, timeout=60,
        )  # fmt: skip
        assert done.returncode == 0, done.stderr
        return server.request_count - before

    run("login", SEED_LOGIN, "--password-stdin", stdin=SEED_PASSWORD + "\n")
    assert run("--json", "vm", "list", "--details") == 5 + 2  # probe refused, list, 5 infos
    assert run("--json", "vm", "list", "--details") == 5 + 1  # remembered: list, 5 infos
    assert run("--json", "disk", "list", "--details") == 5 + 1  # the 5 system disks


# -- keyring only where it can work ---------------------------------------------------------
KEYRING_ENV = ("PYTHON_KEYRING_BACKEND", "DBUS_SESSION_BUS_ADDRESS")  # the platform default


def keyring_modules(names: set[str]) -> set[str]:
    return {name for name in names if name == "keyring" or name.startswith("keyring.")}


def test_the_embedded_sandbox_never_imports_keyring(isolate):
    from gandi_hosting_cli.sandbox import env_state_path
    from gandi_hosting_cli.sandbox.dispatcher import Sandbox

    box = Sandbox(env_state_path(), op_delay=0)
    try:
        [vm_id] = box.bulk_create_vms(SEED_LOGIN, 1, "web")
    finally:
        box.close()
    # the platform's default resolution (no PYTHON_KEYRING_BACKEND), first and warm runs
    first = imported_modules(["--sandbox", "--json", "vm", "info", str(vm_id)], drop=KEYRING_ENV)
    warm = imported_modules(["--sandbox", "--json", "vm", "info", str(vm_id)], drop=KEYRING_ENV)
    assert keyring_modules(first) == set() and keyring_modules(warm) == set()
    sessions = isolate / "state" / "gandi-hosting" / "sessions.json"
    assert stat.S_IMODE(sessions.stat().st_mode) == 0o600  # the session was kept locally


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="the Linux discovery path")
def test_a_real_endpoint_on_linux_tries_no_macos_or_windows_backend_and_remembers_none(
    sandbox_server, isolate, tmp_path
):
    [vm_id] = sandbox_server.sandbox.bulk_create_vms(SEED_LOGIN, 1, "web")
    url = ["--url", sandbox_server.url]
    # a session bus that answers nothing: SecretService/KWallet are worth a probe, no more
    env = {"DBUS_SESSION_BUS_ADDRESS": f"unix:path={tmp_path / 'no-bus'}"}
    environ = {**os.environ, **env}
    environ.pop("PYTHON_KEYRING_BACKEND", None)
    login = login_in_a_process(url, environ)
    assert "sessions are kept in" in login.stderr  # nothing usable: the 0600 file store
    remembered = isolate / "state" / "gandi-hosting" / "keyring.json"
    assert stat.S_IMODE(remembered.stat().st_mode) == 0o600
    remembered.unlink()  # so that this run probes again, under -X importtime

    probing = imported_modules(
        [*url, "--json", "vm", "info", str(vm_id)], env, drop=KEYRING_ENV[:1]
    )
    assert "keyring.backends.SecretService" in probing  # it did look
    foreign = {
        n for n in probing if n.startswith(("keyring.backends.macOS", "keyring.backends.Win"))
    }
    assert foreign == set()
    assert "ctypes.util" not in probing  # keyring's macOS module runs find_library
    warm = imported_modules([*url, "--json", "vm", "info", str(vm_id)], env, drop=KEYRING_ENV[:1])
    assert keyring_modules(warm) == set()  # "none usable" was remembered
    assert "xmlrpc.client" in warm  # it did talk to the API


REPO = Path(__file__).resolve().parent.parent
NO_BUS = "unix:path=/nonexistent/gh-test-bus"  # a session bus that is not there


def fresh_find_backend(env: dict[str, str], code: str = "print(f())") -> str:
    """``find_backend`` (as ``f``) in a fresh interpreter, as a command meets it: keyring
    not imported yet, PYTHON_KEYRING_BACKEND and the bus only as ``env`` says."""
    environ = {**os.environ, "DBUS_SESSION_BUS_ADDRESS": NO_BUS}
    environ.pop("PYTHON_KEYRING_BACKEND", None)
    environ.update(env)
    environ["PYTHONPATH"] = os.pathsep.join(filter(None, [str(REPO), environ.get("PYTHONPATH")]))
    done = subprocess.run(
        [sys.executable, "-c", f"from gandi_hosting_cli.auth.keyring_backend import "
         f"find_backend as f\n{code}"],
        capture_output=True, text=True, timeout=60, env=environ, cwd=REPO,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    return done.stdout.strip()


def test_python_keyring_backend_is_honoured(isolate):
    memory = fresh_find_backend({"PYTHON_KEYRING_BACKEND": "tests.conftest.MemoryKeyring"})
    assert "tests.conftest.MemoryKeyring" in memory
    assert fresh_find_backend({"PYTHON_KEYRING_BACKEND": "keyring.backends.null.Keyring"}) == (
        "None"
    )


def test_keyrings_own_config_file_is_honoured(isolate):
    from gandi_hosting_cli.auth.keyring_backend import keyring_config_path

    config = keyring_config_path()
    assert config == isolate / "config" / "python_keyring" / "keyringrc.cfg"
    config.parent.mkdir(parents=True)
    config.write_text("[backend]\ndefault-keyring = tests.conftest.MemoryKeyring\n")
    assert "tests.conftest.MemoryKeyring" in fresh_find_backend({})
    config.write_text("[backend]\ndefault-keyring=keyring.backends.fail.Keyring\n")
    assert fresh_find_backend({}) == "None"


def test_a_backend_set_in_the_process_is_the_one_used():
    """keyring already in use in this process (tests, an embedding program): what it was
    told with the public ``keyring.set_keyring`` wins over the environment."""
    import keyring

    from gandi_hosting_cli.auth.keyring_backend import find_backend
    from tests.conftest import MemoryKeyring

    chosen = MemoryKeyring()
    keyring.set_keyring(chosen)  # the autouse fixture restores the previous one
    assert find_backend() is chosen


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="the Linux discovery path")
def test_what_the_probe_found_is_handed_to_keyring_so_a_second_call_costs_no_discovery(
    isolate,
):
    code = (
        "import sys\n"
        "first, second = f(remember=False), f(remember=False)\n"
        "import keyring\n"
        "print(first, second, type(keyring.get_keyring()).__module__,\n"
        "      'keyring.backends.macOS' in sys.modules)"
    )
    assert fresh_find_backend({}, code) == "None None keyring.backends.fail False"


def test_a_third_party_backend_is_left_to_keyrings_own_discovery(isolate, tmp_path):
    """A distribution registering ``keyring.backends`` (keyrings.alt, say) is found, as
    keyring finds it, even with no D-Bus session bus."""
    site = tmp_path / "site-packages"
    (site / "gh_test_backend-1.0.dist-info").mkdir(parents=True)
    (site / "gh_test_backend-1.0.dist-info" / "METADATA").write_text(
        "Metadata-Version: 2.1\nName: gh-test-backend\nVersion: 1.0\n"
    )
    (site / "gh_test_backend-1.0.dist-info" / "entry_points.txt").write_text(
        "[keyring.backends]\nghtest = gh_test_backend\n"
    )
    (site / "gh_test_backend.py").write_text(
        "from keyring.backend import KeyringBackend\n"
        "class Kept(KeyringBackend):\n"
        "    priority = 1\n"
        "    def get_password(self, service, username): return None\n"
        "    def set_password(self, service, username, password): pass\n"
        "    def delete_password(self, service, username): pass\n"
    )
    environ = {**os.environ, "PYTHONPATH": str(site)}
    for name in KEYRING_ENV:
        environ.pop(name, None)
    environ["XDG_RUNTIME_DIR"] = str(tmp_path)  # no default bus socket there either
    code = "from gandi_hosting_cli.auth.keyring_backend import find_backend as f; print(f())"
    done = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, timeout=60, env=environ
    )
    assert done.returncode == 0, done.stderr
    assert "gh_test_backend.Kept" in done.stdout


@pytest.mark.parametrize(
    "env",
    [
        {},
        {"XDG_CONFIG_HOME": "/x/conf", "XDG_STATE_HOME": "/x/state", "XDG_CACHE_HOME": "/x/c/"},
        {"XDG_CONFIG_HOME": "", "XDG_CACHE_HOME": "relative/cache"},
        {"HOME": "/home/someone/"},
        {"HOME": "relative-home"},
    ],
    ids=["home", "xdg", "empty-or-relative", "home-slash", "relative-home"],
)
@pytest.mark.parametrize("kind", ["config", "state", "cache"])
def test_files_are_where_platformdirs_puts_them_without_importing_it(monkeypatch, env, kind):
    import platformdirs

    from gandi_hosting_cli.config.settings import user_dir

    for var in ("XDG_CONFIG_HOME", "XDG_STATE_HOME", "XDG_CACHE_HOME"):
        monkeypatch.delenv(var, raising=False)
    for var, value in env.items():
        monkeypatch.setenv(var, value)
    expected = getattr(platformdirs, f"user_{kind}_path")("gandi-hosting")
    assert user_dir(kind) == expected


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="the Linux path")
def test_a_read_by_id_on_linux_imports_neither_platformdirs_nor_a_thread_pool(sandbox_server):
    [vm_id] = sandbox_server.sandbox.bulk_create_vms(SEED_LOGIN, 1, "web")
    url = ["--url", sandbox_server.url]
    login_in_a_process(url)
    names = imported_modules([*url, "--json", "vm", "info", str(vm_id)])
    assert {n.split(".")[0] for n in names} & {"platformdirs", "concurrent"} == set()


# -- a warm read by id: what its start-up rests on (benchmarks/warm_phases.py) ---------------
# none of these on `vm info ID --json`: keyring, or its backends' entry points (nothing
# to probe without a session bus), dataclasses (records.py: its classes were 8-10 ms of
# exec at import), click's shell completion (vm info's disk names are for people only)
NOT_ON_A_WARM_READ = ("keyring", "importlib.metadata", "dataclasses", "click.shell_completion")


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="the Linux discovery path")
def test_a_read_by_id_with_the_default_keyring_and_no_bus_imports_no_keyring_nor_dataclasses(
    sandbox_server, tmp_path
):
    [vm_id] = sandbox_server.sandbox.bulk_create_vms(SEED_LOGIN, 1, "web")
    url = ["--url", sandbox_server.url]
    # the platform's default resolution, on a machine without a D-Bus session bus
    env = {"XDG_RUNTIME_DIR": str(tmp_path)}  # no bus socket there
    environ = {**os.environ, **env}
    for name in KEYRING_ENV:
        environ.pop(name, None)
    login = login_in_a_process(url, environ)
    assert "sessions are kept in" in login.stderr  # nothing usable: the 0600 file store
    remembered = Path(os.environ["XDG_STATE_HOME"], "gandi-hosting", "keyring.json")
    for run in ("first", "warm"):
        if run == "first":
            remembered.unlink()  # nothing remembered: this run looks (and finds nothing)
        before = sandbox_server.request_count
        names = imported_modules([*url, "--json", "vm", "info", str(vm_id)], env, drop=KEYRING_ENV)
        assert sandbox_server.request_count == before + 1
        assert "xmlrpc.client" in names  # it did talk to the API
        found = {
            n for n in names if any(n == m or n.startswith(m + ".") for m in NOT_ON_A_WARM_READ)
        }
        assert (run, found) == (run, set())
        assert remembered.exists()  # "none usable", for the next command


def test_the_entry_point_freezes_only_the_loaded_cli_so_a_commands_database_is_closed(
    isolate, tmp_path
):
    """The console script freezes click and the CLI's root once loaded (the collector
    skips them, at exit too: issue 22's warm commands), and nothing a command made: the
    embedded sandbox's database is still closed at exit, its WAL checkpointed away."""
    state = tmp_path / "box.sqlite3"
    code = (
        "import atexit, gc, sys\n"
        "atexit.register(lambda: print('frozen', gc.get_freeze_count() > 1000))\n"
        "sys.argv[0] = 'gandi-hosting'\n"
        "from gandi_hosting_cli.__main__ import main\n"
        "main()\n"
    )
    environ = {**os.environ, "GANDI_HOSTING_SANDBOX_STATE": str(state)}
    done = subprocess.run(
        [sys.executable, "-c", code, "--sandbox", "--json", "vm", "list"],
        capture_output=True, text=True, timeout=60, env=environ,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    assert done.stdout.splitlines()[-1] == "frozen True"
    assert state.exists()
    assert sorted(p.name for p in tmp_path.glob("box.sqlite3*")) == ["box.sqlite3"]
