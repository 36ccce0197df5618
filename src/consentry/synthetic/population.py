"""Members and their profiles: who they are, where they live, their careers and schooling.

`build_population` decides every member's attributes (vectorised where it can) and
`write_members` / `write_profiles` turn them into rows. Members 1-4 are the fixed demo
accounts; the rest are drawn from the seed.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from datetime import date, datetime, timedelta

import numpy as np

from consentry.store.tables import Education, Member, Position, Profile, Skill
from consentry.synthetic import careers, names, pii, texts
from consentry.synthetic.demo import DEMO_ACCOUNTS
from consentry.synthetic.regions import REGIONS, Region, location
from consentry.synthetic.run import GenerationRun, to_datetime, to_datetimes
from consentry.synthetic.vocabulary import SCHOOL_FORMS_MINOR, Author

MINOR_SHARE = 0.04  # members aged 13-17
RECRUITER_SHARE = 0.025
PREMIUM_SHARE = 0.08
PII_SHARE = 0.15  # share of texts that carry planted personal data
_MEMBER_DOMAINS = ("example.com", "example.org", "example.net", "mail.example")


@dataclass
class Population:
    """Every member's attributes, indexed by `member_id - 1`."""

    handles: list[str] = field(default_factory=list)
    first: list[str] = field(default_factory=list)
    last: list[str] = field(default_factory=list)
    regions: list[Region] = field(default_factory=list)
    birth: list[date] = field(default_factory=list)
    roles: list[str] = field(default_factory=list)
    authors: list[Author] = field(default_factory=list)
    created: np.ndarray = field(default_factory=lambda: np.zeros(0, np.int64))
    minor: np.ndarray = field(default_factory=lambda: np.zeros(0, bool))

    def __len__(self) -> int:
        return len(self.handles)

    def display(self, index: int) -> str:
        return f"{self.first[index]} {self.last[index]}"

    def person(self, index: int, other: int) -> pii.Person:
        """The author `index` as an owner of planted data; `other` is whom PERSON names."""
        return pii.Person(
            self.first[index],
            self.last[index],
            self.handles[index],
            self.regions[index].country,
            self.birth[index],
            self.display(other),
        )


def _age_on(born: date, day: date) -> int:
    return day.year - born.year - ((day.month, day.day) < (born.month, born.day))


def build_population(run: GenerationRun, members: int) -> Population:
    """Draw `members` synthetic members after the demo accounts (deterministic per seed)."""
    rng, nrng = run.rng("members"), run.nprng("members")
    total = members + len(DEMO_ACCOUNTS)
    today = run.end.date()
    # Every region at least once (when there are enough members), the rest by weight.
    weights = np.array([r.weight for r in REGIONS])
    drawn = nrng.choice(len(REGIONS), size=members, p=weights / weights.sum())
    drawn[: min(members, len(REGIONS))] = np.arange(min(members, len(REGIONS)))
    nrng.shuffle(drawn)
    minor = np.zeros(total, bool)
    minor[len(DEMO_ACCOUNTS) :] = nrng.random(members) < MINOR_SHARE
    pop = Population(minor=minor)
    seen: dict[str, int] = {}
    for demo in DEMO_ACCOUNTS:
        seen[demo.handle] = 1
    by_code = {r.code: r for r in REGIONS}
    roles = nrng.random(members)
    created = np.zeros(total, np.int64)
    joined = run.start_s + (np.sqrt(nrng.random(total)) * (run.end_s - run.start_s - 30 * 86400))
    for i in range(total):
        if i < len(DEMO_ACCOUNTS):
            demo = DEMO_ACCOUNTS[i]
            region, first, last, handle = (
                by_code[demo.region],
                demo.first_name,
                demo.last_name,
                demo.handle,
            )
            born, role = demo.birth_date, demo.role
            occupation = careers.BY_NAME[demo.occupation]
        else:
            region = REGIONS[drawn[i - len(DEMO_ACCOUNTS)]]
            first, last = names.person_name(rng, region.language, rng.random() < 0.5)
            handle = names.handle_base(first, last)
            count = seen.get(handle, 0)
            seen[handle] = count + 1
            if count:
                handle = f"{handle}{count + 1}"
                seen.setdefault(handle, 1)
            age = rng.randint(13, 17) if minor[i] else int(rng.triangular(18, 70, 32))
            born = today - timedelta(days=age * 365 + rng.randint(5, 360))
            role = (
                "recruiter"
                if not minor[i] and roles[i - len(DEMO_ACCOUNTS)] < RECRUITER_SHARE
                else "member"
            )
            occupation = (
                careers.BY_NAME["recruiting"]
                if role == "recruiter"
                else rng.choice(careers.OCCUPATIONS)
            )
        # Nobody joins before turning 13.
        thirteen = datetime(born.year + 13, born.month, min(born.day, 28)) - datetime(1970, 1, 1)
        created[i] = min(max(int(joined[i]), int(thirteen.total_seconds())), run.end_s - 2 * 86400)
        age = _age_on(born, today)
        years = max(0, age - 22 - rng.randint(0, 3))
        level = min(4, sum(years >= t for t in (2, 5, 10, 16)))
        city = rng.choice(region.cities)
        if minor[i]:
            title, company = "Student", rng.choice(SCHOOL_FORMS_MINOR).format(city=city)
        else:
            title = occupation.titles[level]
            company = careers.company_name(rng, occupation.industry, region.country)
        skills = tuple(
            rng.sample(occupation.skills, min(len(occupation.skills), rng.randint(3, 7)))
        )
        pop.handles.append(handle)
        pop.first.append(first)
        pop.last.append(last)
        pop.regions.append(region)
        pop.birth.append(born)
        pop.roles.append(role)
        pop.authors.append(Author(first, occupation, title, company, city, skills, max(1, years)))
    pop.created = created
    return pop


def write_members(run: GenerationRun, pop: Population, password_hash: str) -> None:
    table = Member.__table__
    rng = run.rng("member-rows")
    created = to_datetimes(pop.created)
    premium_draw = run.nprng("premium").random(len(pop))
    for i in range(len(pop)):
        if i < len(DEMO_ACCOUNTS):
            email, premium = DEMO_ACCOUNTS[i].email, DEMO_ACCOUNTS[i].premium
        else:
            email = f"{pop.handles[i]}@{rng.choice(_MEMBER_DOMAINS)}"
            premium = bool(premium_draw[i] < PREMIUM_SHARE and not pop.minor[i])
        run.sink.add(
            table,
            (
                i + 1,
                pop.handles[i],
                pop.first[i],
                pop.last[i],
                pop.display(i),
                email,
                password_hash,
                pop.regions[i].code,
                pop.birth[i],
                pop.roles[i],
                premium,
                created[i],
                created[i],
                None,
            ),
        )
        if i % 5000 == 4999:
            run.advance("members", 5000)
    run.sink.flush(table)
    run.advance("members", len(pop) % 5000)


def write_profiles(run: GenerationRun, pop: Population) -> None:
    """Profiles (with planted data and some edits), positions, education and skills."""
    rng, nrng = run.rng("profiles"), run.nprng("profiles")
    n = len(pop)
    updated, _ = run.edit_times(nrng, pop.created, 0.06, 0.0)
    created_dt, updated_dt = to_datetimes(pop.created), to_datetimes(updated)
    plant = nrng.random(n) < PII_SHARE
    position_id = education_id = skill_id = 1
    kinds, kind_weights = list(pii.TYPE_WEIGHTS), list(pii.TYPE_WEIGHTS.values())
    for i in range(n):
        member_id, author, region = i + 1, pop.authors[i], pop.regions[i]
        inserts = []
        if plant[i]:
            for kind in rng.choices(kinds, kind_weights, k=rng.choice((1, 1, 2))):
                other = rng.randrange(n)
                inserts.append(texts.pii_insert(rng, kind, pop.person(i, other)))
        about, spans = texts.about(rng, author, inserts)
        head = (
            f"Student | interested in {rng.choice(author.occupation.topics)}"
            if pop.minor[i]
            else texts.headline(rng, author)
        )
        run.sink.add(
            Profile.__table__,
            (
                member_id,
                head,
                about,
                author.occupation.industry,
                location(region, author.city),
                created_dt[i],
                updated_dt[i],
                None,
            ),
        )
        run.planted("profile", member_id, "about", spans)
        if updated[i] > pop.created[i]:
            # An edit changes the field it touches: draw the earlier text until it differs.
            field, current = ("about", about) if rng.random() < 0.7 else ("headline", head)
            earlier = current
            while earlier == current:
                earlier = (
                    texts.about(rng, author)[0] if field == "about" else texts.headline(rng, author)
                )
            run.revised("profile", member_id, field, earlier, created_dt[i], updated_dt[i])
        extra = rng.sample(careers.GENERIC_SKILLS, rng.randint(0, 2))
        for name in dict.fromkeys((*author.skills, *extra)):
            run.sink.add(
                Skill.__table__, (skill_id, member_id, name, created_dt[i], created_dt[i], None)
            )
            skill_id += 1
        for row in _positions(run, rng, pop, i, created_dt[i]):
            run.sink.add(Position.__table__, (position_id, *row))
            position_id += 1
        for row in _education(rng, pop, i, created_dt[i]):
            run.sink.add(Education.__table__, (education_id, *row))
            education_id += 1
        if i % 2000 == 1999:
            run.advance("profiles", 2000)
    run.advance("profiles", n % 2000)


def _positions(run: GenerationRun, rng, pop: Population, i: int, created: datetime) -> list[tuple]:
    if pop.minor[i]:
        return []
    author, today = pop.authors[i], run.end.date()
    career_start = pop.birth[i] + timedelta(days=int(365.25 * rng.uniform(20.5, 24.5)))
    if career_start >= today - timedelta(days=60):
        career_start = today - timedelta(days=rng.randint(30, 60))
    span = (today - career_start).days
    count = min(5, 1 + author.years // rng.randint(3, 6), max(1, span // 120))
    cuts = sorted(rng.sample(range(1, span), count - 1)) if count > 1 else []
    starts = [career_start + timedelta(days=c) for c in [0, *cuts]]
    rows = []
    level = author.occupation.titles.index(author.title)
    for k, started in enumerate(starts):
        current = k == len(starts) - 1
        if current:
            ended = None if rng.random() < 0.9 else today - timedelta(days=rng.randint(1, 30))
            title, company = author.title, author.company
        else:
            ended = starts[k + 1] - timedelta(days=rng.randint(0, 25))
            title = author.occupation.titles[max(0, level - (len(starts) - 1 - k + 1) // 2)]
            company = careers.company_name(rng, author.occupation.industry, pop.regions[i].country)
        if ended is not None and ended <= started:
            ended = started + timedelta(days=1)
        made = max(created, datetime(started.year, started.month, started.day))
        made = min(made, run.end)
        rows.append(
            (
                i + 1,
                title,
                company,
                location(pop.regions[i], rng.choice(pop.regions[i].cities)),
                started,
                ended,
                "month",
                "month",
                texts.position_description(rng, replace(author, title=title, company=company)),
                made,
                made,
                None,
            )
        )
    return rows


def _education(rng, pop: Population, i: int, created: datetime) -> list[tuple]:
    region, author, born = pop.regions[i], pop.authors[i], pop.birth[i]
    if pop.minor[i]:
        start = date(born.year + 11, 9, 1)
        return [
            (i + 1, author.company, "", "", start, None, "year", "year", created, created, None)
        ]
    rows = []
    start = date(born.year + 18 + rng.randint(0, 1), 9, 1)
    degree = rng.choice(careers.DEGREES[:2] + careers.DEGREES[6:7])[0]
    school = careers.school_name(rng, region.language, rng.choice(region.cities))
    end = date(start.year + 3, 7, 15)
    rows.append(
        (
            i + 1,
            school,
            degree,
            careers.field_of_study(rng, author.occupation),
            start,
            end,
            "year",
            "year",
            created,
            created,
            None,
        )
    )
    if rng.random() < 0.4 and end.year + 2 <= created.year + 1:
        degree = rng.choice(careers.DEGREES[2:6] + careers.DEGREES[7:])[0]
        school = careers.school_name(rng, region.language, rng.choice(region.cities))
        rows.append(
            (
                i + 1,
                school,
                degree,
                careers.field_of_study(rng, author.occupation),
                date(end.year, 9, 1),
                date(end.year + 2, 7, 15),
                "year",
                "year",
                created,
                created,
                None,
            )
        )
    return rows


__all__ = ["Population", "build_population", "to_datetime", "write_members", "write_profiles"]
