"""Helpers for the member-area tests: the default policy published, a dataset built,
and a browser's way of pressing the buttons on the member pages."""

from __future__ import annotations

import re

from fastapi.testclient import TestClient
from sqlalchemy import Engine, select

from consentry.config import Settings
from consentry.consent.versions import ensure_default_policy
from consentry.datasets.build import build_dataset
from consentry.store.consent_tables import ConsentEvent
from consentry.store.engine import session_scope
from web.helpers import csrf_from


def publish_default_policy(engine: Engine, settings: Settings) -> None:
    with session_scope(engine) as session:
        ensure_default_policy(session, settings)


def build(engine: Engine, settings: Settings, purpose: str = "train-ai") -> str:
    return build_dataset(engine, settings, purpose=purpose, shards=2).dataset_id


def press(client: TestClient, page: str, action: str, **fields) -> object:
    """Submit the form on `page` whose action is `action`, as a browser would."""
    html = client.get(page).text
    assert f'action="{action}"' in html, f"no form posting to {action} on {page}"
    data = {"csrf_token": csrf_from(html), **fields}
    return client.post(action, data=data, follow_redirects=False)


def events(engine: Engine, member_id: int) -> list[ConsentEvent]:
    with session_scope(engine) as session:
        rows = session.scalars(
            select(ConsentEvent)
            .where(ConsentEvent.member_id == member_id)
            .order_by(ConsentEvent.seq)
        ).all()
        session.expunge_all()
        return list(rows)


def state_of(html: str, purpose: str) -> str:
    found = re.search(rf'id="state-{purpose}">(On|Off)<', html)
    assert found, f"no state shown for {purpose}"
    return found.group(1)
