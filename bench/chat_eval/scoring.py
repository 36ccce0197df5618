"""Running the chat evaluation's questions and scoring the answers.

Each line of questions.jsonl is one conversation: turns with the question, the intent
and filters a person means by it, and, for a question about one job, which job (by
company and title, or `shown:i`, the i-th of the jobs the previous answer listed).

A turn is right when the chat read the intent and every filter as expected and, for a
question about one job, cited exactly that job. Independently of how the chat reads
filters, every job a search answer cites is checked against the expected filters on
the live job row (and must be open, and its recruiter must allow `train-ai` now): the
share that pass is `cited_match`.
"""

from __future__ import annotations

import json
import statistics
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from sqlalchemy import select

from consentry.consent.decide import decide
from consentry.features.chat.places import gazetteer
from consentry.features.chatbot import JobSeekerChat
from consentry.store.engine import session_scope
from consentry.store.tables import Job, JobSkill

QUESTIONS = Path(__file__).with_name("questions.jsonl")
SINGLE_JOB = ("why_fit", "missing_skills", "write_headline", "job_detail")
_ALIASES = {
    "ml": ("ml", "machine learning"),
    "machine": ("machine", "ml "),
    "learning": ("learning", "ml "),
}


def load_questions(path: Path = QUESTIONS) -> list[dict]:
    return [json.loads(line) for line in path.read_text().splitlines() if line.strip()]


def _countries(codes: list[str]) -> set[str]:
    out: set[str] = set()
    for code in codes:
        out |= set(gazetteer()["europe"].countries) if code == "EU" else {code}
    return out


def _got_filters(chat: JobSeekerChat) -> dict:
    f = chat.last.filters if chat.last else None
    if f is None:
        return {}
    return {
        "role": list(f.role),
        "skills": sorted(s.lower() for s in f.skills),
        "countries": set(f.countries),
        "city": f.city.lower(),
        "remote": f.remote,
        "seniority": f.seniority,
        "company": f.company.lower(),
    }


def _want_filters(want: dict) -> dict:
    return {
        "role": list(want.get("role", [])),
        "skills": sorted(s.lower() for s in want.get("skills", [])),
        "countries": _countries(want.get("countries", [])),
        "city": want.get("city", "").lower(),
        "remote": want.get("remote"),
        "seniority": want.get("seniority", ""),
        "company": want.get("company", "").lower(),
    }


def _role_ok(word: str, title: str) -> bool:
    low = title.lower() + " "
    return any(a in low for a in _ALIASES.get(word, ())) or word[:4] in low


def job_matches(session, job: Job, want: dict) -> bool:
    """Whether a cited job is open, its recruiter allows train-ai now, and it passes the
    expected filters: checked on the live row, by rules simpler than the chat's."""
    if job.deleted_at is not None or job.closed_at is not None:
        return False
    if not decide(session, job.recruiter_id, "train-ai").allowed:
        return False
    if not all(_role_ok(w, job.title) for w in want.get("role", [])):
        return False
    skills = {
        s.lower() for s in session.scalars(select(JobSkill.name).where(JobSkill.job_id == job.id))
    }
    if any(s.lower() not in skills for s in want.get("skills", [])):
        return False
    countries = _countries(want.get("countries", []))
    if countries and job.region[:2] not in countries:
        return False
    if want.get("city") and not job.location.lower().startswith(want["city"].lower()):
        return False
    if want.get("remote") is not None and job.remote != want["remote"]:
        return False
    if want.get("seniority") and job.seniority != want["seniority"]:
        return False
    return not (want.get("company") and job.company.lower() != want["company"].lower())


@dataclass
class Result:
    turns: int = 0
    right: int = 0
    intent_right: int = 0
    cited: int = 0
    cited_ok: int = 0
    latencies: list[float] = field(default_factory=list)
    wrong: list[str] = field(default_factory=list)

    @property
    def accuracy(self) -> float:
        return self.right / self.turns if self.turns else 0.0

    @property
    def cited_match(self) -> float:
        return self.cited_ok / self.cited if self.cited else 1.0

    def latency(self, q: float) -> float:
        xs = sorted(self.latencies)
        return xs[min(len(xs) - 1, int(q * len(xs)))] if xs else 0.0

    def summary(self) -> dict:
        return {
            "questions": self.turns,
            "accuracy": round(self.accuracy, 3),
            "intent_accuracy": round(self.intent_right / self.turns, 3) if self.turns else 0,
            "cited_jobs": self.cited,
            "cited_match": round(self.cited_match, 3),
            "p50_s": round(statistics.median(self.latencies), 3) if self.latencies else 0,
            "p95_s": round(self.latency(0.95), 3),
        }


def run_eval(
    engine,
    settings,
    member_id: int,
    posted: dict[tuple[str, str], int],
    make_chat: Callable[[int], JobSeekerChat],
    questions: list[dict] | None = None,
) -> Result:
    """Ask every conversation of `questions` (default: questions.jsonl) as `member_id`."""
    result = Result()
    for conv in questions or load_questions():
        chat = make_chat(member_id)
        shown: list[int] = []
        for turn in conv["turns"]:
            with session_scope(engine) as s:
                start = time.perf_counter()
                reply = chat.reply(s, settings, turn["q"])
                result.latencies.append(time.perf_counter() - start)
                ok = chat.last is not None and chat.last.intent == turn["intent"]
                result.intent_right += ok
                ok = ok and _got_filters(chat) == _want_filters(turn["filters"])
                want_job = turn.get("job")
                if want_job is not None:
                    if isinstance(want_job, str):
                        i = int(want_job.split(":")[1])
                        expected = shown[i] if shown and -len(shown) <= i < len(shown) else None
                    else:
                        expected = posted.get((want_job[0], want_job[1]))
                    ok = ok and expected is not None and reply.job_ids == [expected]
                if turn["intent"] == "find_jobs":
                    for job_id in reply.job_ids:
                        result.cited += 1
                        job = s.get(Job, job_id)
                        if job is not None and job_matches(s, job, turn["filters"]):
                            result.cited_ok += 1
                        else:
                            result.wrong.append(f"{conv['id']}: cited job {job_id} off-filter")
                    shown = list(reply.job_ids) or shown
            result.turns += 1
            result.right += ok
            if not ok:
                got = chat.last
                result.wrong.append(
                    f"{conv['id']}: {turn['q']!r} -> {got.intent if got else None} "
                    f"{_got_filters(chat)} jobs {reply.job_ids}"
                )
    return result
