"""Every relative link of every Markdown file in the repository leads somewhere: the file
or directory exists, and a ``#anchor`` names a heading of the page it points to (GitHub's
heading ids). Links to other sites are not followed (no network in tests)."""

from __future__ import annotations

import re
import subprocess
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parent.parent
SKIPPED_DIRS = {".git", ".venv", "build", "dist", "node_modules", "__pycache__"}


def markdown_files() -> list[Path]:
    """The tracked .md files (every .md file outside build and venv dirs without git)."""
    try:
        listed = subprocess.run(
            ["git", "ls-files", "-z", "--", "*.md"],
            cwd=REPO, capture_output=True, check=True, timeout=30,
        ).stdout.decode()  # fmt: skip
        return sorted(REPO / name for name in listed.split("\0") if name)
    except (OSError, subprocess.SubprocessError):
        return sorted(
            path
            for path in REPO.rglob("*.md")
            if not SKIPPED_DIRS.intersection(path.relative_to(REPO).parts)
            and not any(part.endswith(".egg-info") for part in path.parts)
        )


FENCE = re.compile(r"^(```|~~~).*?^\1", re.MULTILINE | re.DOTALL)
CODE_SPAN = re.compile(r"(`+)(?:(?!\1).)+?\1", re.DOTALL)
INLINE_LINK = re.compile(r"!?\[(?:[^\[\]]|\[[^\]]*\])*\]\(\s*<?([^)\s>]+)>?(?:\s+\"[^\"]*\")?\s*\)")
REFERENCE = re.compile(r"^\s{0,3}\[[^\]]+\]:\s*<?(\S+?)>?(?:\s+.*)?$", re.MULTILINE)
HEADING = re.compile(r"^\s{0,3}(#{1,6})\s+(.*?)\s*#*\s*$", re.MULTILINE)
EXTERNAL = re.compile(r"^[a-zA-Z][a-zA-Z0-9+.-]*:")  # http:, https:, mailto:...


def prose(text: str) -> str:
    """The text without code blocks and code spans (a link shown as code is no link)."""
    return CODE_SPAN.sub("", FENCE.sub("", text))


def links(text: str) -> list[str]:
    body = prose(text)
    return INLINE_LINK.findall(body) + REFERENCE.findall(body)


def slug(heading: str) -> str:
    """GitHub's id of a heading: markup dropped, lower case, punctuation removed, spaces
    to hyphens."""
    text = re.sub(r"!?\[([^\]]*)\]\([^)]*\)", r"\1", heading)  # a link keeps its text
    text = re.sub(r"[`*_~]|<[^>]+>", "", text)
    text = re.sub(r"[^\w\- ]", "", text.lower())
    return text.replace(" ", "-")


def anchors(path: Path) -> set[str]:
    found: set[str] = set()
    seen: dict[str, int] = {}
    for _, title in HEADING.findall(FENCE.sub("", path.read_text(encoding="utf-8"))):
        base = slug(title)
        count = seen.get(base, 0)
        seen[base] = count + 1
        found.add(base if count == 0 else f"{base}-{count}")
    return found


def broken(page: Path) -> list[str]:
    problems = []
    for target in links(page.read_text(encoding="utf-8")):
        if EXTERNAL.match(target) or target.startswith("//"):
            continue
        where, _, anchor = target.partition("#")
        resolved = (page.parent / where).resolve() if where else page
        if not resolved.exists():
            problems.append(f"{target}: no such file")
        elif anchor and resolved.suffix == ".md" and anchor.lower() not in anchors(resolved):
            problems.append(f"{target}: no heading #{anchor} in {resolved.name}")
    return problems


PAGES = markdown_files()


def test_the_markdown_files_are_found():
    names = {page.relative_to(REPO).as_posix() for page in PAGES}
    assert {"README.md", "CHANGELOG.md", "ARCHITECTURE.md", "benchmarks/README.md"} <= names


@pytest.mark.parametrize("page", PAGES, ids=lambda p: p.relative_to(REPO).as_posix())
def test_every_relative_link_resolves(page):
    assert broken(page) == []


def test_a_broken_link_or_anchor_is_caught(tmp_path):
    (tmp_path / "other.md").write_text("# Other page\n\n## Some `code` here, and more!\n")
    page = tmp_path / "page.md"
    page.write_text(
        "# Title\n[ok](other.md) [ok](other.md#some-code-here-and-more) [ok](#title)\n"
        "[gone](missing.md) [bad anchor](other.md#nothing) [site](https://example.com/x)\n"
        "`[not a link](nowhere.md)`\n\n```\n[not a link](nowhere.md)\n```\n"
        "[ref]: missing-too.md\n"
    )
    assert broken(page) == [
        "missing.md: no such file",
        "other.md#nothing: no heading #nothing in other.md",
        "missing-too.md: no such file",
    ]
