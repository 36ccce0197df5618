"""The scrubber's own tests run with its NER stage on, as a dataset build does by default
(the suite's conftest switches it off elsewhere, for speed)."""

from __future__ import annotations

import pytest


@pytest.fixture(autouse=True)
def _ner_on(monkeypatch):
    monkeypatch.setenv("CONSENTRY_SCRUB_NER", "on")
