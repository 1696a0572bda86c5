"""Every example in the docs runs as written: the ``Examples:`` block of every command's
--help (so the man pages and the README reference, generated from it) and the README's
``sh`` code blocks.

How it runs: each block is a small story, run line by line, in order, on its own copy of
a prepared sandbox state served on 127.0.0.1 (operations finish at once), through the
real root group in-process (CliRunner: stdin is not a terminal, so a destructive command
without --yes is refused with exit 2, as documented). ``GANDI_HOSTING_URL`` points at that
server, ``GANDI_HOSTING_PASSWORD`` holds the seeded password and ``login AA1234-GANDI`` has
been run (as the README's first steps do); ``--sandbox`` examples use
the test's embedded sandbox. A shell is emulated for the few forms the docs use:
``printf '%s\\n' "$PASS" | gandi-hosting ...`` (stdin), ``... | jq FILTER`` (the real jq
when installed, else the output must be JSON), ``a && b`` and ``$VARS`` from ``VARS``.

Maintenance (the tables below are the only places to touch):
- ``PREPARE``: what a block needs beyond the base state (CLI lines run first, or
  functions of the server), e.g. a VM named web1;
- ``EXPECTED``: an example whose documented outcome is not exit 0 (with the reason);
- ``WORKDIR``: a block that reads or writes files of the current directory (a
  manifest) runs in a directory of its own, holding these files first;
- ``SKIP_BLOCKS`` / ``SKIP_LINES`` / ``NOT_RUN``: what cannot run here (installs,
  servers that run until stopped), with the reason.
The base state (``base_state``): ids as the docs use them -- product 12 (2 spare
shares), VMs 12 and 13 (vm12, vm13, running), detached disks 31 and 32, plenty of money,
and operation ids continuing from 1001 (``pending_ops`` makes 1201-1203).
"""

from __future__ import annotations

import json
import re
import shlex
import shutil
import subprocess
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import pytest

from gandi_hosting_cli.sandbox.seed import SEED_LOGIN, SEED_PASSWORD

ROOT = Path(__file__).resolve().parent.parent
PROG = "gandi-hosting"
DOC_URL = "http://127.0.0.1:8080/hosting/"  # the URL the docs use for a served sandbox
VARS = {"PASS": SEED_PASSWORD, "ROOT_PW": "correct-horse-9"}


# -- where examples come from ------------------------------------------------------------
@dataclass
class Block:
    id: str
    lines: list[str]


def _join_continuations(lines: list[str]) -> list[str]:
    joined: list[str] = []
    pending = ""
    for line in lines:
        if line.rstrip().endswith("\\") and not line.rstrip().endswith("\\\\"):
            pending += line.rstrip()[:-1] + " "
            continue
        joined.append((pending + line.strip()).strip())
        pending = ""
    if pending:
        joined.append(pending.strip())
    return [line for line in joined if line]


def help_blocks() -> list[Block]:
    """The ``Examples:`` block of every command's help, as click prints it."""
    from gandi_hosting_cli.docgen.helptext import walk

    blocks = []
    for entry in walk():
        lines = (entry.command.help or "").splitlines()
        for i, line in enumerate(lines):
            if line.strip() != "Examples:":
                continue
            body = []
            for text in lines[i + 1 :]:
                if not text.strip():
                    break
                body.append(text.strip())
            name = " ".join(entry.path) or PROG
            blocks.append(Block(f"help:{name}", _join_continuations(body)))
    return blocks


def readme_blocks(path: Path = ROOT / "README.md") -> list[Block]:
    """The README's ```sh blocks, named by their section and rank in it."""
    blocks = []
    heading, rank, body = "", 0, None
    for line in path.read_text(encoding="utf-8").splitlines():
        if body is None:
            if line.startswith("#"):
                heading, rank = line.lstrip("#").strip(), 0
            elif line.strip() == "```sh":
                body, rank = [], rank + 1
        elif line.strip() == "```":
            blocks.append(Block(f"readme:{heading}#{rank}", _join_continuations(body)))
            body = None
        else:
            body.append(line)
    return blocks


def readme_code(heading: str, lang: str, path: Path = ROOT / "README.md") -> str:
    """The first ```LANG block of the README section ``heading`` (a manifest it shows)."""
    text = path.read_text(encoding="utf-8")
    section = text.split(f"\n## {heading}\n", 1)[1]
    return section.split(f"```{lang}\n", 1)[1].split("```", 1)[0]


# -- the tables ----------------------------------------------------------------------------
def vm(name: str, state: str = "running") -> Callable:
    """A VM named ``name`` (1 share, Debian 12), created directly in the state."""
    match = re.fullmatch(r"(.*?)(\d+)", name)
    assert match, name

    def make(server) -> None:
        server.sandbox.bulk_create_vms(
            SEED_LOGIN, 1, match.group(1), start=int(match.group(2)), state=state
        )

    make.__name__ = f"vm({name}, {state})"
    return make


def pending_ops(server) -> None:
    """Operations 1201, 1202, 1203 (shares bought), still PENDING for an hour."""
    box = server.sandbox
    with box.store.write() as conn:
        conn.execute("UPDATE sqlite_sequence SET seq = 1200 WHERE name = 'operations'")
    session = box.call("login", (SEED_LOGIN, SEED_PASSWORD, True))
    box.op_delay = 3600
    try:
        for _ in range(3):
            box.call("hosting_account_product_add", (session, "shares", 1, "1m"))
    finally:
        box.op_delay = 0


def done_ops(server) -> None:
    """Operations 1201, 1202, 1203 (shares bought), DONE at the next call."""
    box = server.sandbox
    with box.store.write() as conn:
        conn.execute("UPDATE sqlite_sequence SET seq = 1200 WHERE name = 'operations'")
    session = box.call("login", (SEED_LOGIN, SEED_PASSWORD, True))
    for _ in range(3):
        box.call("hosting_account_product_add", (session, "shares", 1, "1m"))


DATA = "disk create data --size 1G --wait"
PREPARE: dict[str, list[str | Callable]] = {
    "help:gandi-hosting": [],
    "help:config get": ["config set wait true"],
    "help:config list": ["--profile staging config set url sandbox"],
    "help:config use": ["--profile staging config set url sandbox"],
    "help:config profiles": ["--profile staging config set url sandbox"],
    "help:config profiles delete": ["--profile staging config set url sandbox"],
    "help:config profiles rename": ["--profile staging config set url sandbox"],
    "help:disk": [vm("web1")],
    "help:disk list": [vm("web1")],
    "help:disk attach": [vm("web1"), DATA],
    "help:disk delete": [DATA],
    "help:disk detach": [vm("web1"), DATA, "disk attach data web1 --wait"],
    "help:disk info": [DATA],
    "help:op": [done_ops],  # `op wait` must end: its operations are not held PENDING
    "help:op cancel": [pending_ops],
    "help:op info": [done_ops],
    "help:op wait": [done_ops],
    "help:vm": [vm("web2")],
    "help:vm boot-disk": [
        vm("web1"),
        "disk create rescue --size 1G --wait",
        "disk attach rescue web1 --wait",
    ],
    "help:vm delete": [vm("web1"), vm("web2"), "vm stop 12 13 --wait"],
    "help:vm disks": [vm("web1")],
    "help:vm info": [vm("web1")],
    "help:vm reboot": [vm("web1")],
    "help:vm start": [vm("web1", "halted")],
    "help:vm stop": [vm("web1"), vm("web2")],
    "help:vm update": [vm("web1", "halted"), "vm stop 12 --wait"],
    "readme:Logging in to a real endpoint#1": [],
    "readme:Shaping output#1": [vm("web1")],
    "readme:Shaping output#2": [vm("web2", "halted")],
    "readme:Safe state changes#1": [vm("web1"), vm("web2", "halted")],
}

# examples shown as typed on a terminal (a prompt answered): run as if stdin and stderr
# were terminals (the Terminal object's is_interactive), with these answers on stdin
YES = "y\n"
ROOT_PW_TWICE = f"{VARS['ROOT_PW']}\n{VARS['ROOT_PW']}\n"
INTERACTIVE: dict[str, str] = {
    f"{PROG} disk delete data": YES,
    f"{PROG} op cancel 1201": YES,
    f"{PROG} product remove 12": YES,
    f"{PROG} product add shares 4": YES,
    f"{PROG} product add disk 10G --duration 1y --wait": YES,
    f"{PROG} product renew 12 --duration 1y": YES,
    f"{PROG} product update 12 8 --wait": YES,
    f"{PROG} vm stop web1 --wait && {PROG} vm delete web1": YES,
    f'{PROG} vm create web1 --os "Debian 12" --shares 2 --wait': ROOT_PW_TWICE,
    f"{PROG} vm create web1 --os 111 --shares 2 --wait": ROOT_PW_TWICE,
    f"{PROG} --sandbox vm create web1 --os 'Debian 12' --shares 2 --wait   # ... create a server": (
        ROOT_PW_TWICE
    ),
}

# examples whose documented outcome is not exit 0: line -> (exit code, why)
EXPECTED: dict[str, tuple[int, str]] = {}

# blocks that are real shell scripts (variables, if, xargs, redirections): run by bash with
# this venv's gandi-hosting first on PATH, in the test's isolated HOME and XDG dirs
BASH_BLOCKS: dict[str, str] = {
    "help:apply": "a redirection from a file (< pw.txt)",
    "help:export": "a redirection into a file (> site.toml)",
    "readme:Declarative use#1": "a redirection from a file (< root-pw.txt)",
    "readme:Scripts: JSON and exit codes#1": "a script: $(...), if, xargs",
    "readme:Shell completion#1": "redirections into ~ (the test's HOME)",
}

# blocks that work on files in the current directory (site.toml...): they run in a
# directory of their own (the test's), holding these files first
SITE_TOML = """\
[[vm]]
hostname = "web1"
os = "Debian 12"
shares = 1
disks = ["data"]

[[disk]]
name = "data"
size = "1G"
"""
WORKDIR: dict[str, dict[str, str]] = {
    "help:apply": {"site.toml": SITE_TOML, "pw.txt": VARS["ROOT_PW"] + "\n"},
    "help:export": {},
    "help:plan": {},
    "help:sandbox seed": {"prod.toml": SITE_TOML},
    "readme:Declarative use#1": {
        "site.toml": readme_code("Declarative use", "toml"),
        "root-pw.txt": VARS["ROOT_PW"] + "\n",
    },
}

# blocks whose lines are alternatives, not steps of one story: each line gets a fresh state
FRESH_PER_LINE: dict[str, str] = {
    "help:op cancel": "two ways to cancel the same operation",
    "help:product remove": "two ways to remove the same product",
}

# programs of an example that are not run (the rest of its && chain is)
NOT_RUN: dict[str, str] = {
    "python3": "creates a virtual environment",
    ".": "activates it",
    "pip": "installs the package (this venv has it)",
    ".venv/bin/python": "runs the whole test suite",
}

SKIP_BLOCKS: dict[str, str] = {
    "readme:Installation#1": "installs the package",
    "readme:Development#1": "runs the whole test suite, docgen and ruff",
    "readme:Rehearsing a change on a copy of the account#1": "needs a production profile and "
    "an editor (tests/sandbox/test_account_copy.py runs the same story)",
}

SKIP_LINES: dict[str, str] = {
    f"{PROG} sandbox serve": "serves until stopped (tests/served.py runs the real one)",
    f"{PROG} shell": "a session at a terminal (tests/cli/test_shell.py drives it in a pty)",
    f"{PROG} --profile prod shell": "a session at a terminal, on a profile of the reader's",
    f"{PROG} op list --state open --watch": "runs until Ctrl-C (tests/cli/test_watch.py)",
    f"{PROG} vm list --watch": "runs until Ctrl-C (tests/cli/test_watch.py)",
}


# -- a tiny shell ----------------------------------------------------------------------------
def expand(line: str, url: str, tmp: Path, *, variables: bool = True) -> str:
    line = line.replace(DOC_URL, url).replace("/tmp/", f"{tmp}/")
    if not variables:  # bash expands them
        return line

    def var(match: re.Match) -> str:
        name = match.group(1) or match.group(2)
        assert name in VARS, f"unknown variable ${name} in an example: add it to VARS"
        return VARS[name]

    return re.sub(r"\$\{(\w+)\}|\$(\w+)", var, line)


def words(line: str) -> list[str]:
    lexer = shlex.shlex(line, posix=True, punctuation_chars="|&;")
    lexer.whitespace_split = True
    lexer.commenters = "#"
    return list(lexer)


def split_on(tokens: list[str], separator: str) -> list[list[str]]:
    parts: list[list[str]] = [[]]
    for token in tokens:
        if token == separator:
            parts.append([])
        else:
            parts[-1].append(token)
    return parts


def run_line(cli, line: str, url: str, tmp: Path, answers: str | None = None) -> tuple[int, str]:
    """Run one example line; return the exit code of the last gandi-hosting and a trace.
    ``answers``: what a person types at the prompts (the line then runs as on a terminal)."""
    tokens = words(expand(line, url, tmp))
    code, trace = 0, []
    for command in split_on(tokens, "&&"):
        stdin: str | None = None
        stdout = ""
        for stage in split_on(command, "|"):
            name, *args = stage
            if name in NOT_RUN:
                continue
            if name == "printf":
                fmt = args[0].replace("\\n", "\n")
                stdin = fmt % tuple(args[1:]) if "%" in fmt else fmt
            elif name == "echo":
                stdin = " ".join(args) + "\n"
            elif name == PROG:
                result = cli(
                    *args, input=answers if stdin is None else stdin, interactive=bool(answers)
                )
                code, stdout = result.exit_code, result.stdout
                stdin = stdout  # `gandi-hosting ... | gandi-hosting ... -`
                trace.append(f"$ {shlex.join(stage)}\n-> {code}\n{result.output}")
                if code != 0:
                    return code, "\n".join(trace)
            elif name == "jq":
                json.loads(stdout)  # the JSON is valid in any case
                if shutil.which("jq"):
                    done = subprocess.run(
                        ["jq", *args], input=stdout, capture_output=True, text=True, timeout=30
                    )
                    assert done.returncode == 0, f"jq {args}: {done.stderr}\n{stdout}"
            else:
                raise AssertionError(f"the example uses {name!r}: emulate it or skip the block")
    return code, "\n".join(trace)


# -- the base state ------------------------------------------------------------------------
@pytest.fixture(scope="module")
def base_state(tmp_path_factory) -> Path:
    from gandi_hosting_cli.sandbox.dispatcher import Sandbox

    path = tmp_path_factory.mktemp("docs") / "base.sqlite3"
    box = Sandbox(path, op_delay=0)
    with box.store.write() as conn:
        for table, seq in (("products", 11), ("vms", 11), ("disks", 30), ("operations", 1000)):
            conn.execute("UPDATE sqlite_sequence SET seq = ? WHERE name = ?", (seq, table))
        conn.execute("UPDATE accounts SET balance_cents = 10000000 WHERE handle = ?", (SEED_LOGIN,))
    session = box.call("login", (SEED_LOGIN, SEED_PASSWORD, True))
    box.call("hosting_account_product_add", (session, "shares", 2, "1m"))  # product 12
    box.bulk_create_disks(SEED_LOGIN, 2, "old", start=31)  # disks 31, 32
    box.bulk_create_vms(SEED_LOGIN, 2, "vm", start=12)  # VMs 12, 13
    box.call("hosting_account_product_add", (session, "shares", 16, "1y"))
    box.call("hosting_account_product_add", (session, "disk", 100000, "1y"))
    box.call("hosting_account_info", (session,))  # operations finish
    box.close()
    return path


def all_blocks() -> list[Block]:
    return help_blocks() + readme_blocks()


@pytest.mark.parametrize("block", all_blocks(), ids=lambda b: b.id)
def test_every_documented_example_runs_as_written(
    block, cli, make_sandbox_server, base_state, tmp_path, monkeypatch
):
    if block.id in SKIP_BLOCKS:
        pytest.skip(SKIP_BLOCKS[block.id])
    copies = iter(range(1, 1000))

    def prepare():
        state = tmp_path / f"docs-{next(copies)}.sqlite3"
        shutil.copy(base_state, state)
        server = make_sandbox_server(state_path=state)
        monkeypatch.setenv("GANDI_HOSTING_URL", server.url)
        monkeypatch.setenv("GANDI_HOSTING_PASSWORD", SEED_PASSWORD)
        for step in [f"login {SEED_LOGIN}", *PREPARE.get(block.id, [])]:
            if callable(step):
                step(server)
            else:
                result = cli(*shlex.split(step))
                assert result.exit_code == 0, f"preparing {block.id}: {step}\n{result.output}"
        return server

    server = prepare()
    if block.id in WORKDIR:
        work = tmp_path / "work"
        work.mkdir()
        for name, text in WORKDIR[block.id].items():
            (work / name).write_text(text, encoding="utf-8")
            (work / name).chmod(0o600)
        monkeypatch.chdir(work)
    if block.id in BASH_BLOCKS:
        run_in_bash(block, server.url, tmp_path)
        return
    for number, line in enumerate(block.lines):
        if any(line.startswith(prefix) for prefix in SKIP_LINES):
            continue
        if number and block.id in FRESH_PER_LINE:
            server = prepare()
        expected = EXPECTED.get(line, (0, ""))[0]
        code, trace = run_line(cli, line, server.url, tmp_path, INTERACTIVE.get(line))
        assert code == expected, f"{block.id}: {line}\n{trace}"


def run_in_bash(block: Block, url: str, tmp: Path) -> None:
    import os
    import sys

    # pipefail: `gandi-hosting ... | jq` must fail when gandi-hosting does; the trace shows
    # every command run (the assertion below checks that gandi-hosting really ran)
    script = (
        "set -e -o pipefail -x\n"
        + "\n".join(expand(line, url, tmp, variables=False) for line in block.lines)
        + "\n"
    )
    bin_dir = Path(sys.executable).parent
    assert (bin_dir / PROG).exists(), f"no {PROG} console script in {bin_dir}"
    env = {**os.environ, "PATH": f"{bin_dir}{os.pathsep}{os.environ['PATH']}"}
    done = subprocess.run(
        ["bash", "-c", script],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        cwd=os.getcwd(),
    )
    assert done.returncode == 0, f"{block.id}\n{script}\n{done.stdout}\n{done.stderr}"
    assert f"+ {PROG} " in done.stderr, done.stderr


def test_the_tables_name_only_examples_that_exist():
    """A renamed block or changed example must not leave a stale entry behind."""
    blocks = all_blocks()
    ids = {b.id for b in blocks}
    lines = {line for b in blocks for line in b.lines}
    assert set(PREPARE) <= ids, set(PREPARE) - ids
    assert set(SKIP_BLOCKS) <= ids, set(SKIP_BLOCKS) - ids
    assert set(EXPECTED) <= lines, set(EXPECTED) - lines
    assert set(INTERACTIVE) <= lines, set(INTERACTIVE) - lines
    assert set(BASH_BLOCKS) <= ids, set(BASH_BLOCKS) - ids
    assert set(FRESH_PER_LINE) <= ids, set(FRESH_PER_LINE) - ids
    assert set(WORKDIR) <= ids, set(WORKDIR) - ids


# -- duration ranges agree everywhere ------------------------------------------------------
RANGE = re.compile(r"1m\b[^,;|\n]*?\b(\d+)m\b|1y\b[^,;|\n]*?\b(\d+)y\b")


def test_duration_ranges_agree_in_help_readme_and_sandbox(cli):
    from gandi_hosting_cli import rules
    from gandi_hosting_cli.docgen.helptext import walk
    from gandi_hosting_cli.sandbox import seed

    assert rules.MAX_DURATION_MONTHS == seed.MAX_DURATION_MONTHS == 120
    texts = [(ROOT / "README.md").read_text(encoding="utf-8")]
    for entry in walk():
        texts.append(entry.command.help or "")
        texts += [getattr(p, "help", None) or "" for p in entry.command.params]
    found = [m.groups() for text in texts for m in RANGE.finditer(text)]
    assert found, "no duration range found in the docs"
    for months, years in found:
        assert months in (None, "120") and years in (None, "10"), found
    for good in ("120m", "10y"):
        result = cli("--sandbox", "product", "add", "--yes", "disk", "1024", "--duration", good)
        assert result.exit_code == 0, result.output
    for bad in ("121m", "11y"):
        result = cli("--sandbox", "product", "add", "--yes", "disk", "1024", "--duration", bad)
        assert result.exit_code == 2, result.output


# -- the man page's ENVIRONMENT lists every variable read ----------------------------------
ENV_NAME = re.compile(
    r"\b_?(?:GANDI_HOSTING_[A-Z_]+|NO_COLOR|FORCE_COLOR|PYTHON_KEYRING_BACKEND)\b"
)


def test_the_man_page_lists_every_environment_variable_the_code_reads():
    from gandi_hosting_cli.docgen.manpages import ENVIRONMENT

    package = ROOT / "gandi_hosting_cli"
    read = {
        name
        for path in package.rglob("*.py")
        if path.parent.name != "docgen"
        for name in ENV_NAME.findall(path.read_text(encoding="utf-8"))
    }
    listed = {name.strip() for names, _ in ENVIRONMENT for name in names.split(",")}
    assert {"GANDI_HOSTING_SANDBOX_ACCOUNTS", "FORCE_COLOR", "PYTHON_KEYRING_BACKEND"} <= read
    assert read <= listed, f"read but not in docgen's ENVIRONMENT: {sorted(read - listed)}"
    page = (ROOT / "man" / "gandi-hosting.1").read_text(encoding="utf-8")
    environment = page.split(".SH ENVIRONMENT", 1)[1].split(".SH FILES", 1)[0]
    for name in read:
        assert name.replace("_", "\\_") in environment or name in environment, name
