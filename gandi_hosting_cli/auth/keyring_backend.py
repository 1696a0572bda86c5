"""Which keyring backend can hold our secrets here, found without keyring's full discovery.

``keyring.get_keyring()`` imports every backend it knows of, whatever the platform (on
Linux its macOS module runs ``ctypes.util.find_library``, external programs): more than a
whole command costs, only to find nothing on a headless machine (figures:
``benchmarks/keyring_startup.py``). This module picks the same backend keyring would, in
keyring's own order:

1. when keyring is already in use in this process (imported by an embedding program, by
   tests that call ``keyring.set_keyring``, or by an earlier call here): its answer,
   asked through its public ``keyring.get_keyring()``;
2. ``PYTHON_KEYRING_BACKEND``, and
3. keyring's config file (``keyringrc.cfg``, ``[backend] default-keyring``): both loaded
   by keyring itself (``keyring.get_keyring()`` reads them first, so ``keyring-path``
   works too); a backend that stores nothing named there costs no keyring import;
4. otherwise only the backends that can apply to this platform: macOS Keychain on macOS,
   Windows Credential Manager on Windows, and elsewhere SecretService, KWallet and
   libsecret, all three reached over a D-Bus session bus (none is tried without one).
   Third-party backends (a ``keyring.backends`` entry point of another distribution) or
   several usable backends (keyring would chain them) hand the choice to keyring itself.

Only keyring's public API is used (``get_keyring``, ``set_keyring``, the backends' class
names and ``priority``); once decided, the choice is handed to ``keyring.set_keyring``
so later calls in the process get it from keyring cheaply.

"None usable" is remembered for a day in ``keyring.json`` in the state dir (0600), keyed
by what the answer depends on (platform, interpreter, bus address, the mtimes of the
site-packages dirs: installing a package asks again), so a headless machine pays the
probe once; later commands read one small file and import no keyring at all. Backends
that store nothing (``fail``, ``null``, an empty chainer) count as none: the caller then
keeps sessions in its 0600 file.
"""

from __future__ import annotations

import os
import sys
import time
from pathlib import Path

# backends that store nothing, as PYTHON_KEYRING_BACKEND or keyringrc.cfg name them
NO_STORE_BACKENDS = frozenset({"keyring.backends.fail.Keyring", "keyring.backends.null.Keyring"})

NO_BACKEND_TTL = 24 * 3600
CACHE_NAME = "keyring.json"

# the backends keyring ships, by the platform they can work on (keyring's own class names)
_DBUS_BACKENDS = (
    "keyring.backends.SecretService.Keyring",
    "keyring.backends.kwallet.DBusKeyring",
    "keyring.backends.kwallet.DBusKeyringKWallet4",
    "keyring.backends.libsecret.Keyring",
)
_MACOS_BACKENDS = ("keyring.backends.macOS.Keyring",)
_WINDOWS_BACKENDS = ("keyring.backends.Windows.WinVaultKeyring",)


class _Defer(Exception):
    """Only keyring's own discovery can answer (third-party or several backends)."""


# -- what keyring would read first ---------------------------------------------------------
def keyring_config_path() -> Path:
    """keyring's ``keyringrc.cfg`` (keyring.util.platform_.config_root(), without keyring)."""
    if sys.platform == "win32":  # keyring asks platform.system(): the same, without its import
        root = Path(os.environ.get("LOCALAPPDATA", os.environ.get("ProgramData", ".")))
        return root / "Python Keyring" / "keyringrc.cfg"
    base = os.environ.get("XDG_CONFIG_HOME") or Path.home() / ".config"
    return Path(base, "python_keyring", "keyringrc.cfg")


def _in_use() -> bool:
    """keyring is already imported in this process: asking it costs no import, and what
    it was told (``keyring.set_keyring``) is the answer."""
    return "keyring" in sys.modules


def _settle(backend) -> None:
    """Hand our choice to keyring (``fail`` for none), so that a later call in this
    process asks keyring (``_in_use``) and gets the same answer without a discovery."""
    try:
        import keyring

        if backend is None:
            from keyring.backends import fail

            backend = fail.Keyring()
        keyring.set_keyring(backend)
    except Exception:
        pass  # keyring cannot even load: the next call decides again, the same way


def _stores_something(backend) -> bool:
    module = type(backend).__module__
    if module.endswith("backends.fail") or module.endswith("backends.null"):
        return False
    if module.endswith("backends.chainer"):
        try:
            return bool(backend.backends)
        except Exception:
            return False
    return True


def _usable(backend):
    return backend if backend is not None and _stores_something(backend) else None


def _keyring_discovery():
    """keyring's own answer (``keyring.get_keyring()``): the backend already set, else the
    one PYTHON_KEYRING_BACKEND or keyringrc.cfg names, else its full discovery."""
    import keyring

    return keyring.get_keyring()


# -- the platform's own candidates -----------------------------------------------------------
def session_bus() -> str | None:
    """The D-Bus session bus address, or the default socket's path, or None (no bus)."""
    address = os.environ.get("DBUS_SESSION_BUS_ADDRESS")
    if address:
        return address
    runtime = os.environ.get("XDG_RUNTIME_DIR") or (
        f"/run/user/{os.getuid()}" if hasattr(os, "getuid") else None
    )
    if runtime and os.path.exists(os.path.join(runtime, "bus")):
        return f"unix:path={runtime}/bus"
    return None


def platform_candidates() -> tuple[str, ...]:
    """The keyring backends that can work on this platform, right now."""
    if sys.platform == "darwin":
        return _MACOS_BACKENDS
    if sys.platform == "win32":
        return _WINDOWS_BACKENDS
    return _DBUS_BACKENDS if session_bus() else ()


def _site_dirs() -> list[str]:
    return [p for p in sys.path if p and os.path.isdir(p)]


def _has_third_party_backends() -> bool:
    """Another distribution registers ``keyring.backends`` (read like importlib.metadata
    does, without its import cost)."""
    for folder in _site_dirs():
        try:
            entries = os.listdir(folder)
        except OSError:
            continue
        for entry in entries:
            if not entry.endswith((".dist-info", ".egg-info")):
                continue
            if entry.lower().startswith("keyring-"):
                continue  # keyring's own backends are the candidates above
            try:
                text = Path(folder, entry, "entry_points.txt").read_text(encoding="utf-8")
            except OSError:
                continue
            if "[keyring.backends]" in text:
                return True
    return False


def _probe(candidates: tuple[str, ...]):
    """keyring's choice among these candidates: the viable one, or None."""
    viable = []
    for name in candidates:
        module_name, _, class_name = name.rpartition(".")
        try:
            __import__(module_name)  # as keyring.core.load_keyring does
            cls = getattr(sys.modules[module_name], class_name)
            # ``priority`` raises when the backend cannot work here (it may ask D-Bus:
            # asked once per backend)
            if cls.priority > 0:
                viable.append(cls())
        except Exception:
            continue
    if len(viable) > 1:
        raise _Defer  # keyring chains them (ChainerBackend, priority 10)
    return viable[0] if viable else None


# -- "none usable", remembered ---------------------------------------------------------------
def cache_path() -> Path:
    from gandi_hosting_cli.config.settings import state_dir

    return state_dir() / CACHE_NAME


def fingerprint() -> str:
    """What the answer depends on: platform, interpreter, bus, installed packages."""
    parts = [sys.platform, sys.prefix, session_bus() or "-"]
    for folder in _site_dirs():
        if os.path.basename(folder) not in ("site-packages", "dist-packages"):
            continue  # where distributions are installed (a new one changes the mtime)
        try:
            parts.append(f"{folder}@{os.stat(folder).st_mtime_ns}")
        except OSError:
            continue
    return "|".join(parts)


def _read_cache() -> dict[str, int]:
    from gandi_hosting_cli.config import files

    try:
        data = files.read_json(cache_path(), {})  # bounded, never through a symlink
    except OSError:
        return {}
    return data if isinstance(data, dict) else {}


def known_unusable(key: str) -> bool:
    checked = _read_cache().get(key)
    return isinstance(checked, int) and 0 <= time.time() - checked < NO_BACKEND_TTL


def remember_unusable(key: str) -> None:
    now = int(time.time())
    data = {
        k: v
        for k, v in _read_cache().items()
        if isinstance(v, int) and 0 <= now - v < NO_BACKEND_TTL
    }
    data[key] = now
    from gandi_hosting_cli.config import files

    try:
        files.write_json(cache_path(), data)  # 0600, atomic, no symlink followed
    except OSError:
        pass  # a cache: losing it costs one more probe, nothing more


# -- the answer ------------------------------------------------------------------------------
def _configured() -> tuple[bool, object]:
    """(decided, backend) from PYTHON_KEYRING_BACKEND or keyringrc.cfg, as keyring reads them."""
    name = os.environ.get("PYTHON_KEYRING_BACKEND")
    if name is not None:
        if name in NO_STORE_BACKENDS:
            return True, None  # without importing keyring
        return True, _keyring_discovery()  # keyring loads PYTHON_KEYRING_BACKEND first
    path = keyring_config_path()
    if not path.exists():
        return False, None
    import configparser

    config = configparser.RawConfigParser()
    try:
        config.read(path, encoding="utf-8")
    except (configparser.Error, OSError, UnicodeDecodeError):
        return True, _keyring_discovery()  # let keyring say what it makes of the file
    if not config.has_section("backend"):
        return False, None  # keyring ignores such a file and discovers
    if not config.has_option("backend", "default-keyring"):
        return True, _keyring_discovery()  # keyring warns, then discovers (with keyring-path)
    if config.get("backend", "default-keyring").strip() in NO_STORE_BACKENDS:
        return True, None
    return True, _keyring_discovery()  # keyring reads keyringrc.cfg before discovering


def find_backend(*, remember: bool = True):
    """The keyring backend that can store secrets here, or None (use the file store)."""
    key = None
    try:
        if _in_use():
            return _usable(_keyring_discovery())
        decided, backend = _configured()
        if decided:
            return _usable(backend)
        key = fingerprint()
        if remember and known_unusable(key):
            return None
        if _has_third_party_backends():
            raise _Defer
        backend = _usable(_probe(platform_candidates()))
        if _in_use():  # the probe imported keyring: tell it what we found
            _settle(backend)
    except _Defer:
        try:
            backend = _usable(_keyring_discovery())
        except Exception:
            backend = None
    except Exception:  # a backend that cannot load or initialise: none usable
        return None
    if backend is None and remember and key is not None:
        remember_unusable(key)
    return backend
