"""Helpers for the member-area tests: a browser's way of pressing the buttons on the
member pages, and reading back what they recorded."""

from __future__ import annotations

import re

from fastapi.testclient import TestClient
from sqlalchemy import Engine, select

from consentry.store.consent_tables import ConsentEvent
from consentry.store.engine import session_scope
from web.helpers import csrf_from


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
