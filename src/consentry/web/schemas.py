"""The JSON shapes of the HTTP API (they are also its OpenAPI schema)."""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, PlainSerializer

from consentry.network import queries
from consentry.network.publishing import MAX_TEXT, MAX_TITLE
from consentry.store.tables import Member

# Times are stored as naive UTC; the API says so explicitly (`2025-01-31T09:00:00Z`).
UtcDateTime = Annotated[
    datetime,
    PlainSerializer(
        lambda value: value.replace(tzinfo=UTC).isoformat().replace("+00:00", "Z"),
        return_type=str,
    ),
]


class ErrorOut(BaseModel):
    error: str = Field(description="One sentence saying what was wrong.")


class TokenIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    email: str = Field(min_length=1, max_length=320)
    password: str = Field(min_length=1, max_length=1024)
    scopes: list[Literal["read", "write", "erase"]] = Field(
        default=["read", "write"],
        min_length=1,
        max_length=3,
        description="What the token may do: read (GET), write (any change), erase (erasing "
        "the account, which also asks for the password). `erase` only when named.",
    )
    name: str = Field("", max_length=100, description="A label to recognise it by in your list.")


class TokenOut(BaseModel):
    access_token: str
    token_type: Literal["bearer"] = "bearer"
    expires_in: int = Field(description="Seconds until the token expires.")
    token_id: str = Field(description="Names the token in GET and DELETE /api/v1/me/tokens.")
    scopes: list[str]


class MeOut(BaseModel):
    id: int
    handle: str
    display_name: str
    email: str
    region: str
    role: str
    csrf_token: str | None = Field(
        None, description="For scripts using the session cookie: send as X-CSRF-Token."
    )

    @classmethod
    def of(cls, member: Member, csrf_token: str | None) -> MeOut:
        return cls(
            id=member.id,
            handle=member.handle,
            display_name=member.display_name,
            email=member.email,
            region=member.region,
            role=member.role,
            csrf_token=csrf_token,
        )


class AuthorOut(BaseModel):
    handle: str
    display_name: str


class PostOut(BaseModel):
    id: int
    author: AuthorOut
    kind: str
    title: str
    text: str
    visibility: str
    created_at: UtcDateTime
    comment_count: int
    no_ai_training: bool = Field(description="The post's latest usage preference denies train-ai.")

    @classmethod
    def of(cls, post: queries.FeedPost) -> PostOut:
        return cls(
            id=post.id,
            author=AuthorOut(handle=post.author_handle, display_name=post.author_name),
            kind=post.kind,
            title=post.title,
            text=post.text,
            visibility=post.visibility,
            created_at=post.created_at,
            comment_count=post.comment_count,
            no_ai_training=post.no_ai_training,
        )


class CreatedPostOut(PostOut):
    usage_preferences: dict[str, bool] = Field(
        description="Usage preferences stated for this item (category -> allowed)."
    )


class PostIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    text: str = Field(min_length=1, max_length=MAX_TEXT)
    visibility: Literal["public", "connections"]
    kind: Literal["post", "article"] = "post"
    title: str = Field("", max_length=MAX_TITLE)


class FeedOut(BaseModel):
    items: list[PostOut]
    page: int
    next_page: int | None


class PositionOut(BaseModel):
    title: str
    company: str
    location: str
    started_on: date
    ended_on: date | None
    description: str


class EducationOut(BaseModel):
    school: str
    degree: str
    field_of_study: str
    started_on: date | None
    ended_on: date | None


class MemberOut(BaseModel):
    handle: str
    display_name: str
    headline: str
    about: str
    industry: str
    location: str
    positions: list[PositionOut]
    education: list[EducationOut]
    skills: list[str]

    @classmethod
    def of(cls, view: queries.ProfileView) -> MemberOut:
        return cls(
            handle=view.handle,
            display_name=view.display_name,
            headline=view.headline,
            about=view.about,
            industry=view.industry,
            location=view.location,
            positions=[PositionOut(**vars(p)) for p in view.positions],
            education=[EducationOut(**vars(e)) for e in view.education],
            skills=view.skills,
        )


class JobOut(BaseModel):
    id: int
    company: str
    title: str
    location: str
    region: str
    remote: bool
    employment_type: str
    seniority: str
    description: str
    skills: list[str]
    created_at: UtcDateTime
    closed_at: UtcDateTime | None = Field(
        None, description="When the posting closed; null while it takes applications."
    )

    @classmethod
    def of(cls, job: queries.JobView) -> JobOut:
        return cls(**vars(job))


class JobsOut(BaseModel):
    items: list[JobOut]
    page: int
    next_page: int | None


#: A dataset or model version id in a path. Ids are generated (`<purpose>-<UTC stamp>-<hex>`);
#: anything else cannot name one, so it is refused before any read.
ARTIFACT_ID = r"^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$"
