"""My network (/connections), the Connect and Message buttons on a profile, and the
same through the JSON API: what a member sees and what each button does."""

from __future__ import annotations

import re

from fastapi.testclient import TestClient

from web.helpers import log_in, page_csrf
from web.member_helpers import press


def _as(app, network, handle: str) -> TestClient:
    client = TestClient(app)
    assert log_in(client, network.email(handle)).status_code == 303
    return client


def _request_id(html: str, action: str) -> str:
    found = re.search(rf'action="/connection-requests/(\d+)/{action}"', html)
    assert found, f"no {action} button"
    return found.group(1)


def test_connect_from_a_profile_then_accept_from_my_network(app, network):
    carol = _as(app, network, "carol")
    profile = carol.get("/members/alice").text
    assert 'action="/connection-requests"' in profile and "Add a note" in profile
    assert "/messages/alice" not in profile  # not connected: no Message button
    sent = press(
        carol,
        "/members/alice",
        "/connection-requests",
        handle="alice",
        note="We met at PyCon",
        next="/members/alice",
    )
    assert sent.status_code == 303 and sent.headers["location"] == "/members/alice?done=invited"
    assert "Invitation sent" in carol.get("/members/alice").text
    assert "We met at PyCon" in carol.get("/connections").text  # under "Invitations you sent"

    alice = _as(app, network, "alice")
    html = alice.get("/connections").text
    assert "Invitations to you (1)" in html and "We met at PyCon" in html
    rid = _request_id(html, "accept")
    done = press(alice, "/connections", f"/connection-requests/{rid}/accept")
    assert done.headers["location"] == "/connections?done=accepted"
    html = alice.get("/connections?done=accepted").text
    assert "You are now connected." in html and "Your connections (2)" in html
    assert 'href="/members/carol">Carol Cruz</a>' in html
    profile = carol.get("/members/alice").text
    assert "Connected" in profile and 'href="/messages/alice"' in profile


def test_decline_withdraw_and_remove_buttons(app, network):
    carol, alice = _as(app, network, "carol"), _as(app, network, "alice")
    press(carol, "/members/alice", "/connection-requests", handle="alice")
    rid = _request_id(alice.get("/connections").text, "decline")
    press(alice, "/connections", f"/connection-requests/{rid}/decline")
    assert "Invitations to you (0)" in alice.get("/connections").text
    assert "Invitation sent" not in carol.get("/members/alice").text  # Connect again

    press(carol, "/members/alice", "/connection-requests", handle="alice")
    rid = _request_id(carol.get("/connections").text, "withdraw")
    press(carol, "/connections", f"/connection-requests/{rid}/withdraw")
    assert "Invitations you sent (0)" in carol.get("/connections").text

    removed = press(alice, "/connections", "/connections/bob/remove")
    assert removed.headers["location"] == "/connections?done=removed"
    html = alice.get("/connections?done=removed").text
    assert "Connection removed." in html and "Your connections (0)" in html


def test_refusals_show_the_reason_on_the_page(app, network):
    alice = _as(app, network, "alice")
    long_note = press(
        alice, "/members/carol", "/connection-requests", handle="carol", note="x" * 301
    )
    assert long_note.status_code == 400 and "at most 300 characters" in long_note.text
    # The same Connect form sent twice (a page left open in two tabs).
    press(alice, "/members/carol", "/connection-requests", handle="carol")
    token = page_csrf(alice, "/connections")
    twice = alice.post("/connection-requests", data={"csrf_token": token, "handle": "carol"})
    assert twice.status_code == 409 and "already invited Carol Cruz" in twice.text
    assert "<h1>My network</h1>" in twice.text  # the page again, with the reason
    connected = alice.post("/connection-requests", data={"csrf_token": token, "handle": "bob"})
    assert connected.status_code == 409 and "already connected with Bob Baker" in connected.text
    nobody = alice.post("/connection-requests", data={"csrf_token": token, "handle": "dave"})
    assert nobody.status_code == 404
    theirs = alice.post("/connection-requests/999/accept", data={"csrf_token": token})
    assert theirs.status_code == 404


def test_people_you_may_know_shows_mutual_counts_and_connects(app, network, sqlite_engine):
    # Bob - Carol connected: Carol is two hops from Alice, through Bob.
    bob, carol = _as(app, network, "bob"), _as(app, network, "carol")
    press(bob, "/members/carol", "/connection-requests", handle="carol")
    rid = _request_id(carol.get("/connections").text, "accept")
    press(carol, "/connections", f"/connection-requests/{rid}/accept")
    alice = _as(app, network, "alice")
    html = alice.get("/connections").text
    section = html[html.index("People you may know") :]
    assert "Carol Cruz" in section and "1 mutual connection<" in section
    assert "1 mutual connection" in alice.get("/members/carol").text
    press(alice, "/connections", "/connection-requests", handle="carol")
    html = alice.get("/connections").text
    assert "Carol Cruz" not in html[html.index("People you may know") :]


def test_the_api_does_what_the_pages_do(app, network):
    carol, alice = _as(app, network, "carol"), _as(app, network, "alice")
    ctoken, atoken = page_csrf(carol), page_csrf(alice)
    sent = carol.post(
        "/api/v1/connection-requests",
        json={"handle": "alice", "note": "Hello"},
        headers={"X-CSRF-Token": ctoken},
    )
    assert sent.status_code == 201 and sent.json()["status"] == "pending"
    rid = sent.json()["request_id"]
    again = carol.post(
        "/api/v1/connection-requests", json={"handle": "alice"}, headers={"X-CSRF-Token": ctoken}
    )
    assert again.status_code == 409 and "not answered" in again.json()["error"]
    mine = alice.get("/api/v1/me/connection-requests").json()
    assert [(r["id"], r["member"]["handle"], r["note"]) for r in mine["received"]] == [
        (rid, "carol", "Hello")
    ]
    wrong_side = carol.post(
        f"/api/v1/connection-requests/{rid}/accept", headers={"X-CSRF-Token": ctoken}
    )
    assert wrong_side.status_code == 404
    ok = alice.post(f"/api/v1/connection-requests/{rid}/accept", headers={"X-CSRF-Token": atoken})
    assert ok.status_code == 204
    listed = alice.get("/api/v1/me/connections").json()
    assert [c["member"]["handle"] for c in listed["items"]] == ["carol", "bob"]
    assert listed["total"] == 2
    gone = alice.delete("/api/v1/me/connections/carol", headers={"X-CSRF-Token": atoken})
    assert gone.status_code == 204
    assert (
        alice.delete("/api/v1/me/connections/carol", headers={"X-CSRF-Token": atoken}).status_code
        == 404
    )
    assert [s["member"]["handle"] for s in bob_suggestions(app, network)] == []


def bob_suggestions(app, network) -> list[dict]:
    return _as(app, network, "bob").get("/api/v1/me/people-you-may-know").json()


def test_nav_links_to_my_network(alice):
    html = alice.get("/feed").text
    assert '<a href="/connections">My network</a>' in html
