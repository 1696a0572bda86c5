"""Large freed blocks go back to the system (``sandbox serve``'s resident size).

glibc's malloc serves a block of over 128 KiB with its own ``mmap`` and returns it when
freed, but raises that threshold to the size of every such block freed (up to 32 MiB),
after which blocks of that size come from the heap and stay in the process when freed:
a burst of ``--account`` logins (scrypt: 16 MiB each) grew a server from 42 to 90 MB
for good. Setting the threshold (``mallopt(M_MMAP_THRESHOLD)``) turns that adjustment
off, so blocks from ``LARGE_BLOCK`` up (scrypt's, a large answer's) are mapped and
unmapped each time. Elsewhere (macOS, Windows, musl) the allocator already returns large
blocks and this does nothing.
"""

from __future__ import annotations

import ctypes
import ctypes.util
import sys

LARGE_BLOCK = 4 * 1024 * 1024
_M_MMAP_THRESHOLD = -3  # glibc's malloc.h


def return_large_blocks() -> bool:
    """Make blocks from ``LARGE_BLOCK`` up go back to the system when freed (glibc);
    True when the setting was made."""
    if not sys.platform.startswith("linux"):
        return False
    try:
        libc = ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6")
        mallopt = libc.mallopt
    except (OSError, AttributeError):  # not glibc (musl has no mallopt)
        return False
    mallopt.argtypes = (ctypes.c_int, ctypes.c_int)
    return mallopt(_M_MMAP_THRESHOLD, LARGE_BLOCK) == 1
