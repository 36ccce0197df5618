"""The API for one's own profile and for posts' comments and reactions, under /api/v1.

The same functions as the pages (`network.profile_edits`, `network.comments`,
`network.reactions`, `network.post_edits`), so the same rules: a position, school,
skill, comment or post that is not the caller's answers 404, exactly like one that does
not exist; a post one may not read cannot be commented on or reacted to (404); a
member's mistake is a 400 with one line (`{"error": ...}`), a malformed body a 422.

Dates are text as a member writes them ("2016", "Mar 2016", "2016-03-12") and come back
the same way, with their precision. Edits and deletions of trainable text ask for a
refresh of the author's datasets in the same transaction (`refresh_after`).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Annotated

from fastapi import APIRouter, Depends, FastAPI, Path, Request
from fastapi.responses import Response
from fastapi.security import HTTPBearer
from pydantic import BaseModel, ConfigDict, Field, StrictBool

from consentry.network import comments, queries, reactions
from consentry.network import profile_edits as edits
from consentry.network.comments import MAX_COMMENT
from consentry.network.post_edits import delete_post, edit_post
from consentry.network.publishing import MAX_TEXT
from consentry.store.social_tables import REACTION_KINDS
from consentry.store.tables import Education, Member, Position
from consentry.web.api import _ERRORS, combine_usage
from consentry.web.deps import CurrentMember, DbSession
from consentry.web.profile_pages import TRAINED_FIELDS, refresh_after
from consentry.web.schemas import PostOut, UtcDateTime

_bearer = HTTPBearer(auto_error=False, description="An API token from POST /api/v1/tokens.")
router = APIRouter(prefix="/api/v1", responses=_ERRORS, dependencies=[Depends(_bearer)])

ItemId = Annotated[int, Path(ge=1, le=2**31 - 1)]
DateText = Annotated[str, Field(max_length=40, description="e.g. 2016, Mar 2016, 2016-03-12")]


class _In(BaseModel):
    model_config = ConfigDict(extra="forbid")


class ProfileIn(_In):
    headline: str | None = Field(None, max_length=edits.LIMITS["headline"])
    about: str | None = Field(None, max_length=edits.LIMITS["about"])
    industry: str | None = Field(None, max_length=edits.LIMITS["industry"])
    location: str | None = Field(None, max_length=edits.LIMITS["location"])


class PositionIn(_In):
    title: str = Field(max_length=edits.LIMITS["title"])
    company: str = Field(max_length=edits.LIMITS["company"])
    started: DateText
    ended: DateText = Field("", description="Empty while the position is current.")
    location: str = Field("", max_length=edits.LIMITS["location"])
    description: str = Field("", max_length=edits.LIMITS["description"])


class PositionPatch(_In):
    title: str | None = Field(None, max_length=edits.LIMITS["title"])
    company: str | None = Field(None, max_length=edits.LIMITS["company"])
    started: DateText | None = None
    ended: DateText | None = Field(None, description="Empty: the position is current.")
    location: str | None = Field(None, max_length=edits.LIMITS["location"])
    description: str | None = Field(None, max_length=edits.LIMITS["description"])


class EducationIn(_In):
    school: str = Field(max_length=edits.LIMITS["school"])
    degree: str = Field("", max_length=edits.LIMITS["degree"])
    field_of_study: str = Field("", max_length=edits.LIMITS["field_of_study"])
    started: DateText = ""
    ended: DateText = ""


class EducationPatch(_In):
    school: str | None = Field(None, max_length=edits.LIMITS["school"])
    degree: str | None = Field(None, max_length=edits.LIMITS["degree"])
    field_of_study: str | None = Field(None, max_length=edits.LIMITS["field_of_study"])
    started: DateText | None = None
    ended: DateText | None = None


class SkillIn(_In):
    name: str = Field(max_length=edits.LIMITS["skill"])


class PositionOut(BaseModel):
    id: int
    title: str
    company: str
    location: str
    description: str
    started: str = Field(description="As precise as given: 2016, Mar 2016 or 12 Mar 2016.")
    started_precision: str
    ended: str = Field(description="Empty while current.")
    ended_precision: str
    current: bool


class EducationOut(BaseModel):
    id: int
    school: str
    degree: str
    field_of_study: str
    started: str
    started_precision: str
    ended: str
    ended_precision: str


class SkillOut(BaseModel):
    id: int
    name: str


class ProfileOut(BaseModel):
    handle: str
    display_name: str
    headline: str
    about: str
    industry: str
    location: str
    positions: list[PositionOut]
    education: list[EducationOut]
    skills: list[SkillOut]


class CommentIn(_In):
    text: str = Field(max_length=MAX_COMMENT * 2)
    no_ai_training: StrictBool = False


class CommentEdit(_In):
    text: str = Field(max_length=MAX_COMMENT * 2)


class CommentOut(BaseModel):
    id: int
    post_id: int
    author_handle: str
    author_name: str
    text: str
    created_at: UtcDateTime
    edited: bool
    no_ai_training: bool


class UsageIn(_In):
    no_ai_training: StrictBool


class CommentUsageOut(BaseModel):
    comment_id: int
    usage_preferences: dict[str, bool]


class ReactionIn(_In):
    kind: str = Field(max_length=16, description=f"One of {', '.join(REACTION_KINDS)}.")


class ReactionsOut(BaseModel):
    post_id: int
    mine: str | None
    counts: dict[str, int]


class PostEdit(_In):
    text: str = Field(max_length=MAX_TEXT * 2)
    title: str | None = Field(None, max_length=1_000, description="Articles only.")


# -- profile -------------------------------------------------------------------------------


def _position(p: queries.PositionView) -> PositionOut:
    return PositionOut(
        id=p.id,
        title=p.title,
        company=p.company,
        location=p.location,
        description=p.description,
        started=p.started,
        started_precision=p.started_precision,
        ended=p.ended,
        ended_precision=p.ended_precision,
        current=p.ended_on is None,
    )


def _school(e: queries.EducationView) -> EducationOut:
    return EducationOut(
        id=e.id,
        school=e.school,
        degree=e.degree,
        field_of_study=e.field_of_study,
        started=e.started,
        started_precision=e.started_precision,
        ended=e.ended,
        ended_precision=e.ended_precision,
    )


def _profile(db, member: Member) -> ProfileOut:
    view = queries.profile(db, member)
    return ProfileOut(
        handle=view.handle,
        display_name=view.display_name,
        headline=view.headline,
        about=view.about,
        industry=view.industry,
        location=view.location,
        positions=[_position(p) for p in view.positions],
        education=[_school(e) for e in view.education],
        skills=[SkillOut(id=i, name=n) for i, n in edits.skills_of(db, member.id)],
    )


def _entry(db, member: Member, pick: Callable[[ProfileOut], list], entry_id: int):
    return next(e for e in pick(_profile(db, member)) if e.id == entry_id)


@router.get("/me/profile", response_model=ProfileOut, tags=["profile"])
def get_profile(db: DbSession, member: CurrentMember) -> ProfileOut:
    """Your profile with the ids of its positions, schools and skills."""
    return _profile(db, member)


@router.patch("/me/profile", response_model=ProfileOut, tags=["profile"])
def patch_profile(db: DbSession, member: CurrentMember, body: ProfileIn) -> ProfileOut:
    """Change some of headline, about, industry and location (fields left out keep
    their text). Earlier text is kept as a revision for as-of builds only."""
    changes: Mapping[str, str] = body.model_dump(exclude_none=True)
    changed = edits.edit_profile(db, member.id, changes)
    if TRAINED_FIELDS & set(changed):
        refresh_after(db, [member.id], "edited")
    return _profile(db, member)


@router.post("/me/positions", status_code=201, response_model=PositionOut, tags=["profile"])
def post_position(db: DbSession, member: CurrentMember, body: PositionIn) -> PositionOut:
    """Add a position; an empty `ended` means you work there now."""
    row = edits.add_position(db, member.id, edits.PositionInput(**body.model_dump()))
    return _entry(db, member, lambda p: p.positions, row.id)


@router.patch("/me/positions/{position_id}", response_model=PositionOut, tags=["profile"])
def patch_position(
    db: DbSession, member: CurrentMember, position_id: ItemId, body: PositionPatch
) -> PositionOut:
    """Change some fields of one of your positions."""
    row: Position = edits.patch_position(
        db, member.id, position_id, body.model_dump(exclude_none=True)
    )
    return _entry(db, member, lambda p: p.positions, row.id)


@router.delete("/me/positions/{position_id}", status_code=204, tags=["profile"])
def delete_position(db: DbSession, member: CurrentMember, position_id: ItemId) -> Response:
    """Remove one of your positions."""
    edits.remove_position(db, member.id, position_id)
    return Response(status_code=204)


@router.post("/me/education", status_code=201, response_model=EducationOut, tags=["profile"])
def post_education(db: DbSession, member: CurrentMember, body: EducationIn) -> EducationOut:
    """Add a school; both dates may be left out."""
    row = edits.add_education(db, member.id, edits.EducationInput(**body.model_dump()))
    return _entry(db, member, lambda p: p.education, row.id)


@router.patch("/me/education/{education_id}", response_model=EducationOut, tags=["profile"])
def patch_education(
    db: DbSession, member: CurrentMember, education_id: ItemId, body: EducationPatch
) -> EducationOut:
    """Change some fields of one of your schools."""
    row: Education = edits.patch_education(
        db, member.id, education_id, body.model_dump(exclude_none=True)
    )
    return _entry(db, member, lambda p: p.education, row.id)


@router.delete("/me/education/{education_id}", status_code=204, tags=["profile"])
def delete_education(db: DbSession, member: CurrentMember, education_id: ItemId) -> Response:
    """Remove one of your schools."""
    edits.remove_education(db, member.id, education_id)
    return Response(status_code=204)


@router.post("/me/skills", status_code=201, response_model=SkillOut, tags=["profile"])
def post_skill(db: DbSession, member: CurrentMember, body: SkillIn) -> SkillOut:
    """Add a skill (409 if you list it already, in any case)."""
    row = edits.add_skill(db, member.id, body.name)
    return SkillOut(id=row.id, name=row.name)


@router.patch("/me/skills/{skill_id}", response_model=SkillOut, tags=["profile"])
def patch_skill(db: DbSession, member: CurrentMember, skill_id: ItemId, body: SkillIn) -> SkillOut:
    """Rename one of your skills."""
    row = edits.rename_skill(db, member.id, skill_id, body.name)
    return SkillOut(id=row.id, name=row.name)


@router.delete("/me/skills/{skill_id}", status_code=204, tags=["profile"])
def delete_skill(db: DbSession, member: CurrentMember, skill_id: ItemId) -> Response:
    """Remove one of your skills."""
    edits.remove_skill(db, member.id, skill_id)
    return Response(status_code=204)


# -- posts, comments, reactions -----------------------------------------------------------


def _comment(view: comments.CommentView) -> CommentOut:
    return CommentOut(
        id=view.id,
        post_id=view.post_id,
        author_handle=view.author_handle,
        author_name=view.author_name,
        text=view.text,
        created_at=view.created_at,
        edited=view.edited,
        no_ai_training=view.no_ai_training,
    )


def _comment_on(db, member: Member, post_id: int, comment_id: int) -> CommentOut:
    views = comments.comments_on(db, post_id=post_id, viewer_id=member.id)
    return _comment(next(v for v in views if v.id == comment_id))


@router.get("/posts/{post_id}/comments", response_model=list[CommentOut], tags=["posts"])
def get_comments(db: DbSession, member: CurrentMember, post_id: ItemId) -> list[CommentOut]:
    """The comments on a post you can read, oldest first."""
    return [_comment(v) for v in comments.comments_on(db, post_id=post_id, viewer_id=member.id)]


@router.post(
    "/posts/{post_id}/comments", status_code=201, response_model=CommentOut, tags=["posts"]
)
def post_comment(
    request: Request, db: DbSession, member: CurrentMember, post_id: ItemId, body: CommentIn
) -> CommentOut:
    """Comment on a post you can read (a connections-only post: if you are connected to
    its author). `no_ai_training` (or a `Content-Usage` header) states "train-ai = no"."""
    sources = request.app.state.usage_sources
    row = comments.add_comment(
        db,
        author_id=member.id,
        post_id=post_id,
        text=body.text,
        no_ai_training=body.no_ai_training,
        usage=combine_usage(source(request) for source in sources),
    )
    return _comment_on(db, member, post_id, row.id)


@router.patch("/comments/{comment_id}", response_model=CommentOut, tags=["posts"])
def patch_comment(
    db: DbSession, member: CurrentMember, comment_id: ItemId, body: CommentEdit
) -> CommentOut:
    """Change the text of your comment; datasets built from now on hold only the new text."""
    if comments.edit_comment(db, member.id, comment_id, body.text):
        refresh_after(db, [member.id], "edited")
    return _comment_on(db, member, comments.post_of(db, comment_id), comment_id)


@router.delete("/comments/{comment_id}", status_code=204, tags=["posts"])
def delete_comment(db: DbSession, member: CurrentMember, comment_id: ItemId) -> Response:
    """Delete your comment, or a comment on your post."""
    refresh_after(db, [comments.delete_comment(db, member.id, comment_id)], "deleted")
    return Response(status_code=204)


@router.put("/comments/{comment_id}/usage", response_model=CommentUsageOut, tags=["posts"])
def put_comment_usage(
    db: DbSession, member: CurrentMember, comment_id: ItemId, body: UsageIn
) -> CommentUsageOut:
    """State "No AI training" (or allow it again) on one of your comments."""
    prefs = comments.set_comment_no_ai_training(db, member.id, comment_id, body.no_ai_training)
    return CommentUsageOut(comment_id=comment_id, usage_preferences=prefs)


def _reactions(db, member: Member, post_id: int) -> ReactionsOut:
    post = queries.post(db, post_id=post_id, viewer_id=member.id)
    assert post is not None  # the caller just reacted to it
    return ReactionsOut(post_id=post_id, mine=post.reactions.mine, counts=post.reactions.counts)


@router.put("/posts/{post_id}/reaction", response_model=ReactionsOut, tags=["posts"])
def put_reaction(
    db: DbSession, member: CurrentMember, post_id: ItemId, body: ReactionIn
) -> ReactionsOut:
    """React to a post you can read, or change your reaction (one per post)."""
    reactions.react(db, member.id, post_id, body.kind)
    return _reactions(db, member, post_id)


@router.delete("/posts/{post_id}/reaction", response_model=ReactionsOut, tags=["posts"])
def delete_reaction(db: DbSession, member: CurrentMember, post_id: ItemId) -> ReactionsOut:
    """Take back your reaction to a post you can read."""
    reactions.remove_reaction(db, member.id, post_id)
    return _reactions(db, member, post_id)


@router.patch("/posts/{post_id}", response_model=PostOut, tags=["posts"])
def patch_post(db: DbSession, member: CurrentMember, post_id: ItemId, body: PostEdit) -> PostOut:
    """Change the text (and an article's title) of your post."""
    if edit_post(db, member.id, post_id, text=body.text, title=body.title):
        refresh_after(db, [member.id], "edited")
    post = queries.post(db, post_id=post_id, viewer_id=member.id)
    assert post is not None  # the author's own live post
    return PostOut.of(post)


@router.delete("/posts/{post_id}", status_code=204, tags=["posts"])
def delete_own_post(db: DbSession, member: CurrentMember, post_id: ItemId) -> Response:
    """Delete your post and the comments on it."""
    refresh_after(db, delete_post(db, member.id, post_id), "deleted")
    return Response(status_code=204)


def install(app: FastAPI) -> None:
    """Add the profile, comment and reaction routes of the API."""
    app.include_router(router)
