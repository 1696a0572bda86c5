"""``Poller``: one-shot readiness of many sockets for a pool of threads, on any platform.

The server's workers share one ``selectors`` selector (``DefaultSelector``: epoll on
Linux, kqueue on macOS and the BSDs, select on Windows), used as a one-shot set: a
socket reported ready is taken out of the set before any other thread can select again,
so that exactly one worker handles it, and ``arm`` puts it back once that worker is done
with it. One thread selects at a time (the others wait for their turn, or time out);
sockets are armed and disarmed from any thread meanwhile. ``select``- and ``poll``-based
selectors see a change only at their next call, so a change wakes the selecting thread
through a socket pair; epoll, kqueue and /dev/poll see it at once.

``GANDI_HOSTING_SANDBOX_SELECTOR`` (``select``, ``poll``, ``epoll``, ``kqueue``,
``devpoll``) forces a selector, as on a platform that lacks the better ones (the CI runs
the server's tests with ``select``).
"""

from __future__ import annotations

import os
import selectors
import socket
import sys
import threading

SELECTOR_ENV = "GANDI_HOSTING_SANDBOX_SELECTOR"
_SELECTORS = {
    "select": "SelectSelector",
    "poll": "PollSelector",
    "epoll": "EpollSelector",
    "kqueue": "KqueueSelector",
    "devpoll": "DevpollSelector",
}
_SEES_CHANGES_AT_ONCE = ("EpollSelector", "KqueueSelector", "DevpollSelector")
# select() takes file descriptors below FD_SETSIZE only: 1024 on most Unixes, and CPython
# builds it for 512 sockets on Windows
SELECT_LIMIT = 512 if sys.platform == "win32" else 1024
READ, WRITE = selectors.EVENT_READ, selectors.EVENT_WRITE


def make_selector(name: str | None = None) -> selectors.BaseSelector:
    """The selector ``name`` (or ``$GANDI_HOSTING_SANDBOX_SELECTOR``), else the default.

    Raises ``ValueError`` for a name this platform does not have."""
    name = name or os.environ.get(SELECTOR_ENV) or ""
    if not name:
        return selectors.DefaultSelector()
    cls = getattr(selectors, _SELECTORS.get(name.lower(), ""), None)
    if cls is None:
        known = ", ".join(n for n, c in _SELECTORS.items() if hasattr(selectors, c))
        raise ValueError(f"{SELECTOR_ENV}={name!r} is not a selector here (one of {known})")
    return cls()


class Poller:
    """A one-shot readiness set shared by threads (see the module's docstring)."""

    def __init__(self, selector: str | None = None):
        self._selector = make_selector(selector)
        self.kind = type(self._selector).__name__
        self._wake_needed = self.kind not in _SEES_CHANGES_AT_ONCE
        self._turn = threading.Lock()  # held by the thread in select()
        self._changes = threading.Lock()
        self._stopping = False
        self._wake_r, self._wake_w = socket.socketpair()
        self._wake_r.setblocking(False)
        self._wake_w.setblocking(False)
        self._selector.register(self._wake_r, READ)

    def arm(self, fd: int, events: int = READ) -> None:
        """Report ``fd`` once, when it is ready for ``events``."""
        with self._changes:
            try:
                self._selector.register(fd, events)
            except KeyError:  # armed already: for these events now
                self._selector.modify(fd, events)
        if self._wake_needed:
            self.wake()

    def disarm(self, fd: int) -> None:
        """Forget ``fd`` (before it is closed)."""
        with self._changes:
            try:
                self._selector.unregister(fd)
            except (KeyError, ValueError, OSError):
                pass

    def poll(self, timeout: float | None) -> list[tuple[int, int]]:
        """The ready sockets, each taken out of the set; ``[]`` after ``timeout`` seconds
        (``None``: no limit) or when another thread kept its turn that long."""
        if not self._turn.acquire(timeout=-1 if timeout is None else timeout):
            return []
        try:
            try:
                events = self._selector.select(timeout)
            except (OSError, ValueError):
                if self._stopping:
                    raise
                return []  # a socket closed while select() watched it: select again
            ready = []
            with self._changes:
                for key, mask in events:
                    if key.fileobj is self._wake_r:
                        self._drain()
                        continue
                    self._selector.unregister(key.fd)
                    ready.append((key.fd, mask))
            return ready
        finally:
            self._turn.release()

    def _drain(self) -> None:
        if self._stopping:
            return  # stays readable: every thread's next select() returns at once
        try:
            while self._wake_r.recv(4096):
                pass
        except OSError:
            pass

    def wake(self) -> None:
        try:
            self._wake_w.send(b"x")
        except OSError:  # full: a wake-up is pending already; or closed at shutdown
            pass

    def stop(self) -> None:
        """Make every ``poll`` return at once from now on."""
        self._stopping = True
        self.wake()

    @property
    def stopping(self) -> bool:
        return self._stopping

    def close(self) -> None:
        self._stopping = True
        for sock in (self._wake_r, self._wake_w):
            sock.close()
        self._selector.close()
