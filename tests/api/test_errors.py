"""Fault codes map to the exception (and exit code) a user would expect, by cause."""

from __future__ import annotations

import pytest

from gandi_hosting_cli.api.errors import fault_to_error, split_code
from gandi_hosting_cli.errors import (
    AuthError,
    Hint,
    InvalidInput,
    NotFound,
    QuotaError,
    ServerFault,
    StateError,
)
from gandi_hosting_cli.exit_codes import ExitCode


@pytest.mark.parametrize(
    ("code", "cls", "exit_code"),
    [
        (500150, AuthError, ExitCode.AUTH),  # wrong login or password
        (500120, InvalidInput, ExitCode.API_FAULT),  # password syntax
        (500130, InvalidInput, ExitCode.API_FAULT),  # password value
        (500131, InvalidInput, ExitCode.API_FAULT),  # password size
        (500132, InvalidInput, ExitCode.API_FAULT),  # password missing
        (500340, AuthError, ExitCode.AUTH),  # unknown login (su)
        (500249, AuthError, ExitCode.AUTH),  # session expired
        (500240, AuthError, ExitCode.AUTH),  # unknown session
        (530250, AuthError, ExitCode.AUTH),  # no right on that VM
        (530240, NotFound, ExitCode.NOT_FOUND),  # VM does not exist
        (530440, NotFound, ExitCode.NOT_FOUND),  # disk does not exist
        (510240, NotFound, ExitCode.NOT_FOUND),  # operation does not exist
        (530260, StateError, ExitCode.API_FAULT),  # VM in the wrong state
        (530439, StateError, ExitCode.API_FAULT),  # disk attached
        (530498, StateError, ExitCode.API_FAULT),  # disk not attached
        (530935, QuotaError, ExitCode.API_FAULT),  # not enough shares
        (530063, QuotaError, ExitCode.API_FAULT),  # not enough money
        (530230, InvalidInput, ExitCode.API_FAULT),  # bad value
        (501640, InvalidInput, ExitCode.API_FAULT),  # unknown method
        (150000, ServerFault, ExitCode.API_FAULT),  # internal error
        (110020, ServerFault, ExitCode.API_FAULT),  # query failed
    ],
)
def test_fault_codes_map_to_typed_errors(code, cls, exit_code):
    for string in (f"DataError: something [x: {code}]", "DataError: x [password: ***]"):
        error = fault_to_error(code, string)
        assert type(error) is cls
        assert error.exit_code == exit_code
        assert error.code == code


def test_a_vm_root_password_refused_by_the_server_is_invalid_input_not_auth(
    sandbox_server, logged_in_client
):
    """A password refused for its value is bad input (exit 1), not an auth failure (3)."""
    client = logged_in_client(sandbox_server.url)
    client.hosting_account_product_add("shares", 1, "1m")
    with pytest.raises(InvalidInput) as refused:
        client.vm_create("web1", "abc", 111, 1, 1)
    assert refused.value.code == 500130
    assert not isinstance(refused.value, AuthError)
    assert refused.value.exit_code == ExitCode.API_FAULT


def test_fault_message_is_one_line():
    error = fault_to_error(530240, "DataError: VM does not exist\n  [vm: 5]")
    assert error.message == "DataError: VM does not exist [vm: 5]"


def test_session_faults_carry_the_login_hint():
    assert fault_to_error(500249, "DataError: expired").hint == Hint("login")


def test_a_fault_code_splits_into_qualification_object_and_cause():
    assert split_code(530240) == (5, 302, 40)
