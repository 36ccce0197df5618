"""The AI feature pages: the profile assistant and the job-seeker chat for members, the
job-posting writer and outreach drafts for recruiters.

Every page says which purposes and whose data its feature uses. A member without Premium
sees what Premium offers instead of the feature; a member who is not a recruiter is
refused the recruiter tools (403); and while the models are not trained yet every page
says so (and how to train them) instead of failing. Feature outputs are shown as text:
templates escape them, and job ids in chat answers become links to the jobs.
"""

from __future__ import annotations

import re
from typing import Annotated

from fastapi import APIRouter, FastAPI, Form, HTTPException, Request
from fastapi.responses import RedirectResponse, Response
from markupsafe import Markup, escape
from sqlalchemy import select
from sqlalchemy.orm import Session

from consentry.errors import ConsentryError
from consentry.features.catalog import (
    BY_KEY,
    NOT_TRAINED,
    AiFeature,
    access,
    missing_models,
    offered_to,
    purposes_used,
)
from consentry.features.chat_store import ChatStore, Conversation, Turn
from consentry.features.job_posts import write_job_post
from consentry.features.lm import feature_model_ids
from consentry.features.outreach import OutreachDeclined, outreach_for, own_jobs
from consentry.features.profile_assistant import assist_profile
from consentry.store.tables import Job, Member
from consentry.web.deps import CurrentMember, DbSession
from consentry.web.layout import NavItem, render

router = APIRouter(prefix="/ai", include_in_schema=False)

SESSION_CHAT = "chat_id"
MAX_MESSAGE = 500


def install(app: FastAPI) -> None:
    """Add the AI pages, their header link and the chat conversation store."""
    app.include_router(router)
    app.state.nav.append(NavItem("AI features", "/ai"))
    app.state.chats = ChatStore()


def chat_store(request: Request) -> ChatStore:
    """The app's conversation store (`app.state.chats`)."""
    return request.app.state.chats


def _context(request: Request, db: Session, member: Member, feature: AiFeature, **extra) -> dict:
    return {
        "feature": feature,
        "purposes": purposes_used(db, feature),
        "language": feature_model_ids(db, request.app.state.settings),
        "missing": missing_models(db, feature),
        "not_trained": NOT_TRAINED,
        "access": access(member, feature),
        **extra,
    }


def _gate(
    request: Request, db: Session, member: Member, feature: AiFeature, *, post: bool = False
) -> Response | None:
    """The page to show instead of the feature, or None when `member` may use it now."""
    allowed = access(member, feature)
    if not allowed.allowed and not allowed.needs_premium:
        raise HTTPException(403, allowed.reason)
    if allowed.needs_premium:
        return render(
            request,
            "ai/premium.html",
            _context(request, db, member, feature, features=offered_to(member)),
            status_code=403 if post else 200,
        )
    if missing_models(db, feature):
        return render(
            request,
            f"ai/{feature.key}.html",
            _context(request, db, member, feature),
            status_code=409 if post else 200,
        )
    return None


@router.get("")
def hub(request: Request, db: DbSession, member: CurrentMember) -> Response:
    features = [(f, access(member, f), purposes_used(db, f)) for f in offered_to(member)]
    return render(
        request,
        "ai/hub.html",
        {"features": features, "premium": bool(member.premium)},
    )


# --- profile assistant ----------------------------------------------------------------


@router.get("/profile-assistant")
def profile_assistant_page(request: Request, db: DbSession, member: CurrentMember) -> Response:
    feature = BY_KEY["profile-assistant"]
    return _gate(request, db, member, feature) or render(
        request, "ai/profile-assistant.html", _context(request, db, member, feature)
    )


@router.post("/profile-assistant")
def profile_assistant_run(
    request: Request,
    db: DbSession,
    member: CurrentMember,
    variant: Annotated[int, Form(ge=0, le=1000)] = 0,
) -> Response:
    feature = BY_KEY["profile-assistant"]
    blocked = _gate(request, db, member, feature, post=True)
    if blocked is not None:
        return blocked
    try:
        draft = assist_profile(db, request.app.state.settings, member.id, seed=variant)
    except ConsentryError as exc:
        return render(
            request,
            "ai/profile-assistant.html",
            _context(request, db, member, feature, error=str(exc)),
            status_code=400,
        )
    return render(
        request,
        "ai/profile-assistant.html",
        _context(request, db, member, feature, draft=draft, variant=variant),
    )


# --- job-seeker chat ------------------------------------------------------------------

_JOB_REF = re.compile(r"\bjob (\d+)\b")


def link_jobs(text: str, job_ids: tuple[int, ...]) -> Markup:
    """Escaped text in which each cited `job N` (N among `job_ids`) links to the job."""
    cited = set(job_ids)
    out: list[Markup] = []
    last = 0
    for m in _JOB_REF.finditer(text):
        if int(m.group(1)) not in cited:
            continue
        out.append(escape(text[last : m.start()]))
        out.append(Markup('<a href="/jobs/{0}">job {0}</a>').format(int(m.group(1))))
        last = m.end()
    out.append(escape(text[last:]))
    return Markup("<br>").join(Markup("").join(out).split("\n"))


def jobs_by_id(db: Session, ids: set[int]) -> dict[int, Job]:
    if not ids:
        return {}
    return {j.id: j for j in db.scalars(select(Job).where(Job.id.in_(ids)))}


def chat_turns(db: Session, conversation: Conversation | None) -> list[dict]:
    """The transcript for the template: each turn's linked text and cited jobs."""
    if conversation is None:
        return []
    jobs = jobs_by_id(db, {j for t in conversation.turns for j in t.job_ids})
    return [
        {
            "who": t.who,
            "html": link_jobs(t.text, t.job_ids),
            "jobs": [jobs[j] for j in t.job_ids if j in jobs],
        }
        for t in conversation.turns
    ]


def reply_to(request: Request, db: Session, conversation: Conversation, message: str) -> Turn:
    """Ask the chatbot; record the member's message and the answer in the conversation."""
    store = chat_store(request)
    with conversation.lock:
        answer = conversation.chat.reply(db, request.app.state.settings, message)
        turn = Turn("assistant", answer.text, tuple(answer.job_ids))
        store.record(conversation, Turn("member", message), turn)
    return turn


@router.get("/chat")
def chat_page(request: Request, db: DbSession, member: CurrentMember) -> Response:
    feature = BY_KEY["job-chat"]
    blocked = _gate(request, db, member, feature)
    if blocked is not None:
        return blocked
    conversation = chat_store(request).get(request.session.get(SESSION_CHAT), member.id)
    return render(
        request,
        "ai/job-chat.html",
        _context(request, db, member, feature, turns=chat_turns(db, conversation)),
    )


@router.post("/chat")
def chat_send(
    request: Request,
    db: DbSession,
    member: CurrentMember,
    message: Annotated[str, Form(max_length=MAX_MESSAGE * 2)] = "",
) -> Response:
    feature = BY_KEY["job-chat"]
    blocked = _gate(request, db, member, feature, post=True)
    if blocked is not None:
        return blocked
    store = chat_store(request)
    conversation = store.get(request.session.get(SESSION_CHAT), member.id)
    message = message.strip()
    if not message or len(message) > MAX_MESSAGE:
        error = (
            "Type a question first."
            if not message
            else f"Keep a message under {MAX_MESSAGE} characters."
        )
        return render(
            request,
            "ai/job-chat.html",
            _context(request, db, member, feature, turns=chat_turns(db, conversation), error=error),
            status_code=400,
        )
    if conversation is None:
        conversation = store.start(member.id)
        request.session[SESSION_CHAT] = conversation.id
    reply_to(request, db, conversation, message)
    return RedirectResponse(f"/ai/chat#turn-{len(conversation.turns)}", status_code=303)


@router.post("/chat/new")
def chat_new(request: Request, member: CurrentMember) -> Response:
    chat_store(request).drop(request.session.pop(SESSION_CHAT, None), member.id)
    return RedirectResponse("/ai/chat", status_code=303)


# --- recruiter tools ------------------------------------------------------------------


@router.get("/job-post")
def job_post_page(request: Request, db: DbSession, member: CurrentMember) -> Response:
    feature = BY_KEY["job-post-writer"]
    return _gate(request, db, member, feature) or render(
        request, "ai/job-post-writer.html", _context(request, db, member, feature, form={})
    )


def split_skills(text: str) -> list[str]:
    """Skills typed as a comma- or line-separated list; at most 12, each trimmed."""
    return [s.strip() for s in re.split(r"[,\n]", text) if s.strip()][:12]


@router.post("/job-post")
def job_post_run(
    request: Request,
    db: DbSession,
    member: CurrentMember,
    title: Annotated[str, Form(max_length=200)] = "",
    company: Annotated[str, Form(max_length=200)] = "",
    location: Annotated[str, Form(max_length=200)] = "",
    skills: Annotated[str, Form(max_length=2000)] = "",
) -> Response:
    feature = BY_KEY["job-post-writer"]
    blocked = _gate(request, db, member, feature, post=True)
    if blocked is not None:
        return blocked
    form = {"title": title, "company": company, "location": location, "skills": skills}
    try:
        draft = write_job_post(
            db,
            request.app.state.settings,
            title=title,
            company=company,
            location=location,
            skills=split_skills(skills),
        )
    except ConsentryError as exc:
        return render(
            request,
            "ai/job-post-writer.html",
            _context(request, db, member, feature, form=form, error=str(exc)),
            status_code=400,
        )
    return render(
        request,
        "ai/job-post-writer.html",
        _context(request, db, member, feature, form=form, draft=draft),
    )


@router.get("/outreach")
def outreach_page(
    request: Request, db: DbSession, member: CurrentMember, candidate: str = ""
) -> Response:
    feature = BY_KEY["outreach"]
    return _gate(request, db, member, feature) or render(
        request,
        "ai/outreach.html",
        _context(
            request,
            db,
            member,
            feature,
            jobs=own_jobs(db, member.id),
            form={"candidate": candidate[:64]},
        ),
    )


@router.post("/outreach")
def outreach_run(
    request: Request,
    db: DbSession,
    member: CurrentMember,
    job_id: Annotated[int, Form(ge=1, le=2**31 - 1)],
    candidate: Annotated[str, Form(max_length=64)] = "",
) -> Response:
    feature = BY_KEY["outreach"]
    blocked = _gate(request, db, member, feature, post=True)
    if blocked is not None:
        return blocked
    form = {"candidate": candidate, "job_id": job_id}
    context = _context(request, db, member, feature, jobs=own_jobs(db, member.id), form=form)
    try:
        person, draft = outreach_for(db, request.app.state.settings, member, job_id, candidate)
    except OutreachDeclined as exc:
        return render(
            request, "ai/outreach.html", {**context, "refusal": exc.refusal}, status_code=403
        )
    except ConsentryError as exc:
        return render(request, "ai/outreach.html", {**context, "error": str(exc)}, status_code=400)
    return render(
        request, "ai/outreach.html", {**context, "draft": draft, "candidate_member": person}
    )
