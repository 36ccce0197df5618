"""Imports every table module so that `Base.metadata` is complete (for migrations)."""

from consentry.store import tables  # noqa: F401
from consentry.store import consent_tables  # noqa: F401
from consentry.store import dataset_tables  # noqa: F401
