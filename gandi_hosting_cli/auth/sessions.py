"""Cached sessions keyed by (profile, endpoint, login), and their renewal.

A record holds the session id with its expiry (login time + 12 h minus a safety margin),
so an expired session is renewed before use instead of costing a refused request. The
keyring is opened only when a command first needs a session.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable
from datetime import datetime, timedelta, timezone
from typing import Any, Protocol

from gandi_hosting_cli.auth.secret_store import (
    FileStore,
    KeyringStore,
    StoreUnavailable,
    open_store,
)
from gandi_hosting_cli.config.settings import display_url  # noqa: F401 (re-exported)
from gandi_hosting_cli.errors import LOGIN_HINT, AuthError, LocalError
from gandi_hosting_cli.records import Record


class LoginClient(Protocol):
    """What a renewal needs of a client (``api.client.HostingClient`` has it): auth
    depends on no API class."""

    def login(self, login: str, password: str, safe: bool = True) -> str: ...

    def raw_call(self, method: str, *params: Any) -> Any: ...


SESSION_TTL = timedelta(hours=12)
SAFETY_MARGIN = timedelta(minutes=5)  # clocks drift; renew a little early


def utcnow() -> datetime:
    return datetime.now(timezone.utc)


class SessionRecord(Record):
    _fields = (
        "session_id",
        "login",
        "endpoint",
        "profile",
        "safe",
        "created",
        "expires",
        "acting_as",
    )

    def __init__(
        self,
        session_id: str,
        login: str,
        endpoint: str,
        profile: str,
        safe: bool = True,
        created: str = "",  # ISO 8601
        expires: str = "",  # ISO 8601
        acting_as: str | None = None,  # set by `su HANDLE`
    ) -> None:
        self.session_id = session_id
        self.login = login
        self.endpoint = endpoint
        self.profile = profile
        self.safe = safe
        self.created = created
        self.expires = expires
        self.acting_as = acting_as

    def as_dict(self) -> dict[str, Any]:
        """Every field, in order (what ``dataclasses.asdict`` gave)."""
        return {name: getattr(self, name) for name in self._fields}

    @property
    def expires_at(self) -> datetime | None:
        return _aware_date(self.expires)

    def expired_at(self, now: datetime) -> bool:
        """Expired (or of no known expiry) at ``now`` (an aware datetime)."""
        when = self.expires_at
        return when is None or when <= now

    def to_json(self) -> str:
        return json.dumps(self.as_dict())

    @classmethod
    def from_json(cls, text: str) -> SessionRecord | None:
        record, _why = cls.parse(text)
        return record

    @classmethod
    def parse(cls, text: str) -> tuple[SessionRecord | None, str]:
        """The record, or ``None`` and why it is unusable (never raises)."""
        try:
            data = json.loads(text)
        except (ValueError, TypeError):
            return None, "not JSON"
        if not isinstance(data, dict):
            return None, "not a JSON object"
        for name, expected in RECORD_FIELDS.items():
            if name not in data:
                if name in REQUIRED_FIELDS:
                    return None, f"no {name!r}"
                continue
            value = data[name]
            is_bool = isinstance(value, bool)
            if not isinstance(value, expected) or (expected is not bool and is_bool):
                return None, f"{name!r} is not {TYPE_NAMES[expected]}"
        if not data["session_id"]:
            return None, "an empty 'session_id'"
        if _aware_date(data["expires"]) is None:
            return None, "'expires' is not a date with a time zone"
        known = {k: v for k, v in data.items() if k in RECORD_FIELDS}
        return cls(**known), ""

    def public(self) -> dict[str, object]:
        """Everything but the id, for `session` and `login` output."""
        data = self.as_dict()
        del data["session_id"]
        return data


def _aware_date(value: object) -> datetime | None:
    """An ISO 8601 date with a time zone, else ``None`` (a naive date cannot be compared)."""
    if not isinstance(value, str):
        return None
    try:
        when = datetime.fromisoformat(value)
    except ValueError:
        return None
    return when if when.tzinfo is not None and when.utcoffset() is not None else None


# what a stored record must hold (the session file is local, but may be damaged or old)
RECORD_FIELDS: dict[str, type | tuple[type, ...]] = {
    "session_id": str,
    "login": str,
    "endpoint": str,
    "profile": str,
    "safe": bool,
    "created": str,
    "expires": str,
    "acting_as": (str, type(None)),
}
REQUIRED_FIELDS = frozenset({"session_id", "login", "endpoint", "profile", "expires"})
TYPE_NAMES = {str: "a string", bool: "true or false", (str, type(None)): "a string or null"}


def new_record(
    session_id: str, login: str, endpoint: str, profile: str, safe: bool, *, now: datetime
) -> SessionRecord:
    """A session opened at ``now`` (an aware datetime), with its expiry estimated."""
    now = now.replace(microsecond=0)
    return SessionRecord(
        session_id=session_id,
        login=login,
        endpoint=display_url(endpoint),
        profile=profile,
        safe=safe,
        created=now.isoformat(),
        expires=(now + SESSION_TTL - SAFETY_MARGIN).isoformat(),
    )


class SessionManager:
    """Loads, saves and renews the session of one (profile, endpoint, login).

    ``clock`` (aware UTC datetimes) says when a session expires and when a new one opens.
    """

    def __init__(
        self,
        profile: str,
        endpoint: str,
        login: str | None,
        *,
        password_source: Callable[[str, SessionManager], str] | None = None,
        warn: Callable[[str], None] | None = None,
        clock: Callable[[], datetime] = utcnow,
    ):
        self.profile = profile
        self.endpoint = endpoint
        self.login = login
        self.password_source = password_source
        self._warn = warn or (lambda text: None)
        self.clock = clock
        self._store: KeyringStore | FileStore | None = None
        self._write_failed = False
        self._damaged_said = False

    def _cannot_write(self, text: str) -> None:
        """The state dir cannot be written: say so once, and go on without caching."""
        if not self._write_failed:
            self._write_failed = True
            self._warn(f"warning: {text}")

    # -- the store -------------------------------------------------------------------------
    @property
    def store(self) -> KeyringStore | FileStore:
        if self._store is None:
            self._store = open_store(self._warn, self._cannot_write, endpoint=self.endpoint)
        return self._store

    def _fall_back(self, why: str) -> FileStore:
        from gandi_hosting_cli.auth.secret_store import fallback_path

        self._warn(f"keyring failed ({why}); using the session file instead")
        self._store = FileStore(fallback_path(), self._warn, self._cannot_write)
        return self._store

    def _get(self, key: str) -> str | None:
        try:
            return self.store.get(key)
        except StoreUnavailable as exc:
            return self._fall_back(str(exc)).get(key)

    def _set(self, key: str, value: str) -> None:
        try:
            self.store.set(key, value)
        except StoreUnavailable as exc:
            self._fall_back(str(exc)).set(key, value)

    # keys name the endpoint without any user:password@ (keyring keys are not secret)
    def key(self, login: str | None = None) -> str:
        return f"{self.profile}|{display_url(self.endpoint)}|{login or self.login}"

    def password_key(self, login: str | None = None) -> str:
        return f"password|{display_url(self.endpoint)}|{login or self.login}"

    # -- sessions --------------------------------------------------------------------------
    def load(self, *, include_expired: bool = False) -> SessionRecord | None:
        if not self.login:
            return None
        text = self._get(self.key())
        if not text:
            return None
        record, why = SessionRecord.parse(text)
        if record is None:
            # a damaged record costs a new login, never a traceback (said once)
            if self._damaged_said:
                return None
            self._damaged_said = True
            self._warn(
                f"warning: discarding the stored session of {self.login} "
                f"at {display_url(self.endpoint)}: {why}"
            )
            return None
        if record.expired_at(self.clock()) and not include_expired:
            return None
        return record

    def save(self, record: SessionRecord) -> None:
        self.login = record.login
        self._set(self.key(record.login), record.to_json())
        remember_login(self.profile, self.endpoint, record.login, on_error=self._cannot_write)

    def forget(self) -> bool:
        if not self.login:
            return False
        return self.store.delete(self.key())

    # -- remembered passwords (keyring only) -----------------------------------------------
    def remember_password(self, password: str) -> None:
        store = self.store
        if not store.can_hold_passwords:
            raise AuthError(
                "cannot remember the password: no usable keyring backend "
                "(the fallback file never holds passwords); use GANDI_HOSTING_PASSWORD"
            )
        try:
            store.set(self.password_key(), password)
        except StoreUnavailable as exc:
            raise LocalError(f"cannot remember the password: keyring failed ({exc})") from None

    def remembered_password(self) -> str | None:
        store = self.store
        if not store.can_hold_passwords or not self.login:
            return None
        try:
            return store.get(self.password_key())
        except StoreUnavailable:
            return None

    def forget_password(self) -> bool:
        if not self.store.can_hold_passwords or not self.login:
            return False
        return self.store.delete(self.password_key())

    # -- renewal (HostingClient's ``renew`` callback) --------------------------------------
    def renew(self, client: LoginClient) -> str:
        """Log in again (and `su` again if the old session acted as another handle)."""
        if not self.login:
            raise AuthError("not logged in", hint=LOGIN_HINT)
        old = self.load(include_expired=True)
        if self.password_source is None:
            raise AuthError("session expired and no password is available", hint=LOGIN_HINT)
        password = self.password_source(self.login, self)
        safe = old.safe if old else True
        session_id = client.login(self.login, password, safe)
        record = new_record(
            session_id, self.login, self.endpoint, self.profile, safe, now=self.clock()
        )
        if old and old.acting_as:
            session_id = client.raw_call("su", session_id, old.acting_as)
            record.session_id = session_id
            record.acting_as = old.acting_as
        self.save(record)
        return session_id


# -- which login a profile+endpoint last logged in with (not secret) ---------------------
def _logins_path():
    from gandi_hosting_cli.config.settings import state_dir

    return state_dir() / "logins.json"


def _login_key(profile: str, endpoint: str) -> str:
    return f"{profile}|{display_url(endpoint)}"


def _read_logins() -> dict:
    from gandi_hosting_cli.config import files

    try:
        data = files.read_json(_logins_path(), {})
    except OSError:  # absent dir, a symlink in its place (refused, never followed)
        return {}
    return data if isinstance(data, dict) else {}


def last_login(profile: str, endpoint: str) -> str | None:
    value = _read_logins().get(_login_key(profile, endpoint))
    return value if isinstance(value, str) else None


def remember_login(
    profile: str, endpoint: str, login: str, *, on_error: Callable[[str], None] | None = None
) -> None:
    """Note the login (not secret); an unwritable state dir is reported to ``on_error``.

    A read-modify-write under the file's lock: parallel logins all keep their entry."""
    from gandi_hosting_cli.config import files

    key = _login_key(profile, endpoint)
    if _read_logins().get(key) == login:
        return

    def change(data: object) -> dict | None:
        data = data if isinstance(data, dict) else {}
        if data.get(key) == login:
            return None
        data[key] = login
        return data

    path = _logins_path()
    try:
        files.update_json(path, change)
    except OSError as exc:
        if on_error is not None:
            on_error(f"cannot write {path} ({exc.strerror or exc}); going on without it")


def forget_login(profile: str, endpoint: str) -> None:
    from gandi_hosting_cli.config import files

    key = _login_key(profile, endpoint)

    def change(data: object) -> dict | None:
        if isinstance(data, dict) and data.pop(key, None) is not None:
            return data
        return None

    try:
        files.update_json(_logins_path(), change)
    except OSError:
        pass  # read-only: the next login there just uses the remembered name


# -- a profile deleted or renamed (`config profiles delete|rename`) -----------------------
def _profile_accounts(profile: str, known: Iterable[tuple[str, str]]) -> set[tuple[str, str]]:
    """(endpoint, login) pairs ``profile`` has sessions for, as far as can be known: its
    logins in logins.json, the ``known`` ones (its url and login in config.toml)."""
    prefix = f"{profile}|"
    found = {
        (key[len(prefix) :], login)
        for key, login in _read_logins().items()
        if key.startswith(prefix) and isinstance(login, str)
    }
    return found | {(display_url(e), login) for e, login in known if e and login}


def _file_store_keys(profile: str) -> tuple[FileStore | None, list[str]]:
    """The session file's keys of ``profile`` (the file can be listed; keyring cannot)."""
    from gandi_hosting_cli.auth.secret_store import fallback_path

    path = fallback_path()
    if not path.exists():
        return None, []
    store = FileStore(path, None, None)
    return store, [k for k in store._read() if k.startswith(f"{profile}|")]


def drop_profile_sessions(profile: str, known: Iterable[tuple[str, str]] = ()) -> int:
    """Forget every cached session of ``profile`` (keyring and the session file) and its
    logins in logins.json; returns how many sessions were forgotten. Remembered passwords
    are kept: they belong to an endpoint and login, which other profiles may share."""
    dropped = 0
    for endpoint, login in _profile_accounts(profile, known):
        dropped += SessionManager(profile, endpoint, login).forget()
        forget_login(profile, endpoint)
    store, keys = _file_store_keys(profile)
    for key in keys:
        dropped += store.delete(key) if store is not None else 0
    return dropped


def move_profile_sessions(old: str, new: str, known: Iterable[tuple[str, str]] = ()) -> int:
    """Carry ``old``'s cached sessions and logins over to ``new`` (a renamed profile keeps
    its sessions); returns how many sessions moved."""
    moved = 0
    for endpoint, login in _profile_accounts(old, known):
        source = SessionManager(old, endpoint, login)
        record = source.load(include_expired=True)
        if record is not None:
            record.profile = new
            SessionManager(new, endpoint, login).save(record)
            moved += 1
        source.forget()
        forget_login(old, endpoint)
    store, keys = _file_store_keys(old)
    for key in keys:  # file records of logins.json forgot (damaged or older ones): dropped
        if store is not None:
            store.delete(key)
    return moved
