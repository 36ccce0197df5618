"""Invariant: private text written through the new pages never reaches a dataset or a
model. A member invites another with a note and sends a message through the real forms
(TestClient, CSRF and all), each holding a unique marker word; then a dataset is built
for every purpose of the policy and every built-in model is trained. No Parquet file under
the data folder holds either marker, and no other file there (model artifacts, manifests,
datasheets) holds it in any encoding a writer would use.

A control keeps the test honest: a public post by the same member, written the same way
with a marker of the same shape, must reach a dataset: the search finds what is there.
"""

from __future__ import annotations

import uuid
from pathlib import Path

import pyarrow.parquet as pq
import pytest
from fastapi.testclient import TestClient
from sqlalchemy import delete, select

from builders import (
    DEMO_PASSWORD,
    FEATURES,
    LENA,
    MAYA,
    World,
    build,
    grant,
    seed_network,
    settings_for,
)
from consentry.consent.policy import load_policy
from consentry.store.engine import session_scope
from consentry.store.tables import Connection, Member
from consentry.training.sisa import train_feature
from web.helpers import csrf_from, log_in_form, make_app
from web.member_helpers import press


def _marker(kind: str) -> str:
    # Letters only, one word: nothing a scrubber would take for an id, a number or a name.
    letters = "".join(chr(ord("a") + int(c, 16)) for c in uuid.uuid4().hex[:14])
    return f"zq{kind}{letters}"


def _parquet_texts(data_dir: Path) -> dict[Path, str]:
    texts = {}
    for path in sorted(data_dir.rglob("*.parquet")):
        rows = pq.read_table(path).to_pylist()
        texts[path] = " ".join(str(v) for row in rows for v in row.values()).casefold()
    return texts


def _encodings(word: str) -> list[bytes]:
    # UTF-8 (JSON, text), UTF-32-LE (numpy string arrays), UTF-16-LE; either case.
    return [
        form.encode(codec)
        for form in {word, word.upper(), word.capitalize()}
        for codec in ("utf-8", "utf-32-le", "utf-16-le")
    ]


def _files_holding(data_dir: Path, word: str) -> list[Path]:
    needles = _encodings(word)
    found = []
    for path in sorted(p for p in data_dir.rglob("*") if p.is_file()):
        if path.name.startswith("consentry.db"):
            continue  # the network's own database: where the message lives, by design
        data = path.read_bytes()
        if any(n in data for n in needles):
            found.append(path)
    return found


@pytest.mark.slow
def test_a_message_and_a_note_sent_through_the_pages_reach_no_dataset_or_model(
    sqlite_engine, tmp_path
):
    engine, data_dir = sqlite_engine, tmp_path / "data"
    settings = settings_for(engine, data_dir)
    seed_network(engine, settings, members=60, seed=5, recruiters_consent=True)
    world = World(engine, settings, {})
    lena, maya = world.member_id(LENA.email), world.member_id(MAYA.email)
    purposes = list(load_policy(settings.policy_preset).purposes)
    for purpose in purposes:
        grant(engine, [lena, maya], purpose)
    with session_scope(engine) as s:
        # Start them unconnected, so the note travels with a real invitation.
        s.execute(
            delete(Connection).where(
                Connection.member_id == min(lena, maya), Connection.other_id == max(lena, maya)
            )
        )
        maya_handle = s.scalar(select(Member.handle).where(Member.id == maya))
        lena_handle = s.scalar(select(Member.handle).where(Member.id == lena))

    note, message, control = _marker("note"), _marker("msg"), _marker("post")
    app = make_app(engine, data_dir)
    as_lena = log_in_form(TestClient(app), LENA.email, DEMO_PASSWORD)
    as_maya = log_in_form(TestClient(app), MAYA.email, DEMO_PASSWORD)
    invited = press(
        as_lena,
        f"/members/{maya_handle}",
        "/connection-requests",
        handle=maya_handle,
        note=f"Hello Maya, {note} from the meetup",
        next=f"/members/{maya_handle}",
    )
    assert invited.status_code == 303, invited.text
    network_page = as_maya.get("/connections").text
    assert note in network_page
    accept = network_page.split('action="/connection-requests/')[1].split('"')[0]
    assert accept.endswith("/accept")
    assert press(as_maya, "/connections", f"/connection-requests/{accept}").status_code == 303
    sent = press(
        as_lena,
        f"/messages/{maya_handle}",
        f"/messages/{maya_handle}",
        text=f"Private: the code word is {message}, keep it to yourself.",
    )
    assert sent.status_code == 303, sent.text
    assert message in as_maya.get(f"/messages/{lena_handle}").text
    page = as_lena.get("/feed").text
    posted = as_lena.post(
        "/posts",
        data={
            "csrf_token": csrf_from(page),
            "text": f"Public thoughts on pipelines and {control} for everyone.",
            "visibility": "public",
        },
        follow_redirects=False,
    )
    assert posted.status_code == 303

    for purpose in purposes:
        build(engine, settings, purpose, shards=2)
    for feature in FEATURES:
        train_feature(engine, settings, feature, seed=0)

    texts = _parquet_texts(data_dir)
    assert texts, "no dataset was written"
    assert any(control in t for t in texts.values()), "the control post reached no dataset"
    for word in (note, message):
        assert not [p for p, t in texts.items() if word in t], word
        assert _files_holding(data_dir, word) == [], word
    assert any((data_dir / "models").rglob("*")) or any(data_dir.rglob("*.npz"))
