"""The postings the chat may cite, and the filters a question puts on them.

A posting is citable when it is in the active retrieval index (so it reached a consented
`train-ai` dataset) AND, at the moment of the question, its job is live and open AND its
recruiter's present decision for `train-ai` allows it. The last two are read from the
live tables on every reply, so a recruiter who withdraws (or a job that closes) drops out
of answers at once, before any index is rebuilt; propagation later removes the posting
from the index itself.

Where a job is, whether it is remote and its seniority are read from the live job row:
the index holds what the consented record carried (title, company, skills, text).
"""

from __future__ import annotations

from dataclasses import dataclass, field

from sqlalchemy import select
from sqlalchemy.orm import Session

from consentry.config import Settings
from consentry.consent.decide import decide
from consentry.datasets.records import record_id
from consentry.features.chat.places import country_name
from consentry.keys import KeyPurpose, Keyring
from consentry.store.tables import Job
from consentry.training.models.retrieval import JobIndex, Posting
from consentry.training.sisa import load_active
from consentry.training.text import words

PURPOSE = "train-ai"
SENIORITY = ("entry", "mid", "senior", "lead", "executive")

# Words a role is also written with: a title "Machine Learning Engineer" is an "ML" role.
ROLE_ALIASES = {
    "machine learning": "ml",
    "artificial intelligence": "ai",
    "human resources": "hr",
    "user experience": "ux",
    "product manager": "pm",
}


@dataclass(frozen=True)
class OpenPosting:
    """A citable posting: the index's entry and its live job's place, mode and level."""

    job_id: int
    posting: Posting
    city: str
    location: str
    country: str
    remote: bool
    seniority: str
    employment_type: str

    @property
    def title(self) -> str:
        return self.posting.title

    @property
    def company(self) -> str:
        return self.posting.company

    def line(self) -> str:
        """One line naming the job, for answers: `job 12: Data Scientist at Acme — Berlin`."""
        where = self.location or country_name(self.country)
        mode = ", remote" if self.remote else ""
        return f"job {self.job_id}: {self.title} at {self.company} ({where}{mode})"


def role_words(text: str) -> list[str]:
    """Lower-cased words of a title or role, with the aliases it is also known by (both
    ways: "ML Engineer" is also a "machine learning" role)."""
    ws = words(text)
    low = f" {' '.join(ws)} "
    extra = [alias for phrase, alias in ROLE_ALIASES.items() if f" {phrase} " in low]
    extra += [w for phrase, alias in ROLE_ALIASES.items() if alias in ws for w in phrase.split()]
    return ws + extra


def same_family(asked: str, word: str) -> bool:
    """Whether a word asked for names the same kind of work as a title word: equal, or
    sharing a stem ("science"/"scientist", "nursing"/"nurse", "engineering"/"engineer")."""
    if asked == word:
        return True
    common = 0
    for a, b in zip(asked, word, strict=False):
        if a != b:
            break
        common += 1
    return common >= 4 and common >= min(len(asked), len(word)) - 2


@dataclass(frozen=True)
class Filters:
    """What a question restricts postings to. Empty fields restrict nothing.

    `role`: words of the kind of work asked for; each must name (`same_family`) a word of
    the posting's title. `skills`: every one must be listed by the posting. `countries`:
    the posting's country is one of them; `city`: and it is in that city. `remote`: True
    or False when asked. `seniority`: one of `SENIORITY`. `company`: the posting's company.
    `place`: the place as asked, for answers.
    """

    role: tuple[str, ...] = ()
    skills: tuple[str, ...] = ()
    countries: frozenset[str] = field(default_factory=frozenset)
    city: str = ""
    place: str = ""
    remote: bool | None = None
    seniority: str = ""
    company: str = ""

    def __bool__(self) -> bool:
        return bool(
            self.role
            or self.skills
            or self.countries
            or self.remote is not None
            or self.seniority
            or self.company
        )

    def matches(self, job: OpenPosting) -> bool:
        if self.role:
            title = role_words(job.title)
            if not all(any(same_family(r, t) for t in title) for r in self.role):
                return False
        have = {s.lower() for s in job.posting.skills}
        if any(s.lower() not in have for s in self.skills):
            return False
        if self.countries and job.country not in self.countries:
            return False
        if self.city and job.city.lower() != self.city.lower():
            return False
        if self.remote is not None and job.remote != self.remote:
            return False
        if self.seniority and job.seniority != self.seniority:
            return False
        return not (self.company and job.company.lower() != self.company.lower())

    def describe(self) -> str:
        """The filters in words: `remote senior data science jobs in Germany`."""
        parts = []
        if self.remote is True:
            parts.append("remote")
        if self.seniority:
            parts.append(self.seniority + "-level")
        if self.role:
            parts.append(" ".join(self.role))
        parts.append("jobs")
        if self.skills:
            parts.append("with " + " and ".join(self.skills))
        if self.company:
            parts.append("at " + self.company)
        if self.place:
            parts.append("in " + self.place)
        if self.remote is False:
            parts.append("on site")
        return " ".join(parts)


@dataclass(frozen=True)
class Openings:
    """The index and the postings in it that may be cited now, by job id."""

    index: JobIndex
    by_job: dict[int, OpenPosting]

    def search(self, query: str, filters: Filters) -> list[OpenPosting]:
        """Every citable posting that passes `filters`, best BM25 match for `query` first;
        postings that match no query word follow, by job id."""
        allowed = [j for j in self.by_job.values() if filters.matches(j)]
        by_record = {j.posting.record_id: j for j in allowed}
        hits = self.index.search(query, k=len(self.index))
        ranked = [by_record[p.record_id] for p, _ in hits if p.record_id in by_record]
        seen = {j.job_id for j in ranked}
        return ranked + sorted((j for j in allowed if j.job_id not in seen), key=lambda j: j.job_id)


def open_postings(session: Session, settings: Settings) -> Openings:
    """The active retrieval index and its citable postings (see the module docstring)."""
    _, index = load_active(session, settings, "retrieval")
    key = Keyring.load(settings).key(KeyPurpose.RECORD_IDS).secret
    live = session.execute(
        select(Job).where(Job.deleted_at.is_(None), Job.closed_at.is_(None)).order_by(Job.id)
    ).scalars()
    candidates = []
    for job in live:
        posting = index.by_id.get(record_id(key, "job", job.id))
        if posting is not None:
            candidates.append((job, posting))
    allowed: dict[int, bool] = {}
    by_job = {}
    for job, posting in candidates:
        if job.recruiter_id not in allowed:
            allowed[job.recruiter_id] = decide(session, job.recruiter_id, PURPOSE).allowed
        if not allowed[job.recruiter_id]:
            continue
        by_job[job.id] = OpenPosting(
            job_id=job.id,
            posting=posting,
            city=job.location.split(",")[0].strip(),
            location=job.location,
            country=job.region[:2].upper() or posting.country,
            remote=bool(job.remote),
            seniority=job.seniority,
            employment_type=job.employment_type,
        )
    return Openings(index, by_job)
