"""Two `apply` processes started together on one account never create twice: the
per-endpoint+login lock makes the second wait, then plan against what the first made.

3 rounds by default, 20 marked slow (``-m slow``)."""

from __future__ import annotations

import subprocess
import sys

import pytest

from tests.declarative.conftest import PASSWORD

MANIFEST = """
[[vm]]
hostname = "{name}"
os = "Debian 12"
shares = 1
password_env = "GANDI_VM_PASSWORD_C"
"""


def run_rounds(server, path_env, tmp_path, rounds: int) -> list[str]:
    from gandi_hosting_cli.sandbox.seed import SEED_LOGIN, SEED_PASSWORD

    env = {**path_env, "GANDI_VM_PASSWORD_C": PASSWORD}
    base = [sys.executable, "-m", "gandi_hosting_cli", "--url", server.url]
    login = subprocess.run(
        [*base, "login", SEED_LOGIN, "--password-stdin"],
        env=env, input=SEED_PASSWORD.encode(), capture_output=True, timeout=60,
    )  # fmt: skip
    assert login.returncode == 0, login.stderr
    with server.proxy() as proxy:
        proxy.hosting_account_product_add(server.login(), "shares", rounds, "1m")
    waited = []
    for round_ in range(rounds):
        site = tmp_path / f"site{round_}.toml"
        site.write_text(MANIFEST.format(name=f"c{round_}"))
        procs = [
            subprocess.Popen(
                [*base, "apply", str(site), "--yes"],
                env=env,
                stdout=subprocess.PIPE,
                stderr=subprocess.PIPE,
            )  # fmt: skip
            for _ in range(2)
        ]
        outputs = [proc.communicate(timeout=120) for proc in procs]
        for proc, (_, err) in zip(procs, outputs, strict=True):
            assert proc.returncode == 0, err.decode()
            waited += [line for line in err.decode().splitlines() if "waiting for it" in line]
        with server.proxy() as proxy:
            session = server.login()
            names = [proxy.vm_info(session, i)["hostname"] for i in proxy.vm_list(session)]
        assert names.count(f"c{round_}") == 1, f"round {round_}: {names}"
    return waited


def test_two_applies_started_together_never_create_twice(server, path_env, tmp_path):
    run_rounds(server, path_env, tmp_path, 3)


@pytest.mark.slow
def test_two_applies_started_together_20_times_never_create_twice(server, path_env, tmp_path):
    waited = run_rounds(server, path_env, tmp_path, 20)
    assert waited, "the second apply never had to wait: the rounds did not overlap"


def test_an_apply_waits_for_the_lock_another_holds_and_says_so(server, path_env, tmp_path):
    """The lock is held here (as a running apply would): the apply process says it waits,
    sends nothing, and goes on once the lock is released."""
    import threading

    from gandi_hosting_cli.cli.applying import apply_lock_path
    from gandi_hosting_cli.config import files
    from gandi_hosting_cli.config.settings import display_url, normalize_url
    from gandi_hosting_cli.sandbox.seed import SEED_LOGIN
    from tests.declarative.conftest import CallLog
    from tests.served import wait_until

    run_rounds(server, path_env, tmp_path, 1)  # logged in; c0 exists
    site = tmp_path / "one.toml"
    site.write_text(MANIFEST.format(name="waiter"))
    env = {**path_env, "GANDI_VM_PASSWORD_C": PASSWORD}
    calls = CallLog(server.sandbox)
    lock = apply_lock_path(display_url(normalize_url(server.url)), SEED_LOGIN)
    with files.locked(lock):
        proc = subprocess.Popen(
            [sys.executable, "-m", "gandi_hosting_cli", "--url", server.url, "apply",
             str(site), "--yes"],
            env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
        )  # fmt: skip
        lines: list[str] = []
        reader = threading.Thread(
            target=lambda: lines.extend(line.decode() for line in proc.stderr), daemon=True
        )
        reader.start()
        assert wait_until(lambda: any("waiting for it" in line for line in lines), 60), lines
        assert calls.methods == [] and proc.poll() is None
    assert proc.wait(timeout=120) == 0, "".join(lines)
    assert calls.writes == ["vm_create"]
