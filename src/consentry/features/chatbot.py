"""The job-seeker chatbot: multi-turn, grounded in the consented job index, citing job ids.

It understands five requests (`chat.understand.Intent`): find jobs (with filters on the
kind of work, skills, place, remote, seniority and company), why do I fit a job, which
skills am I missing for it, write my headline aimed at it, and tell me about it; anything
else gets a short account of what it can do. A language model reads the intent by a
constrained choice when one is available (`features.lm`), the rules otherwise.

It remembers the jobs it last showed, the job in focus and the last search's filters, so
"the second", "that one", "the Fjordgate job", "job 12" and "only remote ones" work.

Answers are built only from citable postings (`chat.openings`: in the active index, open,
and their recruiter allows `train-ai` now) and the member's own profile; every job it
names is cited by id. Uses the retrieval index, the match and skills models (train-ai),
the phrasing model (train-genai) and the member's own profile.
"""

from __future__ import annotations

from dataclasses import dataclass, field, fields, replace

from sqlalchemy.orm import Session

from consentry.config import Settings
from consentry.features import Uses
from consentry.features.chat.model import ChatModel
from consentry.features.chat.openings import Filters, Openings, OpenPosting, open_postings
from consentry.features.chat.slots import Vocabulary
from consentry.features.chat.understand import (
    INTENT_PREFIX,
    Chooser,
    Intent,
    Request,
    read_by_model,
)
from consentry.features.guard import guard_for
from consentry.features.member_facts import MemberFacts, member_facts
from consentry.features.profile_assistant import write_headline
from consentry.training.models.match import Candidate, Target
from consentry.training.models.phrasing import DEFAULT_K
from consentry.training.sisa import load_active

USES = Uses(
    purposes=("train-ai", "train-genai"),
    data="job postings of consenting recruiters, match, skill and phrasing models trained "
    "on consenting members, and your own profile",
)
SHOWN = 5
HELP = (
    "I can find open jobs for you (say what kind of work, skills, where, remote or not, "
    "how senior), say why you fit one, list the skills you're missing for it, draft your "
    "headline for it, or tell you more about it. Refer to a job by its number (job 12), "
    "its place in my last list (the second), or its company (the Fjordgate job)."
)


def chat_model(session: Session, settings: Settings) -> ChatModel:
    """The features' language model (`features.lm`: an operator's endpoint, the active
    writer model or the base model) made ready for the intent prompt."""
    from consentry.features.lm import feature_generator  # the model loads on first use

    return ChatModel(feature_generator(session, settings), INTENT_PREFIX)


@dataclass(frozen=True)
class ChatReply:
    text: str
    job_ids: list[int]


def _merge(old: Filters, new: Filters) -> Filters:
    """A follow-up's filters over the last search's: what it names replaces, the rest stays."""
    changes = {}
    for f in fields(Filters):
        value = getattr(new, f.name)
        if value not in ((), "", None, frozenset()):
            changes[f.name] = value
    if new.countries:  # a new place replaces the old one whole (city included)
        changes.setdefault("city", "")
    return replace(old, **changes)


@dataclass
class JobSeekerChat:
    """One conversation's state: who is asking, the jobs last shown, the job in focus,
    the last search's filters. `model` chooses intents; None with `use_model` asks
    `features.lm` for the installation's model on first use, and the rules answer if
    there is none."""

    member_id: int
    k: int = DEFAULT_K
    shown: list[int] = field(default_factory=list)
    focus: int | None = None
    turns: int = 0
    filters: Filters = field(default_factory=Filters)
    model: Chooser | None = None
    use_model: bool = True
    # The model chooses among the intents the question's cues allow (False: among all).
    restrict: bool = True
    last: Request | None = None

    def reply(self, session: Session, settings: Settings, message: str) -> ChatReply:
        """Answer one message; updates the conversation state."""
        self.turns += 1
        openings = open_postings(session, settings)
        vocab = Vocabulary.of(openings)
        model = self._model(session, settings)
        request = read_by_model(message, vocab, model, restrict=self.restrict)
        if request.intent == Intent.FIND_JOBS and request.refines:
            request = replace(request, filters=_merge(self.filters, request.filters))
        self.last = request
        facts = member_facts(session, self.member_id)
        if request.intent == Intent.FIND_JOBS:
            return self._find(facts, request, openings)
        if request.intent == Intent.OTHER:
            return ChatReply(HELP, [])
        job = self._resolve(request, openings, facts)
        if isinstance(job, ChatReply):
            return job
        self.focus = job.job_id
        if request.intent == Intent.WHY_FIT:
            return self._why(session, settings, facts, job)
        if request.intent == Intent.MISSING_SKILLS:
            return self._missing(session, settings, facts, job)
        if request.intent == Intent.WRITE_HEADLINE:
            return self._headline(session, settings, facts, job)
        return self._detail(facts, job)

    def _model(self, session: Session, settings: Settings) -> Chooser | None:
        if self.model is None and self.use_model:
            try:
                self.model = chat_model(session, settings)
            except Exception:  # no model installed or reachable: the rules answer
                self.use_model = False
        return self.model if self.use_model else None

    # --- intents ---------------------------------------------------------------------

    @staticmethod
    def _query(request: Request, facts: MemberFacts) -> str:
        asked = [*request.filters.role, *request.filters.skills, *request.query]
        return " ".join(asked) if asked else " ".join([facts.title, *facts.skills])

    def _find(self, facts: MemberFacts, request: Request, openings: Openings) -> ChatReply:
        filters = request.filters
        self.filters = filters
        found = openings.search(self._query(request, facts), filters)
        if not filters:  # no filter: only postings that share words with what was asked
            scored = {p.record_id for p, _ in openings.index.search(self._query(request, facts))}
            found = [j for j in found if j.posting.record_id in scored]
        what = filters.describe() if filters else "you"
        if not found:
            return ChatReply(f"I found no open postings for {what}.", [])
        hits = found[:SHOWN]
        self.shown = [j.job_id for j in hits]
        self.focus = self.shown[0]
        more = f" ({len(found)} in all; the best {len(hits)})" if len(found) > len(hits) else ""
        lines = [f"{i + 1}. {j.line()}" for i, j in enumerate(hits)]
        return ChatReply(f"Open postings for {what}{more}:\n" + "\n".join(lines), self.shown)

    def _resolve(
        self, request: Request, openings: Openings, facts: MemberFacts
    ) -> OpenPosting | ChatReply:
        ref = request.ref
        job_id: int | None = None
        if ref.job_id is not None:
            job_id = ref.job_id
        elif ref.ordinal is not None:
            if not self.shown:
                return ChatReply("Which job? Ask me to find jobs first, or name one.", [])
            if not -len(self.shown) <= ref.ordinal < len(self.shown):
                return ChatReply(f"I showed only {len(self.shown)} jobs.", [])
            job_id = self.shown[ref.ordinal]
        elif request.filters:
            found = openings.search(self._query(request, facts), request.filters)
            if not found:
                return ChatReply(f"I found no open posting for {request.filters.describe()}.", [])
            return found[0]
        else:
            job_id = self.focus
        if job_id is None:
            return ChatReply(
                "Which job? Ask me to find jobs first, or name one (job 12, the "
                "Senior Data Scientist job at a company).",
                [],
            )
        job = openings.by_job.get(job_id)
        if job is None:
            return ChatReply(
                f"job {job_id} is not among the open postings I can use (it may be closed, "
                "or its recruiter does not share it with the AI features).",
                [],
            )
        return job

    def _why(
        self, session: Session, settings: Settings, facts: MemberFacts, job: OpenPosting
    ) -> ChatReply:
        _, match = load_active(session, settings, "match")
        posting = job.posting
        fit = match.fit(
            Candidate(facts.titles, facts.skills, facts.country),
            Target(posting.title, posting.skills, job.country),
        )
        own = {s.lower() for s in facts.skills}
        shared = [s for s in posting.skills if s.lower() in own]
        reasons = []
        if shared:
            reasons.append(f"you have {', '.join(shared)}, which it asks for")
        if posting.title in facts.titles:
            reasons.append(f"you have worked as {posting.title}")
        elif facts.title:
            reasons.append(f"you are a {facts.title} now")
        if job.remote:
            reasons.append("it is remote")
        elif facts.location and job.city.lower() == facts.location.lower():
            reasons.append(f"it is in {job.city}, where you are")
        elif facts.country and job.country == facts.country:
            reasons.append("it is in your country")
        if not shared:
            reasons.append("but none of the skills it lists is on your profile")
        return ChatReply(f"{job.line()}: fit {fit:.0%}; " + "; ".join(reasons) + ".", [job.job_id])

    def _missing(
        self, session: Session, settings: Settings, facts: MemberFacts, job: OpenPosting
    ) -> ChatReply:
        posting = job.posting
        own = {s.lower() for s in facts.skills}
        missing = [s for s in posting.skills if s.lower() not in own]
        _, skills = load_active(session, settings, "skills")
        also = [
            s for s, _ in skills.suggest([posting.title], "", have=[*facts.skills, *missing], k=3)
        ]
        text = (
            f"For job {job.job_id} ({posting.title} at {posting.company}) you are missing: "
            f"{', '.join(missing)}."
            if missing
            else f"You already have every skill job {job.job_id} lists."
        )
        if also:
            text += f" People in that role also often have: {', '.join(also)}."
        return ChatReply(text, [job.job_id])

    def _headline(
        self, session: Session, settings: Settings, facts: MemberFacts, job: OpenPosting
    ) -> ChatReply:
        posting = job.posting
        _, phrasing = load_active(session, settings, "phrasing")
        guard = guard_for(session, settings)
        own = {s.lower() for s in facts.skills}
        skills = tuple(s for s in posting.skills if s.lower() in own) + tuple(
            s for s in facts.skills if s not in posting.skills
        )
        slots = facts.slots(title=posting.title, skills=skills)
        headline = write_headline(phrasing, guard, slots, k=self.k, seed=self.turns)
        return ChatReply(
            f"A headline aimed at job {job.job_id} ({posting.title} at {posting.company}): "
            f"{headline}",
            [job.job_id],
        )

    def _detail(self, facts: MemberFacts, job: OpenPosting) -> ChatReply:
        mode = "remote" if job.remote else "on site"
        level = f"{job.seniority}-level, " if job.seniority else ""
        skills = ", ".join(job.posting.skills) or "none listed"
        return ChatReply(
            f"{job.line()}: {level}{job.employment_type}, {mode}. Skills it asks for: {skills}.",
            [job.job_id],
        )
