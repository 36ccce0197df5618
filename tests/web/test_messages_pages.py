"""Messages pages (/messages, /messages/{handle}) and their API: sending through the
real form, unread counts in the header and the thread list, read state, and who may
write to whom."""

from __future__ import annotations

from fastapi.testclient import TestClient

from web.helpers import log_in, page_csrf
from web.member_helpers import press


def _as(app, network, handle: str) -> TestClient:
    client = TestClient(app)
    assert log_in(client, network.email(handle)).status_code == 303
    return client


def test_send_through_the_form_and_read_it_on_the_other_side(app, network):
    alice, bob = _as(app, network, "alice"), _as(app, network, "bob")
    assert '<a href="/messages">Messages (1 unread)</a>' in bob.get("/feed").text  # Carol's
    page = alice.get("/messages/bob").text
    assert "Message to Bob Baker" in page and "never used to train AI" in page
    sent = press(alice, "/messages/bob", "/messages/bob", text="See you at 10?")
    assert sent.status_code == 303 and sent.headers["location"] == "/messages/bob#latest"
    assert "See you at 10?" in alice.get("/messages/bob").text

    assert "Messages (2 unread)" in bob.get("/feed").text
    listing = bob.get("/messages").text
    assert "Alice Archer (1 unread)" in listing and "See you at 10?" in listing
    assert listing.index("Alice Archer") < listing.index("Carol Cruz")  # newest first
    thread = bob.get("/messages/alice").text
    assert "See you at 10?" in thread
    assert "Messages (1 unread)" in thread  # opening it read Alice's message
    assert "Alice Archer (1 unread)" not in bob.get("/messages").text
    assert "Seen" in alice.get("/messages/bob").text


def test_a_stranger_cannot_write_and_is_told_why(app, network):
    carol = _as(app, network, "carol")
    page = carol.get("/messages/alice").text
    assert (
        "You can message only your connections" in page and 'action="/messages/alice"' not in page
    )
    token = page_csrf(carol)
    refused = carol.post("/messages/alice", data={"csrf_token": token, "text": "Hi"})
    assert refused.status_code == 403 and "only your connections" in refused.text
    api = carol.post(
        "/api/v1/me/messages/alice", json={"text": "Hi"}, headers={"X-CSRF-Token": token}
    )
    assert api.status_code == 403 and "not connected with Alice Archer" in api.json()["error"]
    assert carol.get("/messages/dave").status_code == 404  # deleted member


def test_form_errors_keep_the_draft(app, network):
    alice = _as(app, network, "alice")
    empty = press(alice, "/messages/bob", "/messages/bob", text="   ")
    assert empty.status_code == 400 and "Write a message" in empty.text
    long = press(alice, "/messages/bob", "/messages/bob", text="y" * 2001)
    assert long.status_code == 400 and "at most 2000 characters" in long.text
    assert "y" * 2001 in long.text  # the draft is still there to shorten


def test_the_api_threads_and_read_state(app, network):
    alice, bob = _as(app, network, "alice"), _as(app, network, "bob")
    token = page_csrf(alice)
    sent = alice.post(
        "/api/v1/me/messages/bob", json={"text": "API hello"}, headers={"X-CSRF-Token": token}
    )
    assert sent.status_code == 201 and sent.json()["read_at"] is None
    threads = bob.get("/api/v1/me/messages").json()
    assert threads["unread_total"] == 2
    assert [(t["member"]["handle"], t["unread"]) for t in threads["items"]] == [
        ("alice", 1),
        ("carol", 1),
    ]
    thread = bob.get("/api/v1/me/messages/alice").json()
    assert [m["text"] for m in thread["messages"]] == ["API hello"] and thread["can_send"]
    assert bob.get("/api/v1/me/messages").json()["unread_total"] == 1
    mine = alice.get("/api/v1/me/messages/bob").json()["messages"]
    assert mine[0]["from_me"] and mine[0]["read_at"].endswith("Z")
    assert bob.get("/api/v1/me/messages/carol").json()["can_send"] is False


def test_nobody_reads_anothers_thread(app, network):
    """A thread is always the asker's own: Rita opening /messages/carol sees her own
    (empty) conversation with Carol, never Carol's with Bob."""
    rita = _as(app, network, "rita")
    assert "Carol secret message" not in rita.get("/messages/carol").text
    assert "Carol secret message" not in rita.get("/messages/bob").text
    assert "Carol secret message" not in rita.get("/api/v1/me/messages/bob").text
    assert rita.get("/api/v1/me/messages").json()["items"] == []
