"""The exit codes every command uses (DESIGN.md section 2). Scripts rely on them."""

from __future__ import annotations

from enum import IntEnum


class ExitCode(IntEnum):
    OK = 0
    API_FAULT = 1  # an API fault not covered below
    USAGE = 2  # bad arguments, or a destructive command off a terminal without --yes
    AUTH = 3  # bad credentials, expired session that cannot be renewed, rights
    NOT_FOUND = 4
    OPERATION_FAILED = 5  # an awaited operation ended in ERROR or CANCEL
    NETWORK = 6  # unreachable, timeout, TLS, not XML-RPC
    WAIT_TIMEOUT = 7
    PLAN_CHANGES = 8  # `plan`: the account differs from the manifest (changes pending)
    PLAN_REPLACE = 9  # `plan`: drift only a replacement would converge (`apply --replace`)
    INTERRUPTED = 130
