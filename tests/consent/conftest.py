"""Fixtures for the consent tests; their data builders (members written directly,
policies published at a fixed time, ledger writes) are in `builders`."""

from __future__ import annotations

from datetime import date

import pytest


@pytest.fixture
def adult() -> date:
    return date(1980, 5, 17)
