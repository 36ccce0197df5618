"""The job-seeker chatbot: multi-turn, grounded in the retrieval index, citing job ids.

It understands four requests — find jobs for me (or for a query), why do I fit this one,
which skills am I missing, draft my headline for it — and remembers the jobs it last
showed and the one being discussed, so "this one", "the second" or "job 12" work.

Uses: the retrieval index (train-ai: postings of consenting recruiters, through the
consented dataset only), the match and skills models (train-ai), the phrasing model
(train-genai) and the member's own profile. Only postings in the index are ever cited;
a job id is the live posting the index entry's pseudonymous record id stands for.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from sqlalchemy import select
from sqlalchemy.orm import Session

from consentry.config import Settings
from consentry.datasets.records import record_id
from consentry.features import Uses
from consentry.features.guard import guard_for
from consentry.features.member_facts import member_facts
from consentry.features.profile_assistant import write_headline
from consentry.keys import KeyPurpose, Keyring
from consentry.store.tables import Job
from consentry.training.models.match import Candidate, Target
from consentry.training.models.phrasing import DEFAULT_K
from consentry.training.models.retrieval import Posting
from consentry.training.sisa import load_active

USES = Uses(
    purposes=("train-ai", "train-genai"),
    data="job postings of consenting recruiters, match, skill and phrasing models trained "
    "on consenting members, and your own profile",
)
_ORDINALS = {"first": 0, "second": 1, "third": 2, "fourth": 3, "fifth": 4, "1st": 0, "2nd": 1}
_GENERIC_FIND = re.compile(r"\b(find|show|search|look|any|jobs?|roles?|for|me|please|some)\b", re.I)


@dataclass(frozen=True)
class ChatReply:
    text: str
    job_ids: list[int]


@dataclass
class JobSeekerChat:
    """One conversation's state: who is asking, the jobs last shown, the job in focus."""

    member_id: int
    k: int = DEFAULT_K
    shown: list[int] = field(default_factory=list)
    focus: int | None = None
    turns: int = 0

    def reply(self, session: Session, settings: Settings, message: str) -> ChatReply:
        """Answer one message; updates the conversation state."""
        self.turns += 1
        text = message.strip().lower()
        chosen = self._job_in(text)
        if chosen is not None:
            self.focus = chosen
        if "headline" in text:
            return self._headline(session, settings)
        if "missing" in text or ("skill" in text and "need" in text):
            return self._missing(session, settings)
        if "why" in text or "fit" in text:
            return self._why(session, settings)
        if any(w in text for w in ("find", "search", "show", "job", "role", "looking")):
            return self._find(session, settings, message)
        return ChatReply(
            "I can find jobs for you, say why you fit one, list the skills you're missing "
            "for it, or draft your headline for it.",
            [],
        )

    # --- intents ---------------------------------------------------------------------

    def _find(self, session: Session, settings: Settings, message: str) -> ChatReply:
        facts = member_facts(session, self.member_id)
        index, jobs = _index_and_jobs(session, settings)
        query = _GENERIC_FIND.sub(" ", message).strip(" ?.!")
        if len(query.split()) < 1:
            query = " ".join([facts.title, *facts.skills])
        hits = [(jobs[p.record_id], p) for p, _ in index.search(query, k=10) if p.record_id in jobs]
        hits = hits[:5]
        if not hits:
            return ChatReply("I found no open postings for that in the index.", [])
        self.shown = [j for j, _ in hits]
        self.focus = self.shown[0]
        lines = [f"{i + 1}. job {j}: {p.title} at {p.company}" for i, (j, p) in enumerate(hits)]
        return ChatReply("Here is what I found:\n" + "\n".join(lines), self.shown)

    def _why(self, session: Session, settings: Settings) -> ChatReply:
        found = self._focused(session, settings)
        if isinstance(found, ChatReply):
            return found
        job_id, posting = found
        facts = member_facts(session, self.member_id)
        _, match = load_active(session, settings, "match")
        fit = match.fit(
            Candidate(facts.titles, facts.skills, facts.country),
            Target(posting.title, posting.skills, facts.country),
        )
        own = {s.lower() for s in facts.skills}
        shared = [s for s in posting.skills if s.lower() in own]
        reasons = []
        if shared:
            reasons.append(f"you have {', '.join(shared)}, which it asks for")
        if posting.title in facts.titles:
            reasons.append(f"you have worked as {posting.title}")
        if not reasons:
            reasons.append("your background is adjacent, but the overlap is small")
        return ChatReply(
            f"job {job_id} ({posting.title} at {posting.company}): fit {fit:.0%}; "
            + "; ".join(reasons)
            + ".",
            [job_id],
        )

    def _missing(self, session: Session, settings: Settings) -> ChatReply:
        found = self._focused(session, settings)
        if isinstance(found, ChatReply):
            return found
        job_id, posting = found
        facts = member_facts(session, self.member_id)
        own = {s.lower() for s in facts.skills}
        missing = [s for s in posting.skills if s.lower() not in own]
        _, skills = load_active(session, settings, "skills")
        also = [
            s for s, _ in skills.suggest([posting.title], "", have=[*facts.skills, *missing], k=3)
        ]
        text = (
            f"For job {job_id} you are missing: {', '.join(missing)}."
            if missing
            else f"You already have every skill job {job_id} lists."
        )
        if also:
            text += f" People in that role also often have: {', '.join(also)}."
        return ChatReply(text, [job_id])

    def _headline(self, session: Session, settings: Settings) -> ChatReply:
        found = self._focused(session, settings)
        if isinstance(found, ChatReply):
            return found
        job_id, posting = found
        facts = member_facts(session, self.member_id)
        _, phrasing = load_active(session, settings, "phrasing")
        guard = guard_for(session, settings)
        own = {s.lower() for s in facts.skills}
        skills = tuple(s for s in posting.skills if s.lower() in own) + tuple(
            s for s in facts.skills if s not in posting.skills
        )
        slots = facts.slots(title=posting.title, skills=skills)
        headline = write_headline(phrasing, guard, slots, k=self.k, seed=self.turns)
        return ChatReply(f"A headline aimed at job {job_id}: {headline}", [job_id])

    # --- state -----------------------------------------------------------------------

    def _job_in(self, text: str) -> int | None:
        m = re.search(r"\bjob\s*#?(\d+)\b", text)
        if m:
            return int(m.group(1))
        for word, i in _ORDINALS.items():
            if re.search(rf"\b{word}\b", text) and i < len(self.shown):
                return self.shown[i]
        return None

    def _focused(self, session: Session, settings: Settings) -> tuple[int, Posting] | ChatReply:
        if self.focus is None:
            return ChatReply("Which job? Ask me to find jobs first, or name one (job 12).", [])
        index, jobs = _index_and_jobs(session, settings)
        by_job = {j: r for r, j in jobs.items()}
        rid = by_job.get(self.focus)
        if rid is None or rid not in index.by_id:
            return ChatReply(f"job {self.focus} is not among the postings I can use.", [])
        return self.focus, index.by_id[rid]


def _index_and_jobs(session: Session, settings: Settings):
    """The active index, and record id -> live job id for the postings in it."""
    _, index = load_active(session, settings, "retrieval")
    key = Keyring.load(settings).key(KeyPurpose.RECORD_IDS).secret
    live = session.scalars(select(Job.id).where(Job.deleted_at.is_(None))).all()
    ids = {record_id(key, "job", j): j for j in live}
    return index, {rid: ids[rid] for rid in index.by_id if rid in ids}
