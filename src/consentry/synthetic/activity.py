"""What members do: connect, post, comment, message each other and post jobs.

Who-does-what-when is decided in bulk with numpy (counts, authors, times, ids); texts are
composed in a streaming loop and handed to the sink in batches, so memory stays flat
however large the network. Ids follow creation time, so a larger id is a later item.
"""

from __future__ import annotations

import numpy as np

from consentry.store.tables import Comment, Connection, Job, JobSkill, Message, Post
from consentry.synthetic import careers, pii, texts
from consentry.synthetic.population import PII_SHARE, Population
from consentry.synthetic.regions import REGIONS, location
from consentry.synthetic.run import GenerationRun, to_datetimes
from consentry.synthetic.vocabulary import Author

POSTS_PER_MEMBER = 10
CONNECTIONS_PER_MEMBER = 20
MESSAGES_PER_MEMBER = 10
MEMBERS_PER_JOB = 50
MENTION_SHARE = 0.06
CHUNK = 20_000
_KINDS, _KIND_WEIGHTS = list(pii.TYPE_WEIGHTS), list(pii.TYPE_WEIGHTS.values())


def _after(rng: np.random.Generator, earliest: np.ndarray, end: int, scale: float) -> np.ndarray:
    """Times after `earliest` (seconds), exponential with mean `scale`, never after `end`."""
    delay = rng.exponential(scale, len(earliest)).astype(np.int64) + 60
    room = np.maximum(end - earliest, 0)
    return earliest + np.minimum(delay, room)


def _ordered(created: np.ndarray, *columns: np.ndarray) -> list[np.ndarray]:
    order = np.argsort(created, kind="stable")
    return [created[order], *(c[order] for c in columns)]


def connections(run: GenerationRun, pop: Population) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Accepted connections, half of them within a member's own region.

    Returns (member_id, other_id, created_at seconds), member_id < other_id, sorted.
    """
    nrng = run.nprng("connections")
    n = len(pop)
    target = n * CONNECTIONS_PER_MEMBER // 2
    # Half the partners come from the same region: pick among members sorted by region.
    region_of = np.array([REGIONS.index(r) for r in pop.regions])
    by_region = np.argsort(region_of, kind="stable")
    starts = np.searchsorted(region_of[by_region], np.arange(len(REGIONS)))
    sizes = np.bincount(region_of, minlength=len(REGIONS))
    pairs = np.zeros(0, np.int64)
    for _round in range(8):  # small regions saturate: draw again until the target is met
        if n < 2 or len(pairs) >= target:
            break
        draws = int((target - len(pairs)) * 1.2) + 10
        a, b = nrng.integers(0, n, draws), nrng.integers(0, n, draws)
        ra = region_of[a]
        offset = (nrng.random(draws) * sizes[ra]).astype(np.int64)
        b = np.where(nrng.random(draws) < 0.5, by_region[starts[ra] + offset], b)
        lo, hi = np.minimum(a, b), np.maximum(a, b)
        keep = lo != hi
        pairs = np.unique(np.concatenate((pairs, lo[keep] * n + hi[keep])))
    # Which pairs survive must not depend on member ids: shuffle before cutting to target.
    nrng.shuffle(pairs)
    pairs = np.sort(pairs[:target])
    lo, hi = pairs // n, pairs % n
    created = _after(nrng, np.maximum(pop.created[lo], pop.created[hi]), run.end_s, 60 * 86400)
    table = Connection.__table__
    stamps = to_datetimes(created)
    for k in range(len(lo)):
        run.sink.add(table, (int(lo[k]) + 1, int(hi[k]) + 1, stamps[k]))
        if k % CHUNK == CHUNK - 1:
            run.advance("connections", CHUNK)
    run.sink.flush(table)
    run.advance("connections", len(lo) % CHUNK)
    return lo + 1, hi + 1, created


def _inserts(rng, pop: Population, author: int, n: int, pii_share: float, mentions: bool = True):
    """Planted data and mentions for one text: (inserts, mentioned member ids)."""
    inserts, mentioned = [], []
    if rng.random() < pii_share:
        for kind in rng.choices(_KINDS, _KIND_WEIGHTS, k=rng.choice((1, 1, 1, 2))):
            inserts.append(texts.pii_insert(rng, kind, pop.person(author, rng.randrange(n))))
    if mentions and rng.random() < MENTION_SHARE and n > 1:
        other = rng.randrange(n)
        if other != author:
            inserts.append(texts.mention_insert(rng, pop.handles[other]))
            mentioned.append(other + 1)
    return inserts, mentioned


def post_counts(run: GenerationRun, n: int) -> np.ndarray:
    """Posts per member: a third never post, the rest log-normal (a few post a lot)."""
    nrng = run.nprng("post-counts")
    active = nrng.random(n) >= 0.35
    mu = np.log(POSTS_PER_MEMBER / 0.65) - 1.1**2 / 2
    counts = np.floor(nrng.lognormal(mu, 1.1, n) + 0.5).astype(np.int64)
    return np.where(active, np.minimum(counts, 40 * POSTS_PER_MEMBER), 0)


def posts(run: GenerationRun, pop: Population) -> tuple[np.ndarray, np.ndarray]:
    """Posts and articles. Returns (author index, created seconds) by post id - 1."""
    nrng, rng = run.nprng("posts"), run.rng("posts")
    n = len(pop)
    authors = np.repeat(np.arange(n), post_counts(run, n))
    created = pop.created[authors] + (
        nrng.random(len(authors)) * (run.end_s - 3600 - pop.created[authors])
    ).astype(np.int64)
    created, authors = _ordered(created, authors)
    updated, deleted = run.edit_times(nrng, created, 0.08, 0.02)
    articles = nrng.random(len(authors)) < 0.05
    visibility = np.where(nrng.random(len(authors)) < 0.9, "public", "connections")
    table = Post.__table__
    for lo in range(0, len(authors), CHUNK):
        hi = min(lo + CHUNK, len(authors))
        c_dt, u_dt = to_datetimes(created[lo:hi]), to_datetimes(updated[lo:hi])
        d_dt = [
            None if d < 0 else x
            for d, x in zip(deleted[lo:hi], to_datetimes(deleted[lo:hi]), strict=True)
        ]
        for k in range(hi - lo):
            pid, who = lo + k + 1, int(authors[lo + k])
            author = pop.authors[who]
            inserts, mentioned = _inserts(rng, pop, who, n, PII_SHARE * 0.8)
            data_class = "article" if articles[lo + k] else "post"
            if data_class == "article":
                title, text, spans = texts.article(rng, author, inserts)
            else:
                title, (text, spans) = "", texts.post(rng, author, inserts)
            run.sink.add(
                table,
                (
                    pid,
                    who + 1,
                    data_class,
                    title,
                    text,
                    str(visibility[lo + k]),
                    c_dt[k],
                    u_dt[k],
                    d_dt[k],
                ),
            )
            run.planted(data_class, pid, "text", spans)
            for member_id in mentioned:
                run.mentioned(data_class, pid, member_id)
            if u_dt[k] != c_dt[k]:
                earlier = text
                while earlier == text:  # an edit changes the text
                    earlier = (
                        texts.article(rng, author)[1]
                        if data_class == "article"
                        else texts.post(rng, author)[0]
                    )
                run.revised(data_class, pid, "text", earlier, c_dt[k], u_dt[k])
        run.advance("posts", hi - lo)
    run.sink.flush(table)
    return authors, created


def comments(run: GenerationRun, pop: Population, post_created: np.ndarray) -> None:
    """About one comment per two posts, by any member, after the post and the member exist."""
    nrng, rng = run.nprng("comments"), run.rng("comments")
    n, total = len(pop), len(post_created) // 2
    if not len(post_created) or n < 2:
        return
    post_idx = nrng.integers(0, len(post_created), total)
    who = nrng.integers(0, n, total)
    created = _after(
        nrng, np.maximum(post_created[post_idx], pop.created[who]), run.end_s - 60, 2 * 86400
    )
    created, post_idx, who = _ordered(created, post_idx, who)
    updated, deleted = run.edit_times(nrng, created, 0.05, 0.02)
    table = Comment.__table__
    for lo in range(0, total, CHUNK):
        hi = min(lo + CHUNK, total)
        c_dt, u_dt = to_datetimes(created[lo:hi]), to_datetimes(updated[lo:hi])
        d_all = to_datetimes(deleted[lo:hi])
        for k in range(hi - lo):
            cid, member = lo + k + 1, int(who[lo + k])
            author = pop.authors[member]
            inserts, mentioned = _inserts(rng, pop, member, n, PII_SHARE * 0.8)
            text, spans = texts.comment(rng, author, inserts)
            d = d_all[k] if deleted[lo + k] >= 0 else None
            run.sink.add(
                table, (cid, int(post_idx[lo + k]) + 1, member + 1, text, c_dt[k], u_dt[k], d)
            )
            run.planted("comment", cid, "text", spans)
            for member_id in mentioned:
                run.mentioned("comment", cid, member_id)
            if u_dt[k] != c_dt[k]:
                earlier = text
                while earlier == text:  # an edit changes the text
                    earlier = texts.comment(rng, author)[0]
                run.revised("comment", cid, "text", earlier, c_dt[k], u_dt[k])
        run.advance("comments", hi - lo)
    run.sink.flush(table)


def messages(run: GenerationRun, pop: Population, edges: tuple[np.ndarray, ...]) -> None:
    """Private messages, only between connected members, after they connected."""
    lo_ids, hi_ids, connected = edges
    if not len(lo_ids):
        return
    nrng, rng = run.nprng("messages"), run.rng("messages")
    n, total = len(pop), len(pop) * MESSAGES_PER_MEMBER
    pick = nrng.integers(0, len(lo_ids), total)
    flip = nrng.random(total) < 0.5
    sender = np.where(flip, hi_ids[pick], lo_ids[pick]) - 1
    recipient = np.where(flip, lo_ids[pick], hi_ids[pick]) - 1
    created = _after(nrng, connected[pick], run.end_s, 30 * 86400)
    created, sender, recipient = _ordered(created, sender, recipient)
    deleted = np.where(
        nrng.random(total) < 0.01,
        created + (nrng.random(total) * (run.end_s - created)).astype(np.int64),
        -1,
    )
    table = Message.__table__
    for lo in range(0, total, CHUNK):
        hi = min(lo + CHUNK, total)
        c_dt, d_all = to_datetimes(created[lo:hi]), to_datetimes(deleted[lo:hi])
        for k in range(hi - lo):
            mid, s, r = lo + k + 1, int(sender[lo + k]), int(recipient[lo + k])
            inserts, _ = _inserts(rng, pop, s, n, PII_SHARE * 1.3, mentions=False)
            text, spans = texts.message(rng, pop.authors[s], pop.first[r], inserts)
            d = d_all[k] if deleted[lo + k] >= 0 else None
            run.sink.add(table, (mid, s + 1, r + 1, text, None, c_dt[k], c_dt[k], d))
            run.planted("message", mid, "text", spans)
        run.advance("messages", hi - lo)
    run.sink.flush(table)


def job_count(members: int) -> int:
    return max(1, members // MEMBERS_PER_JOB)


def jobs(run: GenerationRun, pop: Population) -> None:
    """Job postings by recruiters, for any occupation, mostly in the recruiter's region."""
    recruiters = [i for i, role in enumerate(pop.roles) if role == "recruiter"]
    if not recruiters:
        return
    rng = run.rng("jobs")
    total = job_count(len(pop))
    nrng = run.nprng("jobs")
    who = np.array(recruiters)[nrng.integers(0, len(recruiters), total)]
    created = pop.created[who] + (
        nrng.random(total) * (run.end_s - 3600 - pop.created[who])
    ).astype(np.int64)
    created, who = _ordered(created, who)
    stamps = to_datetimes(created)
    skill_id = 1
    for k in range(total):
        recruiter = int(who[k])
        region = pop.regions[recruiter] if rng.random() < 0.6 else rng.choice(REGIONS)
        occupation = rng.choice(careers.OCCUPATIONS)
        level = rng.randrange(5)
        company = careers.company_name(rng, occupation.industry, region.country)
        city = rng.choice(region.cities)
        remote = rng.random() < 0.25
        skills = rng.sample(occupation.skills, rng.randint(3, min(8, len(occupation.skills))))
        hiring = Author(
            pop.first[recruiter],
            occupation,
            occupation.titles[level],
            company,
            city,
            tuple(skills),
            rng.choice((1, 2, 3, 5, 7, 10)),
        )
        deleted = stamps[k] if rng.random() < 0.03 else None
        run.sink.add(
            Job.__table__,
            (
                k + 1,
                recruiter + 1,
                company,
                occupation.titles[level],
                location(region, city),
                region.code,
                remote,
                rng.choice(careers.EMPLOYMENT_TYPES),
                careers.SENIORITY[level],
                texts.job_description(rng, hiring, remote),
                None,
                stamps[k],
                stamps[k],
                deleted,
            ),
        )
        for name in skills:
            run.sink.add(JobSkill.__table__, (skill_id, k + 1, name))
            skill_id += 1
    run.sink.flush(Job.__table__)
    run.sink.flush(JobSkill.__table__)
    run.advance("jobs", total)
