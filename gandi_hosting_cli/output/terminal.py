"""Terminal: where messages, warnings, errors and prompts go (stderr), and what is a tty.

Data goes to stdout through ``output.Output.emit`` only; everything said *to people*
goes through one ``Terminal``. Its streams and tty-ness are resolved when used (so
click's CliRunner, which swaps ``sys.stdout``, is honoured) unless given: tests build
``Terminal(interactive=True)`` instead of patching anything.

rich is imported only when a styled console is really needed (a progress display).
"""

from __future__ import annotations

import os
import sys
from typing import Any, TextIO

import click

from gandi_hosting_cli.errors import escape_controls, for_terminal

COMMAND_MARK = "`gandi-hosting "  # how a hint names a command to run


def isatty(stream: Any) -> bool:
    try:
        return bool(stream.isatty())
    except (AttributeError, ValueError):
        return False


class Terminal:
    """``Terminal(quiet=False, interactive=None, stdout_tty=None, stderr_tty=None)``.

    ``interactive``: a person is there to answer prompts (default: stdin and stderr are
    terminals). ``stdout_tty`` / ``stderr_tty`` override what the streams say. ``quiet``
    silences ``message`` (warnings and errors are always written). ``json`` (``--json``,
    ``-o json``): messages, warnings and errors are JSON lines (``{"message": ...}``,
    ``{"warning": ...}``, ``{"error": {...}}``), so that stderr parses line by line.
    """

    def __init__(
        self,
        *,
        quiet: bool = False,
        interactive: bool | None = None,
        stdout_tty: bool | None = None,
        stderr_tty: bool | None = None,
        stdout: TextIO | None = None,
        stderr: TextIO | None = None,
    ):
        self.quiet = quiet
        self.json = False
        self._interactive = interactive
        self._stdout_tty = stdout_tty
        self._stderr_tty = stderr_tty
        self._stdout = stdout
        self._stderr = stderr
        self._err_console: Any = None
        # the global options the user typed that a command named in a hint must carry
        # (``--profile p2``): AppContext sets it (``hint_options``)
        self.hint_options: Any = None

    # -- streams and tty-ness --------------------------------------------------------------
    @property
    def stdout(self) -> TextIO:
        return self._stdout or sys.stdout

    @property
    def stderr(self) -> TextIO:
        return self._stderr or sys.stderr

    @property
    def stdout_is_tty(self) -> bool:
        return self._stdout_tty if self._stdout_tty is not None else isatty(self.stdout)

    @property
    def stderr_is_tty(self) -> bool:
        return self._stderr_tty if self._stderr_tty is not None else isatty(self.stderr)

    @property
    def is_interactive(self) -> bool:
        """A person is there to answer prompts: stdin and stderr are terminals."""
        if self._interactive is not None:
            return self._interactive
        return isatty(sys.stdin) and self.stderr_is_tty

    @property
    def no_color(self) -> bool:
        return bool(os.environ.get("NO_COLOR"))

    # -- saying things (stderr) ------------------------------------------------------------
    def _say(self, text: str = "") -> None:
        click.echo(self.with_options(text), file=self.stderr)

    def with_options(self, text: str) -> str:
        """Every command a hint names (`` `gandi-hosting op wait 5` ``) with the
        ``--profile`` / ``--url`` the user typed, so that it acts where this one did."""
        if self.hint_options is None or COMMAND_MARK not in text:
            return text
        options = self.hint_options()
        if not options:
            return text
        import re

        # a command that names its own global options already is left as it is, and so
        # are the local ones (the embedded sandbox's state, completion scripts)
        return re.sub(
            f"{COMMAND_MARK}(?!--|sandbox |completion )",
            lambda _: f"{COMMAND_MARK}{options} ",
            text,
        )

    def json_line(self, obj: Any) -> None:
        """One JSON object on one line of stderr (what ``--json`` makes of everything)."""
        from gandi_hosting_cli.output.formatting import to_json

        self._say(to_json(obj, indent=None))

    def message(self, text: str) -> None:
        """Information for people; silent with -q. Control and bidi characters (a server's
        names inside the text) are escaped: one line, never a terminal sequence."""
        if self.quiet:
            return
        if self.json:
            self.json_line({"message": text})
        else:
            self._say(escape_controls(text))

    def warn(self, text: str) -> None:
        """A warning, even with -q (escaped as ``message``)."""
        if self.json:
            self.json_line({"warning": text})
        else:
            self._say(f"warning: {escape_controls(text)}")

    def error(
        self,
        text: str,
        *,
        newlines: bool = False,
        code: int | None = None,
        exit_code: int | None = None,
    ) -> None:
        """An error (escaped as ``message``; ``newlines``: our own multi-line text). With
        ``json``, one ``{"error": {"code", "message", "exit_code"}}`` line (DESIGN's error
        object) when the error's code and exit code are given."""
        if self.json:
            body: dict = {"message": text}
            if exit_code is not None:
                body = {"code": code, "message": text, "exit_code": int(exit_code)}
            self.json_line({"error": body})
        else:
            self._say(f"Error: {for_terminal(text, None, newlines=newlines)}")

    def notice(self, text: str = "") -> None:
        """A line on stderr whatever the mode (server logs, the newline after ^C); with
        ``json``, an empty line is left out. Line breaks are kept, other controls escaped."""
        if text or not self.json:
            self._say(for_terminal(text, None, newlines=True))

    # -- asking ----------------------------------------------------------------------------
    def prompt(
        self,
        text: str,
        *,
        secret: bool = False,
        repeat: str | None = None,
        value_proc: Any = None,
    ) -> str:
        """Ask for a value (hidden when ``secret``; asked twice when ``repeat`` is given).

        ``value_proc(text)`` checks the first answer before the second is asked: it raises
        ``click.BadParameter`` (said, then asked again) or returns the value."""
        return click.prompt(
            escape_controls(text),
            hide_input=secret,
            confirmation_prompt=repeat or False,
            err=True,
            value_proc=value_proc,
        )

    def confirm(self, question: str) -> bool:
        return click.confirm(escape_controls(question), default=False, err=True)

    # -- styled stderr (progress displays) -------------------------------------------------
    @property
    def err_console(self) -> Any:
        """A rich Console on stderr (imported on first use)."""
        if self._err_console is None:
            from rich.console import Console

            self._err_console = Console(
                file=self._stderr,
                stderr=self._stderr is None,
                no_color=self.no_color,
                highlight=False,
                force_terminal=self._stderr_tty,
            )
        return self._err_console
