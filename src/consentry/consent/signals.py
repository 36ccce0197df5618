"""Signals members send with their requests: Global Privacy Control and IETF aipref.

GPC (W3C): a `Sec-GPC` header whose value is exactly `1` is a signal; any other value,
or no header, is none. On an authenticated request it records an objection for the
purposes the policy maps GPC to in the member's region.

aipref: a `Content-Usage` header (an RFC 9651 Dictionary, e.g. `train-ai=n, search=y`)
states per-item usage preferences when content is created. Per the draft: values are the
tokens `y` and `n`, anything else is unknown; unknown keys and parameters are ignored; a
repeated key's last value wins; a field that fails to parse makes every preference
unknown. A per-item "no" beats an account-level "yes"; a per-item "yes" never beats an
account-level "no".
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import date, datetime

import http_sfv
from http_sfv.types import Token
from sqlalchemy import Engine, func, select
from sqlalchemy.orm import Session

from consentry.consent.decide import member_facts
from consentry.consent.ledger import LedgerEntry, with_retry
from consentry.consent.record import record_choice
from consentry.consent.state import member_state
from consentry.consent.versions import ActivePolicy, resolve_policy
from consentry.errors import ConsentryError, InvalidInput
from consentry.store.consent_tables import ConsentAction, ConsentSource
from consentry.store.engine import session_scope, utcnow
from consentry.store.tables import DATA_CLASSES, Member, UsagePreference

#: The aipref vocabulary categories we read (draft-ietf-aipref-vocab).
CATEGORIES = ("train-ai", "search")
#: Data classes a member can attach usage preferences to.
PREFERENCE_CLASSES = ("post", "article", "comment", "profile")
Preferences = dict[str, bool | None]


class HeaderError(InvalidInput):
    """A header the API was asked to act on that cannot be read."""


# -- Global Privacy Control -------------------------------------------------------------
def gpc_signal(headers: Mapping[str, str] | Iterable[tuple[str, str]]) -> bool:
    """True if the request carries a GPC signal: a `Sec-GPC` field whose value, without
    surrounding whitespace, is exactly `1`. Header names are case-insensitive; several
    `Sec-GPC` fields, or any other value, are not a signal."""
    items = headers.items() if isinstance(headers, Mapping) else headers
    values = [v for k, v in items if k.lower() == "sec-gpc"]
    if len(values) != 1:
        return False
    value = values[0]
    if isinstance(value, bytes):
        value = value.decode("latin-1")
    return value.strip(" \t") == "1"


def gpc_json(last_update: date | datetime) -> dict[str, object]:
    """The body of `/.well-known/gpc.json` (serve as `application/json`)."""
    return {"gpc": True, "lastUpdate": last_update.isoformat()}


def gpc_purposes_left(session: Session, member: Member) -> list[str]:
    """The purposes a GPC signal from `member` would still object to now (empty when
    every one of them is already a "no"): the same test `apply_gpc` makes."""
    active = resolve_policy(session)
    current = member_state(session, member.id)
    if "*" in current:
        return []
    return [
        p
        for p in active.policy.gpc_purposes(member.region, utcnow())
        if current.get(p) is None
        or current[p].action not in (ConsentAction.WITHDRAW, ConsentAction.OBJECT)
    ]


def honour_gpc(engine: Engine, member: Member, *, actor: str) -> list[LedgerEntry]:
    """Record the objections a GPC signal from `member` asks for; returns the entries
    appended (none when every GPC purpose is already a "no", or no policy is published).

    Its own unit of work (a ledger append): the check runs in a short read first, so a
    signal that changes nothing takes no write lock; the caller holds no open transaction.
    """
    try:
        with session_scope(engine) as session:
            if not gpc_purposes_left(session, member):
                return []
    except ConsentryError:  # no policy published yet: nothing to object to
        return []
    return with_retry(engine, lambda s: apply_gpc(s, member.id, actor=actor))


def apply_gpc(
    session: Session,
    member: Member | int,
    *,
    at: datetime | None = None,
    policy: ActivePolicy | None = None,
    actor: str | None = None,
) -> list[LedgerEntry]:
    """Record a GPC objection for each purpose the policy maps GPC to in the member's
    region, unless the member's latest choice for it is already a "no" (idempotent).

    Call it for an authenticated request whose headers pass `gpc_signal`.
    """
    facts = member_facts(session, member)
    active = policy or resolve_policy(session, at)
    when = at or utcnow()
    current = member_state(session, facts.id)
    if "*" in current:
        return []  # an erased account has nothing left to object to
    out = []
    for purpose in active.policy.gpc_purposes(facts.region, when):
        row = current.get(purpose)
        if row is not None and row.action in (ConsentAction.WITHDRAW, ConsentAction.OBJECT):
            continue
        out.append(
            record_choice(
                session,
                facts,
                purpose,
                ConsentAction.OBJECT,
                source=ConsentSource.GPC,
                actor=actor or f"member:{facts.id}",
                at=at,
                policy=active,
            )
        )
    return out


# -- IETF aipref Content-Usage ----------------------------------------------------------
def _unknown() -> Preferences:
    return dict.fromkeys(CATEGORIES)


def parse_content_usage(
    value: str | bytes | Iterable[str | bytes] | None, *, strict: bool = False
) -> Preferences:
    """Read a `Content-Usage` field (one value, or several field lines to be combined).

    Returns a preference per known category: True (`y`), False (`n`) or None (unknown).
    With `strict`, a field that fails to parse raises HeaderError instead of making every
    preference unknown: the API uses it so that a member's malformed "no" is reported
    back, never silently dropped.
    """
    if value is None:
        return _unknown()
    lines = [value] if isinstance(value, (str, bytes)) else list(value)
    try:
        raw = b", ".join(v if isinstance(v, bytes) else v.encode("ascii") for v in lines)
        field = http_sfv.Dictionary()
        field.parse(raw)
    except (UnicodeEncodeError, ValueError) as exc:
        if strict:
            raise HeaderError(
                "the Content-Usage header is not a valid structured-field dictionary "
                f"({exc or 'malformed'}); send e.g. `Content-Usage: train-ai=n`"
            ) from None
        return _unknown()
    prefs = _unknown()
    for key in CATEGORIES:
        if key in field:
            item = field[key]
            # An inner list or anything but the bare tokens y / n is an unknown value.
            token = getattr(item, "value", None)
            if isinstance(token, Token) and str(token) in ("y", "n"):
                prefs[key] = str(token) == "y"
    return prefs


def combine(*statements: Preferences) -> Preferences:
    """Combine statements about one asset: any "no" beats any "yes", which beats unknown."""
    out = _unknown()
    for prefs in statements:
        for key in CATEGORIES:
            value = prefs.get(key)
            if value is False or (value is True and out[key] is None):
                out[key] = value
    return out


def item_allowed(member_allowed: bool, item_preference: bool | None) -> bool:
    """Whether an item may be used: the member's decision, narrowed by the item's own
    preference. A per-item "no" denies; a per-item "yes" never overrides a member's "no"."""
    return member_allowed and item_preference is not False


def record_usage_preference(
    session: Session,
    data_class: str,
    item_id: int,
    prefs: Preferences,
    at: datetime | None = None,
) -> list[UsagePreference]:
    """Store the stated (non-unknown) preferences of one item; rows are never updated,
    the latest `stated_at` wins. Returns the rows added."""
    if data_class not in DATA_CLASSES or data_class not in PREFERENCE_CLASSES:
        raise InvalidInput(
            f"usage preferences apply to {', '.join(PREFERENCE_CLASSES)}, not {data_class!r}"
        )
    unknown = set(prefs) - set(CATEGORIES)
    if unknown:
        raise InvalidInput(f"unknown usage preference category {sorted(unknown)[0]!r}")
    when = at or utcnow()
    rows = [
        UsagePreference(
            data_class=data_class, item_id=item_id, category=key, allowed=value, stated_at=when
        )
        for key, value in prefs.items()
        if value is not None
    ]
    session.add_all(rows)
    session.flush()
    return rows


def denied_items(category: str, at: datetime):
    """A SELECT of (data_class, item_id) whose latest preference for `category` stated at
    or before `at` is "no": the items a dataset for a purpose mapped to `category` must
    leave out, whatever their author decided."""
    ranked = (
        select(
            UsagePreference.data_class,
            UsagePreference.item_id,
            UsagePreference.allowed,
            func.row_number()
            .over(
                partition_by=(UsagePreference.data_class, UsagePreference.item_id),
                order_by=(UsagePreference.stated_at.desc(), UsagePreference.id.desc()),
            )
            .label("rank"),
        )
        .where(UsagePreference.category == category, UsagePreference.stated_at <= at)
        .subquery()
    )
    return select(ranked.c.data_class, ranked.c.item_id).where(
        ranked.c.rank == 1, ranked.c.allowed.is_(False)
    )
