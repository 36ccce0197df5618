"""The AI features: profile assistant, job-posting writer, recruiter outreach drafts and
the job-seeker chatbot. Each states which purposes and whose data it uses (`Uses`), reads
only active model versions trained on consented datasets, and passes every output through
the regurgitation guard.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Uses:
    """What a feature draws on: the purposes its models were trained for, and whose data."""

    purposes: tuple[str, ...]
    data: str
