import pytest
from ledger_helpers import Ledger


@pytest.fixture
def ledger() -> Ledger:
    return Ledger()
