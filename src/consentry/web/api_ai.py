"""The AI features' API under /api/v1/ai: the same capabilities as the AI pages.

Errors, all JSON: 403 without Premium (`premium_required: true`) or for a recruiter tool
asked for by a non-recruiter; 403 with the candidate's decision reason when outreach is
not allowed (`refused: true`); 409 while the models are not trained (`missing_models`);
404 for a conversation that is not the caller's; 400 for a request the feature cannot use.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, FastAPI, Path, Request
from fastapi.responses import Response
from fastapi.security import HTTPBearer
from pydantic import BaseModel, ConfigDict, Field
from sqlalchemy.orm import Session

from consentry.features.catalog import (
    BY_KEY,
    FEATURES,
    NOT_TRAINED,
    AiFeature,
    access,
    missing_models,
    purposes_used,
)
from consentry.features.job_posts import write_job_post
from consentry.features.lm import feature_model_ids
from consentry.features.outreach import OutreachDeclined, outreach_for
from consentry.features.profile_assistant import assist_profile
from consentry.store.tables import Member
from consentry.web.ai_pages import MAX_MESSAGE, chat_store, jobs_by_id, reply_to
from consentry.web.api import _ERRORS
from consentry.web.deps import CurrentMember, DbSession
from consentry.web.errors import error_response

_bearer = HTTPBearer(auto_error=False, description="An API token from POST /api/v1/tokens.")
router = APIRouter(
    prefix="/api/v1/ai",
    tags=["ai features"],
    responses={**_ERRORS, 409: _ERRORS[400]},
    dependencies=[Depends(_bearer)],
)

ConversationId = Annotated[str, Path(pattern=r"^[A-Za-z0-9_-]{1,64}$")]


class PurposeOut(BaseModel):
    key: str
    title: str


class FeatureOut(BaseModel):
    key: str
    title: str
    summary: str
    audience: str = Field(description="`member` or `recruiter`.")
    purposes: list[PurposeOut] = Field(description="The purposes its models were trained for.")
    data: str = Field(description="Whose data the feature uses.")
    available: bool = Field(description="Whether the caller may use it (role and Premium).")
    premium_required: bool
    trained: bool = Field(description="Whether every model it needs has an active version.")
    language_model: dict[str, str] = Field(
        description="The language model it writes with now (`language-model`) and, when "
        "adapters trained on members' texts are used, their model version (`writer-lm`)."
    )


class ProfileDraftOut(BaseModel):
    headline: str
    about: str
    missing_skills: list[str]
    models: dict[str, str]


class JobPostIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    title: str = Field(min_length=1, max_length=200)
    company: str = Field(min_length=1, max_length=200)
    location: str = Field("", max_length=200)
    skills: list[Annotated[str, Field(max_length=100)]] = Field(default_factory=list, max_length=12)


class JobPostOut(BaseModel):
    title: str
    company: str
    location: str
    skills: list[str]
    nice_to_have: list[str]
    text: str
    models: dict[str, str]


class OutreachIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    job_id: int = Field(ge=1, le=2**31 - 1, description="One of your own live job postings.")
    candidate: str = Field(min_length=1, max_length=64, description="The candidate's handle.")


class OutreachOut(BaseModel):
    job_id: int
    candidate: str
    fit: float
    shared_skills: list[str]
    basis: str = Field(description="The basis on which the candidate's decision allows it.")
    text: str
    models: dict[str, str]


class ChatIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    message: str = Field(min_length=1, max_length=MAX_MESSAGE)
    conversation_id: str | None = Field(
        None, max_length=64, description="Continue this conversation; omit to start one."
    )


class CitedJobOut(BaseModel):
    id: int
    title: str
    company: str
    url: str


class TurnOut(BaseModel):
    who: str = Field(description="`member` or `assistant`.")
    text: str
    jobs: list[CitedJobOut] = Field(description="The jobs the turn cites, by id.")


class ChatOut(BaseModel):
    conversation_id: str
    reply: TurnOut
    turns: int


class ConversationOut(BaseModel):
    conversation_id: str
    turns: list[TurnOut]


def install(app: FastAPI) -> None:
    app.include_router(router)


def _blocked(request: Request, db: Session, member: Member, feature: AiFeature) -> Response | None:
    allowed = access(member, feature)
    if not allowed.allowed:
        return error_response(
            request, 403, allowed.reason, extra={"premium_required": allowed.needs_premium}
        )
    missing = missing_models(db, feature)
    if missing:
        return error_response(request, 409, NOT_TRAINED, extra={"missing_models": missing})
    return None


@router.get("/features", response_model=list[FeatureOut])
def features(request: Request, db: DbSession, member: CurrentMember) -> list[FeatureOut]:
    """Every AI feature: what it uses, and whether the caller may use it now."""
    language = feature_model_ids(db, request.app.state.settings)
    out = []
    for f in FEATURES:
        a = access(member, f)
        out.append(
            FeatureOut(
                key=f.key,
                title=f.title,
                summary=f.summary,
                audience=f.audience,
                purposes=[PurposeOut(key=p.key, title=p.title) for p in purposes_used(db, f)],
                data=f.uses.data,
                available=a.allowed,
                premium_required=a.needs_premium,
                trained=not missing_models(db, f),
                language_model=language,
            )
        )
    return out


@router.post("/profile-assistant", response_model=ProfileDraftOut)
def profile_assistant(request: Request, db: DbSession, member: CurrentMember):
    """A headline, an about section and missing skills for the caller's own profile."""
    blocked = _blocked(request, db, member, BY_KEY["profile-assistant"])
    if blocked is not None:
        return blocked
    d = assist_profile(db, request.app.state.settings, member.id)
    return ProfileDraftOut(
        headline=d.headline, about=d.about, missing_skills=d.missing_skills, models=d.models
    )


@router.post("/job-post", response_model=JobPostOut)
def job_post(request: Request, db: DbSession, member: CurrentMember, body: JobPostIn):
    """A complete job posting (recruiters)."""
    blocked = _blocked(request, db, member, BY_KEY["job-post-writer"])
    if blocked is not None:
        return blocked
    d = write_job_post(
        db,
        request.app.state.settings,
        title=body.title,
        company=body.company,
        location=body.location,
        skills=body.skills,
    )
    return JobPostOut(
        title=d.title,
        company=d.company,
        location=d.location,
        skills=d.skills,
        nice_to_have=d.nice_to_have,
        text=d.text,
        models=d.models,
    )


@router.post("/outreach", response_model=OutreachOut)
def outreach(request: Request, db: DbSession, member: CurrentMember, body: OutreachIn):
    """A first message to a candidate for one of the caller's jobs (recruiters), only if
    the candidate's recruiter-ai decision allows it."""
    blocked = _blocked(request, db, member, BY_KEY["outreach"])
    if blocked is not None:
        return blocked
    try:
        person, d = outreach_for(
            db, request.app.state.settings, member, body.job_id, body.candidate
        )
    except OutreachDeclined as exc:
        # Only that the member is not available: why is their history, not the recruiter's.
        return error_response(request, 403, exc.refusal.message, extra={"refused": True})
    return OutreachOut(
        job_id=d.job_id,
        candidate=person.handle,
        fit=d.fit,
        shared_skills=d.shared_skills,
        basis=d.basis,
        text=d.text,
        models=d.models,
    )


def _turns_out(db: Session, turns) -> list[TurnOut]:
    jobs = jobs_by_id(db, {j for t in turns for j in t.job_ids})
    return [
        TurnOut(
            who=t.who,
            text=t.text,
            jobs=[
                CitedJobOut(id=j, title=jobs[j].title, company=jobs[j].company, url=f"/jobs/{j}")
                for j in t.job_ids
                if j in jobs
            ],
        )
        for t in turns
    ]


@router.post("/chat", response_model=ChatOut)
def chat(request: Request, db: DbSession, member: CurrentMember, body: ChatIn):
    """Send one message to the job-seeker chatbot; answers cite job ids."""
    blocked = _blocked(request, db, member, BY_KEY["job-chat"])
    if blocked is not None:
        return blocked
    store = chat_store(request)
    if body.conversation_id is not None:
        conversation = store.get(body.conversation_id, member.id)
        if conversation is None:
            return error_response(request, 404, "no such conversation (it may have expired)")
    else:
        conversation = store.start(member.id)
    turn = reply_to(request, db, conversation, body.message.strip() or body.message)
    return ChatOut(
        conversation_id=conversation.id,
        reply=_turns_out(db, [turn])[0],
        turns=len(conversation.turns),
    )


@router.get("/chat/{conversation_id}", response_model=ConversationOut)
def conversation(
    request: Request, db: DbSession, member: CurrentMember, conversation_id: ConversationId
):
    """A conversation's transcript (the caller's own only)."""
    found = chat_store(request).get(conversation_id, member.id)
    if found is None:
        return error_response(request, 404, "no such conversation (it may have expired)")
    return ConversationOut(conversation_id=found.id, turns=_turns_out(db, found.turns))


@router.delete("/chat/{conversation_id}", status_code=204)
def forget(request: Request, member: CurrentMember, conversation_id: ConversationId):
    """Forget a conversation."""
    if not chat_store(request).drop(conversation_id, member.id):
        return error_response(request, 404, "no such conversation (it may have expired)")
    return Response(status_code=204)
