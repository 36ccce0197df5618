"""The network the chat evaluation asks its questions on.

A network from the project's seeded generator (`members` members, seed 5, every
recruiter allowing `train-ai`, Lena allowing `train-ai` and `train-genai`), plus the
postings in `POSTINGS`, published by the generated recruiters through the network's own
`post_job` before any dataset is built: the generator posts one job per 50 members, too
few for questions about data jobs in Germany or remote ML roles to have answers. One of
them (`CLOSED`) is closed before the questions are asked; the chat must never cite it.
Then both training datasets are built (2 shards) and the models the chat reads are
trained. The questions (questions.jsonl) name these postings' companies and places.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import Engine, select

from consentry.config import Settings, scrub_ner
from consentry.consent.ledger import ledger_session, sealed
from consentry.consent.ledger_seal import ledger_key
from consentry.consent.record import record_choice
from consentry.consent.versions import ensure_default_policy
from consentry.datasets.build import build_dataset
from consentry.network.jobs import JobDraft, close_job, post_job
from consentry.store import migrate, open_engine
from consentry.store.engine import session_scope
from consentry.store.tables import Job, Member
from consentry.synthetic.choices import seed_choices
from consentry.synthetic.demo import DEMO_ACCOUNTS
from consentry.synthetic.generate import generate_network
from consentry.training.sisa import train_feature

LENA_EMAIL = next(a.email for a in DEMO_ACCOUNTS if a.region == "DE" and a.role == "member")
CHAT_MODELS = ("retrieval", "match", "skills", "phrasing")

# (company, title, location, region, remote, seniority, skills)
POSTINGS = (
    ("Fjordgate AI", "Senior Data Scientist", "Frankfurt, Germany", "DE", False, "senior",
     "Python, SQL, statistics, A/B testing, causal inference"),
    ("Fjordgate AI", "Machine Learning Engineer", "Berlin, Germany", "DE", True, "mid",
     "PyTorch, MLOps, Python, model serving"),
    ("Isarlicht Analytics", "Data Scientist", "Munich, Germany", "DE", True, "mid",
     "Python, pandas, forecasting, SQL"),
    ("Spreewerk Data", "Data Engineer", "Berlin, Germany", "DE", False, "mid",
     "SQL, Airflow, Spark, dbt"),
    ("Rheinblick Bank", "Head of Data Science", "Frankfurt, Germany", "DE", False, "executive",
     "statistics, Python, forecasting, causal inference"),
    ("Elbwave Logistics", "Junior Data Scientist", "Hamburg, Germany", "DE", False, "entry",
     "Python, SQL, pandas"),
    ("Spreeklinik", "Registered Nurse", "Berlin, Germany", "DE", False, "mid",
     "patient care, triage, medication administration"),
    ("Isarlicht Analytics", "Product Manager", "Munich, Germany", "DE", False, "mid",
     "roadmapping, user research, A/B testing"),
    ("Mainquai Capital", "Financial Analyst", "Frankfurt, Germany", "DE", False, "mid",
     "Excel, financial modelling, forecasting"),
    ("Polderlab", "Senior ML Engineer", "Amsterdam, Netherlands", "NL", True, "senior",
     "PyTorch, LLMs, retrieval, Python, MLOps"),
    ("Tamesis Tech", "Software Engineer", "London, United Kingdom", "GB", True, "mid",
     "Python, Go, Kubernetes, PostgreSQL"),
    ("Tamesis Tech", "Lead Data Scientist", "London, United Kingdom", "GB", False, "lead",
     "Python, SQL, causal inference, statistics"),
    ("Hudson Metrics", "Senior Data Scientist", "New York, NY, United States", "US-NY", False,
     "senior", "Python, SQL, Spark, A/B testing"),
    ("Limmat Insights", "Data Scientist", "Zurich, Switzerland", "CH", False, "mid",
     "Python, statistics, scikit-learn"),
    ("Seine Analytique", "Lead Data Scientist", "Paris, France", "FR", True, "lead",
     "Python, forecasting, Spark, SQL"),
    ("Norrsken Design", "Senior Product Designer", "Stockholm, Sweden", "SE", True, "senior",
     "Figma, user research, prototyping"),
    ("Northpeak AI", "Head of Machine Learning", "Toronto, ON, Canada", "CA", True, "executive",
     "PyTorch, LLMs, MLOps, evaluation"),
    ("Liffey Labs", "Junior Software Engineer", "Dublin, Ireland", "IE", False, "entry",
     "Python, TypeScript, code review"),
    ("Donauwerk", "Data Engineer", "Vienna, Austria", "AT", True, "mid",
     "Kafka, Spark, SQL, Python"),
    ("Spreewerk Data", "Marketing Manager", "Berlin, Germany", "DE", False, "mid",
     "SEO, content strategy, campaign management"),
    ("Hudson Metrics", "Account Executive", "Boston, MA, United States", "US-MA", True, "mid",
     "CRM, negotiation, pipeline management"),
    ("Tagus Health", "Registered Nurse", "Lisbon, Portugal", "PT", False, "mid",
     "patient care, triage"),
    ("Polderlab", "Data Scientist", "Rotterdam, Netherlands", "NL", False, "mid",
     "Python, SQL, statistics, pandas"),
    ("Vistula Soft", "Senior Software Engineer", "Warsaw, Poland", "PL", True, "senior",
     "Java, Kubernetes, system design, AWS"),
)  # fmt: skip
CLOSED = ("Closedloop Labs", "Senior Data Scientist", "Berlin, Germany", "DE", True, "senior",
          "Python, SQL, statistics")  # fmt: skip


@dataclass(frozen=True)
class ChatWorld:
    engine: Engine
    settings: Settings
    lena: int
    closed_job: int
    posted: dict[tuple[str, str], int]  # (company, title) -> job id


def _grant(engine: Engine, ids: list[int], purpose: str, action: str = "grant") -> None:
    with ledger_session(engine) as session:
        for member_id in ids:
            record_choice(
                session, member_id, purpose, action, source="settings", actor=f"member:{member_id}"
            )


def build_chat_world(folder: Path, *, members: int = 600) -> ChatWorld:
    """Create the evaluation network in `folder` (a fresh SQLite file and data folder)."""
    folder.mkdir(parents=True, exist_ok=True)
    url = f"sqlite:///{folder / 'consentry.db'}"
    settings = Settings(data_dir=folder / "data", database_url=url, scrub_ner=scrub_ner(os.environ))
    plain = open_engine(url)
    migrate(plain)
    plain.dispose()
    engine = sealed(open_engine(url), ledger_key(settings))
    with session_scope(engine) as s:
        ensure_default_policy(s, settings)
    generate_network(engine, members=members, seed=5)
    seed_choices(engine, seed=5)
    with session_scope(engine) as s:
        recruiters = list(s.scalars(select(Member.id).where(Member.role == "recruiter")))
        lena = s.scalars(select(Member.id).where(Member.email == LENA_EMAIL)).one()
    _grant(engine, recruiters, "train-ai")
    _grant(engine, [lena], "train-ai")
    _grant(engine, [lena], "train-genai")
    posted: dict[tuple[str, str], int] = {}
    with session_scope(engine) as s:
        for i, (company, title, location, region, remote, level, skills) in enumerate(
            (*POSTINGS, CLOSED)
        ):
            draft = JobDraft(
                company=company,
                title=title,
                location=location,
                region=region,
                remote=remote,
                seniority=level,
                description=f"{company} is hiring a {title} in {location.split(',')[0]}.",
                skills=tuple(x.strip() for x in skills.split(",")),
            )
            posted[(company, title)] = post_job(s, recruiters[i % len(recruiters)], draft).id
    for purpose in ("train-ai", "train-genai"):
        build_dataset(engine, settings, purpose=purpose, shards=2)
    for feature in CHAT_MODELS:
        train_feature(engine, settings, feature, seed=0)
    closed = posted[(CLOSED[0], CLOSED[1])]
    with session_scope(engine) as s:
        close_job(s, s.get_one(Job, closed).recruiter_id, closed)
    return ChatWorld(engine, settings, lena, closed, posted)
