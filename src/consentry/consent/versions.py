"""Published policy versions: publishing with a notice period, and which one applies when.

A version applies from `effective_at` = `published_at` + its notice period. Until then
members see it as a notice (`consentry.consent.notices`) and every decision and dataset
build keeps using the version before it; asking for it explicitly is refused with the
date it applies from.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from functools import lru_cache

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from consentry.config import Settings
from consentry.consent.policy import Policy, PolicyError, load_policy, policy_from_toml
from consentry.errors import Conflict
from consentry.store.consent_tables import PolicyVersion
from consentry.store.engine import utcnow


class NoticePeriodError(Conflict):
    """A policy version that has been announced but does not apply yet."""


@dataclass(frozen=True)
class ActivePolicy:
    """A published policy version, with what decisions under it need to know.

    `renewal_floor[purpose]` is the newest version (up to this one) that widened the
    purpose: a grant recorded under an older version needs renewal.
    """

    version: int
    policy: Policy
    content_hash: str
    published_at: datetime
    effective_at: datetime
    notice_days: int
    widened: tuple[str, ...]
    renewal_floor: dict[str, int]

    @property
    def label(self) -> str:
        return f"version {self.version} ({self.policy.name})"


@lru_cache(maxsize=64)
def _parse(source: str, version: int) -> Policy:
    return policy_from_toml(source, origin=f"published policy version {version}")


def _active(rows: list[PolicyVersion], row: PolicyVersion) -> ActivePolicy:
    floor: dict[str, int] = {}
    for r in rows:
        if r.version > row.version:
            break
        for purpose in filter(None, r.widened.split(",")):
            floor[purpose] = r.version
    return ActivePolicy(
        version=row.version,
        policy=_parse(row.source, row.version),
        content_hash=row.content_hash,
        published_at=row.published_at,
        effective_at=row.effective_at,
        notice_days=row.notice_days,
        widened=tuple(filter(None, row.widened.split(","))),
        renewal_floor=floor,
    )


def _rows(session: Session) -> list[PolicyVersion]:
    return list(session.scalars(select(PolicyVersion).order_by(PolicyVersion.version)))


def widened_purposes(old: Policy, new: Policy) -> tuple[str, ...]:
    """Purposes `new` uses more data classes for than `old` did (a new purpose is not
    "widened": nobody consented to it before)."""
    out = []
    for key, purpose in new.purposes.items():
        before = old.purposes.get(key)
        if before is not None and set(purpose.data_classes) - set(before.data_classes):
            out.append(key)
    return tuple(out)


def publish(
    session: Session, policy: Policy, *, notice_days: int, at: datetime | None = None
) -> ActivePolicy:
    """Publish `policy` as the next version, applying after `notice_days` days.

    Refuses a negative notice period and a policy identical to the newest version.
    """
    if isinstance(notice_days, bool) or not isinstance(notice_days, int) or notice_days < 0:
        raise PolicyError("the notice period must be a whole number of days, never negative")
    at = at or utcnow()
    rows = _rows(session)
    if rows and rows[-1].content_hash == policy.content_hash:
        raise PolicyError(
            f"this policy is already published as version {rows[-1].version} "
            f"(content hash {policy.content_hash[:12]})"
        )
    if rows and at < rows[-1].published_at:
        raise PolicyError("a policy version cannot be published before the newest one")
    previous = _parse(rows[-1].source, rows[-1].version) if rows else None
    widened = widened_purposes(previous, policy) if previous else ()
    row = PolicyVersion(
        version=(rows[-1].version + 1) if rows else 1,
        name=policy.name,
        content_hash=policy.content_hash,
        source=policy.source,
        published_at=at,
        effective_at=at + timedelta(days=notice_days),
        notice_days=notice_days,
        widened=",".join(widened),
    )
    session.add(row)
    session.flush()
    return _active([*rows, row], row)


def ensure_default_policy(
    session: Session, settings: Settings, *, at: datetime | None = None
) -> ActivePolicy | None:
    """Publish the configured preset as version 1 if nothing is published yet.

    The first version applies at once: there is no earlier policy, so nothing changes for
    anyone and no notice is owed. Returns the new version, or None if one existed.
    """
    if session.scalar(select(func.count()).select_from(PolicyVersion)):
        return None
    return publish(session, load_policy(settings.policy_preset), notice_days=0, at=at)


def versions(session: Session) -> list[ActivePolicy]:
    """Every published version, oldest first."""
    rows = _rows(session)
    return [_active(rows, r) for r in rows]


def resolve_policy(
    session: Session, at: datetime | None = None, *, version: int | None = None
) -> ActivePolicy:
    """The policy version that applies at `at` (default now): the newest whose notice
    period has passed. With `version`, that version, refused if it does not apply yet."""
    at = at or utcnow()
    rows = [r for r in _rows(session) if r.published_at <= at]
    if version is not None:
        match = [r for r in rows if r.version == version]
        if not match:
            raise PolicyError(f"no policy version {version} was published by {at:%Y-%m-%d %H:%M}")
        row = match[0]
        if row.effective_at > at:
            raise NoticePeriodError(
                f"policy version {version} ({row.name}) is still in its notice period: "
                f"it applies from {row.effective_at:%Y-%m-%d %H:%M} UTC"
            )
        return _active(rows, row)
    applying = [r for r in rows if r.effective_at <= at]
    if not applying:
        if rows:
            raise NoticePeriodError(
                f"no policy applies yet at {at:%Y-%m-%d %H:%M}: version {rows[0].version} "
                f"({rows[0].name}) applies from {rows[0].effective_at:%Y-%m-%d %H:%M} UTC"
            )
        raise PolicyError("no policy has been published: run `consentry init` first")
    return _active(rows, applying[-1])


def announced(session: Session, at: datetime | None = None) -> list[ActivePolicy]:
    """Versions published by `at` that are still in their notice period."""
    at = at or utcnow()
    return [v for v in versions(session) if v.published_at <= at < v.effective_at]
