"""``gandi_hosting_cli/fast/table.py``: what ``--help`` and completion need, taken from the
command tree, so that the fast path (``gandi_hosting_cli/fast/``) answers them without
click. Written and drift-checked by docgen with the other generated files.

For every visible command (key: its words after ``gandi-hosting``, "" for the root):
- ``help``: the calls its ``format_help`` makes on click's formatter, recorded (the
  subcommand table as one ``write_commands`` call: what it shows depends on the width);
- ``help_options``: its help option names;
- ``params``: its parameters in click's order (``fast/complete.py`` names the fields),
  each with where its values come from (``spec``): fixed values, files, the keys of the
  list, the profiles, live names, nothing, or ``click`` (a callback only click can run);
- ``subcommands``, ``bash`` and ``shells``: its subcommands, and the candidates click
  gives for them (bash without help, zsh and fish with it);
- ``catalog``: a list's keys and headers (--columns, --sort).
``CHUNKS``: textwrap's split of every text with a hyphen the help shows at any width.
"""

from __future__ import annotations

import os
from contextlib import contextmanager

import click

from gandi_hosting_cli.docgen.helptext import GENERATED, walk
from gandi_hosting_cli.fast import helptext as fast_help

TABLE_FILE = "gandi_hosting_cli/fast/table.py"
WIDTHS = range(50, 79)  # every width click's help uses: max(min(columns, 80) - 2, 50)


class Recorder(click.HelpFormatter):
    """A formatter that keeps the calls made on it (``fast.helptext.Formatter`` replays them)."""

    def __init__(self) -> None:
        super().__init__(width=78)
        self.ops: list[tuple] = []

    def write(self, string: str) -> None:
        self.ops.append(("write", string))

    def indent(self) -> None:
        self.ops.append(("indent",))

    def dedent(self) -> None:
        self.ops.append(("dedent",))

    def write_usage(self, prog: str, args: str = "", prefix: str | None = None) -> None:
        self.ops.append(("write_usage", prog, args, prefix))

    def write_heading(self, heading: str) -> None:
        self.ops.append(("write_heading", heading))

    def write_paragraph(self) -> None:
        self.ops.append(("write_paragraph",))

    def write_text(self, text: str) -> None:
        self.ops.append(("write_text", text))

    def write_dl(self, rows, col_max: int = 30, col_spacing: int = 2) -> None:
        self.ops.append(("write_dl", tuple(tuple(r) for r in rows), col_max, col_spacing))


def _command_rows(group: click.Group, ctx: click.Context) -> tuple:
    """What ``Group.format_commands`` shows, before it shortens to the width."""
    # an AliasGroup shows each command with its alias: ``list (ls)``
    aliases = group.aliases(ctx) if hasattr(group, "aliases") else {}
    labels = {target: f"{target} ({alias})" for alias, target in aliases.items()}
    rows = []
    for name in group.list_commands(ctx):
        command = group.get_command(ctx, name)
        if command is None or command.hidden:
            continue
        label = labels.get(name, name)
        if command.short_help or command.deprecated or not command.help:
            rows.append((label, command.get_short_help_str(10**6), True))
        else:
            rows.append((label, command.help, False))
    return tuple(rows)


def recorded_help(command: click.Command, ctx: click.Context) -> tuple:
    recorder = Recorder()
    if isinstance(command, click.Group):
        rows = _command_rows(command, ctx)
        command.format_commands = lambda c, f: f.ops.append(("write_commands", "Commands", rows))
        try:
            command.format_help(ctx, recorder)
        finally:
            del command.format_commands
    else:
        command.format_help(ctx, recorder)
    return tuple(recorder.ops)


@contextmanager
def _complete_var(shell: str):
    old = os.environ.get("_GANDI_HOSTING_COMPLETE")
    os.environ["_GANDI_HOSTING_COMPLETE"] = f"{shell}_complete"
    try:
        yield
    finally:
        if old is None:
            del os.environ["_GANDI_HOSTING_COMPLETE"]
        else:
            os.environ["_GANDI_HOSTING_COMPLETE"] = old


def _spec(param: click.Parameter, ctx: click.Context) -> tuple:
    """Where the values of ``param`` come from, as ``fast/complete.py`` reads it.
    (``_custom_shell_complete`` and ``_flag_needs_value`` are click's own attributes: the
    byte-identity tests of tests/test_fast_path.py notice if a click release renames them.)"""
    from gandi_hosting_cli.cli import options, types

    custom = param._custom_shell_complete
    kind = param.type
    if custom is options._complete_profile:
        return ("profile",)
    if custom is not None:
        return ("click",)
    if isinstance(kind, types.ObjectRef):
        return ("live", kind.resource)
    if isinstance(kind, types.OperationId):
        return ("live", kind.completer)
    if isinstance(kind, types.Columns):
        return ("columns",)
    if isinstance(kind, types.SortKey):
        return ("sort",)
    if isinstance(kind, (click.Choice, types.Duration, types.Size)):
        items = tuple((i.value, i.type, i.help) for i in kind.shell_complete(ctx, param, ""))
        case_sensitive = getattr(kind, "case_sensitive", True)
        return ("static", items, case_sensitive)
    if isinstance(kind, (click.File, click.Path)):
        [item] = kind.shell_complete(ctx, param, "")
        return ("path", item.type)
    if type(kind).shell_complete is click.ParamType.shell_complete:
        return ("none",)
    return ("click",)


def _param(param: click.Parameter, ctx: click.Context) -> tuple | None:
    """The fields of ``fast/complete.py`` (KIND ... SPEC); None: not one it can parse."""
    spec = _spec(param, ctx)
    if isinstance(param, click.Option):
        flag = param.is_flag or param.count
        if not flag and param.nargs != 1:
            return None
        if param._flag_needs_value:  # `--watch [SECONDS]`: its name is offered; once typed,
            # whether the next word is its value is click's to decide
            return ("option", param.name, tuple(param.opts), tuple(param.secondary_opts),
                    "optional", param.nargs, param.hidden, param.multiple, param.help,
                    ("click",))  # fmt: skip
        return ("option", param.name, tuple(param.opts), tuple(param.secondary_opts),
                not flag, param.nargs, param.hidden, param.multiple, param.help, spec)  # fmt: skip
    if param.nargs not in (1, -1):
        return None
    return ("argument", param.name, (), (), True, param.nargs, False, False, None, spec)


def _candidates(group: click.Group, ctx: click.Context, shell: str) -> tuple:
    with _complete_var(shell):
        return tuple((i.value, i.help) for i in group.shell_complete(ctx, ""))


def command_table(entries=None) -> dict[str, dict]:
    entries = entries if entries is not None else walk()
    keys = {e.path: " ".join(e.path) for e in entries}
    table = {}
    for entry in entries:
        command, ctx = entry.command, entry.ctx
        params = [_param(p, ctx) for p in command.get_params(ctx)]
        group = isinstance(command, click.Group)
        subcommands = None
        if group:
            subcommands = {
                path[-1]: key
                for path, key in keys.items()
                if len(path) == len(entry.path) + 1 and path[:-1] == entry.path
            }
        catalog = getattr(command, "catalog", None) or []
        help_options = command.get_help_option_names(ctx) if command.add_help_option else []
        table[keys[entry.path]] = {
            "help": recorded_help(command, ctx),
            "help_options": tuple(help_options),
            "complete": None not in params and not (group and command.chain),
            "params": tuple(p for p in params if p is not None),
            "subcommands": subcommands,
            "bash": _candidates(command, ctx, "bash") if group else (),
            "shells": _candidates(command, ctx, "zsh") if group else (),
            "catalog": tuple((c.key, c.header) for c in catalog),
        }
    return table


def hyphenated_chunks(table: dict[str, dict]) -> dict[str, tuple[str, ...] | None]:
    """textwrap's chunks of every text with a hyphen that the help wraps at any width
    (None where a split on whitespace gives the same)."""
    from click._textwrap import TextWrapper

    wrapper = TextWrapper(78, replace_whitespace=False)
    found: dict[str, tuple[str, ...] | None] = {}

    class Collecting(dict):
        def __contains__(self, text: object) -> bool:
            if isinstance(text, str) and text not in found:
                chunks = tuple(wrapper._split_chunks(text))
                found[text] = None if chunks == tuple(_simple(text)) else chunks
            return True

        def __getitem__(self, text: str):
            return found[text]

    collector = Collecting()
    for entry in table.values():
        for width in WIDTHS:
            fast_help.render(entry["help"], width, collector)
    return dict(sorted(found.items()))


def _simple(text: str) -> list[str]:
    """A split on whitespace, keeping the whitespace (what ``split_chunks`` does)."""
    return fast_help.split_chunks(text, {text: None})


def table_module() -> str:
    from gandi_hosting_cli.cli import cli
    from gandi_hosting_cli.cli.context import SANDBOX_ENDPOINT, SANDBOX_URL
    from gandi_hosting_cli.config import name_cache, settings
    from gandi_hosting_cli.sandbox.seed import SEED_LOGIN

    table = command_table()
    constants = {
        "MAX_WIDTH": cli.context_settings.get("max_content_width") or 80,
        "APP_NAME": settings.APP_NAME,
        "DEFAULT_PROFILE": settings.DEFAULT_PROFILE,
        "DEFAULT_URL": settings.DEFAULT_URL,
        "SANDBOX_URL": SANDBOX_URL,
        "SANDBOX_ENDPOINT": SANDBOX_ENDPOINT,
        "SEED_LOGIN": SEED_LOGIN,
        "CACHE_VERSION": name_cache.CACHE_VERSION,
    }
    lines = [
        "# ruff: noqa: E501",
        f'"""What ``--help`` and completion need (``fast/``).\n\n{GENERATED}.\n"""',
        "",
    ]
    lines += [f"{name} = {value!r}" for name, value in constants.items()]
    lines += ["", *_literal("CHUNKS", hyphenated_chunks(table), {}), ""]
    shared = _shared(table)
    lines += [f"{name} = {_source(value, {})}" for value, name in shared.items()]
    lines += ["", *_literal("COMMANDS", table, shared)]
    return "\n".join(lines) + "\n"


def _shared(table: dict[str, dict]) -> dict[tuple, str]:
    """The parameters and help rows several commands have (the global options): written
    once, as ``_S0``, ``_S1``... so that the module stays small (compiling it is most of
    a first run without bytecode)."""
    seen: dict[tuple, int] = {}
    for entry in table.values():
        rows = [row for op in entry["help"] if op[0] == "write_dl" for row in op[1]]
        for value in (*entry["params"], *rows):
            seen[value] = seen.get(value, 0) + 1
    repeated = sorted((v for v, n in seen.items() if n > 1), key=repr)
    return {value: f"_S{i}" for i, value in enumerate(repeated)}


def _source(value: object, shared: dict[tuple, str]) -> str:
    """``repr(value)``, with the shared tuples by name."""
    if isinstance(value, tuple):
        if value in shared:
            return shared[value]
        inner = ", ".join(_source(v, shared) for v in value)
        return f"({inner},)" if len(value) == 1 else f"({inner})"
    if isinstance(value, dict):
        return "{" + ", ".join(f"{k!r}: {_source(v, shared)}" for k, v in value.items()) + "}"
    return repr(value)


def _literal(name: str, mapping: dict, shared: dict[tuple, str]) -> list[str]:
    """``NAME = {key: value, ...}``, one entry a line (deterministic)."""
    lines = [f"{name} = {{"]
    lines += [f"    {key!r}: {_source(value, shared)}," for key, value in sorted(mapping.items())]
    return [*lines, "}"]
