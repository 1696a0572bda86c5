"""The sdist and the wheel carry the man pages and the completion scripts, and install them.

``python -m build`` builds the sdist, then the wheel from that sdist (so the sdist is
proven complete). Without isolation when hatchling is importable here (a second or two);
otherwise in an isolated environment, which needs the package index: skipped when it
cannot be reached.
"""

from __future__ import annotations

import importlib.util
import os
import subprocess
import sys
import sysconfig
import tarfile
import zipfile
from pathlib import Path

import pytest

from gandi_hosting_cli import __version__

REPO = Path(__file__).resolve().parent.parent
MAN_PAGES = sorted(p.name for p in (REPO / "man").glob("*.1"))
SHARED = {
    "share/bash-completion/completions/gandi-hosting": "completions/gandi-hosting.bash",
    "share/zsh/site-functions/_gandi-hosting": "completions/_gandi-hosting",
    "share/fish/vendor_completions.d/gandi-hosting.fish": "completions/gandi-hosting.fish",
}


@pytest.fixture(scope="module")
def dist(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("dist")
    cmd = [sys.executable, "-m", "build", "--outdir", str(out), str(REPO)]
    if importlib.util.find_spec("hatchling") is not None:
        cmd.insert(3, "--no-isolation")
    run = subprocess.run(cmd, capture_output=True, text=True, timeout=300)
    if run.returncode != 0:
        text = run.stdout + run.stderr
        offline = ("Could not find a version", "No matching distribution", "Network is unreachable")
        if any(s in text for s in offline):
            pytest.skip("hatchling is not installed and the package index is unreachable")
        pytest.fail(f"python -m build failed:\n{text[-3000:]}")
    return out


def _one(dist: Path, pattern: str) -> Path:
    found = list(dist.glob(pattern))
    assert len(found) == 1, found
    return found[0]


def test_the_wheel_installs_man_pages_and_completions_under_share(dist):
    wheel = _one(dist, f"gandi_hosting-{__version__}-py3-none-any.whl")
    data = f"gandi_hosting-{__version__}.data/data/"
    with zipfile.ZipFile(wheel) as zf:
        names = set(zf.namelist())
        man = sorted(n[len(data) + len("share/man/man1/") :] for n in names if "/man1/" in n)
        assert man == MAN_PAGES  # every page, and nothing else (no REFERENCE.md)
        for target, source in SHARED.items():
            assert zf.read(data + target) == (REPO / source).read_bytes()
        assert (
            zf.read(data + "share/man/man1/gandi-hosting.1")
            == (REPO / "man" / "gandi-hosting.1").read_bytes()
        )
        entry_points = zf.read(f"gandi_hosting-{__version__}.dist-info/entry_points.txt")
        assert b"gandi-hosting = gandi_hosting_cli.__main__:main" in entry_points
        assert "gandi_hosting_cli/docgen/reference.py" in names
        assert not any(n.startswith(("tests/", "man/", "completions/")) for n in names)


def test_the_sdist_has_what_it_takes_to_rebuild_and_check_everything(dist):
    sdist = _one(dist, f"gandi_hosting-{__version__}.tar.gz")
    with tarfile.open(sdist) as tf:
        names = {n.split("/", 1)[1] for n in tf.getnames() if "/" in n}
    assert {f"man/{p}" for p in MAN_PAGES} <= names
    assert "man/REFERENCE.md" in names
    assert set(SHARED.values()) <= names
    assert {"pyproject.toml", "README.md", "tests/test_docgen.py"} <= names


def test_pip_install_puts_the_files_where_man_and_shells_look(dist, tmp_path):
    """``pip install`` of the wheel into a prefix: the command runs, man finds its pages."""
    wheel = _one(dist, "*.whl")
    prefix = tmp_path / "prefix"
    run = subprocess.run(
        [sys.executable, "-m", "pip", "install", "--quiet", "--no-deps", "--no-index",
         "--ignore-installed",  # else pip uninstalls the developer's own install of us
         "--no-warn-script-location", "--prefix", str(prefix), str(wheel)],
        capture_output=True, text=True, timeout=120,
    )  # fmt: skip
    assert run.returncode == 0, run.stderr
    assert (prefix / "share" / "man" / "man1" / "gandi-hosting-vm-create.1").is_file()
    for target in SHARED:
        assert (prefix / target).is_file()
    purelib = sysconfig.get_path("purelib", vars={"base": str(prefix), "platbase": str(prefix)})
    env = dict(os.environ, PYTHONPATH=purelib)
    script = prefix / "bin" / "gandi-hosting"
    out = subprocess.run(
        [sys.executable, str(script), "--version"],
        capture_output=True, text=True, env=env, cwd=tmp_path, timeout=60,
    )  # fmt: skip
    assert out.returncode == 0, out.stderr
    assert __version__ in out.stdout
