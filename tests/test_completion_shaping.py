"""Completion that knows more: `--profile`, `--columns`, `--sort` (through bash itself,
with the committed script), disk names with an empty cache, and only the operations not
yet in a final state for `op wait|cancel`."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest
from click.testing import CliRunner

from gandi_hosting_cli.cli import cli as root
from gandi_hosting_cli.cli import completers
from gandi_hosting_cli.sandbox.seed import SEED_LOGIN
from tests.test_completion import run_bash
from tests.test_completion_live import complete, login

REPO = Path(__file__).resolve().parent.parent
needs_bash = pytest.mark.skipif(shutil.which("bash") is None, reason="bash is not installed")


def bash_complete(env: dict[str, str], line: str) -> list[str]:
    """What bash puts in COMPREPLY for the last word of ``line`` (the committed script)."""
    words = line.split(" ")
    quoted = " ".join(f"'{w}'" for w in words)
    program = f"""
        COMP_WORDS=({quoted})
        COMP_CWORD={len(words) - 1}
        COMP_LINE='{line}'
        COMP_POINT=${{#COMP_LINE}}
        _gandi_hosting_completion gandi-hosting '{words[-1]}' '{words[-2]}'
        printf 'reply:%s\\n' "${{COMPREPLY[@]}}"
    """
    run = run_bash(program, env)
    assert run.returncode == 0 and run.stderr == "", run.stderr
    return [line[6:] for line in run.stdout.splitlines() if line.startswith("reply:") and line[6:]]


@needs_bash
def test_profile_offers_the_profiles_of_config_toml(path_env):
    config = Path(os.environ["XDG_CONFIG_HOME"]) / "gandi-hosting" / "config.toml"
    config.parent.mkdir(parents=True, exist_ok=True)
    config.write_text('[work]\nurl = "sandbox"\n\n[home]\nwait = true\n')
    assert bash_complete(path_env, "gandi-hosting --profile ") == ["default", "home", "work"]
    assert bash_complete(path_env, "gandi-hosting vm list --profile w") == ["work"]


@needs_bash
def test_columns_offer_the_keys_of_that_list(path_env):
    got = bash_complete(path_env, "gandi-hosting vm list --columns ")
    assert {"id", "hostname", "state", "os", "os_id", "ips"} <= set(got)
    assert bash_complete(path_env, "gandi-hosting vm list --columns id,ho") == ["id,hostname"]
    disk = bash_complete(path_env, "gandi-hosting disk list --columns ")
    assert "vm_id" in disk and "hostname" not in disk
    assert "type" in bash_complete(path_env, "gandi-hosting op list --columns ")


@needs_bash
def test_sort_offers_the_keys_of_that_list(path_env):
    assert bash_complete(path_env, "gandi-hosting os list --sort la") == ["label"]
    assert bash_complete(path_env, "gandi-hosting product list --sort date_e") == ["date_end"]
    assert "shares" in bash_complete(path_env, "gandi-hosting vm list --sort ")
    # (a word starting with - is an option name to click's completion: -KEY is typed)


@pytest.fixture
def server(sandbox_server, monkeypatch):
    """Logged in, with an empty completion cache; the URL from the environment."""
    sandbox_server.sandbox.bulk_create_vms(SEED_LOGIN, 1, "web")
    sandbox_server.sandbox.bulk_create_disks(SEED_LOGIN, 2, "data")
    login(sandbox_server.url)
    monkeypatch.setenv("GANDI_HOSTING_URL", sandbox_server.url)
    completers.cache_path().unlink(missing_ok=True)
    return sandbox_server


@pytest.mark.parametrize("command", ["disk info", "disk attach", "disk delete"])
def test_disk_names_with_an_empty_cache(server, command):
    before = server.request_count
    got, err = complete(f"gandi-hosting {command} d", shell="bash", cmd=root)
    assert list(got) == ["data1", "data2"] and err == ""
    # one batched refresh: the list, then the infos of what it found
    assert server.request_count - before <= 2
    before = server.request_count
    again, _ = complete(f"gandi-hosting {command} ", shell="bash", cmd=root)
    assert {"data1", "data2", "sys_web1"} <= set(again)
    assert server.request_count == before  # from the cache now


def test_op_wait_and_cancel_offer_only_operations_not_final(make_sandbox_server, monkeypatch):
    slow = make_sandbox_server(op_delay=60)
    login(slow.url)
    monkeypatch.setenv("GANDI_HOSTING_URL", slow.url)
    with slow.proxy() as proxy:
        session = slow.login()
        pending = proxy.hosting_account_product_add(session, "disk", 1024, "1m")
    # a finished one, known to the cache from `op list`
    slow.sandbox.op_delay = 0
    with slow.proxy() as proxy:
        done = proxy.hosting_account_product_add(slow.login(), "disk", 1024, "1m")
    run = CliRunner().invoke(root, ["op", "list"], prog_name="gandi-hosting")
    assert run.exit_code == 0
    for command in ("op wait", "op cancel"):
        got, _ = complete(f"gandi-hosting {command} ", shell="bash", cmd=root)
        assert str(pending) in got and str(done) not in got, command
    # op info still offers every known operation
    got, _ = complete("gandi-hosting op info ", shell="bash", cmd=root)
    assert {str(pending), str(done)} <= set(got)


@needs_bash
def test_bash_offers_disk_names_and_open_operations_from_the_cache(path_env):
    url = "http://127.0.0.1:9/hosting/"  # never contacted: the cache is fresh
    account = {"endpoint": url, "login": "AA1-GANDI"}
    completers.remember("disk", [{"id": 31, "name": "data"}, {"id": 32, "name": "logs"}], **account)
    ops = [
        {"id": 7, "type": "vm_start", "state": "PENDING"},
        {"id": 8, "type": "vm_stop", "state": "RUN"},
        {"id": 9, "type": "vm_stop", "state": "DONE"},
        {"id": 10, "type": "disk_create", "state": "ERROR"},
    ]
    completers.remember("op", ops, **account)
    env = path_env | {"GANDI_HOSTING_URL": url, "GANDI_HOSTING_LOGIN": "AA1-GANDI"}
    for command in ("disk info", "disk attach", "disk delete"):
        assert bash_complete(env, f"gandi-hosting {command} ") == ["data", "logs", "31", "32"]
    for command in ("op wait", "op cancel"):
        assert sorted(bash_complete(env, f"gandi-hosting {command} ")) == ["7", "8"]
    assert sorted(bash_complete(env, "gandi-hosting op info ")) == ["10", "7", "8", "9"]
