"""Control and bidirectional characters (issue 13, item 6): refused in names, shown as
``<U+XXXX>`` in text outputs.

Identifiers (UIDs, facility ids, party ids) are ASCII by pattern; names are free text and
arrive from the other party, so a terminal escape (ESC, C1 CSI), NUL or a right-to-left
override in one once reached the peer's CSV and console raw."""

from __future__ import annotations

import io

import pytest
from pydantic import ValidationError
from rich.table import Table

from factory import item, notification_data, signed, stream
from node.harness import ServedNode
from node.test_hardening_canonical import _post_raw
from treatyledger.cli.app import VisibleConsole
from treatyledger.files.inventory import write_inventory_csv
from treatyledger.ledger.outcomes import Rule
from treatyledger.ledger.signing import leaf_bytes
from treatyledger.model.items import Inventory, Item
from treatyledger.model.kinds import ItemKind, Status
from treatyledger.model.parties import Facility, Party
from treatyledger.model.text import visible

# NUL, ESC, DEL, C1 CSI and NEL, the marks, the embeddings and overrides, the isolates
HIDDEN = [
    "\x00",
    "\x1b",
    "\x7f",
    "\x9b",
    "\x85",
    "\u200e",
    "\u200f",
    *(chr(c) for c in range(0x202A, 0x202F)),
    *(chr(c) for c in range(0x2066, 0x206A)),
]


@pytest.mark.parametrize("char", HIDDEN, ids=[f"U+{ord(c):04X}" for c in HIDDEN])
def test_names_refuse_control_and_bidirectional_characters(char: str) -> None:
    name = f"Warren{char}AFB"
    with pytest.raises(ValidationError, match="control or bidirectional"):
        Facility(id="FEW", party="US", type="icbm_base", name=name)
    with pytest.raises(ValidationError, match="control or bidirectional"):
        Party(id="US", name=name)
    with pytest.raises(ValidationError, match="control or bidirectional"):
        Item.model_validate(item("US-1", "icbm", "deployed", system_type=f"MM{char}III"))
    with pytest.raises(ValidationError, match="control or bidirectional"):
        Item.model_validate(item("US-W", "warhead", "stored", warhead_type=f"W87{char}"))
    assert f"<U+{ord(char):04X}>" in visible(name)


def test_plain_names_in_any_script_are_kept() -> None:
    assert Facility(id="F", party="RU", type="air_base", name="Энгельс").name == "Энгельс"
    assert visible("Энгельс, Saratov\tregion") == "Энгельс, Saratov\tregion"


@pytest.mark.parametrize(
    "where",
    ["system_type", "facility name"],
)
def test_a_declaration_with_a_hidden_character_in_a_name_is_rejected(
    node: ServedNode, where: str
) -> None:
    node.seed(1)
    warhead = item("US-WX", "warhead", "stored", facility="US-STORE")
    payload: dict[str, object] = {"items": [warhead], "facilities": []}
    if where == "system_type":
        payload["items"] = [item("US-MX", "icbm", "non_deployed", system_type="MM\x1b[2JIII")]
    else:
        payload["facilities"] = [
            {"id": "US-STORE", "party": "US", "type": "storage", "name": "Depot\u202eSU"}
        ]
    record = notification_data("US", 2, "declare", payload)
    # signed over its canonical bytes by the party's key: only the name is wrong
    raw = leaf_bytes({**record, "signature": "A" * 86 + "=="})
    response = _post_raw(node, raw)
    assert response.status_code == 422, response.text
    result = response.json()["results"][0]
    assert result["rule"] == Rule.SCHEMA.value
    assert "control or bidirectional" in result["error"]
    after = node.post_notifications(signed(stream("US", 1, first=2), node.workspace.signing_key))
    assert after.json()["accepted"] == 1


def test_the_console_shows_hidden_characters_in_every_cell_and_message() -> None:
    out = io.StringIO()
    console = VisibleConsole(file=out, width=200, color_system=None)
    table = Table("uid", "system type")
    table.add_row("US-1", "MM\x1b[2JIII\u202e")
    console.print(table)
    console.print("synced from RU\x00\u2066")
    text = out.getvalue()
    assert "\x1b" not in text and "\u202e" not in text and "\x00" not in text
    assert "MM<U+001B>[2JIII<U+202E>" in text
    assert "RU<U+0000><U+2066>" in text


def test_csv_output_shows_hidden_characters_of_an_older_row() -> None:
    """Names refuse them now; an item stored before may still hold one, and the CSV the
    peer writes must not carry it raw."""
    legacy = Item.model_construct(
        uid="RU-1",
        party="RU",
        kind=ItemKind.WARHEAD,
        status=Status.STORED,
        quantity=1,
        warhead_type="\u202eTRAP\x1b]0;x\x07",
    )
    csv_text = write_inventory_csv(Inventory.model_construct(items=(legacy,), facilities={}))
    assert "\u202e" not in csv_text and "\x1b" not in csv_text and "\x07" not in csv_text
    assert "<U+202E>TRAP<U+001B>]0;x<U+0007>" in csv_text
