"""Invariant: an edit's old text leaves every later build; deleted posts and comments
leave too; a comment marked "No AI training" stays out of the AI datasets while its
neighbour goes in. A build as of a ledger position before the edit still reproduces
what the item said then (SQLite and PostgreSQL).

Every search is over the values of every Parquet file of the dataset, so a marker found
nowhere is truly gone; a control marker of the same shape that must be found keeps each
search honest.
"""

from __future__ import annotations

import uuid
from pathlib import Path

import pyarrow.parquet as pq

from builders import build, dataset_folder, grant, hand_network, publish_default_policy
from consentry.consent import ledger
from consentry.datasets.build import build_dataset
from consentry.network.comments import add_comment, delete_comment, edit_comment
from consentry.network.post_edits import delete_post, edit_post
from consentry.network.profile_edits import edit_profile
from consentry.network.publishing import publish_post
from consentry.store.engine import session_scope

PURPOSES = ("train-ai", "train-genai")


def _marker(kind: str) -> str:
    # Letters only, one word: nothing a scrubber would take for an id, a number or a name.
    letters = "".join(chr(ord("a") + int(c, 16)) for c in uuid.uuid4().hex[:14])
    return f"zq{kind}{letters}"


def _text(engine, settings, dataset_id: str) -> str:
    folder: Path = dataset_folder(engine, settings, dataset_id)
    files = sorted(folder.rglob("*.parquet"))
    assert files, f"dataset {dataset_id} has no Parquet file"
    return " ".join(
        str(value)
        for path in files
        for row in pq.read_table(path).to_pylist()
        for value in row.values()
    )


def _world(engine, settings):
    net = hand_network(engine)
    publish_default_policy(engine, settings)
    alice, bob = net.members["alice"], net.members["bob"]
    for purpose in PURPOSES:
        grant(engine, [alice, bob], purpose)
    return net, alice, bob


def _head(engine) -> int:
    with session_scope(engine) as s:
        return ledger.head(s).seq


def test_old_text_leaves_later_builds_and_stays_in_builds_as_of_before(engine, settings):
    net, alice, bob = _world(engine, settings)
    old = {k: _marker(k) for k in ("post", "comment", "about", "headline")}
    new = {k: _marker(k) for k in ("post", "comment", "about")}
    with session_scope(engine) as s:
        post = publish_post(s, author_id=alice, text=f"Pipelines {old['post']} today").id
        comment = add_comment(s, author_id=bob, post_id=post, text=f"Agreed {old['comment']}").id
        edit_profile(s, alice, {"about": f"About {old['about']}", "headline": old["headline"]})
    before = {p: build(engine, settings, p, shards=1) for p in PURPOSES}
    for purpose, dataset_id in before.items():
        text = _text(engine, settings, dataset_id)
        assert all(marker in text for marker in old.values()), purpose
    # A ledger position after the items were written and before they are edited.
    grant(engine, [net.members["carol"]], "train-genai")
    position = _head(engine)

    with session_scope(engine) as s:
        edit_post(s, alice, post, text=f"Pipelines {new['post']} today")
        edit_comment(s, bob, comment, f"Agreed {new['comment']}")
        # Only the about changes: the headline must still be read, as it is, everywhere.
        edit_profile(s, alice, {"about": f"About {new['about']}"})
    grant(engine, [net.members["carol"]], "train-ai")  # the ledger moves past `position`

    for purpose in PURPOSES:
        later = _text(engine, settings, build(engine, settings, purpose, shards=1))
        for kind in ("post", "comment", "about"):
            assert old[kind] not in later, (purpose, kind, "old text in a later build")
            assert new[kind] in later, (purpose, kind)
        assert old["headline"] in later, purpose  # not edited: still there

        result = build_dataset(engine, settings, purpose=purpose, as_of=position, shards=1)
        assert result.reproduction
        then = _text(engine, settings, result.dataset_id)
        for kind in ("post", "comment", "about", "headline"):
            assert old[kind] in then, (purpose, kind, "as-of build lost the text of then")
        assert not any(new[kind] in then for kind in new), purpose


def test_deleted_posts_and_comments_leave_later_builds(engine, settings):
    _, alice, bob = _world(engine, settings)
    gone_post, gone_comment, kept = _marker("post"), _marker("comment"), _marker("kept")
    with session_scope(engine) as s:
        post = publish_post(s, author_id=alice, text=f"Soon gone {gone_post}").id
        other = publish_post(s, author_id=alice, text=f"Staying {kept}").id
        comment = add_comment(s, author_id=bob, post_id=other, text=f"Soon gone {gone_comment}").id
        on_gone = add_comment(s, author_id=bob, post_id=post, text=f"On a gone post {gone_post}x")
        assert on_gone.id
    first = _text(engine, settings, build(engine, settings, "train-ai", shards=1))
    assert gone_post in first and gone_comment in first and kept in first
    with session_scope(engine) as s:
        assert delete_post(s, alice, post) == {alice, bob}  # its comments go with it
        assert delete_comment(s, alice, comment) == bob  # the post's author removes it
    for purpose in PURPOSES:
        later = _text(engine, settings, build(engine, settings, purpose, shards=1))
        assert gone_post not in later and gone_comment not in later, purpose
        assert kept in later, purpose


def test_a_comment_marked_no_ai_stays_out_while_its_neighbour_goes_in(engine, settings):
    net, _, bob = _world(engine, settings)
    quiet, loud = _marker("quiet"), _marker("loud")
    with session_scope(engine) as s:
        post = net.posts["alice_public"]
        add_comment(s, author_id=bob, post_id=post, text=f"Please no {quiet}", no_ai_training=True)
        add_comment(s, author_id=bob, post_id=post, text=f"Fine by me {loud}")
    for purpose in PURPOSES:
        text = _text(engine, settings, build(engine, settings, purpose, shards=1))
        assert quiet not in text and loud in text, purpose
