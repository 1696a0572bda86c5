"""The roff man pages: one per command (``man_page``), the main page's EXIT STATUS,
ENVIRONMENT and FILES sections, and ``roff_escape``. Written by docgen.py."""

from __future__ import annotations

from gandi_hosting_cli import __version__
from gandi_hosting_cli.docgen.helptext import (
    GENERATED,
    PROG,
    Entry,
    entry_options,
    help_paragraphs,
    short_help,
)

# DESIGN.md section 2; every ExitCode member must have a line (tests check it)
EXIT_STATUS = {
    "OK": "Success.",
    "API_FAULT": "An API fault not covered below.",
    "USAGE": "Usage error: bad arguments, or a destructive command off a terminal "
    "without --yes (nothing was sent).",
    "AUTH": "Authentication: bad credentials, an expired session that cannot be renewed, "
    "or no rights on the object.",
    "NOT_FOUND": "The VM, disk, OS image, product or operation does not exist.",
    "OPERATION_FAILED": "An awaited operation ended in ERROR or CANCEL.",
    "NETWORK": "Network or protocol failure: unreachable endpoint, timeout, TLS, "
    "an answer that is not XML-RPC.",
    "WAIT_TIMEOUT": "Waiting for an operation timed out (--wait-timeout).",
    "PLAN_CHANGES": "plan: apply would make changes (or a problem would stop it).",
    "PLAN_REPLACE": "plan: drift that only a replacement would converge "
    "(apply --replace NAME; its data is lost).",
    "INTERRUPTED": "Interrupted (Ctrl-C).",
}

# every variable the tool reads (tests/test_docs_examples.py checks this list against the
# code: a new os.environ lookup needs a line here)
ENVIRONMENT = (
    (
        "GANDI_HOSTING_PROFILE",
        "Profile of config.toml to use (like --profile); wins over the profile chosen with "
        "'config use'.",
    ),
    ("GANDI_HOSTING_URL", "API endpoint, or 'sandbox' (like --url)."),
    ("GANDI_HOSTING_LOGIN", "Login to use instead of the profile's or the last one."),
    (
        "GANDI_HOSTING_PASSWORD",
        "Password used to log in or to renew an expired session without a prompt.",
    ),
    (
        "GANDI_HOSTING_SANDBOX_STATE",
        "State file of the sandbox (--sandbox, sandbox serve, sandbox reset).",
    ),
    (
        "GANDI_HOSTING_SANDBOX_OP_DELAY",
        "Seconds an operation of the sandbox takes to finish (default 2).",
    ),
    (
        "GANDI_HOSTING_SANDBOX_ACCOUNTS",
        "Extra accounts of sandbox serve, space-separated LOGIN:PASSWORD (like --account, "
        "without showing the passwords in ps).",
    ),
    (
        "GANDI_HOSTING_SANDBOX_SELECTOR",
        "The way sandbox serve waits on its sockets: select, poll, epoll, kqueue or devpoll "
        "(default: the platform's best), as on a platform that lacks the others.",
    ),
    (
        "GANDI_HOSTING_MAX_RESPONSE_MB",
        "Largest answer accepted from the server, in MB, as received and after gzip "
        "decompression (default 64); a larger one is a protocol error (exit 6).",
    ),
    (
        "GANDI_HOSTING_RETRIES",
        "Retries of a read after a connection error (like --retries; default 2, at most "
        "10): 0.3 s, then twice as long each time; writes are never retried.",
    ),
    (
        "GANDI_HOSTING_TZ",
        "local: dates in tables and info views in local time, with its zone (default: "
        "UTC, shown as such); JSON and TSV always give ISO 8601 dates with their offset.",
    ),
    (
        "HTTPS_PROXY, HTTP_PROXY, ALL_PROXY, NO_PROXY",
        "Proxies for https and http endpoints (http:// proxies, Basic credentials), as "
        "other tools read them; NO_PROXY lists hosts reached directly; loopback endpoints "
        "never go through a proxy.",
    ),
    ("NO_COLOR", "When set, nothing is coloured."),
    ("FORCE_COLOR", "When set (and NO_COLOR is not), tables are drawn and coloured in a pipe too."),
    (
        "PYTHON_KEYRING_BACKEND",
        "The keyring backend (read by keyring); keyring.backends.fail.Keyring or null "
        "means the 0600 session file in the state directory is used instead.",
    ),
    (
        "XDG_CONFIG_HOME, XDG_STATE_HOME, XDG_CACHE_HOME, XDG_DATA_HOME",
        "Where config.toml, the session state, the caches and the sandbox state live (see FILES).",
    ),
    ("_GANDI_HOSTING_COMPLETE", "Used by the shell completion scripts; do not set it."),
)

FILES = (
    (
        "$XDG_CONFIG_HOME/gandi-hosting/config.toml",
        "Profiles: one table per profile with url, login, wait and allow_insecure_http "
        "(edited by the config commands and login, comments kept); a top-level "
        "current = NAME, written by config use, names the profile used by default. "
        "Read up to 1 MB (beyond: exit 2).",
    ),
    (
        "$XDG_STATE_HOME/gandi-hosting/",
        "The last login per profile and endpoint, and the session file (mode 0600) "
        "used when no keyring backend exists. State and cache files are read up to "
        "16 MB (beyond: exit 2, remove the file).",
    ),
    (
        "$XDG_CACHE_HOME/gandi-hosting/completion.json",
        "Ids and names for shell completion (never a session id or password).",
    ),
    (
        "$XDG_DATA_HOME/gandi-hosting/sandbox.sqlite3",
        "State of the embedded sandbox.",
    ),
)


# -- roff ---------------------------------------------------------------------------------
def roff_escape(text: str) -> str:
    """Text for a roff line: backslashes, hyphens (as minus signs) and non-ASCII escaped."""
    out = []
    for ch in text:
        if ch == "\\":
            out.append("\\e")
        elif ch == "-":
            out.append("\\-")
        elif ch == "|":
            out.append("|\\:")  # a break point: choice lists are one long word otherwise
        elif ord(ch) > 126:
            out.append(f"\\[u{ord(ch):04X}]")
        else:
            out.append(ch)
    line = "".join(out)
    # a line starting with . or ' would be a request
    return "\\&" + line if line.startswith((".", "'")) else line


def _roff_text(lines: list[str]) -> list[str]:
    return [roff_escape(line) for line in lines]


def _quote(text: str) -> str:
    return '"' + roff_escape(text).replace('"', "\\(dq") + '"'


def _tagged(tag: str, body: str) -> list[str]:
    return [".TP", f"\\fB{roff_escape(tag)}\\fR", roff_escape(body)]


def _paragraphs(paragraphs: list[tuple[bool, list[str]]]) -> list[str]:
    out: list[str] = []
    for verbatim, lines in paragraphs:
        if verbatim:
            out += [".PP", ".RS 2", ".nf", *_roff_text(lines), ".fi", ".RE"]
        else:
            out += [".PP", *_roff_text(lines)]
    return out


def man_page(entry: Entry, global_names: set[str], children: list[Entry]) -> str:
    ctx, command = entry.ctx, entry.command
    lines = [
        f'.\\" {GENERATED}',
        f'.TH {_quote(entry.page.upper())} 1 "" {_quote(f"{PROG} {__version__}")} "User Commands"',
        # ragged right, no hyphenation: long option tags and page names stay readable
        # (and groff -ww has no "cannot adjust line" to warn about)
        ".ad l",
        ".nh",
        ".SH NAME",
        f"{roff_escape(entry.page)} \\- {roff_escape(short_help(command))}",
        ".SH SYNOPSIS",
        f"\\fB{roff_escape(entry.words)}\\fR "
        + roff_escape(" ".join(command.collect_usage_pieces(ctx))),
        ".SH DESCRIPTION",
        *_paragraphs(help_paragraphs(command)),
    ]
    own, shared, arguments = entry_options(entry, global_names)
    if arguments:
        lines.append(".SH ARGUMENTS")
        for tag, body in arguments:
            lines += _tagged(tag, body)
    if own:
        lines.append(".SH OPTIONS")
        for tag, body in own:
            lines += _tagged(tag, body)
    if shared:
        names = ", ".join(tag for tag, _ in shared)
        lines += [
            ".SH GLOBAL OPTIONS",
            roff_escape(f"Also accepted here: {names}."),
            roff_escape(f"See {PROG}(1)."),
        ]
    if children:
        lines.append(".SH COMMANDS")
        for child in children:
            lines += _tagged(child.words, f"{short_help(child.command)}. See {child.page}(1).")
    if not entry.path:
        lines += _main_page_sections()
    see_also = [PROG] if entry.path else []
    if len(entry.path) > 1:
        see_also.append("-".join((PROG, *entry.path[:-1])))
    see_also += [c.page for c in children if len(c.path) == len(entry.path) + 1]
    if see_also:
        lines.append(".SH SEE ALSO")
        refs = [f".BR {roff_escape(name)} (1)" for name in see_also]
        lines += [ref + ("," if i < len(refs) - 1 else "") for i, ref in enumerate(refs)]
    return "\n".join(lines) + "\n"


def _main_page_sections() -> list[str]:
    from gandi_hosting_cli.exit_codes import ExitCode

    lines = [".SH EXIT STATUS"]
    for code in ExitCode:
        lines += _tagged(str(int(code)), EXIT_STATUS[code.name])
    lines.append(".SH ENVIRONMENT")
    for name, text in ENVIRONMENT:
        lines += _tagged(name, text)
    lines.append(".SH FILES")
    lines.append(roff_escape("Directories follow the XDG base directory rules (platformdirs)."))
    for name, text in FILES:
        lines += _tagged(name, text)
    return lines


def man_pages(entries: list[Entry]) -> dict[str, str]:
    """``{file name: roff}`` for every command; a group page lists its subcommands."""
    global_names = {p.name for p in entries[0].command.params if p.name}
    pages = {}
    for entry in entries:
        children = [
            e
            for e in entries
            if len(e.path) == len(entry.path) + 1 and e.path[: len(entry.path)] == entry.path
        ]
        if not entry.path:
            children = [e for e in entries if e.path]  # the main page lists every command
        pages[f"{entry.page}.1"] = man_page(entry, global_names, children)
    return pages
