"""Plan files: ``plan FILE --out PLANFILE`` saves the reviewed plan, ``apply PLANFILE``
carries out exactly its actions, or refuses when the account changed since.

A plan file is JSON (``{"format": "gandi-hosting-plan", "version": 1, ...}``) holding the
plan's actions (ids, parameters, dependencies), its problems, the account it was made for
(endpoint and login) and the read state it was computed from: ``state.snapshot`` and its
``fingerprint``. ``apply`` reads the account again and compares fingerprints; a
mismatch names what changed (``state.changes_between``). No secret is in it: a new VM's
root password is named by its ``password_env`` (checked again on load), never written.

The file is written 0600, atomically, never through a symlink (config/files.py).
"""

from __future__ import annotations

import json
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from gandi_hosting_cli.declarative.manifest import VmSpec, is_password_env, password_env_problem
from gandi_hosting_cli.declarative.plan import KINDS, Action, Plan, Problem
from gandi_hosting_cli.errors import Hint, HostingError
from gandi_hosting_cli.exit_codes import ExitCode

FORMAT = "gandi-hosting-plan"
VERSION = 1


class PlanFileError(HostingError):
    """A plan file that cannot be used (not one, another version, another account, a
    changed account): exit 2, nothing sent."""

    exit_code = ExitCode.USAGE


@dataclass
class SavedPlan:
    plan: Plan
    fingerprint: str
    state: dict  # state.snapshot() of the account the plan was computed from
    endpoint: str
    login: str
    manifest: str = ""
    created: str = ""
    options: dict[str, Any] = field(default_factory=dict)  # prune, replace


def is_plan_text(text: str) -> bool:
    """A plan file is a JSON object; a TOML manifest never starts with ``{``."""
    return text.lstrip().startswith("{")


def dump(saved: SavedPlan) -> str:
    plan = saved.plan
    return json.dumps(
        {
            "format": FORMAT,
            "version": VERSION,
            "created": saved.created or time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
            "manifest": saved.manifest,
            "account": {"endpoint": saved.endpoint, "login": saved.login},
            "options": saved.options,
            "fingerprint": saved.fingerprint,
            "state": saved.state,
            "plan": {
                "actions": [_action(a) for a in plan.actions],
                "problems": [_problem_fields(p) for p in plan.problems],
                "vm_ids": plan.vm_ids,
                "disk_ids": plan.disk_ids,
                "os_ids": plan.os_ids,
                "vm_specs": {host: _spec(spec) for host, spec in plan.vm_specs.items()},
                "replaced": plan.replaced,
                "notes": plan.notes,
            },
        },
        indent=1,
        sort_keys=True,
    )


def _action(action: Action) -> dict[str, Any]:
    return {
        "id": action.id,
        "kind": action.kind,
        "target": action.target,
        "vm": action.vm,
        "disk": action.disk,
        "vm_id": action.vm_id,
        "disk_id": action.disk_id,
        "before": action.before,
        "after": action.after,
        "params": action.params,
        "depends": action.depends,
        "reason": action.reason,
    }


def _spec(spec: VmSpec) -> dict[str, Any]:
    data = asdict(spec)
    data["disks"] = list(spec.disks)
    return data


def write(path: str | Path, saved: SavedPlan) -> None:
    """Write ``saved`` to ``path``: 0600, atomic, refusing a symlink (``UnsafePath``)."""
    from gandi_hosting_cli.config import files

    files.write_atomic(path, dump(saved) + "\n", own_dir=False)


def load(text: str, file: str) -> SavedPlan:
    """A plan file's text -> ``SavedPlan``; ``PlanFileError`` when it is not a plan file of
    this version or was edited into something unsafe (an action kind that does not exist,
    a ``password_env`` outside ``GANDI_VM_PASSWORD*``)."""
    try:
        data = json.loads(text)
    except ValueError as error:
        raise PlanFileError(f"{file}: not a plan file (not valid JSON: {error})") from None
    if not isinstance(data, dict) or data.get("format") != FORMAT:
        raise PlanFileError(f'{file}: not a plan file (no "format": "{FORMAT}")')
    if data.get("version") != VERSION:
        raise PlanFileError(
            f"{file}: plan file version {data.get('version')!r} is not supported"
            f" (this version of the tool reads version {VERSION}): make a new plan"
        )
    try:
        return _saved(data, file)
    except (KeyError, TypeError, ValueError, AttributeError) as error:
        raise PlanFileError(
            f"{file}: damaged plan file ({type(error).__name__}: {error})"
        ) from None


def _saved(data: dict, file: str) -> SavedPlan:
    body = data["plan"]
    plan = Plan(
        actions=[_load_action(a) for a in body["actions"]],
        problems=[_problem(p) for p in body["problems"]],
        vm_ids={str(k): int(v) for k, v in body["vm_ids"].items()},
        disk_ids={str(k): int(v) for k, v in body["disk_ids"].items()},
        os_ids={str(k): int(v) for k, v in body["os_ids"].items()},
        vm_specs={str(h): _load_spec(s, file) for h, s in body["vm_specs"].items()},
        replaced=[str(t) for t in body["replaced"]],
        notes=[str(n) for n in body["notes"]],
    )
    known = {a.id for a in plan.actions}
    for action in plan.actions:
        if any(d not in known or d >= action.id for d in action.depends):
            raise ValueError(f"action {action.id} depends on an action that is not before it")
    account = data["account"]
    if not isinstance(data["state"], dict):
        raise TypeError("state is not an object")
    return SavedPlan(
        plan=plan,
        fingerprint=str(data["fingerprint"]),
        state=data["state"],
        endpoint=str(account["endpoint"]),
        login=str(account["login"]),
        manifest=str(data.get("manifest", "")),
        created=str(data.get("created", "")),
        options=dict(data.get("options") or {}),
    )


def _load_action(raw: dict) -> Action:
    if raw["kind"] not in KINDS:
        raise ValueError(f"unknown action {raw['kind']!r}")

    def opt_int(value: Any) -> int | None:
        return None if value is None else int(value)

    def opt_str(value: Any) -> str | None:
        return None if value is None else str(value)

    return Action(
        id=int(raw["id"]),
        kind=raw["kind"],
        target=str(raw["target"]),
        vm=opt_str(raw["vm"]),
        disk=opt_str(raw["disk"]),
        vm_id=opt_int(raw["vm_id"]),
        disk_id=opt_int(raw["disk_id"]),
        before=dict(raw["before"]),
        after=dict(raw["after"]),
        params=dict(raw["params"]),
        depends=[int(d) for d in raw["depends"]],
        reason=str(raw["reason"]),
    )


def _load_spec(raw: dict, file: str) -> VmSpec:
    env = raw.get("password_env")
    if env is not None and not is_password_env(env):
        raise PlanFileError(f"{file}: vm {raw.get('hostname')}: password_env {env!r}: "
                            + password_env_problem(str(env)))  # fmt: skip
    return VmSpec(**{**raw, "disks": tuple(raw.get("disks") or ())})


def _problem_fields(problem: Problem) -> dict:
    """A problem as the file holds it: its fields, its hint (a record) as a dict."""
    fields = asdict(problem)
    fields["hint"] = problem.hint.as_dict() if problem.hint is not None else None
    return fields


def _problem(fields: dict) -> Problem:
    """A problem read back (its hint, a dict in the file, made a ``Hint`` again)."""
    hint = fields.get("hint")
    if isinstance(hint, dict):
        hint = Hint(**{**hint, "operations": tuple(hint.get("operations", ()))})
    return Problem(**{**fields, "hint": hint})
