"""Imports every table module so that `Base.metadata` is complete (for migrations)."""

from consentry.store import (
    access_tables,  # noqa: F401
    consent_tables,  # noqa: F401
    dataset_tables,  # noqa: F401
    rights_tables,  # noqa: F401
    social_tables,  # noqa: F401
    tables,  # noqa: F401
    training_tables,  # noqa: F401
)
