"""What an endpoint can do, remembered across invocations (``capabilities.json`` in the
user cache dir).

A server without system.multicall answers the first batch with "unknown method"; keeping
that for a day spares every later command the refused probe (N+1 requests, not N+2).
The file never holds a password: endpoints are keyed without ``user:password@``.
"""

from __future__ import annotations

from pathlib import Path

from gandi_hosting_cli.config.settings import display_url, user_dir

CAPABILITY_TTL = 24 * 3600


def capabilities_path() -> Path:
    return user_dir("cache") / "capabilities.json"


def endpoint_lacks_multicall(endpoint: str) -> bool:
    import time

    from gandi_hosting_cli.config import files

    try:
        data = files.read_json(capabilities_path(), {})
        if isinstance(data, dict) and any(display_url(k) != k for k in data):
            _rewrite_capabilities()  # written by an older version, with user:password@
        record = data.get(display_url(endpoint), {})
        return record.get("multicall") is False and time.time() - record["checked"] < CAPABILITY_TTL
    except (OSError, ValueError, KeyError, TypeError, AttributeError):
        return False


def _clean_capabilities(data: object) -> dict:
    data = data if isinstance(data, dict) else {}
    # entries written by older versions may name the endpoint with its userinfo
    return {k: v for k, v in data.items() if display_url(k) == k}


def _rewrite_capabilities() -> None:
    from gandi_hosting_cli.config import files

    try:
        files.update_json(capabilities_path(), _clean_capabilities)
    except OSError:
        pass


def remember_no_multicall(endpoint: str) -> None:
    """Record the refusal (0600 file in the 0700 cache dir, locked read-modify-write)."""
    import time

    from gandi_hosting_cli.config import files

    key = display_url(endpoint)

    def change(data: object) -> dict:
        data = _clean_capabilities(data)
        data[key] = {"multicall": False, "checked": int(time.time())}
        return data

    try:
        files.update_json(capabilities_path(), change)
    except OSError:
        pass  # a cache: losing it costs one request, nothing more
