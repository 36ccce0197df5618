"""A post's own page: the post, its reactions and comments, and the forms that act on them.

GET /posts/{post_id} shows a post the member may read (404 otherwise, as for one that
does not exist), with a form to comment and buttons to react. Its author also gets
forms to edit the text, to state "No AI training" on it and to delete it; a comment's
author gets forms to edit it, to state "No AI training" on it and to delete it, and the
post's author may delete any comment on their post. Every form posts here and comes
back to the post page; the rules are `network.comments`, `network.reactions` and
`network.post_edits`, as for the API.

An edit or a deletion of something trainable asks for a refresh of its author's
datasets (`refresh_after`), in the same transaction as the change, so the old text
leaves live datasets.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, FastAPI, Form, Path, Request
from fastapi.responses import RedirectResponse, Response
from sqlalchemy.orm import Session

from consentry.errors import NotFound
from consentry.network import comments, queries, reactions
from consentry.network.comments import MAX_COMMENT, CommentRejected
from consentry.network.post_edits import delete_post, edit_post
from consentry.network.publishing import MAX_TEXT, PostRejected, set_no_ai_training
from consentry.store.social_tables import REACTION_KINDS
from consentry.store.tables import Member
from consentry.web.deps import CurrentMember, DbSession
from consentry.web.layout import render
from consentry.web.profile_pages import refresh_after

router = APIRouter(include_in_schema=False)

ItemId = Annotated[int, Path(ge=1, le=2**31 - 1)]
Text = Annotated[str, Form(max_length=MAX_TEXT * 2)]
Flag = Annotated[str, Form(pattern="^(0|1)$")]
Box = Annotated[str | None, Form(max_length=8)]


def _post_page(
    request: Request,
    db: Session,
    member: Member,
    post_id: int,
    *,
    error: str | None = None,
    where: str | None = None,
    draft: str = "",
    status_code: int = 200,
) -> Response:
    post = queries.post(db, post_id=post_id, viewer_id=member.id)
    if post is None:
        raise NotFound("There is no post with that id that you can see.")
    return render(
        request,
        "post.html",
        {
            "post": post,
            "own": post.author_handle == member.handle,
            "comments": comments.comments_on(db, post_id=post_id, viewer_id=member.id),
            "kinds": [(k, reactions.LABELS[k]) for k in REACTION_KINDS],
            "error": error,
            "where": where,
            "draft": draft,
            "max_comment": MAX_COMMENT,
            "max_text": MAX_TEXT,
        },
        status_code=status_code,
    )


def _back(post_id: int, anchor: str = "") -> Response:
    return RedirectResponse(f"/posts/{post_id}{anchor}", status_code=303)


@router.get("/posts/{post_id}")
def post_page(request: Request, db: DbSession, member: CurrentMember, post_id: ItemId) -> Response:
    return _post_page(request, db, member, post_id)


@router.post("/posts/{post_id}/comments")
def add_comment(
    request: Request,
    db: DbSession,
    member: CurrentMember,
    post_id: ItemId,
    text: Text = "",
    no_ai_training: Box = None,
) -> Response:
    try:
        row = comments.add_comment(
            db,
            author_id=member.id,
            post_id=post_id,
            text=text,
            no_ai_training=no_ai_training is not None,
        )
    except CommentRejected as exc:
        db.rollback()
        return _post_page(
            request, db, member, post_id, error=str(exc), where="comment", draft=text,
            status_code=400,
        )  # fmt: skip
    return _back(post_id, f"#comment-{row.id}")


@router.post("/posts/{post_id}/reaction")
def react(
    db: DbSession,
    member: CurrentMember,
    post_id: ItemId,
    kind: Annotated[str, Form(max_length=16)] = "",
) -> Response:
    mine = queries.post(db, post_id=post_id, viewer_id=member.id)
    if mine is not None and mine.reactions.mine == kind:
        reactions.remove_reaction(db, member.id, post_id)  # pressed again: taken back
    else:
        reactions.react(db, member.id, post_id, kind)
    return _back(post_id, "#reactions")


@router.post("/posts/{post_id}/edit")
def edit(
    request: Request,
    db: DbSession,
    member: CurrentMember,
    post_id: ItemId,
    text: Text = "",
    title: Annotated[str | None, Form(max_length=1_000)] = None,
) -> Response:
    try:
        if edit_post(db, member.id, post_id, text=text, title=title):
            refresh_after(db, [member.id], "edited")
    except PostRejected as exc:
        db.rollback()
        return _post_page(
            request, db, member, post_id, error=str(exc), where="post", draft=text,
            status_code=400,
        )  # fmt: skip
    return _back(post_id)


@router.post("/posts/{post_id}/delete")
def delete(db: DbSession, member: CurrentMember, post_id: ItemId) -> Response:
    refresh_after(db, delete_post(db, member.id, post_id), "deleted")
    return RedirectResponse("/feed?deleted=1", status_code=303)


@router.post("/posts/{post_id}/usage")
def post_usage(
    db: DbSession, member: CurrentMember, post_id: ItemId, no_ai_training: Flag
) -> Response:
    set_no_ai_training(db, member.id, post_id, no_ai_training == "1")
    return _back(post_id)


@router.post("/comments/{comment_id}/edit")
def edit_comment(
    request: Request,
    db: DbSession,
    member: CurrentMember,
    comment_id: ItemId,
    text: Text = "",
) -> Response:
    row = comments.own_comment(db, member.id, comment_id)
    post_id = row.post_id
    try:
        if comments.edit_comment(db, member.id, comment_id, text):
            refresh_after(db, [member.id], "edited")
    except CommentRejected as exc:
        db.rollback()
        return _post_page(
            request, db, member, post_id, error=str(exc), where=f"comment-{comment_id}",
            draft=text, status_code=400,
        )  # fmt: skip
    return _back(post_id, f"#comment-{comment_id}")


@router.post("/comments/{comment_id}/delete")
def delete_comment(db: DbSession, member: CurrentMember, comment_id: ItemId) -> Response:
    author = comments.delete_comment(db, member.id, comment_id)
    refresh_after(db, [author], "deleted")
    return _back(comments.post_of(db, comment_id), "#comments")


@router.post("/comments/{comment_id}/usage")
def comment_usage(
    db: DbSession, member: CurrentMember, comment_id: ItemId, no_ai_training: Flag
) -> Response:
    comments.set_comment_no_ai_training(db, member.id, comment_id, no_ai_training == "1")
    return _back(comments.post_of(db, comment_id), f"#comment-{comment_id}")


def install(app: FastAPI) -> None:
    """Add the post pages."""
    app.include_router(router)
