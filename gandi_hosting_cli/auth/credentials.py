"""Where a password for renewing a session comes from, in order of preference.

1. remembered in keyring (`login --remember`; never in the fallback file),
2. ``GANDI_HOSTING_PASSWORD``,
3. ``sandbox_password``: the seeded sandbox account's password, which the CLI passes in
   with ``--sandbox`` (auth knows nothing of the sandbox),
4. ``ask(question)``, a hidden prompt the CLI passes in on a terminal only.
Otherwise: ``AuthError`` (exit 3) with the hint to run ``gandi-hosting login``.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from typing import TYPE_CHECKING

from gandi_hosting_cli.errors import LOGIN_HINT, AuthError

if TYPE_CHECKING:
    from gandi_hosting_cli.auth.sessions import SessionManager

PASSWORD_ENV = "GANDI_HOSTING_PASSWORD"


def find_password(
    login: str,
    manager: SessionManager | None,
    *,
    sandbox_password: str | None = None,
    ask: Callable[[str], str] | None = None,
) -> str:
    remembered = manager.remembered_password() if manager is not None else None
    if remembered:
        return remembered
    env = os.environ.get(PASSWORD_ENV)
    if env:
        return env
    if sandbox_password:
        return sandbox_password
    if ask is not None:
        return ask(f"Password for {login}")
    raise AuthError(
        f"the session of {login} has expired or is missing and no password is available",
        hint=LOGIN_HINT,
    )
