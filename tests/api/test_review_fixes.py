"""Review fixes in the API layer, against a real sandbox server."""

from __future__ import annotations

import pytest

from gandi_hosting_cli.api.client import HostingClient
from gandi_hosting_cli.api.errors import AuthError, InvalidInput, fault_to_error
from gandi_hosting_cli.exit_codes import ExitCode
from gandi_hosting_cli.sandbox.seed import SEED_LOGIN, SEED_PASSWORD


def logged_in_client(url, **kw) -> HostingClient:
    client = HostingClient(url, **kw)
    client.session = client.login(SEED_LOGIN, SEED_PASSWORD)
    return client


# -- a password refused for its value is bad input (exit 1), not an auth failure (3) --------
def test_a_vm_root_password_refused_by_the_server_is_invalid_input_not_auth(sandbox_server):
    client = logged_in_client(sandbox_server.url)
    client.hosting_account_product_add("shares", 1, "1m")
    with pytest.raises(InvalidInput) as refused:
        client.vm_create("web1", "abc", 111, 1, 1)
    assert refused.value.code == 500130
    assert not isinstance(refused.value, AuthError)
    assert refused.value.exit_code == ExitCode.API_FAULT


def test_wrong_credentials_rights_sessions_and_logins_stay_auth_errors(sandbox_server):
    with pytest.raises(AuthError) as bad:
        HostingClient(sandbox_server.url).login(SEED_LOGIN, "wrong-password")
    assert (bad.value.code, bad.value.exit_code) == (500150, ExitCode.AUTH)


@pytest.mark.parametrize(
    ("code", "cls"),
    [
        (500150, AuthError),  # wrong login or password
        (500120, InvalidInput),  # password syntax
        (500130, InvalidInput),  # password value
        (500131, InvalidInput),  # password size
        (500132, InvalidInput),  # password missing
        (500240, AuthError),  # unknown session
        (500340, AuthError),  # unknown login (su)
        (530250, AuthError),  # no right on that VM
    ],
)
def test_password_faults_map_by_cause(code, cls):
    assert type(fault_to_error(code, "DataError: x [password: ***]")) is cls
