"""Erasure and what members write every day: an erased member's edited posts, articles,
comments and profile leave no earlier text behind, their reactions go, and what they
caused others to be told no longer names them. SQLite and PostgreSQL."""

from __future__ import annotations

from sqlalchemy import select

from builders import hand_network, publish_default_policy, settings_for
from consentry.network.comments import add_comment, edit_comment
from consentry.network.post_edits import edit_post
from consentry.network.profile_edits import edit_profile
from consentry.network.publishing import publish_post
from consentry.network.reactions import react
from consentry.rights.erasure import erase
from consentry.store.engine import session_scope
from consentry.store.social_tables import Notification, Reaction
from consentry.store.tables import Comment, Post, Revision


def test_erasure_leaves_no_earlier_text_and_no_reaction(engine, tmp_path):
    settings = settings_for(engine, tmp_path / "data")
    publish_default_policy(engine, settings)
    m = hand_network(engine).members
    alice, bob = m["alice"], m["bob"]
    with session_scope(engine) as s:
        article = publish_post(
            s, author_id=alice, kind="article", title="First title", text="Alice's first draft"
        ).id
        edit_post(s, alice, article, text="Alice's second draft", title="Second title")
        comment = add_comment(s, author_id=alice, post_id=article, text="Alice's first comment").id
        edit_comment(s, alice, comment, "Alice's second comment")
        edit_profile(s, alice, {"about": "Alice's new about"})
        bobs = publish_post(s, author_id=bob, text="Bob's post").id
        react(s, alice, bobs, "like")
        add_comment(s, author_id=bob, post_id=article, text="Bob's reply to Alice")
    with session_scope(engine) as s:
        assert s.scalars(select(Revision.text)).all()  # the edits kept earlier texts

    erase(engine, settings, alice, source="settings", actor=f"member:{alice}")

    with session_scope(engine) as s:
        left = " ".join(s.scalars(select(Revision.text)))
        assert "Alice's" not in left and "First title" not in left
        assert s.scalars(select(Reaction).where(Reaction.member_id == alice)).all() == []
        post = s.get(Post, article)
        assert post is not None and post.text == "" and post.title == ""
        mine = s.get(Comment, comment)
        assert mine is not None and mine.text == "" and mine.deleted_at is not None
        # Bob's own reply stays Bob's; what Bob was told no longer names Alice.
        assert "Bob's reply to Alice" in s.scalars(select(Comment.text)).all()
        told = s.execute(
            select(Notification.kind, Notification.actor_id).where(Notification.member_id == bob)
        ).all()
        assert told == [("reaction", None)]
