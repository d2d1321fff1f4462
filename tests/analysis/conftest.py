import pytest

from treatyledger.files import load_catalog
from treatyledger.model import Catalog


@pytest.fixture(scope="session")
def catalog() -> Catalog:
    return load_catalog()
