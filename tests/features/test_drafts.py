"""Drafts written by the language model, over every member of a small seeded network:
no draft states a fact the member's own data (or the job's) does not hold.

The checker here is deliberately not `features.grounding`: it knows the synthetic
network's own vocabulary (every title, skill, company, city and member name the generator
can write) and reads each member's data straight from the tables. The figures it prints
(drafts per second, what happened to the generated sentences) are the ones in
bench/README.md.
"""

from __future__ import annotations

import re
import shutil
import time
from datetime import date

import pytest
from sqlalchemy import select

from builders import sealed_engine, seed_network, train_all
from consentry.config import load_settings
from consentry.consent.decide import decide
from consentry.features.grounding import Tally
from consentry.features.job_posts import SECTIONS, write_job_post
from consentry.features.outreach import STRONG_FIT, draft_outreach
from consentry.features.profile_assistant import assist_profile
from consentry.store.engine import session_scope
from consentry.store.tables import Job, JobSkill, Member, Position, Profile, Skill
from consentry.synthetic.careers import GENERIC_SKILLS, OCCUPATIONS
from consentry.synthetic.regions import REGIONS

# Small enough for 2 busy cores (a profile draft is tens of seconds there), large enough
# for many occupations, regions and career lengths.
MEMBERS = 30
OUTREACH = 8

_NUMBERS = re.compile(r"\b\d+\b")
_NUMBER_WORDS = {
    w: i
    for i, w in enumerate(
        (
            *("zero", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine"),
            *("ten", "eleven", "twelve", "thirteen", "fourteen", "fifteen", "sixteen"),
            *("seventeen", "eighteen", "nineteen", "twenty"),
        )
    )
    if i >= 2
}


@pytest.fixture(scope="module")
def network(tmp_path_factory, sqlite_template):
    """A seeded, trained network and the local language model, once for the module."""
    from consentry.genai.generate import local_generator

    root = tmp_path_factory.mktemp("drafts")
    shutil.copyfile(sqlite_template, root / "consentry.db")
    url = f"sqlite:///{root / 'consentry.db'}"
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("CONSENTRY_DATA_DIR", str(root / "data"))
        mp.setenv("CONSENTRY_DATABASE_URL", url)
        engine = sealed_engine(url, root / "data")
        settings = load_settings()
        seed_network(engine, settings, members=MEMBERS, recruiters_consent=True)
        train_all(engine, settings)
        yield engine, settings, local_generator()
        engine.dispose()


def _vocabulary(session) -> list[str]:
    """Every name the synthetic network can put in a profile: titles, skills, companies,
    cities and member names."""
    names = {t for o in OCCUPATIONS for t in (*o.titles, *o.skills)} | set(GENERIC_SKILLS)
    names |= {c for r in REGIONS for c in r.cities}
    names |= set(session.scalars(select(Position.company)))
    names |= set(session.scalars(select(Job.company))) | set(session.scalars(select(Job.title)))
    names |= set(session.scalars(select(Member.display_name)))
    return sorted(n for n in names if len(n) >= 2)


def _own_data(session, member_id: int) -> tuple[str, set[int]]:
    """The member's data as one lower-cased text, and the numbers it supports."""
    member = session.get(Member, member_id)
    profile = session.get(Profile, member_id)
    positions = session.scalars(
        select(Position).where(Position.member_id == member_id, Position.deleted_at.is_(None))
    ).all()
    skills = session.scalars(
        select(Skill.name).where(Skill.member_id == member_id, Skill.deleted_at.is_(None))
    ).all()
    text = " | ".join(
        [
            member.display_name,
            profile.location if profile else "",
            profile.industry if profile else "",
            *(f"{p.title} | {p.company} | {p.location}" for p in positions),
            *skills,
        ]
    )
    first = min((p.started_on.year for p in positions), default=date.today().year)
    numbers = {
        max(1, date.today().year - first),
        len({p.company for p in positions}),
        len({p.title for p in positions}),
    }
    numbers |= {int(n) for n in _NUMBERS.findall(text)}
    return text.lower(), numbers


def _invented(text: str, own: str, numbers: set[int], vocabulary: list[str]) -> list[str]:
    """The facts in `text` that `own` (the data, lower-cased) does not hold."""
    found = [n for n in _NUMBERS.findall(text) if int(n) not in numbers]
    found += [
        w
        for w in re.findall(r"[A-Za-z]+", text)
        if w.lower() in _NUMBER_WORDS and _NUMBER_WORDS[w.lower()] not in numbers
    ]
    for name in vocabulary:
        # Short names ("Go", "R", "SQL") only as written; longer ones in any case.
        flags = 0 if len(name) <= 3 else re.IGNORECASE
        said = re.search(rf"(?<![\w-]){re.escape(name)}(?![\w-])", text, flags)
        if said and name.lower() not in own:
            found.append(name)
    return found


@pytest.mark.slow
def test_no_draft_of_any_member_states_a_fact_outside_their_data(network):
    engine, settings, lm = network
    tally, drafts, seconds = Tally(), 0, 0.0
    with session_scope(engine) as s:
        vocabulary = _vocabulary(s)
        members = s.scalars(
            select(Member.id)
            .where(Member.deleted_at.is_(None), Member.id.in_(select(Position.member_id)))
            .order_by(Member.id)
        ).all()
        assert len(members) >= MEMBERS * 0.8
        for i, member in enumerate(members):
            started = time.perf_counter()
            draft = assist_profile(s, settings, member, seed=i, generator=lm)
            seconds += time.perf_counter() - started
            drafts += 1
            assert draft.tally is not None
            tally.add(draft.tally)
            own, numbers = _own_data(s, member)
            for text in (draft.headline, draft.about):
                assert text, member
                assert not _invented(text, own, numbers, vocabulary), (member, text)
        print(f"\nprofiles: {drafts} in {seconds:.0f} s; sentences {tally.as_dict()}")
        # Outreach: the candidate's facts and the job's; the real fit; varied drafts.
        job = s.scalars(select(Job).where(Job.deleted_at.is_(None)).order_by(Job.id)).first()
        job_skills = s.scalars(select(JobSkill.name).where(JobSkill.job_id == job.id)).all()
        job_data = " | ".join([job.title, job.company, job.location, *job_skills]).lower()
        openings = set()
        allowed = [m for m in members if decide(s, m, "recruiter-ai").allowed][:OUTREACH]
        for member in allowed:
            started = time.perf_counter()
            out = draft_outreach(s, settings, job_id=job.id, candidate_id=member, generator=lm)
            seconds += time.perf_counter() - started
            drafts += 1
            tally.add(out.tally)
            own, numbers = _own_data(s, member)
            pct = round(out.fit * 100)
            numbers |= {job.id, pct, len(out.shared_skills)}
            body = out.text.split("\n", 1)[1]  # after "Hello <name>,"
            assert not _invented(body, own + " | " + job_data, numbers, vocabulary), out.text
            assert f"{pct}%" in out.text and f"(job {job.id})" in out.text
            if out.fit < STRONG_FIT:
                assert "stood out" not in out.text.lower() and "perfect" not in out.text.lower()
            if out.fit < 0.3:
                assert "low" in out.text or "only" in out.text or "step away" in out.text
            openings.add(body.split("\n")[1])
        assert len(allowed) >= 3
        assert len(openings) >= len(allowed) // 2, openings  # not one fixed template
    print(
        f"\n{drafts} drafts in {seconds:.0f} s ({drafts / seconds:.3f} drafts/s); "
        f"sentences {tally.as_dict()}"
    )
    for sentence, why in tally.rejected[:12]:
        print("  rejected:", why, "|", sentence)
    assert tally.kept + tally.regenerated > 0  # the model's own sentences do get through


@pytest.mark.slow
def test_same_seed_same_draft_other_seeds_other_drafts(network):
    engine, settings, lm = network
    with session_scope(engine) as s:
        member = s.scalars(select(Position.member_id).order_by(Position.member_id)).first()
        first = assist_profile(s, settings, member, seed=3, generator=lm)
        again = assist_profile(s, settings, member, seed=3, generator=lm)
        others = {
            (d.headline, d.about)
            for d in (assist_profile(s, settings, member, seed=n, generator=lm) for n in (4, 5))
        }
    assert (first.headline, first.about) == (again.headline, again.about)
    assert len(others | {(first.headline, first.about)}) >= 2


@pytest.mark.slow
def test_job_posts_keep_their_sections_and_state_only_the_job_s_facts(network):
    engine, settings, lm = network
    with session_scope(engine) as s:
        vocabulary = _vocabulary(s)
        for seed, (title, skills) in enumerate(
            [("Data Engineer", ["Python", "SQL"]), ("Nurse", ["triage", "patient care"])]
        ):
            post = write_job_post(
                s,
                settings,
                title=title,
                company="Acme",
                location="Berlin",
                skills=skills,
                seed=seed,
                generator=lm,
            )
            lines = post.text.split("\n")
            assert lines[0] == f"{title} at Acme, Berlin"
            heads = [h for h in SECTIONS if h in lines]
            assert heads[:2] == ["What you'll do", "What you bring"], post.text
            duties = lines[lines.index(SECTIONS[0]) + 1 : lines.index(SECTIONS[1]) - 1]
            assert duties and all(d.startswith("- ") for d in duties), post.text
            assert all(f"- Experience with {sk}" in lines for sk in skills)
            own = " | ".join([title, "acme", "berlin", *skills, *post.nice_to_have]).lower()
            generated = "\n".join([lines[2], *duties])
            assert not _invented(generated, own, set(), vocabulary), post.text
