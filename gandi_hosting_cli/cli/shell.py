"""``shell``: an admin session in one process: the tool's commands, typed one after the
other, without a start-up each.

On a terminal it is a prompt (prompt_toolkit, imported here only) with the tool's own
completion (click's ``ShellComplete`` over the root group: commands, options, names and
ids from the name cache), a history in the state dir (0600), ``use PROFILE``, ``exit``.
Off a terminal it runs the lines of stdin as a script and exits with the last non-zero
code.

Each line runs through the root group's ``main`` with a fresh ``AppContext``: options,
output mode and prompts of one command never reach the next. What is kept is the
logged-in client (``ClientPool``), so the session id and the HTTP connection are reused
and a session renewed once serves the following commands.
"""

from __future__ import annotations

import os
import shlex
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Any

import click

from gandi_hosting_cli.cli.context import AppContext, ClientPool
from gandi_hosting_cli.cli.options import global_options
from gandi_hosting_cli.exit_codes import ExitCode

if TYPE_CHECKING:
    from collections.abc import Iterable, Iterator

HISTORY_FILE = "shell_history"
BUILTINS = {
    "use": "Switch to PROFILE (its URL and login)",
    "exit": "Leave the shell (Ctrl-D too)",
    "quit": "Leave the shell",
    "help": "Help of the tool, or of a command (help vm create)",
}
# commands after which the kept clients may be wrong: sessions, logins, settings changed
RESETS = {"login", "logout", "su", "config", "sandbox"}


class Leave(Exception):
    """``exit [CODE]``: the end of the session."""

    def __init__(self, code: int):
        super().__init__(code)
        self.code = code


class Session:
    """What the commands of one shell share: the profile (``use``), the endpoint and
    timeout the shell was started with, and the logged-in clients."""

    def __init__(self, app: AppContext):
        self.profile: str | None = app.profile
        self.url = app.url
        self.timeout = app.timeout
        self.debug = app.debug
        self.terminal = app.terminal
        self.pool = ClientPool()

    def new_app(self) -> AppContext:
        """A command's own context: only the shell's endpoint settings carry over."""
        return AppContext(
            profile=self.profile,
            url=self.url,
            timeout=self.timeout,
            debug=self.debug,
            clients=self.pool,
        )

    def profile_label(self) -> str:
        try:
            app = self.new_app()
            return "sandbox" if app.is_sandbox and self.url else app.profile_name
        except Exception:  # noqa: BLE001 - an unreadable config.toml: the commands say why
            return self.profile or "default"

    # -- one line ----------------------------------------------------------------------------
    def run_line(self, line: str) -> int | None:
        """Run one line; its exit code, or None for a line with nothing to run."""
        try:
            words = shlex.split(line, comments=True)
        except ValueError as exc:  # an unclosed quote
            self.terminal.error(f"cannot read the line: {exc}")
            return int(ExitCode.USAGE)
        if not words:
            return None
        if words[0] == "gandi-hosting":  # a command pasted whole
            words = words[1:] or ["--help"]
        name = words[0]
        if name in ("exit", "quit"):
            raise Leave(_exit_code(words[1:]))
        if name == "use":
            return self.use(words[1:])
        if name == "help":
            words = [*words[1:], "--help"]
        elif name == "shell":
            self.terminal.error("already in a shell")
            return int(ExitCode.USAGE)
        return self.run(words)

    def run(self, words: list[str]) -> int:
        from gandi_hosting_cli.cli import cli

        try:
            code = cli.main(
                words, prog_name="gandi-hosting", standalone_mode=False, obj=self.new_app()
            )
        except KeyboardInterrupt:  # Ctrl-C before or after the command's own handling
            self.terminal.notice("\nInterrupted.")
            code = int(ExitCode.INTERRUPTED)
        if RESETS.intersection(words):
            self.pool.clear()
        return int(code or 0)

    def use(self, args: list[str]) -> int:
        """``use PROFILE``: the next commands run on PROFILE (with its own URL)."""
        from gandi_hosting_cli.config.settings import ConfigError, load_profile

        if len(args) != 1:
            self.terminal.error("usage: use PROFILE")
            return int(ExitCode.USAGE)
        try:
            profile = load_profile(args[0])
        except ConfigError as exc:
            self.terminal.error(str(exc))
            return int(ExitCode.USAGE)
        self.profile, self.url = profile.name, None
        app = self.new_app()
        try:
            where = f"{app.request_url}, login {app.login or 'not set'}"
        except Exception as exc:  # noqa: BLE001 - the profile's URL is bad: say it now
            self.terminal.error(str(exc))
            return int(ExitCode.USAGE)
        self.terminal.message(f"Using profile {profile.name} ({where}).")
        return 0

    # -- the two ways in -----------------------------------------------------------------------
    def script(self, lines: Iterable[str | None]) -> int:
        """Run each line (None: a line that is not text, a usage error); the exit code is
        the last non-zero one (0 when all succeeded)."""
        worst = 0
        for number, line in enumerate(lines, 1):
            if line is None:
                self.terminal.error(f"cannot read line {number} of the script: it is not text")
                worst = int(ExitCode.USAGE)
                continue
            try:
                with _no_stdin():  # stdin is the script: a command must not read it
                    code = self.run_line(line)
            except Leave as leave:
                return leave.code or worst
            if code:
                worst = code
        return worst

    def interactive(self) -> int:
        from prompt_toolkit import PromptSession
        from prompt_toolkit.history import History, InMemoryHistory

        history: History
        try:
            history = PrivateHistory(history_path())
        except OSError as exc:  # a state dir that is not ours (a symlink elsewhere...)
            self.terminal.warn(f"the history is not kept: {exc}")
            history = InMemoryHistory()
        prompt = PromptSession(
            history=history,
            completer=ShellCompleter(self),
            complete_while_typing=False,
        )
        self.terminal.message("gandi-hosting shell: TAB completes, `exit` or Ctrl-D leaves.")
        while True:
            try:
                line = prompt.prompt(f"gandi-hosting [{self.profile_label()}]> ")
            except KeyboardInterrupt:  # Ctrl-C at the prompt: a new line, not the end
                continue
            except EOFError:
                return 0
            try:
                code = self.run_line(line)
            except Leave as leave:
                return leave.code
            if code:
                self.terminal.notice(f"[exit {code}]")


def _exit_code(args: list[str]) -> int:
    try:
        return int(args[0]) if args else 0
    except ValueError:
        return int(ExitCode.USAGE)


def _script_lines(stream: Any) -> Iterator[str | None]:
    """The lines of a script on ``stream``, decoded one by one in its encoding: None for
    a line that is not text in it (the others still run)."""
    raw = getattr(stream, "buffer", None)
    if raw is None:
        yield from stream
        return
    encoding = getattr(stream, "encoding", None) or "utf-8"
    for data in raw:
        try:
            yield data.decode(encoding)
        except UnicodeDecodeError:
            yield None


class _no_stdin:
    """Give a command of a script an empty stdin for its time (``-`` finds nothing)."""

    def __enter__(self) -> None:
        import io

        self.saved = sys.stdin
        sys.stdin = io.TextIOWrapper(io.BytesIO(b""))

    def __exit__(self, *exc: object) -> None:
        sys.stdin = self.saved


# -- history ---------------------------------------------------------------------------------
def history_path() -> Path:
    """``shell_history`` in the state dir (0700), the file 0600 from its creation."""
    from gandi_hosting_cli.config import files
    from gandi_hosting_cli.config.settings import state_dir

    path = files.private_dir(state_dir()) / HISTORY_FILE
    fd = files.open_nofollow(path, os.O_WRONLY | os.O_CREAT | os.O_APPEND)
    try:
        if hasattr(os, "fchmod"):
            os.fchmod(fd, files.FILE_MODE)
    finally:
        os.close(fd)
    return path


def _history_class() -> type:
    from prompt_toolkit.history import FileHistory

    class _PrivateHistory(FileHistory):
        """prompt_toolkit's FileHistory, appending through a no-symlink 0600 open."""

        def store_string(self, string: str) -> None:
            import datetime as dt

            from gandi_hosting_cli.config import files

            string = without_credentials(string)
            lines = [f"\n# {dt.datetime.now()}\n", *(f"+{line}\n" for line in string.split("\n"))]
            flags = os.O_WRONLY | os.O_CREAT | os.O_APPEND
            with os.fdopen(files.open_nofollow(self.filename, flags), "ab") as f:
                f.write("".join(lines).encode("utf-8"))

    return _PrivateHistory


def without_credentials(line: str) -> str:
    """``line`` with the ``user:password@`` of any URL left out: no file may hold a
    password, the history neither (the command itself refuses or strips them)."""
    import re

    return re.sub(r"(\b[A-Za-z][A-Za-z0-9+.-]*://)[^/\s@]*@", r"\1", line)


def PrivateHistory(path: Path) -> Any:  # noqa: N802 - a class made on first use
    return _history_class()(str(path))


# -- completion ------------------------------------------------------------------------------
def split_for_completion(text: str) -> tuple[list[str], str, int]:
    """The words before the cursor, the word being typed (unquoted) and its length as
    typed (quotes and backslashes included), for a line that may end in an open quote."""
    start, quote, escaped = 0, "", False
    for i, char in enumerate(text):
        if escaped:
            escaped = False
        elif char == "\\" and quote != "'":
            escaped = True
        elif quote:
            quote = "" if char == quote else quote
        elif char in "'\"":
            quote = char
        elif char.isspace():
            start = i + 1
    raw = text[start:]
    try:
        before = shlex.split(text[:start])
    except ValueError:
        before = text[:start].split()
    try:
        current = shlex.split(raw + quote)[0] if raw else ""
    except (ValueError, IndexError):
        current = raw
    return before, current, len(raw)


def _quoted(value: str) -> str:
    return value if not value or shlex.quote(value) == value else shlex.quote(value)


def complete(session: Session, text: str) -> Iterator[tuple[str, int, str]]:
    """(text to insert, start position, help) for the line ``text`` before the cursor:
    click's own completion of the root group, plus the shell's words first."""
    from click.shell_completion import ShellComplete

    from gandi_hosting_cli.cli import cli

    words, current, typed = split_for_completion(text)
    if words and words[0] == "gandi-hosting":
        words = words[1:]
    if not words:
        for name, help_ in BUILTINS.items():
            if name.startswith(current):
                yield name, -typed, help_
    if words[:1] == ["use"]:
        from gandi_hosting_cli.cli.completers import complete_profile

        items = complete_profile(None, None, current)  # type: ignore[arg-type]
    elif words[:1] in (["exit"], ["quit"]):
        return
    else:
        words = words[1:] if words[:1] == ["help"] else words
        completer = ShellComplete(cli, {"obj": session.new_app()}, "gandi-hosting", "")
        items = completer.get_completions(words, current)
    for item in items:
        if item.type == "plain":
            yield _quoted(str(item.value)), -typed, item.help or ""


def _completer_class() -> type:
    from prompt_toolkit.completion import Completer, Completion, PathCompleter
    from prompt_toolkit.document import Document

    class _ShellCompleter(Completer):
        def __init__(self, session: Session):
            self.session = session
            self.paths = PathCompleter(expanduser=True)

        def get_completions(self, document: Document, complete_event: Any) -> Iterator:
            text = document.text_before_cursor
            try:
                found = list(complete(self.session, text))
            except Exception:  # noqa: BLE001 - a completion never breaks the line
                return
            for value, start, help_ in found:
                yield Completion(value, start_position=start, display_meta=help_)
            if not found and _wants_path(text):
                _, current, _ = split_for_completion(text)
                yield from self.paths.get_completions(Document(current), complete_event)

    return _ShellCompleter


def _wants_path(text: str) -> bool:
    """The word being typed looks like a file (manifests, plan files)."""
    _, current, _ = split_for_completion(text)
    return "/" in current or current.startswith(".") or current.endswith((".toml", ".json"))


def ShellCompleter(session: Session) -> Any:  # noqa: N802 - a class made on first use
    return _completer_class()(session)


@click.command("shell")
@global_options
@click.pass_obj
def shell(app: AppContext) -> None:
    """An admin session: commands typed one after the other in one process.

    On a terminal: a prompt with completion (commands, options, VM and disk names and
    ids from the name cache), a history kept in the state dir, `use PROFILE` to switch
    profiles, `exit` or Ctrl-D to leave. Each command runs as it would on its own, with
    its own options; the session and the connection are kept from one to the next (and
    the session renewed when it expires). Ctrl-C ends the running command, not the
    shell; a non-zero exit code is shown after the command. Off a terminal the lines of
    stdin are run one by one (a script: `#` starts a comment) and the exit code is the
    last non-zero one.

    \b
    Examples:
      gandi-hosting shell
      gandi-hosting --profile prod shell
      printf 'vm list\\nop list --state open\\n' | gandi-hosting shell
    """
    from gandi_hosting_cli.output.terminal import isatty

    app.profile_config  # noqa: B018 - an unknown profile or a bad config.toml: exit 2 now
    session = Session(app)
    if isatty(sys.stdin) and isatty(sys.stdout):
        code = session.interactive()
    else:
        code = session.script(_script_lines(sys.stdin))
    if code:
        raise click.exceptions.Exit(code)
