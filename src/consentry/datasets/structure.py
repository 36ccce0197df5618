"""The structured columns of a record: a profile's titles, companies and skills, a job's
skills — read as they stood at the snapshot time, for a chunk of consented rows at once.

Only rows that already passed the consented query reach here, so these reads stay
inside its scope: they fetch structure for those authors and items alone.
"""

from __future__ import annotations

from collections import defaultdict
from datetime import datetime

from sqlalchemy import and_, or_, select
from sqlalchemy.orm import Session

from consentry.store.tables import JobSkill, Position, Skill


def _live(table, at: datetime):
    return and_(table.created_at <= at, or_(table.deleted_at.is_(None), table.deleted_at > at))


def attach_structure(session: Session, rows: list[dict], *, at: datetime) -> None:
    """Add `titles`, `companies` and `skills` lists to every row, in place.

    Profiles: positions (oldest first) and skills (alphabetical) live at `at`.
    Jobs: the posting's company and skills. Other classes: empty lists.
    """
    members = sorted({r["member_id"] for r in rows if r["data_class"] == "profile"})
    jobs = sorted({r["item_id"] for r in rows if r["data_class"] == "job"})
    titles: dict[int, list[str]] = defaultdict(list)
    companies: dict[int, list[str]] = defaultdict(list)
    skills: dict[int, list[str]] = defaultdict(list)
    job_skills: dict[int, list[str]] = defaultdict(list)
    if members:
        for member_id, title, company in session.execute(
            select(Position.member_id, Position.title, Position.company)
            .where(Position.member_id.in_(members), _live(Position, at))
            .order_by(Position.member_id, Position.started_on, Position.id)
        ):
            titles[member_id].append(title)
            companies[member_id].append(company)
        for member_id, name in session.execute(
            select(Skill.member_id, Skill.name)
            .where(Skill.member_id.in_(members), _live(Skill, at))
            .order_by(Skill.member_id, Skill.name)
        ):
            skills[member_id].append(name)
    if jobs:
        for job_id, name in session.execute(
            select(JobSkill.job_id, JobSkill.name)
            .where(JobSkill.job_id.in_(jobs))
            .order_by(JobSkill.job_id, JobSkill.name)
        ):
            job_skills[job_id].append(name)
    for row in rows:
        if row["data_class"] == "profile":
            key = row["member_id"]
            row["titles"], row["companies"], row["skills"] = (
                titles.get(key, []),
                companies.get(key, []),
                skills.get(key, []),
            )
        elif row["data_class"] == "job":
            row["titles"] = [row["title"]] if row["title"] else []
            row["companies"] = [row["company"]] if row["company"] else []
            row["skills"] = job_skills.get(row["item_id"], [])
        else:
            row["titles"], row["companies"], row["skills"] = [], [], []
