"""``--help`` from the generated table: click's ``HelpFormatter`` replayed without click.

docgen records, for every command, the calls its ``format_help`` makes on click's
formatter (``table.HELP``); ``render`` replays them here at the terminal's width with
the same algorithms: ``click.formatting`` (``wrap_text``, ``write_dl``, ``write_usage``),
``click._textwrap`` and ``textwrap`` (``_wrap_chunks``, ``shorten``). What needs a regular
expression is done at build time: textwrap's split of a text into chunks (only texts
with a hyphen differ from a split on whitespace; docgen stores those, ``table.CHUNKS``).
The width depends on the terminal, the table does not: tests render every command at
every width click can use (50 to 78 columns) both ways and compare.

No import here beyond ``os`` and ``sys`` (both loaded by the interpreter itself).
"""

from __future__ import annotations

from gandi_hosting_cli.fast import Unanswered, help_width

TYPE_CHECKING = False  # (typing itself is not imported: it costs a few ms)
if TYPE_CHECKING:
    from typing import Any

_WHITESPACE = "\t\n\x0b\x0c\r "  # textwrap's


def help_output(path: list[str], option: str, environ: Any = None) -> str | None:
    """The text ``gandi-hosting PATH... --help`` prints, or None when the table does not
    have it (click answers)."""
    from gandi_hosting_cli.fast import table

    entry = table.COMMANDS[""]
    for word in path:  # each word a subcommand of the one before, as click resolves them
        key = (entry["subcommands"] or {}).get(word)
        if key is None:
            return None
        entry = table.COMMANDS[key]
    if option not in entry["help_options"]:
        return None
    return render(entry["help"], help_width(table.MAX_WIDTH), table.CHUNKS) + "\n"


# -- textwrap, without re -----------------------------------------------------------------
def split_chunks(text: str, known: dict[str, tuple[str, ...] | None] | None) -> list[str]:
    """textwrap's chunks of ``text`` (words and the whitespace between them): a split on
    whitespace, except for texts with a hyphen, which docgen split with textwrap."""
    if "-" in text:
        if known is None:  # shorten(): break_on_hyphens=False, a split on whitespace
            pass
        elif text in known:
            found = known[text]
            if found is not None:
                return list(found)
        else:
            raise Unanswered(f"no chunks for {text!r}")
    chunks: list[str] = []
    start = 0
    space = text[:1] in _WHITESPACE if text else False
    for i, ch in enumerate(text):
        if (ch in _WHITESPACE) != space:
            chunks.append(text[start:i])
            start, space = i, not space
    if start < len(text):
        chunks.append(text[start:])
    return [c for c in chunks if c]


def wrap_chunks(
    chunks: list[str],
    width: int,
    initial_indent: str = "",
    subsequent_indent: str = "",
    max_lines: int | None = None,
    placeholder: str = " [...]",
) -> list[str]:
    """``textwrap.TextWrapper._wrap_chunks`` (with click's ``_handle_long_word``: no ANSI
    here, so its visible truncation is a slice), drop_whitespace and break_long_words on."""
    lines: list[str] = []
    if width <= 0:
        raise ValueError(f"invalid width {width!r} (must be > 0)")
    if max_lines is not None:
        indent = subsequent_indent if max_lines > 1 else initial_indent
        if len(indent) + len(placeholder.lstrip()) > width:
            raise ValueError("placeholder too large for max width")
    chunks.reverse()
    while chunks:
        cur_line: list[str] = []
        cur_len = 0
        indent = subsequent_indent if lines else initial_indent
        line_width = width - len(indent)
        if chunks[-1].strip() == "" and lines:
            del chunks[-1]
        while chunks:
            n = len(chunks[-1])
            if cur_len + n <= line_width:
                cur_line.append(chunks.pop())
                cur_len += n
            else:
                break
        if chunks and len(chunks[-1]) > line_width:
            space_left = max(line_width - cur_len, 1)
            last = chunks[-1]
            cur_line.append(last[:space_left])
            chunks[-1] = last[space_left:]
            cur_len = sum(map(len, cur_line))
        if cur_line and cur_line[-1].strip() == "":
            cur_len -= len(cur_line[-1])
            del cur_line[-1]
        if cur_line:
            if (
                max_lines is None
                or len(lines) + 1 < max_lines
                or (not chunks or len(chunks) == 1 and not chunks[0].strip())
                and cur_len <= line_width
            ):
                lines.append(indent + "".join(cur_line))
            else:
                while cur_line:
                    if cur_line[-1].strip() and cur_len + len(placeholder) <= line_width:
                        cur_line.append(placeholder)
                        lines.append(indent + "".join(cur_line))
                        break
                    cur_len -= len(cur_line[-1])
                    del cur_line[-1]
                else:
                    if lines:
                        prev_line = lines[-1].rstrip()
                        if len(prev_line) + len(placeholder) <= width:
                            lines[-1] = prev_line + placeholder
                            break
                    lines.append(indent + placeholder.lstrip())
                break
    return lines


def default_short_help(help_text: str, max_length: int = 45) -> str:
    """``click.utils._make_default_short_help``: the first sentence, shortened."""
    words = help_text.partition("\n\n")[0].split()
    if words and words[0] == "\b":
        words = words[1:]
    if not words:
        return ""
    last_index = len(words) - 1
    for i, word in enumerate(words):
        if word.endswith(".") and (i == last_index or not words[i + 1][0].islower()):
            words = words[: i + 1]
            break
    text = " ".join(words)
    if len(text) <= max_length:
        return text
    if max_length < len("..."):
        return "..."
    # textwrap.shorten(text, max_length, placeholder="...", break_on_hyphens=False)
    chunks = split_chunks(" ".join(text.strip().split()), None)
    return "\n".join(wrap_chunks(chunks, max_length, max_lines=1, placeholder="..."))


# -- click.formatting ---------------------------------------------------------------------
class Formatter:
    """``click.HelpFormatter``'s writing methods (ANSI-free text: ``term_len`` is ``len``)."""

    def __init__(self, width: int, chunks: dict[str, tuple[str, ...] | None]) -> None:
        self.width = width
        self.current_indent = 0
        self.buffer: list[str] = []
        self.chunks = chunks

    def fill(self, text: str, width: int, initial: str, subsequent: str) -> str:
        return "\n".join(wrap_chunks(split_chunks(text, self.chunks), width, initial, subsequent))

    def wrap_text(
        self,
        text: str,
        width: int,
        initial_indent: str = "",
        subsequent_indent: str = "",
        preserve_paragraphs: bool = False,
    ) -> str:
        text = text.expandtabs()
        if not preserve_paragraphs:
            return self.fill(text, width, initial_indent, subsequent_indent)
        paragraphs: list[tuple[int, bool, str]] = []
        buf: list[str] = []
        indent: int | None = None

        def flush() -> None:
            if not buf:
                return
            if buf[0].strip() == "\b":
                paragraphs.append((indent or 0, True, "\n".join(buf[1:])))
            else:
                paragraphs.append((indent or 0, False, " ".join(buf)))
            del buf[:]

        for line in text.splitlines():
            if not line:
                flush()
                indent = None
            else:
                if indent is None:
                    orig_len = len(line)
                    line = line.lstrip()
                    indent = orig_len - len(line)
                buf.append(line)
        flush()
        out = []
        for extra, raw, par in paragraphs:
            first, rest = initial_indent + " " * extra, subsequent_indent + " " * extra
            if raw:
                lines = par.splitlines()
                out.append(
                    "\n".join((first if i == 0 else rest) + ln for i, ln in enumerate(lines))
                )
            else:
                out.append(self.fill(par, width, first, rest))
        return "\n\n".join(out)

    def write(self, string: str) -> None:
        self.buffer.append(string)

    def indent(self) -> None:
        self.current_indent += 2

    def dedent(self) -> None:
        self.current_indent -= 2

    def write_usage(self, prog: str, args: str = "", prefix: str | None = None) -> None:
        if prefix is None:
            prefix = "Usage: "
        usage_prefix = f"{prefix:>{self.current_indent}}{prog} "
        text_width = self.width - self.current_indent
        if not args:
            self.write(usage_prefix.rstrip(" "))
            self.write("\n")
            return
        if text_width >= len(usage_prefix) + 20:
            indent = " " * len(usage_prefix)
            self.write(self.wrap_text(args, text_width, usage_prefix, indent))
        else:
            self.write(usage_prefix)
            self.write("\n")
            indent = " " * (max(self.current_indent, len(prefix)) + 4)
            self.write(self.wrap_text(args, text_width, indent, indent))
        self.write("\n")

    def write_heading(self, heading: str) -> None:
        self.write(f"{'':>{self.current_indent}}{heading}:\n")

    def write_paragraph(self) -> None:
        if self.buffer:
            self.write("\n")

    def write_text(self, text: str) -> None:
        indent = " " * self.current_indent
        self.write(self.wrap_text(text, self.width, indent, indent, preserve_paragraphs=True))
        self.write("\n")

    def write_dl(
        self, rows: list[tuple[str, str]], col_max: int = 30, col_spacing: int = 2
    ) -> None:
        rows = list(rows)
        if not rows or any(len(row) != 2 for row in rows):
            raise Unanswered("click decides what a definition list like this prints")
        first_width = max(len(first) for first, _ in rows)
        first_col = min(first_width, col_max) + col_spacing
        for first, second in rows:
            self.write(f"{'':>{self.current_indent}}{first}")
            if not second:
                self.write("\n")
                continue
            if len(first) <= first_col - col_spacing:
                self.write(" " * (first_col - len(first)))
            else:
                self.write("\n")
                self.write(" " * (first_col + self.current_indent))
            text_width = max(self.width - first_col - 2, 10)
            lines = self.wrap_text(second, text_width, preserve_paragraphs=True).splitlines()
            if lines:
                self.write(f"{lines[0]}\n")
                for line in lines[1:]:
                    self.write(f"{'':>{first_col + self.current_indent}}{line}\n")
            else:
                self.write("\n")

    def write_commands(self, heading: str, rows: list[tuple[str, str, bool]]) -> None:
        """``click.Group.format_commands``: each command's short help, shortened to what
        the width leaves (``exact``: a ``short_help`` click does not shorten)."""
        if not rows:
            return
        limit = self.width - 6 - max(len(name) for name, _, _ in rows)
        shown = [
            (name, text if exact else default_short_help(text, limit).strip())
            for name, text, exact in rows
        ]
        self.write_paragraph()
        self.write_heading(heading)
        self.indent()
        self.write_dl(shown)
        self.dedent()

    def getvalue(self) -> str:
        return "".join(self.buffer)


def render(ops: tuple, width: int, chunks: dict[str, tuple[str, ...] | None]) -> str:
    """Replay recorded formatter calls at ``width``: ``Command.get_help``'s text."""
    formatter = Formatter(width, chunks)
    for op in ops:
        getattr(formatter, op[0])(*op[1:])
    return formatter.getvalue().rstrip("\n")
