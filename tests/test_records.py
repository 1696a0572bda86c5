"""records.py keeps what ``@dataclass`` gave the classes that left it (issue 22): the same
``repr``, comparisons, hashing and read-only fields, checked against dataclass twins."""

from __future__ import annotations

import dataclasses

import pytest

from gandi_hosting_cli.auth.sessions import SessionRecord
from gandi_hosting_cli.cli.context import AppContext
from gandi_hosting_cli.errors import Hint
from gandi_hosting_cli.output.result import Fields, Result, Table
from gandi_hosting_cli.workflows.names import Resolved


@dataclasses.dataclass(frozen=True)
class HintTwin:
    kind: str
    operations: tuple[int, ...] = ()
    name: str = ""
    other: str = ""
    resource: str = ""
    amount: int | None = None
    text: str = ""


def test_a_frozen_record_shows_compares_and_hashes_as_its_dataclass_twin():
    hint, twin = Hint("follow", (3, 4), name="web1"), HintTwin("follow", (3, 4), name="web1")
    assert repr(hint) == repr(twin).replace("HintTwin(", "Hint(")
    assert hint == Hint("follow", (3, 4), "web1") and hint != Hint("follow", (3,), "web1")
    assert hash(hint) == hash(twin)  # the fields' tuple, as dataclasses hash it
    assert {hint, Hint("follow", (3, 4), "web1")} == {hint}
    assert hint != twin  # another class, even with the same fields


def test_a_frozen_records_fields_cannot_be_changed():
    hint = Hint("retry")
    with pytest.raises(AttributeError):
        hint.kind = "busy"  # type: ignore[misc]
    with pytest.raises(AttributeError):
        del hint.text
    assert hint.kind == "retry"


def test_a_mutable_record_compares_by_fields_and_is_unhashable():
    assert Result() == Result() and Result().human == [] and Result().human is not Result().human
    assert Result([Fields({"id": 1})], {"id": 1}) != Result([Fields({"id": 2})], {"id": 1})
    assert Table([], [], empty="no VMs") == Table([], [], (), "no VMs")
    with pytest.raises(TypeError):
        hash(Resolved())
    assert Resolved().tokens == {"vm": [], "disk": []}


def test_hidden_fields_stay_out_of_the_repr():
    shown = repr(AppContext(profile="work"))
    assert shown.startswith("AppContext(profile='work', url=None, json=False")
    assert "clients=" not in shown and "_sessions=" not in shown and "terminal=" in shown


def test_a_session_record_serialises_its_fields_in_order():
    record = SessionRecord("s3cr3t", "AA1-GANDI", "https://x/", "default", expires="2030")
    assert record.to_json() == (
        '{"session_id": "s3cr3t", "login": "AA1-GANDI", "endpoint": "https://x/", '
        '"profile": "default", "safe": true, "created": "", "expires": "2030", '
        '"acting_as": null}'
    )
    assert "session_id" not in record.public() and record.public()["login"] == "AA1-GANDI"
