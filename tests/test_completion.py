"""Shell completion driven the way shells drive it: the ``_GANDI_HOSTING_COMPLETE`` protocol.

The scripts in ``completions/`` call ``gandi-hosting`` with ``COMP_WORDS``/``COMP_CWORD``
and ``_GANDI_HOSTING_COMPLETE={bash,zsh,fish}_complete``; these tests set the same
variables (in process, and once through a real bash with the committed script sourced).
Live values (VMs, disks...) are in test_completion_live.py.
"""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
from pathlib import Path

import click
import pytest
from click.testing import CliRunner

from gandi_hosting_cli.cli import cli as root
from gandi_hosting_cli.cli.completion import COMPLETE_VAR, SCRIPT_FILES, completion_script

REPO = Path(__file__).resolve().parent.parent


def complete(shell: str, line: str, *, root_cmd: click.Command = root) -> tuple[list, str]:
    """Complete the last word of ``line`` as ``shell`` would; (candidates, stderr).

    Candidates are ``(value, help)`` pairs (help is None for bash, which shows none).
    """
    words = line.split(" ")
    env = {COMPLETE_VAR: f"{shell}_complete"}
    if shell == "fish":  # fish sends the whole line and the current token separately
        env |= {"COMP_WORDS": line, "COMP_CWORD": words[-1]}
    else:
        env |= {"COMP_WORDS": line, "COMP_CWORD": str(len(words) - 1)}
    result = CliRunner().invoke(root_cmd, [], env=env, prog_name="gandi-hosting")
    assert result.exit_code == 0, (result.output, result.stderr)
    return parse(shell, result.stdout), result.stderr


def parse(shell: str, out: str) -> list[tuple[str, str | None]]:
    """Candidates from click's answer, in the format of the installed click.

    bash: ``type,value`` lines. zsh: ``type``, ``value``, ``help`` (``_``: none) lines.
    fish: ``type,value<TAB>help`` lines (click 8.5) or three lines like zsh (click 8.4).
    """
    lines = out.splitlines() if out.strip() else []
    if shell == "bash" or (shell == "fish" and lines and re.match(r"^\w+,", lines[0])):
        pairs = [line.split(",", 1)[1].split("\t", 1) for line in lines]
        return [(p[0], p[1] if len(p) > 1 and shell != "bash" else None) for p in pairs]
    triples = [lines[i : i + 3] for i in range(0, len(lines) - len(lines) % 3, 3)]
    return [(value, None if help_ == "_" else help_) for _type, value, help_ in triples]


def values(candidates: list) -> list[str]:
    return [value for value, _ in candidates]


def is_wired(*path: str, param: str) -> bool:
    """Whether the lead attached a completer to ``param`` of that command (see report)."""
    ctx = click.Context(root, info_name="gandi-hosting")
    command: click.Command | None = root
    for name in path:
        command = command.get_command(ctx, name)  # type: ignore[union-attr]
        if command is None:
            return False
    for p in command.params:
        if p.name == param:
            custom = p._custom_shell_complete is not None
            return custom or type(p.type).shell_complete is not click.ParamType.shell_complete
    return False


# -- the scripts --------------------------------------------------------------------------
@pytest.mark.parametrize("shell", ["bash", "zsh", "fish"])
def test_completion_command_prints_the_committed_script(shell):
    result = CliRunner().invoke(root, ["completion", shell], prog_name="gandi-hosting")
    assert result.exit_code == 0
    assert result.stderr == ""
    committed = (REPO / "completions" / SCRIPT_FILES[shell]).read_text(encoding="utf-8")
    assert result.stdout == committed == completion_script(shell)
    assert COMPLETE_VAR in committed and "gandi-hosting" in committed


def test_completion_command_refuses_unknown_shells():
    result = CliRunner().invoke(root, ["completion", "tcsh"], prog_name="gandi-hosting")
    assert result.exit_code == 2


def test_zsh_script_can_be_autoloaded_from_fpath():
    assert completion_script("zsh").startswith("#compdef gandi-hosting\n")


# -- commands, options and choices (no network) -------------------------------------------
@pytest.mark.parametrize("shell", ["bash", "zsh", "fish"])
def test_subcommands(shell):
    candidates, err = complete(shell, "gandi-hosting vm st")
    assert err == ""
    assert values(candidates) == ["start", "stop"]
    if shell != "bash":  # zsh and fish show the short help next to each
        assert all(help_ for _, help_ in candidates)


def test_top_level_commands_with_help():
    candidates, _ = complete("zsh", "gandi-hosting ")
    names = values(candidates)
    for name in ("account", "completion", "disk", "login", "op", "os", "product", "vm"):
        assert name in names
    assert dict(candidates)["completion"].startswith("Print the shell completion script")


def test_options_of_a_command_include_the_global_ones():
    candidates, _ = complete("bash", "gandi-hosting vm list --")
    names = values(candidates)
    assert "--details" in names
    assert {"--json", "--quiet", "--sandbox", "--url", "--profile"} <= set(names)


@pytest.mark.parametrize(
    "line, expected",
    [
        ("gandi-hosting product add ", ["shares", "shares_fixed", "disk"]),
        ("gandi-hosting product add sh", ["shares", "shares_fixed"]),
        ("gandi-hosting disk create data --fstype ", ["ext3", "reiserfs", "xfs", "jfs"]),
        ("gandi-hosting op list --state E", ["ERROR"]),
        ("gandi-hosting completion ", ["bash", "zsh", "fish"]),
    ],
)
@pytest.mark.parametrize("shell", ["bash", "zsh", "fish"])
def test_choices(shell, line, expected):
    candidates, err = complete(shell, line)
    assert err == ""
    # --state is case-insensitive: click 8.5 offers the lower-case spelling
    assert [v.upper() if "state" in line else v for v in values(candidates)] == expected


def test_operation_types():
    candidates, _ = complete("fish", "gandi-hosting op list --type vm_st")
    assert values(candidates) == ["vm_start", "vm_stop"]


def test_option_value_after_equals_sign():
    candidates, _ = complete("bash", "gandi-hosting disk create data --fstype=x")
    assert values(candidates) == ["xfs"]


def test_duration_examples():
    if not is_wired("product", "renew", param="duration"):
        pytest.xfail("complete_duration is not attached to --duration yet (lead's wiring)")
    candidates, _ = complete("zsh", "gandi-hosting product renew 3 --duration ")
    assert values(candidates)[:3] == ["1m", "3m", "6m"]
    assert dict(candidates)["1y"] == "1 year"
    candidates, _ = complete("bash", "gandi-hosting product add shares 2 --duration 1")
    assert values(candidates) == ["1m", "1y"]


def test_nothing_to_complete_gives_nothing_and_no_error():
    candidates, err = complete("bash", "gandi-hosting account balance ")
    assert candidates == [] and err == ""


# -- through bash itself ------------------------------------------------------------------
def run_bash(program: str, env: dict[str, str], cwd=None) -> subprocess.CompletedProcess:
    """``program`` in a bare bash (no rc files) after the committed completion script."""
    script = REPO / "completions" / SCRIPT_FILES["bash"]
    return subprocess.run(
        ["bash", "--norc", "--noprofile", "-c", f"source '{script}'\n{program}"],
        env=env,
        capture_output=True,
        text=True,
        timeout=30,
        cwd=cwd,
    )


@pytest.mark.skipif(shutil.which("bash") is None, reason="bash is not installed")
def test_bash_fills_compreply_from_the_committed_script(path_env):
    # what bash does on `gandi-hosting vm st<TAB>`: call the registered function with
    # the command, the current word and the previous one
    program = """
        complete -p gandi-hosting
        COMP_WORDS=(gandi-hosting vm st)
        COMP_CWORD=2
        COMP_LINE='gandi-hosting vm st'
        COMP_POINT=${#COMP_LINE}
        _gandi_hosting_completion gandi-hosting st vm
        printf 'reply:%s\\n' "${COMPREPLY[@]}"
    """
    run = run_bash(program, path_env)
    assert run.returncode == 0, run.stderr
    assert run.stderr == ""
    assert "-F _gandi_hosting_completion gandi-hosting" in run.stdout
    replies = [line[6:] for line in run.stdout.splitlines() if line.startswith("reply:")]
    assert replies == ["start", "stop"]


@pytest.mark.skipif(shutil.which("bash") is None, reason="bash is not installed")
@pytest.mark.parametrize("command", ["plan", "apply", "export --file"])
def test_bash_completes_manifest_paths_with_the_files_there(path_env, tmp_path, command):
    work = tmp_path / "work"
    work.mkdir()
    (work / "site.toml").write_text("")
    (work / "sites-old.toml").write_text("")
    (work / "other.txt").write_text("")
    words = f"gandi-hosting {command} si".split()
    program = f"""
        COMP_WORDS=({" ".join(words)})
        COMP_CWORD={len(words) - 1}
        COMP_LINE='{" ".join(words)}'
        COMP_POINT=${{#COMP_LINE}}
        # outside a real completion, compopt says what it was asked for; `-o default` is
        # bash's own file name completion, which compgen -f does here
        compopt() {{ printf 'compopt:%s %s\\n' "$1" "$2"; }}
        _gandi_hosting_completion gandi-hosting si {words[-2]}
        printf 'reply:%s\\n' "${{COMPREPLY[@]}}"
        compgen -f -- si | sed 's/^/file:/'
    """
    run = run_bash(program, path_env, cwd=work)
    assert run.returncode == 0, run.stderr
    lines = run.stdout.splitlines()
    assert "compopt:-o default" in lines and "reply:" in lines  # no value: files instead
    assert sorted(line[5:] for line in lines if line.startswith("file:")) == [
        "site.toml",
        "sites-old.toml",
    ]


# -- staying light ------------------------------------------------------------------------
def imported_modules(args: list[str], env: dict[str, str]) -> set[str]:
    run = subprocess.run(
        [sys.executable, "-X", "importtime", "-m", "gandi_hosting_cli", *args],
        env=env,
        capture_output=True,
        text=True,
        timeout=30,
    )
    names = set()
    for line in run.stderr.splitlines():
        if line.startswith("import time:") and "|" in line:
            names.add(line.rsplit("|", 1)[1].strip())
    return names


@pytest.mark.parametrize(
    "line",
    [
        "gandi-hosting ",
        "gandi-hosting vm st",
        "gandi-hosting op list --state ",
        "gandi-hosting disk create d --",
        "gandi-hosting vm info ",  # no session: no live lookup, so no keyring either
    ],
)
def test_completion_imports_neither_rich_nor_keyring(path_env, line):
    env = path_env | {
        COMPLETE_VAR: "bash_complete",
        "COMP_WORDS": line,
        "COMP_CWORD": str(len(line.split(" ")) - 1),
    }
    names = imported_modules([], env)
    assert "gandi_hosting_cli" in names  # the measurement works (the fast path or click)
    heavy = {n for n in names if n.split(".")[0] in ("rich", "keyring", "xmlrpc")}
    assert heavy == set()


def test_help_imports_neither_rich_nor_keyring(path_env):
    names = imported_modules(["vm", "--help"], path_env)
    assert "gandi_hosting_cli.fast" in names  # answered by the fast path: not even click
    assert {n for n in names if n.split(".")[0] in ("click", "rich", "keyring")} == set()


@pytest.mark.skipif(shutil.which("bash") is None, reason="bash is not installed")
def test_bash_gets_os_labels_with_spaces_as_one_word(path_env):
    from gandi_hosting_cli.cli.completers import remember

    url = "http://127.0.0.1:9/hosting/"  # never contacted: the cache is fresh
    remember("os", [{"id": 111, "label": "Debian 12 64 bits"}], endpoint=url, login="AA1-GANDI")
    env = path_env | {"GANDI_HOSTING_URL": url, "GANDI_HOSTING_LOGIN": "AA1-GANDI"}
    program = f"""
        source '{REPO / "completions" / SCRIPT_FILES["bash"]}'
        COMP_WORDS=(gandi-hosting vm create web1 --os 'Debian\\ 1')
        COMP_CWORD=5
        _gandi_hosting_completion gandi-hosting 'Debian\\ 1' --os
        printf 'reply:%s\\n' "${{COMPREPLY[@]}}"
    """
    run = subprocess.run(
        ["bash", "--norc", "--noprofile", "-c", program],
        env=env,
        capture_output=True,
        text=True,
        timeout=30,
    )
    assert run.returncode == 0 and run.stderr == ""
    replies = [line[6:] for line in run.stdout.splitlines() if line.startswith("reply:")]
    # what bash puts on the command line: one word, spaces escaped
    assert replies == ["Debian\\ 12\\ 64\\ bits"]
