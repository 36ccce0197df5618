"""The post page as a member uses it: comment, react, edit, delete, "No AI training";
and the same through the API, with the same rules."""

from __future__ import annotations

import re

from fastapi.testclient import TestClient
from sqlalchemy import select

from consentry.store.engine import session_scope
from consentry.store.social_tables import Notification
from consentry.store.tables import Comment, Post, UsagePreference
from web.helpers import log_in, page_csrf


def _form(client, path: str, data: dict, page: str):
    return client.post(
        path, data={**data, "csrf_token": page_csrf(client, page)}, follow_redirects=False
    )


def _bob(app, network) -> TestClient:
    client = TestClient(app)
    assert log_in(client, network.email("bob")).status_code == 303
    return client


def _carol(app, network) -> TestClient:
    client = TestClient(app)
    assert log_in(client, network.email("carol")).status_code == 303
    return client


def test_a_connection_comments_and_the_author_sees_it_on_feed_and_post_page(
    alice, app, network, sqlite_engine
):
    post = network.posts["alice_connections"]
    page = f"/posts/{post}"
    bob = _bob(app, network)
    done = _form(bob, f"/posts/{post}/comments", {"text": "Bob was here"}, page)
    assert done.status_code == 303 and re.search(r"#comment-\d+$", done.headers["location"])
    html = alice.get(page).text
    assert "Bob was here" in html and "Comments (1)" in html
    feed = alice.get("/feed").text
    start = feed.index(f'id="post-{post}-by"')
    card = feed[start : feed.index("</article>", start)]
    assert "1 comment<" in card and "Bob Baker</a>: Bob was here" in card
    with session_scope(sqlite_engine) as s:
        told = s.scalars(
            select(Notification.kind).where(Notification.member_id == network.members["alice"])
        ).all()
    assert told == ["comment"]


def test_a_stranger_cannot_see_or_comment_on_a_connections_only_post(app, network, sqlite_engine):
    carol = _carol(app, network)
    post = network.posts["alice_connections"]
    assert carol.get(f"/posts/{post}").status_code == 404
    refused = _form(carol, f"/posts/{post}/comments", {"text": "Let me in"}, "/feed")
    assert refused.status_code == 404 and "Let me in" not in refused.text
    with session_scope(sqlite_engine) as s:
        assert s.scalar(select(Comment.id).where(Comment.text == "Let me in")) is None


def test_an_empty_comment_is_a_form_error_with_a_400(alice, network):
    post = network.posts["alice_public"]
    answer = _form(alice, f"/posts/{post}/comments", {"text": "   "}, f"/posts/{post}")
    assert answer.status_code == 400
    assert 'role="alert"' in answer.text and "a comment needs some text" in answer.text


def test_reacting_changing_and_taking_back(alice, app, network):
    post = network.posts["alice_public"]
    page = f"/posts/{post}"
    bob = _bob(app, network)
    _form(bob, f"{page}/reaction", {"kind": "celebrate"}, page)
    _form(alice, f"{page}/reaction", {"kind": "celebrate"}, page)
    html = bob.get(page).text
    assert "Celebrate (2)" in html and 'aria-pressed="true">Celebrate' in html
    assert "2 celebrate" in bob.get("/feed").text
    _form(bob, f"{page}/reaction", {"kind": "insightful"}, page)
    html = bob.get(page).text
    assert "Celebrate (1)" in html and "Insightful (1)" in html
    _form(bob, f"{page}/reaction", {"kind": "insightful"}, page)  # pressed again: gone
    assert "Insightful (0)" in bob.get(page).text
    assert _form(bob, f"{page}/reaction", {"kind": "angry"}, page).status_code == 400


def test_the_author_edits_and_deletes_a_post_others_cannot(alice, app, network, sqlite_engine):
    post = network.posts["alice_public"]
    page = f"/posts/{post}"
    bob = _bob(app, network)
    assert "Edit this post" not in bob.get(page).text
    assert _form(bob, f"{page}/edit", {"text": "Bob's words"}, page).status_code == 404
    assert _form(bob, f"{page}/delete", {}, page).status_code == 404
    assert (
        _form(alice, f"{page}/edit", {"text": "Alice public hello, revised"}, page).status_code
        == 303
    )
    html = bob.get(page).text
    assert "Alice public hello, revised" in html and "edited" in html
    assert _form(alice, f"{page}/delete", {}, page).status_code == 303
    assert bob.get(page).status_code == 404
    assert "Alice public hello" not in bob.get("/feed").text
    with session_scope(sqlite_engine) as s:
        row = s.get(Post, post)
        assert row is not None and row.deleted_at is not None


def test_comment_edit_no_ai_and_deletion_by_comment_and_post_author(
    alice, app, network, sqlite_engine
):
    post = network.posts["alice_public"]
    page = f"/posts/{post}"
    bob, carol = _bob(app, network), _carol(app, network)
    _form(carol, f"{page}/comments", {"text": "Carol first", "no_ai_training": "1"}, page)
    _form(bob, f"{page}/comments", {"text": "Bob second"}, page)
    with session_scope(sqlite_engine) as s:
        ids = dict(s.execute(select(Comment.text, Comment.id).where(Comment.post_id == post)).all())
    by_carol, by_bob = ids["Carol first"], ids["Bob second"]
    html = alice.get(page).text
    card = html[html.index(f'id="comment-{by_carol}"') :]
    assert "No AI training</span>" in card[: card.index("</li>")]
    # Carol edits her comment and lifts "No AI training"; Bob can do neither to it.
    assert _form(bob, f"/comments/{by_carol}/edit", {"text": "Bob's now"}, page).status_code == 404
    assert (
        _form(carol, f"/comments/{by_carol}/edit", {"text": "Carol, revised"}, page).status_code
        == 303
    )
    assert (
        _form(bob, f"/comments/{by_carol}/usage", {"no_ai_training": "0"}, page).status_code == 404
    )
    assert (
        _form(carol, f"/comments/{by_carol}/usage", {"no_ai_training": "0"}, page).status_code
        == 303
    )
    html = alice.get(page).text
    card = html[html.index(f'id="comment-{by_carol}"') :]
    card = card[: card.index("</li>")]
    assert "Carol, revised" in card and "edited" in card and "No AI training</span>" not in card
    # Bob may not delete Carol's comment; Alice, whose post it is, may.
    assert _form(bob, f"/comments/{by_carol}/delete", {}, page).status_code == 404
    assert "Delete Carol Cruz’s comment" in alice.get(page).text
    assert _form(alice, f"/comments/{by_carol}/delete", {}, page).status_code == 303
    assert _form(bob, f"/comments/{by_bob}/delete", {}, page).status_code == 303
    html = alice.get(page).text
    assert "Carol, revised" not in html and "Bob second" not in html
    with session_scope(sqlite_engine) as s:
        latest = s.scalars(
            select(UsagePreference.allowed)
            .where(UsagePreference.data_class == "comment", UsagePreference.item_id == by_carol)
            .order_by(UsagePreference.stated_at.desc(), UsagePreference.id.desc())
        ).first()
    assert latest is True


def test_the_api_has_the_same_rules(alice, app, network):
    post = network.posts["alice_connections"]
    headers = {"X-CSRF-Token": alice.get("/api/v1/me").json()["csrf_token"]}
    made = alice.post(
        f"/api/v1/posts/{post}/comments",
        json={"text": "Via the API", "no_ai_training": True},
        headers=headers,
    )
    assert made.status_code == 201, made.text
    comment = made.json()
    assert comment["no_ai_training"] is True and comment["text"] == "Via the API"
    carol = _carol(app, network)
    carol_headers = {"X-CSRF-Token": carol.get("/api/v1/me").json()["csrf_token"]}
    refused = carol.post(
        f"/api/v1/posts/{post}/comments", json={"text": "x"}, headers=carol_headers
    )
    assert refused.status_code == 404 and "error" in refused.json()
    for method, path, body in [
        ("PATCH", f"/api/v1/comments/{comment['id']}", {"text": "mine now"}),
        ("PUT", f"/api/v1/comments/{comment['id']}/usage", {"no_ai_training": False}),
        ("DELETE", f"/api/v1/comments/{comment['id']}", None),
        ("PATCH", f"/api/v1/posts/{post}", {"text": "mine now"}),
        ("DELETE", f"/api/v1/posts/{post}", None),
        ("PUT", f"/api/v1/posts/{post}/reaction", {"kind": "like"}),
    ]:
        answer = carol.request(method, path, json=body, headers=carol_headers)
        assert answer.status_code == 404, (method, path, answer.text)
    edited = alice.patch(
        f"/api/v1/comments/{comment['id']}", json={"text": "Edited via API"}, headers=headers
    )
    assert edited.status_code == 200 and edited.json()["edited"] is True
    usage = alice.put(
        f"/api/v1/comments/{comment['id']}/usage", json={"no_ai_training": False}, headers=headers
    )
    assert usage.json() == {"comment_id": comment["id"], "usage_preferences": {"train-ai": True}}
    reacted = alice.put(f"/api/v1/posts/{post}/reaction", json={"kind": "support"}, headers=headers)
    assert reacted.json() == {"post_id": post, "mine": "support", "counts": {"support": 1}}
    assert (
        alice.put(
            f"/api/v1/posts/{post}/reaction", json={"kind": "meh"}, headers=headers
        ).status_code
        == 400
    )
    gone = alice.delete(f"/api/v1/posts/{post}/reaction", headers=headers)
    assert gone.json()["counts"] == {}
    listed = alice.get(f"/api/v1/posts/{post}/comments").json()
    assert [c["text"] for c in listed] == ["Edited via API"]
    patched = alice.patch(f"/api/v1/posts/{post}", json={"text": "New words"}, headers=headers)
    assert patched.status_code == 200 and patched.json()["text"] == "New words"
    assert (
        alice.patch(f"/api/v1/posts/{post}", json={"text": ""}, headers=headers).status_code == 400
    )
    assert alice.delete(f"/api/v1/comments/{comment['id']}", headers=headers).status_code == 204
    assert alice.delete(f"/api/v1/posts/{post}", headers=headers).status_code == 204
    assert alice.get(f"/api/v1/posts/{post}/comments").status_code == 404


def test_an_edit_of_text_in_a_live_dataset_queues_its_refresh(app, network, sqlite_engine):
    from builders import build, grant, members_of, publish_default_policy
    from consentry.store.rights_tables import JobKind, PropagationJob

    settings = app.state.settings
    publish_default_policy(sqlite_engine, settings)
    bob_id = network.members["bob"]
    grant(sqlite_engine, [bob_id], "train-ai")
    bob = _bob(app, network)
    headers = {"X-CSRF-Token": bob.get("/api/v1/me").json()["csrf_token"]}
    post = network.posts["alice_public"]
    made = bob.post(f"/api/v1/posts/{post}/comments", json={"text": "Old words"}, headers=headers)
    assert bob_id in members_of(sqlite_engine, build(sqlite_engine, settings, "train-ai", shards=1))

    def refreshes() -> list[int]:
        with session_scope(sqlite_engine) as s:
            return list(
                s.scalars(
                    select(PropagationJob.id).where(
                        PropagationJob.member_id == bob_id, PropagationJob.kind == JobKind.REFRESH
                    )
                )
            )

    assert refreshes() == []
    comment = made.json()["id"]
    edited = bob.patch(f"/api/v1/comments/{comment}", json={"text": "New words"}, headers=headers)
    assert edited.status_code == 200 and len(refreshes()) == 1
    # Alice, who only reacts, changes nothing trainable of hers: no refresh for her.
    alice = TestClient(app)
    log_in(alice, network.email("alice"))
    alice_headers = {"X-CSRF-Token": alice.get("/api/v1/me").json()["csrf_token"]}
    alice.put(f"/api/v1/posts/{post}/reaction", json={"kind": "like"}, headers=alice_headers)
    with session_scope(sqlite_engine) as s:
        assert s.scalars(select(PropagationJob).where(PropagationJob.kind == JobKind.REFRESH)).all()
        kinds = {j.member_id for j in s.scalars(select(PropagationJob))}
    assert network.members["alice"] not in kinds
