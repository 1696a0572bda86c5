"""Generate the man pages, the completion scripts and the command reference from the code.

``python -m gandi_hosting_cli.docgen`` writes ``man/*.1`` (one roff page per command),
``completions/*`` (click's scripts) and ``man/REFERENCE.md`` (the command reference the
README links to: a summary table, then every command's --help).
``--check`` writes nothing and exits 1 when a committed file differs from what the
current command tree gives, so the documentation cannot drift from the code.

Everything is deterministic: fixed width, no dates, no paths; the version is the only
thing that changes with a release.
The command tree and its help text are helptext.py; the roff pages are manpages.py;
this module renders the markdown reference and writes or checks every file.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

import click

from gandi_hosting_cli import __version__
from gandi_hosting_cli.docgen.fasttable import TABLE_FILE, table_module
from gandi_hosting_cli.docgen.helptext import (
    GENERATED,
    PROG,
    Entry,
    short_help,
    walk,
)
from gandi_hosting_cli.docgen.manpages import (
    man_pages,
)

REFERENCE_FILE = "man/REFERENCE.md"


# -- markdown reference -------------------------------------------------------------------
def _anchor(entry: Entry) -> str:
    """GitHub's anchor of the entry's heading (``## `gandi-hosting vm create` ``)."""
    return entry.page


def reference(entries: list[Entry]) -> str:
    """man/REFERENCE.md: a summary table, then the --help of every command, in tree order."""
    lines = [
        f"<!-- {GENERATED} -->",
        "",
        f"# {PROG} command reference",
        "",
        f"Every command's `--help`, as `{PROG} {__version__}` prints it. The same text is in",
        f"the man pages (`man {PROG}`, `man {PROG}-vm-create`, ...).",
        "",
        "| Command | What it does |",
        "|---|---|",
    ]
    for entry in entries[1:]:
        summary = short_help(entry.command).replace("|", "\\|")
        lines.append(f"| [`{entry.words}`](#{_anchor(entry)}) | {summary} |")
    for entry in entries:
        help_text = entry.command.get_help(entry.ctx).rstrip()
        lines += [
            "",
            f"## `{entry.words}`",
            "",
            "```text",
            *(line.rstrip() for line in help_text.splitlines()),
            "```",
        ]
    return "\n".join(lines) + "\n"


# -- files --------------------------------------------------------------------------------
def generated_files() -> dict[str, str]:
    """``{path relative to the repository: content}`` of everything generated."""
    from gandi_hosting_cli.cli.completion import SCRIPT_FILES, completion_script

    entries = walk()
    files = {f"man/{name}": text for name, text in man_pages(entries).items()}
    files[REFERENCE_FILE] = reference(entries)
    for shell, name in SCRIPT_FILES.items():
        files[f"completions/{name}"] = completion_script(shell)
    files[SHORT_HELP_FILE] = short_help_module()
    files[TABLE_FILE] = table_module()
    return files


SHORT_HELP_FILE = "gandi_hosting_cli/cli/short_help.py"


def short_help_module() -> str:
    """The root group's command table for ``--help``, copied from each command's own help
    (kept once, in its docstring) so that ``gandi-hosting --help`` imports no command
    module: ``{name: text}``, the text being the command's short help or the first
    paragraph of its help, which click shortens to the terminal's width as it would."""
    from gandi_hosting_cli.cli import LAZY_COMMANDS, cli

    ctx = click.Context(cli, info_name=PROG)
    lines = [
        "# ruff: noqa: E501",
        f'"""Short help of the root group\'s commands for ``--help``.\n\n{GENERATED}.\n"""',
        "",
        "SHORT_HELP: dict[str, tuple[str, bool]] = {",
    ]
    for name in sorted(LAZY_COMMANDS):
        command = cli.get_command(ctx, name)
        if command is None or command.hidden:
            continue
        if command.short_help or command.deprecated:  # exact: click would not shorten it
            text, exact = command.get_short_help_str(10**6), True
        else:
            words = (command.help or "").partition("\n\n")[0].split()
            text, exact = " ".join(words[1:] if words[:1] == ["\b"] else words), False
        lines += [f"    {json.dumps(name)}: (", f"        {json.dumps(text)},", f"        {exact},"]
        lines.append("    ),")
    lines += ["}", ""]
    return "\n".join(lines)


def _stale(root: Path, files: dict[str, str]) -> list[Path]:
    """Generated files of commands that no longer exist."""
    found = [*root.glob("man/*.1"), *root.glob("completions/*")]
    return sorted(p for p in found if p.relative_to(root).as_posix() not in files)


def default_root() -> Path:
    repo = Path(__file__).resolve().parent.parent
    return repo if (repo / "pyproject.toml").is_file() else Path.cwd()


def check(root: Path) -> list[str]:
    """What differs from the committed files (empty: all up to date)."""
    files = generated_files()
    problems = []
    for rel, text in sorted(files.items()):
        path = root / rel
        if not path.is_file():
            problems.append(f"missing: {rel}")
        elif path.read_text(encoding="utf-8") != text:
            problems.append(f"out of date: {rel}")
    problems += [f"no longer generated: {p.relative_to(root)}" for p in _stale(root, files)]
    return problems


def write(root: Path) -> list[str]:
    """Write every generated file; return what changed."""
    files = generated_files()
    changed = []
    for rel, text in sorted(files.items()):
        path = root / rel
        if not path.is_file() or path.read_text(encoding="utf-8") != text:
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(text, encoding="utf-8")
            changed.append(rel)
    for path in _stale(root, files):
        path.unlink()
        changed.append(f"{path.relative_to(root)} (removed)")
    if SHORT_HELP_FILE in changed:  # --help shows the new table: render the pages again
        import importlib

        import gandi_hosting_cli.cli.short_help as table

        importlib.reload(table)
        return sorted({*changed, *write(root)})
    return changed


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m gandi_hosting_cli.docgen")
    parser.add_argument("--check", action="store_true", help="fail if anything is out of date")
    parser.add_argument("--root", type=Path, default=None, help="repository root")
    args = parser.parse_args(argv)
    root = args.root or default_root()
    if args.check:
        problems = check(root)
        for problem in problems:
            print(problem, file=sys.stderr)
        if problems:
            print("run: python -m gandi_hosting_cli.docgen", file=sys.stderr)
        return 1 if problems else 0
    for rel in write(root):
        print(f"wrote {rel}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
