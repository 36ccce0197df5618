"""The member pages: what each one shows, and what it must never show."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import insert, select

from consentry.store.engine import utcnow
from consentry.store.tables import Job, Mention, Post, UsagePreference
from web.helpers import page_csrf


def test_feed_shows_what_alice_may_read_and_nothing_else(alice):
    html = alice.get("/feed").text
    for visible in (
        "Alice public hello",
        "Alice note for connections",  # her own, connections-only
        "Bob connections-only update",  # a connection's, connections-only
        "Carol public thoughts",  # a stranger's public post
    ):
        assert visible in html, visible
    for hidden in (
        "Carol private musings",  # a stranger's connections-only post
        "Carol deleted post",  # soft-deleted
        "Dave ghost post",  # by a deleted member
        "Carol secret message",  # private messages never appear
    ):
        assert hidden not in html, hidden


def test_feed_shows_author_link_time_and_live_comment_count(alice, network):
    html = alice.get("/feed").text
    assert (
        '<a id="post-{}-by" class="post-author" href="/members/carol">Carol Cruz</a>'.format(
            network.posts["carol_public"]
        )
        in html
    )
    assert "<time datetime=" in html
    start = html.index(f'id="post-{network.posts["alice_public"]}-by"')
    card = html[start : html.index("</article>", start)]
    assert "1 comment<" in card  # the deleted comment is not counted
    assert "Connections only" in html


def test_feed_is_newest_first(alice):
    html = alice.get("/feed").text
    assert html.index("Carol public thoughts") < html.index("Bob connections-only update")
    assert html.index("Bob connections-only update") < html.index("Alice public hello")


def test_network_tab_shows_only_alice_and_her_connections(alice):
    html = alice.get("/feed?scope=network").text
    assert "Bob connections-only update" in html and "Alice public hello" in html
    assert "Carol public thoughts" not in html
    assert alice.get("/feed?scope=everything").status_code == 400


def test_feed_pages_through_many_posts(alice, network, sqlite_engine):
    now = utcnow()
    with sqlite_engine.begin() as conn:
        for i in range(25):
            when = now + timedelta(seconds=i + 1)
            conn.execute(
                insert(Post).values(
                    member_id=network.members["bob"],
                    kind="post",
                    title="",
                    text=f"Bulk {i:02d}",
                    visibility="public",
                    created_at=when,
                    updated_at=when,
                )
            )
    first = alice.get("/feed").text
    assert "Bulk 24" in first and "Bulk 05" in first and "Bulk 04" not in first
    assert 'rel="next" href="/feed?page=2"' in first and 'rel="prev"' not in first
    second = alice.get("/feed?page=2").text
    assert "Bulk 04" in second and "Bulk 24" not in second and "Alice public hello" in second
    assert 'rel="prev" href="/feed?page=1"' in second
    assert alice.get("/feed?page=0").status_code == 400
    assert alice.get("/feed?page=abc").status_code == 400
    assert alice.get("/feed?page=99").status_code == 200


def test_creating_a_post_from_the_feed(alice, network, sqlite_engine):
    token = page_csrf(alice)
    response = alice.post(
        "/posts",
        data={
            "text": "Hello @bob and <b>world</b>",
            "visibility": "connections",
            "csrf_token": token,
        },
        follow_redirects=False,
    )
    assert response.status_code == 303 and response.headers["location"] == "/feed"
    with sqlite_engine.connect() as conn:
        post = conn.execute(select(Post).where(Post.text.startswith("Hello @bob"))).one()
        prefs = conn.execute(
            select(UsagePreference).where(UsagePreference.item_id == post.id)
        ).all()
        mentions = conn.execute(select(Mention.member_id).where(Mention.item_id == post.id)).all()
    assert post.member_id == network.members["alice"]
    assert post.visibility == "connections" and post.kind == "post"
    assert prefs == []  # nothing stated without the checkbox
    assert [m for (m,) in mentions] == [network.members["bob"]]
    html = alice.get("/feed").text
    assert "Hello @bob and &lt;b&gt;world&lt;/b&gt;" in html  # escaped, never markup


def test_no_ai_training_checkbox_records_a_usage_preference(alice, network, sqlite_engine):
    token = page_csrf(alice)
    before = utcnow()
    response = alice.post(
        "/posts",
        data={
            "text": "Keep this out of AI",
            "visibility": "public",
            "no_ai_training": "1",
            "csrf_token": token,
        },
        follow_redirects=False,
    )
    assert response.status_code == 303
    with sqlite_engine.connect() as conn:
        post_id = conn.scalar(select(Post.id).where(Post.text == "Keep this out of AI"))
        rows = conn.execute(select(UsagePreference).where(UsagePreference.item_id == post_id)).all()
    assert len(rows) == 1
    pref = rows[0]
    assert (pref.data_class, pref.item_id, pref.category, pref.allowed) == (
        "post",
        post_id,
        "train-ai",
        False,
    )
    assert before - timedelta(seconds=1) <= pref.stated_at <= utcnow()
    html = alice.get("/feed").text
    start = html.index(f'id="post-{post_id}-by"')
    assert "No AI training</span>" in html[start : html.index("</article>", start)]
    assert html.count('class="badge badge-no-ai"') == 1  # only the post that stated it


def test_an_empty_post_is_refused_and_the_draft_kept(alice, sqlite_engine):
    token = page_csrf(alice)
    with sqlite_engine.connect() as conn:
        before = conn.execute(select(Post.id)).all()
    response = alice.post(
        "/posts",
        data={"text": "   ", "visibility": "public", "no_ai_training": "1", "csrf_token": token},
    )
    assert response.status_code == 400
    assert "a post needs some text" in response.text
    assert 'id="post-no-ai" name="no_ai_training" type="checkbox" value="1"' in response.text
    assert " checked>" in response.text
    bad = alice.post("/posts", data={"text": "x", "visibility": "friends", "csrf_token": token})
    assert bad.status_code == 400 and "visibility must be one of" in bad.text
    with sqlite_engine.connect() as conn:
        assert conn.execute(select(Post.id)).all() == before
        assert conn.execute(select(UsagePreference.id)).all() == []


def test_my_profile_shows_my_data_and_not_anyone_elses(alice):
    html = alice.get("/profile").text
    for mine in (
        "Alice Archer",
        "Data engineer who likes tidy pipelines",
        "I build data platforms.",
        "Data Engineer",
        "Acme Analytics",
        "Intern",
        "Old Corp",
        "TU Berlin",
        "MSc",
        "Computer Science",
        "Python",
        "SQL",
        "alice@example.test",
        "Alice public hello",
    ):
        assert mine in html, mine
    for other in (
        "Withdrawn Role",
        "Lighthouse Keeper",
        "Knitting",
        "Rust tinkerer",
        "bob@example.test",
        "carol@example.test",
    ):
        assert other not in html, other
    assert html.index("Data Engineer") < html.index("Intern")  # newest position first


def test_another_members_page_shows_public_profile_only(alice):
    html = alice.get("/members/carol").text
    assert "Carol Cruz" in html and "Lighthouse Keeper" in html and "Knitting" in html
    assert "Carol public thoughts" in html
    assert "Carol private musings" not in html  # connections-only, and Alice is not one
    assert "Carol secret message" not in html
    assert "carol@example.test" not in html and "1990" not in html
    bob = alice.get("/members/BOB").text
    assert "Bob connections-only update" in bob and "Connected" in bob


def test_own_member_page_redirects_to_profile(alice):
    response = alice.get("/members/alice", follow_redirects=False)
    assert response.headers["location"] == "/profile"


def test_unknown_or_deleted_member_is_404(alice):
    for handle in ("nobody", "dave"):
        response = alice.get(f"/members/{handle}")
        assert response.status_code == 404, handle
        assert "text/html" in response.headers["content-type"]
        assert "Not found" in response.text
        assert "Log out" in response.text  # the page keeps the member's navigation
    assert alice.get("/no/such/page").status_code == 404


def test_jobs_list_shows_live_jobs_with_details(alice, network):
    html = alice.get("/jobs").text
    for shown in (
        "Senior Python Engineer",
        "Globex",
        "Berlin",
        "Remote",
        "PostgreSQL",
        "Product Designer",
        "Initech",
        "London",
        "Figma",
    ):
        assert shown in html, shown
    assert "Old Role" not in html
    assert f'href="/jobs/{network.jobs["python"]}"' in html


def test_job_search_by_keyword(alice):
    for q, expect, reject in [
        ("python", "Senior Python Engineer", "Product Designer"),
        ("FIGMA", "Product Designer", "Senior Python Engineer"),  # a skill, any case
        ("initech london", "Product Designer", "Senior Python Engineer"),  # every word
        ("100%", "Senior Python Engineer", "Product Designer"),  # % is literal, not a wildcard
    ]:
        html = alice.get("/jobs", params={"q": q}).text
        assert expect in html and reject not in html, q
    nothing = alice.get("/jobs", params={"q": "_"}).text
    assert "No jobs found." in nothing
    assert alice.get("/jobs", params={"q": "x" * 201}).status_code == 400


def test_jobs_paginate(alice, network, sqlite_engine):
    now = utcnow()
    with sqlite_engine.begin() as conn:
        for i in range(21):
            conn.execute(
                insert(Job).values(
                    recruiter_id=network.members["rita"],
                    company="Bulk Co",
                    title=f"Role {i:02d}",
                    location="Remote",
                    region="DE",
                    remote=True,
                    employment_type="full-time",
                    seniority="",
                    description="",
                    created_at=now + timedelta(seconds=i + 1),
                    updated_at=now,
                )
            )
    first = alice.get("/jobs?q=bulk").text
    assert first.count('class="card job"') == 20
    assert 'rel="next" href="/jobs?q=bulk&amp;page=2"' in first
    second = alice.get("/jobs?q=bulk&page=2").text
    assert second.count('class="card job"') == 1 and "Role 00" in second


def test_job_page_and_missing_jobs(alice, network):
    html = alice.get(f"/jobs/{network.jobs['python']}").text
    assert "Senior Python Engineer" in html and "Build 100% reliable services." in html
    assert "PostgreSQL" in html and "full-time" in html
    assert alice.get(f"/jobs/{network.jobs['gone']}").status_code == 404
    assert alice.get("/jobs/999999").status_code == 404
    assert alice.get("/jobs/abc").status_code == 400
    assert alice.get("/jobs/99999999999999999999999").status_code == 400


def test_banner_and_nav_extension_points(app, alice):
    from consentry.web.layout import Banner, NavItem

    app.state.nav.append(NavItem("Privacy", "/privacy"))
    app.state.banners.append(
        lambda request: [Banner("Our policy changes on 1 March.", "warning", "/policy")]
    )
    html = alice.get("/feed").text
    assert '<a href="/privacy">Privacy</a>' in html
    assert 'class="banner banner-warning" role="alert"' in html
    assert "Our policy changes on 1 March." in html and 'href="/policy"' in html
