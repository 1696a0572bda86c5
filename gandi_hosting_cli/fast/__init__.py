"""The fast path: ``--help`` and shell completion answered from tables that docgen
generates (``table.py``), without importing click, rich, keyring or xmlrpc.

``answer(argv, environ)`` is called by the entry point (``__main__.py``) before click is
imported. It prints click's own output (byte for byte: tests compare both for every
command) and returns True, or returns False and prints nothing when it cannot be sure:
an argv it does not recognise, a command missing from the table, a stale name cache, a
config.toml to read... Then click answers, as it always did: correct first.

- ``helptext.py``: click's help formatter without click, textwrap or re.
- ``complete.py``: click's completion protocol (bash, zsh, fish) over the table.
- ``candidates.py``: the candidates of live names and list keys, shared with
  ``cli/completers.py`` (which answers when the fast path does not).
"""

from __future__ import annotations

COMPLETE_VAR = "_GANDI_HOSTING_COMPLETE"
HELP_OPTIONS = ("--help", "-h")


class Unanswered(Exception):
    """The fast path cannot answer this for sure: click will."""


def answer(argv: list[str], environ: dict[str, str] | object) -> bool:
    """Print the answer to ``argv`` (help or a completion request) and return True, or
    return False having printed nothing."""
    try:
        if COMPLETE_VAR in environ:  # type: ignore[operator]
            from gandi_hosting_cli.fast.complete import completion_output

            data = completion_output(environ)  # type: ignore[arg-type]
            if data is None:
                return False
            return _write(data)
        if argv and argv[-1] in HELP_OPTIONS:
            from gandi_hosting_cli.fast.helptext import help_output

            text = help_output(argv[:-1], argv[-1], environ)  # type: ignore[arg-type]
            if text is None:
                return False
            return _write(text)
    except Exception:  # Unanswered, or anything unforeseen: click answers (correct first)
        return False
    return False


UTF8 = ("utf-8", "utf8")


def help_width(max_width: int = 80) -> int:
    """What click's ``HelpFormatter`` computes from ``shutil.get_terminal_size()``: $COLUMNS,
    else the terminal's width, else 80; at most ``max_width``, less 2, at least 50."""
    import os
    import sys

    try:
        columns = int(os.environ["COLUMNS"])
    except (KeyError, ValueError):
        columns = 0
    if columns <= 0:
        try:
            columns = os.get_terminal_size(sys.__stdout__.fileno()).columns
        except (AttributeError, ValueError, OSError):
            columns = 0
        columns = columns or 80
    return max(min(columns, max_width) - 2, 50)


def _write(data: bytes | str) -> bool:
    """Write as click does: help through the text stream, completions as bytes."""
    import sys

    try:
        if isinstance(data, str):
            if not data.isascii() and (sys.stdout.encoding or "").lower() not in UTF8:
                raise Unanswered("click decides how to print this on this stream")
            sys.stdout.write(data)
        else:
            sys.stdout.buffer.write(data)
        sys.stdout.flush()
    except BrokenPipeError:  # `| head -0`: as the CLI does, say nothing more (exit 1)
        import os

        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        sys.exit(1)
    return True
