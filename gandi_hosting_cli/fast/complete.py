"""Shell completion from the generated table: click's protocol without click.

The shell scripts (click's own, ``completions/``) call ``gandi-hosting`` with
``_GANDI_HOSTING_COMPLETE=bash_complete`` (``zsh_complete``, ``fish_complete``),
``COMP_WORDS`` and ``COMP_CWORD``. This module follows what
``click.shell_completion`` does with them (``_resolve_context``, ``_resolve_incomplete``,
the commands' and parameters' ``shell_complete``) over the table docgen wrote
(``table.COMMANDS``: every command's parameters, subcommands and completion sources):
commands, subcommands, option names, fixed choices, the keys of a list (--columns,
--sort), the profile ``default``, and live names (VMs, disks, OS images, operations)
from the name cache when it is fresh.

It raises ``Unanswered`` (click answers instead) on anything it is not sure to answer as
click would: words with quotes or escapes, ``--``, options glued to their values,
unknown words, a config.toml to read (profiles change which account is completed), a
stale or unreadable name cache (click refreshes it with one bounded request), a platform
where the cache directory is not the XDG one.
"""

from __future__ import annotations

import os
import sys

from gandi_hosting_cli.config import candidates
from gandi_hosting_cli.config.simple_toml import NotSimple, read_simple_toml
from gandi_hosting_cli.fast import Unanswered

TYPE_CHECKING = False  # (typing itself is not imported: it costs a few ms)
if TYPE_CHECKING:
    from typing import Any

Item = tuple[str, str, "str | None"]  # value, type (plain, file, dir), help
SHELLS = ("bash", "zsh", "fish")


def completion_output(environ: Any) -> bytes | None:
    """What click prints for this completion request (``None``: not a request we answer)."""
    shell, _, instruction = environ.get("_GANDI_HOSTING_COMPLETE", "").partition("_")
    if shell not in SHELLS or instruction != "complete":
        return None  # the *_source instructions, other shells: click
    words = _split(environ.get("COMP_WORDS"))
    cword = environ.get("COMP_CWORD")
    if words is None or cword is None:
        return None
    if shell == "fish":
        incomplete = cword
        if incomplete:
            parts = _split(incomplete)
            if not parts:
                return None
            incomplete = parts[0]
        args = words[1:]
        if incomplete and args and args[-1] == incomplete:
            args.pop()
    else:
        try:
            index = int(cword)
        except ValueError:
            return None
        args = words[1:index]
        try:
            incomplete = words[index]
        except IndexError:
            incomplete = ""
    items = Completion(args, incomplete, shell, environ).items()
    return ("\n".join(_format(shell, item) for item in items) + "\n").encode("utf-8")


def _split(text: str | None) -> list[str] | None:
    """``click.shell_completion.split_arg_string`` (shlex) for words shlex leaves alone:
    printable ASCII without quotes or backslashes; None for anything else."""
    if text is None or not text.isascii() or not text.isprintable():
        return None
    if "'" in text or '"' in text or "\\" in text:
        return None
    return text.split()


def _format(shell: str, item: Item) -> str:
    value, kind, help_ = item
    if shell == "bash":
        return f"{kind},{value}"
    if shell == "zsh":
        shown = help_ or "_"
        return f"{kind}\n{value.replace(':', chr(92) + ':') if shown != '_' else value}\n{shown}"
    if help_:
        return f"{kind},{value}\t{help_.replace(chr(10), chr(92) + 'n').replace(chr(9), ' ')}"
    return f"{kind},{value}"


# the fields of a parameter in table.COMMANDS[...]["params"]
KIND, NAME, OPTS, SECONDARY, TAKES_VALUE, NARGS, HIDDEN, MULTIPLE, HELP, SPEC = range(10)


class Completion:
    """One request: the words before the cursor, resolved as click's parser would."""

    def __init__(self, args: list[str], incomplete: str, shell: str, environ: Any) -> None:
        from gandi_hosting_cli.fast import table

        self.table = table
        self.args = list(args)
        self.incomplete = incomplete
        self.shell = shell
        self.environ = environ
        self.profile: str | None = None  # --profile, --url, --sandbox as typed (callbacks)
        self.url: str | None = None
        self.entry = table.COMMANDS[""]
        self.given: set[int] = set()  # parameters given on the command line, in this context
        self.positional = 0

    # -- click's _resolve_context -------------------------------------------------------
    def walk(self) -> None:
        args = self.args
        i = 0
        while i < len(args):
            word = args[i]
            if not self.entry["complete"] or word == "--":
                raise Unanswered(word)
            if word.startswith("-") and word != "-":
                name, eq, value = word.partition("=")
                index = self._option(name if eq and word.startswith("--") else word)
                param = self.entry["params"][index]
                if param[TAKES_VALUE] == "optional":
                    raise Unanswered(word)  # an optional value: click decides what it takes
                if eq and word.startswith("--"):
                    if not param[TAKES_VALUE]:
                        raise Unanswered(word)
                elif param[TAKES_VALUE]:
                    if i + 1 >= len(args):
                        break  # the value is what is being completed (click: not given)
                    i += 1
                    value = args[i]
                    if value.startswith("-") and value != "-":
                        raise Unanswered(value)
                self.given.add(index)
                self._account_option(param, value if param[TAKES_VALUE] else None)
            elif self.entry["subcommands"] is not None:
                key = self.entry["subcommands"].get(word)
                if key is None:
                    raise Unanswered(word)  # not a command we know: click decides
                self.entry = self.table.COMMANDS[key]
                self.given, self.positional = set(), 0
            else:
                self.positional += 1
            i += 1

    def _option(self, word: str) -> int:
        for index, param in enumerate(self.entry["params"]):
            if param[KIND] == "option" and (word in param[OPTS] or word in param[SECONDARY]):
                return index
        raise Unanswered(word)  # unknown, or short options run together (-qo json)

    def _account_option(self, param: tuple, value: str | None) -> None:
        """The global options that change which account is completed (their callbacks
        write into the AppContext as click parses: the last one given wins)."""
        if param[NAME] == "profile":
            self.profile = value
        elif param[NAME] == "url":
            self.url = value
        elif param[NAME] == "sandbox":
            self.url = "sandbox"

    # -- click's _resolve_incomplete ----------------------------------------------------
    def items(self) -> list[Item]:
        self.walk()
        if not self.entry["complete"]:
            raise Unanswered("parameters only click parses")
        args, incomplete = self.args, self.incomplete
        if incomplete == "=":
            incomplete = ""
        elif "=" in incomplete and incomplete.startswith("-"):
            name, _, incomplete = incomplete.partition("=")
            args.append(name)
        if "--" not in args and incomplete.startswith("-"):
            return self.command_items(incomplete)
        params = self.entry["params"]
        for param in params:  # the last word is an option that takes a value
            if param[KIND] == "option" and param[TAKES_VALUE] and args and args[-1] in param[OPTS]:
                return self.value_items(param[SPEC], incomplete)
        left = self.positional
        for param in params:  # the first argument still open
            if param[KIND] != "argument":
                continue
            if param[NARGS] == -1 or left < 1:
                return self.value_items(param[SPEC], incomplete)
            left -= 1
        return self.command_items(incomplete)

    def command_items(self, incomplete: str) -> list[Item]:
        """``Group.shell_complete`` / ``Command.shell_complete``: subcommands, then the
        option names not given yet when the word does not start with a letter or digit."""
        out: list[Item] = []
        if self.entry["subcommands"] is not None:
            listed = self.entry["bash" if self.shell == "bash" else "shells"]
            out += [(name, "plain", help_) for name, help_ in listed if name.startswith(incomplete)]
        if incomplete and not incomplete[0].isalnum():
            for index, param in enumerate(self.entry["params"]):
                if param[KIND] != "option" or param[HIDDEN]:
                    continue
                if not param[MULTIPLE] and index in self.given:
                    continue
                names = (*param[OPTS], *param[SECONDARY])
                out += [(n, "plain", param[HELP]) for n in names if n.startswith(incomplete)]
        return out

    def value_items(self, spec: tuple, incomplete: str) -> list[Item]:
        kind = spec[0]
        if kind == "static":  # choices, examples
            _, values, case_sensitive = spec
            if case_sensitive:
                return [v for v in values if v[0].startswith(incomplete)]
            low = incomplete.lower()
            return [v for v in values if v[0].lower().startswith(low)]
        if kind == "path":
            return [(incomplete, spec[1], None)]
        if kind == "none":
            return []
        if kind == "columns":
            pairs = candidates.columns(self.entry["catalog"], incomplete)
        elif kind == "sort":
            pairs = candidates.sort_keys(self.entry["catalog"], incomplete)
        elif kind == "profile":
            profiles, _ = self._config()
            names = sorted({self.table.DEFAULT_PROFILE, *profiles})
            return [(name, "plain", None) for name in names if name.startswith(incomplete)]
        elif kind == "live":
            pairs = self.live(spec[1], incomplete)
        else:
            raise Unanswered(kind)  # a callback of its own: click runs it
        return [(value, "plain", help_) for value, help_ in pairs]

    # -- live names: the name cache, when fresh ------------------------------------------
    def live(self, completer: str, incomplete: str) -> list[tuple[str, str]]:
        import time

        resource = "op" if completer == "open_op" else completer
        key, login = self._account()
        account = self._accounts().get(key)
        account = account if isinstance(account, dict) else {}
        entry = account.get(resource)
        entry = entry if isinstance(entry, dict) else {}
        now = time.time()
        try:
            stale = now - float(entry.get("updated", 0.0)) > candidates.STALE_AFTER
            failed_recently = now - float(account.get("failed", 0.0)) < candidates.RETRY_AFTER
        except (TypeError, ValueError):
            raise Unanswered("an odd cache entry") from None
        if stale and not failed_recently and login:  # (without a login, click cannot either)
            raise Unanswered("stale: click refreshes it")
        items = entry.get("items", [])
        if not isinstance(items, list):
            raise Unanswered("an odd cache entry")
        items = [e for e in items if isinstance(e, dict) and "id" in e]
        if completer == "open_op":
            items = candidates.open_operations(items)
        return candidates.names(resource, items, incomplete, self.shell == "bash")

    def _user_dir(self, kind: str) -> str:
        """``config.settings.user_dir`` where it answers without platformdirs (Linux, an
        absolute XDG variable or $HOME); anything else goes to click."""
        if not sys.platform.startswith("linux"):
            raise Unanswered("platformdirs decides")
        var, default = {
            "config": ("XDG_CONFIG_HOME", ".config"),
            "state": ("XDG_STATE_HOME", ".local/state"),
            "cache": ("XDG_CACHE_HOME", ".cache"),
        }[kind]
        base = self.environ.get(var, "")
        home = self.environ.get("HOME", "")
        if os.path.isabs(base):
            return os.path.join(base, self.table.APP_NAME)
        if not base and os.path.isabs(home):
            return os.path.join(os.path.expanduser("~/" + default), self.table.APP_NAME)
        raise Unanswered("platformdirs decides")

    def _config(self) -> tuple[dict[str, dict], str | None]:
        """(profiles, current) of config.toml (``config.settings``), for the files the
        CLI writes; anything else (or an odd value) goes to click."""
        path = os.path.join(self._user_dir("config"), "config.toml")
        text = _read_text(path, MAX_CONFIG_BYTES)
        try:
            data = read_simple_toml(text) if text is not None else {}
        except NotSimple:
            raise Unanswered("tomllib reads it") from None
        profiles = {name: t for name, t in data.items() if isinstance(t, dict)}
        for table in profiles.values():
            for key, kind in (("url", str), ("login", str)):
                if key in table and not isinstance(table[key], kind):
                    raise Unanswered("click says what is wrong with it")
            for key in ("wait", "allow_insecure_http"):
                if key in table and not isinstance(table[key], bool):
                    raise Unanswered("click says what is wrong with it")
        current = data.get("current")
        return profiles, current if isinstance(current, str) and current else None

    def _account(self) -> tuple[str, str | None]:
        """``name_cache.account_key(app.endpoint, app.login)`` and the login, as the
        AppContext resolves them: option > environment > profile of config.toml > default."""
        table = self.table
        profiles, current = self._config()
        env_profile = self.environ.get("GANDI_HOSTING_PROFILE")
        profile = self.profile or env_profile or current or table.DEFAULT_PROFILE
        if profile != table.DEFAULT_PROFILE and profile not in profiles:
            raise Unanswered("an unknown profile: click says so")
        settings = profiles.get(profile, {})
        url = (
            self.url
            or self.environ.get("GANDI_HOSTING_URL")
            or settings.get("url")
            or table.DEFAULT_URL
        )
        endpoint = normalize_url(url, table.SANDBOX_URL, table.SANDBOX_ENDPOINT)
        login = (
            self.environ.get("GANDI_HOSTING_LOGIN")
            or settings.get("login")
            or self._last_login(profile, endpoint)
        )
        if not login and endpoint == table.SANDBOX_ENDPOINT:
            login = table.SEED_LOGIN
        return f"{endpoint}|{login or ''}", login or None

    def _last_login(self, profile: str, endpoint: str) -> str | None:
        logins = _read_json(os.path.join(self._user_dir("state"), "logins.json"))
        value = logins.get(f"{profile}|{endpoint}") if isinstance(logins, dict) else None
        return value if isinstance(value, str) else None

    def _accounts(self) -> dict:
        data = _read_json(os.path.join(self._user_dir("cache"), "completion.json"))
        if not isinstance(data, dict) or data.get("version") != self.table.CACHE_VERSION:
            return {}
        accounts = data.get("accounts")
        return accounts if isinstance(accounts, dict) else {}


def _read_json(path: str) -> Any:
    """``config.files.read_json``: None when absent; a symlink or an unreadable file goes
    to click (which reads it as empty, or says why)."""
    text = _read_text(path)
    return None if text is None else _loads(text)


MAX_FILE_BYTES = 16 << 20  # config.files.MAX_FILE_BYTES
MAX_CONFIG_BYTES = 1 << 20  # config.settings.MAX_CONFIG_BYTES


def _is_regular(mode: int) -> bool:
    return mode & 0o170000 == 0o100000  # stat.S_ISREG without importing stat


def _read_text(path: str, limit: int = MAX_FILE_BYTES) -> str | None:
    """A file's text (UTF-8); None when absent. Symlinks, unreadable or not UTF-8 files go
    to click (which reads them as empty, or says why)."""
    flags = os.O_RDONLY | getattr(os, "O_NOFOLLOW", 0) | getattr(os, "O_CLOEXEC", 0)
    try:
        fd = os.open(path, flags)
    except FileNotFoundError:
        return None
    except OSError:
        raise Unanswered(path) from None
    try:
        if not _is_regular(os.fstat(fd).st_mode):
            raise Unanswered(path)
        chunks, size = [], 0
        while True:
            block = os.read(fd, 1 << 20)
            if not block:
                break
            size += len(block)
            if size > limit:  # beyond the bound: click says so (exit 2)
                raise Unanswered(path)
            chunks.append(block)
    finally:
        os.close(fd)
    try:
        return b"".join(chunks).decode("utf-8")
    except ValueError:
        raise Unanswered(path) from None


def _loads(text: str) -> Any:
    """``json.loads`` for the files the CLI writes, with json's own C scanner: the
    ``json`` package imports ``re`` (several ms, more than the rest of a TAB press).
    What the scanner does not take whole goes to click (json.loads there)."""
    try:
        from _json import make_scanner
    except ImportError:  # an interpreter without json's C half
        import json

        try:
            return json.loads(text)
        except ValueError:
            return None
    constants = {"NaN": float("nan"), "Infinity": float("inf"), "-Infinity": float("-inf")}

    class Context:  # what json.decoder.JSONDecoder gives its scanner
        strict = True
        object_hook = object_pairs_hook = None
        parse_float, parse_int = float, int
        parse_constant = staticmethod(constants.__getitem__)

    body = text.strip(" \t\n\r")
    try:
        value, end = make_scanner(Context())(body, 0)
    except (StopIteration, ValueError, KeyError):
        raise Unanswered("not JSON as the CLI writes it") from None
    if end != len(body):
        raise Unanswered("not JSON as the CLI writes it")
    return value


_DEFAULT_PORTS = {"http": 80, "https": 443}
_HOST = frozenset("abcdefghijklmnopqrstuvwxyz0123456789.-")
_PATH_UNSAFE = frozenset("?#@[]%\\ ")


def normalize_url(url: str, sandbox_url: str, sandbox_endpoint: str) -> str:
    """``config.settings.normalize_url`` (and the AppContext's sandbox endpoint) for plain
    URLs: scheme://host[:port][/path], no user, query, fragment, IPv6 or escapes. Other
    URLs go to click (urllib.parse)."""
    text = url.strip()
    if text.lower() == sandbox_url:
        return sandbox_endpoint
    scheme, sep, rest = text.partition("://")
    scheme = scheme.lower()
    if not sep or scheme not in _DEFAULT_PORTS or not rest.isascii() or not rest.isprintable():
        raise Unanswered("urllib.parse decides")
    netloc, slash, path = rest.partition("/")
    host, colon, port_text = netloc.partition(":")
    host = host.lower()
    if not host or not set(host) <= _HOST or set(path) & _PATH_UNSAFE:
        raise Unanswered("urllib.parse decides")
    if colon:
        if not port_text.isdigit() or not 0 <= int(port_text) <= 65535:
            raise Unanswered("urllib.parse decides")
        port = int(port_text)
        if port != _DEFAULT_PORTS[scheme]:
            host = f"{host}:{port}"
    path = slash + path
    if not path.endswith("/"):
        path += "/"
    return f"{scheme}://{host}{path}"
