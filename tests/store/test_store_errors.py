"""The store's errors carry the exit code of what went wrong: a batch over the bound is the
caller's mistake (2), a refused ledger-neutral notification a rule's refusal (3), a kind that
changes the ledger given to publish_neutral a mistake (2); a write that failed stays 4."""

from __future__ import annotations

from pathlib import Path

import pytest

from treatyledger.errors import ExitCode
from treatyledger.model.notifications import NotificationKind
from treatyledger.store.errors import BatchTooLarge, NotNeutral, PublishRefused, StoreError
from treatyledger.store.publish import publish_neutral
from treatyledger.store.workspace import Workspace


def test_exit_codes_of_the_store_errors() -> None:
    assert BatchTooLarge.exit_code == ExitCode.MALFORMED
    assert NotNeutral.exit_code == ExitCode.MALFORMED
    assert PublishRefused.exit_code == ExitCode.REJECTED
    assert StoreError.exit_code == ExitCode.UNAVAILABLE


def test_publish_neutral_refuses_a_ledger_kind(tmp_path: Path) -> None:
    with (
        Workspace.init(tmp_path / "us", "US") as ws,
        pytest.raises(NotNeutral, match="declare"),
    ):
        publish_neutral(ws, NotificationKind.DECLARE, {})
