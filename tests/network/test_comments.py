"""Comments, reactions, edits and deletions of posts and comments, by the network's rules
(SQLite and PostgreSQL): who may do what, what readers see, who is notified."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from builders import hand_network
from consentry.errors import InvalidInput, NotFound
from consentry.network import queries
from consentry.network.comments import (
    add_comment,
    comments_on,
    delete_comment,
    edit_comment,
    set_comment_no_ai_training,
)
from consentry.network.notifications import recent
from consentry.network.post_edits import delete_post, edit_post
from consentry.network.reactions import react, remove_reaction
from consentry.store.engine import session_scope
from consentry.store.tables import Comment, Mention, Revision


@pytest.fixture
def net(engine):
    return hand_network(engine)


def _texts(engine, post_id, viewer_id):
    with session_scope(engine) as s:
        return [c.text for c in comments_on(s, post_id=post_id, viewer_id=viewer_id)]


def test_connections_only_posts_take_comments_from_connections_only(engine, net):
    alice, bob, carol = (net.members[h] for h in ("alice", "bob", "carol"))
    post = net.posts["alice_connections"]
    with session_scope(engine) as s:
        add_comment(s, author_id=bob, post_id=post, text="From a connection")
    with session_scope(engine) as s, pytest.raises(NotFound):
        add_comment(s, author_id=carol, post_id=post, text="From a stranger")
    with session_scope(engine) as s, pytest.raises(NotFound):
        comments_on(s, post_id=post, viewer_id=carol)
    assert _texts(engine, post, alice) == ["From a connection"]
    # A deleted post takes no comments, a public one takes anyone's.
    with session_scope(engine) as s, pytest.raises(NotFound):
        add_comment(s, author_id=bob, post_id=net.posts["carol_deleted"], text="late")
    with session_scope(engine) as s:
        add_comment(s, author_id=carol, post_id=net.posts["alice_public"], text="Public reply")
    assert "Public reply" in _texts(engine, net.posts["alice_public"], bob)


@pytest.mark.parametrize("text", ["", "   ", "x" * 3001])
def test_empty_or_overlong_comments_are_refused(engine, net, text):
    with session_scope(engine) as s, pytest.raises(InvalidInput):
        add_comment(s, author_id=net.members["bob"], post_id=net.posts["alice_public"], text=text)


def test_the_post_author_is_notified_of_comments_and_reactions_but_not_their_own(engine, net):
    alice, bob = net.members["alice"], net.members["bob"]
    post = net.posts["alice_public"]
    with session_scope(engine) as s:
        add_comment(s, author_id=bob, post_id=post, text="Hi Alice")
        add_comment(s, author_id=alice, post_id=post, text="Thanks, Bob")
        assert react(s, bob, post, "celebrate") is True
        assert react(s, bob, post, "insightful") is False  # a change, not a new one
        react(s, alice, post, "like")
    with session_scope(engine) as s:
        kinds = sorted((n.kind, n.actor_id, n.subject_id) for n in recent(s, alice))
        assert kinds == [("comment", bob, post), ("reaction", bob, post)]
        assert recent(s, bob) == []


def test_one_reaction_per_member_counted_changed_and_removed(engine, net):
    alice, bob, carol = (net.members[h] for h in ("alice", "bob", "carol"))
    post = net.posts["alice_public"]
    with session_scope(engine) as s:
        react(s, bob, post, "like")
        react(s, carol, post, "like")
        react(s, carol, post, "curious")
    with session_scope(engine) as s:
        seen = queries.post(s, post_id=post, viewer_id=carol)
        assert seen is not None
        assert seen.reactions.counts == {"like": 1, "curious": 1}
        assert seen.reactions.mine == "curious" and seen.reactions.total == 2
        assert remove_reaction(s, carol, post) is True
        assert remove_reaction(s, carol, post) is False
    with session_scope(engine) as s:
        feed = queries.feed(s, viewer_id=alice)
        mine = next(p for p in feed.items if p.id == post)
        assert mine.reactions.counts == {"like": 1} and mine.reactions.mine is None
    with session_scope(engine) as s, pytest.raises(InvalidInput):
        react(s, bob, post, "angry")
    with session_scope(engine) as s, pytest.raises(NotFound):
        react(s, carol, net.posts["bob_connections"], "like")


def test_comment_author_edits_with_a_revision_others_cannot(engine, net):
    bob, carol = net.members["bob"], net.members["carol"]
    post = net.posts["alice_public"]
    with session_scope(engine) as s:
        comment = add_comment(s, author_id=bob, post_id=post, text="First words").id
    with session_scope(engine) as s, pytest.raises(NotFound):
        edit_comment(s, carol, comment, "Hijacked")
    with session_scope(engine) as s:
        assert edit_comment(s, bob, comment, "Second words @carol") is True
        assert edit_comment(s, bob, comment, "Second words @carol") is False
    with session_scope(engine) as s:
        view = next(c for c in comments_on(s, post_id=post, viewer_id=bob) if c.id == comment)
        assert view.text == "Second words @carol" and view.edited and view.can_edit
        kept = s.scalars(
            select(Revision.text).where(
                Revision.data_class == "comment", Revision.item_id == comment
            )
        ).all()
        assert kept == ["First words"]
        named = s.scalars(
            select(Mention.member_id).where(
                Mention.data_class == "comment", Mention.item_id == comment
            )
        ).all()
        assert named == [carol]


def test_the_comment_or_post_author_may_delete_a_comment_nobody_else(engine, net):
    alice, bob, carol = (net.members[h] for h in ("alice", "bob", "carol"))
    post = net.posts["alice_public"]
    with session_scope(engine) as s:
        by_carol = add_comment(s, author_id=carol, post_id=post, text="Carol says").id
        by_bob = add_comment(s, author_id=bob, post_id=post, text="Bob says").id
    with session_scope(engine) as s, pytest.raises(NotFound):
        delete_comment(s, bob, by_carol)
    with session_scope(engine) as s:
        # The post's author removes Carol's comment; Carol removes nothing of Bob's.
        assert delete_comment(s, alice, by_carol) == carol
    with session_scope(engine) as s, pytest.raises(NotFound):
        delete_comment(s, carol, by_bob)
    with session_scope(engine) as s:
        assert delete_comment(s, bob, by_bob) == bob
    with session_scope(engine) as s, pytest.raises(NotFound):
        delete_comment(s, bob, by_bob)  # already gone
    assert "Carol says" not in _texts(engine, post, alice)
    assert "Bob says" not in _texts(engine, post, alice)
    with session_scope(engine) as s:
        row = s.get(Comment, by_carol)
        assert row is not None and row.deleted_at is not None  # soft: the row stays


def test_no_ai_training_on_a_comment_at_creation_and_afterwards(engine, net):
    bob, carol = net.members["bob"], net.members["carol"]
    post = net.posts["alice_public"]
    with session_scope(engine) as s:
        quiet = add_comment(s, author_id=bob, post_id=post, text="Keep me out", no_ai_training=True)
        open_ = add_comment(s, author_id=bob, post_id=post, text="Use me")
        quiet_id, open_id = quiet.id, open_.id
    with session_scope(engine) as s:
        marked = {c.id: c.no_ai_training for c in comments_on(s, post_id=post, viewer_id=carol)}
        assert marked[quiet_id] is True and marked[open_id] is False
        assert set_comment_no_ai_training(s, bob, open_id, True) == {"train-ai": False}
        assert set_comment_no_ai_training(s, bob, quiet_id, False) == {"train-ai": True}
    with session_scope(engine) as s:
        marked = {c.id: c.no_ai_training for c in comments_on(s, post_id=post, viewer_id=carol)}
        assert marked[quiet_id] is False and marked[open_id] is True
    with session_scope(engine) as s, pytest.raises(NotFound):
        set_comment_no_ai_training(s, carol, open_id, False)


def test_post_edit_and_delete_by_its_author_only(engine, net):
    alice, bob = net.members["alice"], net.members["bob"]
    post = net.posts["alice_public"]
    with session_scope(engine) as s, pytest.raises(NotFound):
        edit_post(s, bob, post, text="Bob rewrites Alice")
    with session_scope(engine) as s, pytest.raises(InvalidInput):
        edit_post(s, alice, post, text="   ")
    with session_scope(engine) as s:
        assert edit_post(s, alice, post, text="Alice public hello, edited") is True
    with session_scope(engine) as s:
        seen = queries.post(s, post_id=post, viewer_id=bob)
        assert seen is not None and seen.text == "Alice public hello, edited" and seen.edited
    with session_scope(engine) as s, pytest.raises(NotFound):
        delete_post(s, bob, post)
    with session_scope(engine) as s:
        # Alice's post goes, and with it Bob's comment on it (Bob's content left too).
        assert delete_post(s, alice, post) == {alice, bob}
    with session_scope(engine) as s:
        assert queries.post(s, post_id=post, viewer_id=alice) is None
        live = s.scalars(
            select(Comment).where(Comment.post_id == post, Comment.deleted_at.is_(None))
        ).all()
        assert live == []


def test_the_feed_shows_each_posts_two_latest_live_comments(engine, net):
    alice, bob, carol = (net.members[h] for h in ("alice", "bob", "carol"))
    post = net.posts["alice_public"]
    with session_scope(engine) as s:
        for author, text in [(carol, "one"), (bob, "two"), (carol, "three")]:
            add_comment(s, author_id=author, post_id=post, text=text)
        gone = add_comment(s, author_id=bob, post_id=post, text="four").id
        delete_comment(s, bob, gone)
    with session_scope(engine) as s:
        shown = next(p for p in queries.feed(s, viewer_id=alice).items if p.id == post)
        assert [c.text for c in shown.latest_comments] == ["two", "three"]
        other = next(p for p in queries.feed(s, viewer_id=alice).items if p.id != post)
        assert other.latest_comments == ()


def test_the_export_holds_the_current_text_and_nothing_deleted(engine, net):
    from consentry.network.export import member_files

    alice, bob = net.members["alice"], net.members["bob"]
    post = net.posts["alice_public"]
    with session_scope(engine) as s:
        kept = add_comment(s, author_id=bob, post_id=post, text="Bob before").id
        gone = add_comment(s, author_id=bob, post_id=post, text="Bob regrets this").id
        edit_comment(s, bob, kept, "Bob after")
        delete_comment(s, bob, gone)
        edit_post(s, alice, post, text="Alice after")
    with session_scope(engine) as s:
        bobs = member_files(s, bob, base_url="https://consentry.example")["Comments.csv"].decode()
        alices = member_files(s, alice, base_url="https://consentry.example")["Shares.csv"].decode()
    assert "Bob after" in bobs and "Bob before" not in bobs and "Bob regrets this" not in bobs
    assert "Alice after" in alices and "Alice public hello" not in alices
