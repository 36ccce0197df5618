"""A member's own profile, reduced to the slot values the features fill patterns with."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from sqlalchemy.orm import Session

from consentry.errors import NotFound
from consentry.network.queries import live_member, profile


@dataclass(frozen=True)
class MemberFacts:
    member_id: int
    name: str
    title: str
    company: str
    titles: tuple[str, ...]  # oldest first, as in training records
    skills: tuple[str, ...]
    industry: str
    location: str
    country: str
    years: int
    # Every employer, oldest first, and where the profile says the member is (whole):
    # what a generated draft may name (`features.grounding`).
    companies: tuple[str, ...] = ()
    places: tuple[str, ...] = ()

    def slots(self, *, title: str | None = None, skills: tuple[str, ...] | None = None) -> dict:
        """Slot values for `phrasing.fill`: this member, optionally aimed at another title."""
        return {
            "title": [title or self.title] * 2,
            "company": [self.company] * 2 if self.company else [],
            "skill": list(skills if skills is not None else self.skills),
            "industry": [self.industry.lower()] if self.industry else [],
            "location": [self.location] if self.location else [],
            "n": [str(self.years)] if self.years else [],
        }


def member_facts(session: Session, member_id: int) -> MemberFacts:
    """The member's live profile as slot values; a clear error if there is none."""
    member = live_member(session, member_id)
    if member is None:
        raise NotFound(f"no member {member_id}")
    view = profile(session, member)
    positions = list(reversed(view.positions))  # oldest first
    latest = positions[-1] if positions else None
    started = positions[0].started_on if positions else None
    years = max(1, date.today().year - started.year) if started else 0
    city = view.location.split(",")[0].strip()
    return MemberFacts(
        member_id=member.id,
        name=view.display_name,
        title=latest.title if latest else "",
        company=latest.company if latest else "",
        titles=tuple(p.title for p in positions),
        skills=tuple(view.skills),
        industry=view.industry,
        location=city,
        country=member.region.split("-")[0],
        years=years,
        companies=tuple(dict.fromkeys(p.company for p in positions if p.company)),
        places=tuple(
            dict.fromkeys(
                part.strip()
                for where in (view.location, *(p.location for p in positions))
                for part in (where or "").split(",")
                if part.strip()
            )
        ),
    )
