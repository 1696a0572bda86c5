"""Hints as commands: the layers below cli/ say what to do next as a ``Hint`` (data,
errors.py); this is the one place that writes them as ``gandi-hosting ...`` lines."""

from __future__ import annotations

from gandi_hosting_cli.errors import Hint

PROG = "gandi-hosting"


def _cmd(*words: object) -> str:
    return "`" + " ".join([PROG, *(str(w) for w in words)]) + "`"


def render(hint: str | Hint | None) -> str:
    """A hint for people (a plain string passes as it is)."""
    if hint is None or isinstance(hint, str):
        return hint or ""
    text = _RENDER[hint.kind](hint)
    return f"{hint.text}: {text}" if hint.text else text


def with_hint(message: str, hint: str | Hint | None) -> str:
    """``message (hint)``, or the message alone."""
    shown = render(hint)
    return f"{message} ({shown})" if shown else message


def _ops(hint: Hint) -> str:
    return " ".join(str(i) for i in hint.operations)


def _follow(hint: Hint) -> str:
    pronoun = "it" if len(hint.operations) == 1 else "them"
    return f"follow {pronoun} with {_cmd('op wait', _ops(hint))}"


def _release(hint: Hint) -> str:
    cancel = f" or {_cmd('op cancel', _ops(hint))}" if hint.operations else ""
    return (
        f"{_cmd(hint.resource, 'delete', hint.name)}{cancel} cancels the failed create and "
        f"frees them; {_list_failed(hint)}"
    )


def _list_failed(hint: Hint) -> str:
    return f"{_cmd('op list --state ERROR')} lists the operations that failed"


def _buy(hint: Hint) -> str:
    noun = "shares" if hint.resource == "shares" else "MB of disk quota"
    return f"buy {hint.amount} more {noun} first: {_cmd('product add', hint.resource, hint.amount)}"


# the vm update option of each spec an update hint carries (``cpu=2``)
UPDATE_OPTIONS = {"shares": "--shares", "cpu": "--cpu", "vm_max_memory": "--max-memory"}


def _halt_update(hint: Hint) -> str:
    """cpu and max memory change on a halted VM: stop, update, start."""
    import shlex

    words = [w.partition("=") for w in hint.other.split()]
    update = " ".join(f"{UPDATE_OPTIONS.get(key, key)} {value}" for key, _, value in words)
    name = shlex.quote(hint.name)
    return (
        f"cpu and max memory change on a halted VM: {_cmd('vm stop', name, '--wait')}, "
        f"{_cmd('vm update', name, update, '--wait')}, then {_cmd('vm start', name)}"
    )


_RENDER = {
    "halt_update": _halt_update,
    "follow": _follow,
    "busy": lambda h: f"{_follow(h)} and run this again, or add --wait",
    "created_anyway": lambda h: f"{_follow(h)}; do not create it again",
    "check_creates": lambda h: f"check {_cmd('op list --type', h.resource)} before trying again",
    "retry": lambda h: "it is safe to try again",
    "stop_to_delete": lambda h: (
        f"stop it first with {_cmd('vm stop', h.name, '--wait')}, "
        "or add --stop to stop and delete it in one command"
    ),
    "stop_first": lambda h: f"stop it first with {_cmd('vm stop', h.name, '--wait')}",
    "detach_first": lambda h: f"detach it first with {_cmd('disk detach', h.name, h.other)}",
    "release": _release,
    "list_failed": _list_failed,
    "buy": _buy,
    "rename": lambda h: "choose another name, or pass --allow-duplicate",
    "os_list": lambda h: f"see {_cmd('os list')}",
    "login": lambda h: f"run {_cmd('login')} to open a session",
}
