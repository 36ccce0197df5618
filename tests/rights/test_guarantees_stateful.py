"""The guarantees under random histories: a state machine of grants, withdrawals,
objections, erasures, edits, item preferences, region moves, builds at random ledger
positions, training, and propagations killed part-way, checked after every step against
an oracle written here (plain dictionaries, none of the product's selection code).

After every step, whatever happened before:
- every active dataset holds, for each author, exactly the posts the oracle selects at
  the position it was built at (checked when it is built), and no dataset that is not
  active is ever the one a new model trains on;
- once the queue is drained, no active dataset and no active model holds anyone the
  oracle denies now, and the independent audit agrees (it finds nothing);
- no file under the data folder holds an erased member's name readably.
"""

from __future__ import annotations

import itertools
import shutil
import tempfile
from datetime import date, timedelta
from pathlib import Path

import pyarrow.parquet as pq
import pytest
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import (
    Bundle,
    RuleBasedStateMachine,
    initialize,
    invariant,
    multiple,
    precondition,
    rule,
    run_state_machine_as_test,
)
from sqlalchemy import select, update

from builders import edit_post, grant, make_settings, new_member, publish_preset, sealed_store
from consentry.consent.ledger import head as ledger_head
from consentry.datasets.audit import audit_all
from consentry.datasets.build import build_dataset
from consentry.datasets.catalog import get_dataset
from consentry.network.publishing import publish_post, set_no_ai_training
from consentry.rights.erasure import erase
from consentry.rights.propagation import PropagationEvent
from consentry.rights.withdrawal import withdraw
from consentry.rights.worker import run_worker
from consentry.store.dataset_tables import DatasetLineageRow, DatasetVersionRow
from consentry.store.engine import session_scope, utcnow
from consentry.store.rights_tables import PropagationJob
from consentry.store.tables import Member
from consentry.store.training_tables import ModelVersionRow
from consentry.training.sisa import train_feature

PURPOSE = "train-ai"  # consent-first: consent is the basis everywhere
# The oracle's own table of the ages of digital consent for the regions used here.
AGE = {"DE": 16, "FR": 15, "GB": 13, "US-CA": 18}
NAMES = [
    ("Xanthippe", "Vordermeyer"),
    ("Bartholomew", "Quisenberry"),
    ("Ottoline", "Fairweather"),
    ("Casimir", "Wojtaszek"),
    ("Philippa", "Underhill"),
    ("Leopold", "Brankovic"),
]
# (birth age in years, home region): two adults who may move, and minors pinned to a
# region (a move would change their decision, and nothing propagates a move: see note).
PEOPLE = [(34, "DE"), (41, "FR"), (15, "FR"), (15, "DE"), (29, "US-CA"), (14, "GB")]


class _Interrupt(KeyboardInterrupt):
    """Raised from the worker's progress hook: the worker dies mid-job."""


class Guarantees(RuleBasedStateMachine):
    """One network of six named members, each with two posts naming someone else."""

    def __init__(self, make_db) -> None:
        super().__init__()
        self.root = Path(tempfile.mkdtemp(prefix="stateful-"))
        self.url, self.cleanup = make_db(self.root)
        self.settings = make_settings(self.root / "data", self.url)
        self.engine = sealed_store(self.settings)
        self.texts = itertools.count()
        # The oracle.
        self.choice: dict[int, str] = {}  # member -> last of grant/withdraw/object
        self.erased: set[int] = set()
        self.region: dict[int, str] = {}
        self.age: dict[int, int] = {}
        self.name: dict[int, tuple[str, str]] = {}
        self.author: dict[int, int] = {}  # post -> member
        self.denied_posts: set[int] = set()
        self.pending = False  # a propagation was queued and not yet seen through

    posts = Bundle("posts")
    members = Bundle("members")

    def teardown(self) -> None:
        self.engine.dispose()
        self.cleanup()
        shutil.rmtree(self.root, ignore_errors=True)

    # -- the oracle -------------------------------------------------------------------
    def allowed(self, member: int) -> bool:
        region = self.region[member]
        return (
            member not in self.erased
            and self.choice.get(member) == "grant"
            and region in AGE
            and self.age[member] >= AGE[region]
        )

    def selected_posts(self) -> dict[int, int]:
        """member -> how many of their posts a build now selects."""
        out: dict[int, int] = {}
        for post, member in self.author.items():
            if self.allowed(member) and post not in self.denied_posts:
                out[member] = out.get(member, 0) + 1
        return out

    # -- setting up -------------------------------------------------------------------
    @initialize(target=members)
    def network(self):
        publish_preset(self.engine, "consent-first")
        today = utcnow().date()
        ids = []
        for (first, last), (years, region) in zip(NAMES, PEOPLE, strict=True):
            born = date(today.year - years, 1, 1) - timedelta(days=1)
            member = new_member(self.engine, region, born, first=first, last=last)
            self.region[member], self.age[member] = region, years
            self.name[member] = (first, last)
            ids.append(member)
        for i, member in enumerate(ids):
            other = self.name[ids[(i + 1) % len(ids)]]
            for _ in range(2):
                self._post(
                    member, f"Lunch with {other[0]} {other[1]} about item {next(self.texts)}"
                )
        return multiple(*ids)

    def _post(self, member: int, text: str) -> int:
        with session_scope(self.engine) as s:
            post = publish_post(s, author_id=member, text=text).id
        self.author[post] = member
        return post

    # -- what members do --------------------------------------------------------------
    @rule(member=members)
    def grant(self, member):
        if member in self.erased:
            return
        grant(self.engine, [member], PURPOSE)
        self.choice[member] = "grant"

    @rule(member=members, action=st.sampled_from(["withdraw", "object"]))
    def withdraw(self, member, action):
        if member in self.erased:
            return
        withdraw(
            self.engine, self.settings, member, PURPOSE, source="settings", actor="m", action=action
        )
        self.choice[member] = action
        self.pending = True

    @rule(member=members)
    def erase(self, member):
        if member in self.erased:
            return
        erase(self.engine, self.settings, member, source="settings", actor="member")
        self.erased.add(member)
        for post in [p for p, m in self.author.items() if m == member]:
            del self.author[post]  # an erasure erases the member's content
        self.pending = True

    @rule(member=members, about=members)
    def write(self, member, about):
        if member in self.erased:
            return
        first, last = self.name[about]
        self._post(member, f"Met {first} {last} at the meetup, note {next(self.texts)}")

    @rule(data=st.data())
    def edit(self, data):
        live = sorted(self.author)
        if not live:
            return
        post = data.draw(st.sampled_from(live))
        about = self.name[data.draw(st.sampled_from(sorted(self.name)))]
        edit_post(self.engine, post, f"Edited: thanks {about[0]} {about[1]}, {next(self.texts)}")

    @rule(data=st.data(), deny=st.booleans())
    def prefer(self, data, deny):
        live = sorted(self.author)
        if not live:
            return
        post = data.draw(st.sampled_from(live))
        with session_scope(self.engine) as s:
            set_no_ai_training(s, self.author[post], post, deny)
        (self.denied_posts.add if deny else self.denied_posts.discard)(post)

    @rule(member=members, region=st.sampled_from(sorted(AGE)))
    def move(self, member, region):
        if member in self.erased or self.age[member] < 18:
            return
        with session_scope(self.engine) as s:
            s.execute(update(Member).where(Member.id == member).values(region=region))
        self.region[member] = region

    # -- what operators and the worker do ---------------------------------------------
    @rule()
    def build_now(self):
        result = build_dataset(self.engine, self.settings, purpose=PURPOSE, shards=2)
        held = self._post_records(result.dataset_id)
        assert held == self.selected_posts(), (held, self.selected_posts())

    @rule(data=st.data())
    def build_as_of(self, data):
        with session_scope(self.engine) as s:
            head = ledger_head(s).seq
        position = data.draw(st.integers(0, head))
        build_dataset(self.engine, self.settings, purpose=PURPOSE, shards=2, as_of=position)

    @precondition(lambda self: self._active_dataset() is not None)
    @rule()
    def train(self):
        train_feature(self.engine, self.settings, "skills")

    @rule(stop_after=st.one_of(st.none(), st.integers(1, 6)))
    def propagate(self, stop_after):
        seen: list[PropagationEvent] = []

        def hook(event: PropagationEvent) -> None:
            seen.append(event)
            if stop_after is not None and len(seen) == stop_after:
                raise _Interrupt

        try:
            outcomes = run_worker(self.engine, self.settings, once=True, hook=hook)
        except _Interrupt:
            return  # the job stays queued; a later propagation resumes it
        assert all(o.status == "done" for o in outcomes), [o.error for o in outcomes]
        self.pending = self._unfinished() > 0

    # -- reading back -----------------------------------------------------------------
    def _unfinished(self) -> int:
        with session_scope(self.engine) as s:
            return len(
                s.scalars(
                    select(PropagationJob.id).where(
                        PropagationJob.status.in_(("queued", "running"))
                    )
                ).all()
            )

    def _active_dataset(self) -> str | None:
        with session_scope(self.engine) as s:
            return s.scalar(
                select(DatasetVersionRow.id).where(
                    DatasetVersionRow.purpose == PURPOSE, DatasetVersionRow.status == "active"
                )
            )

    def _files(self, dataset_id: str) -> list[Path]:
        with session_scope(self.engine) as s:
            folder = get_dataset(s, dataset_id).folder(self.settings.data_dir)
        return sorted(folder.rglob("*.parquet"))

    def _post_records(self, dataset_id: str) -> dict[int, int]:
        """member -> how many post records the dataset's files hold for them."""
        with session_scope(self.engine) as s:
            owner = dict(
                s.execute(
                    select(DatasetLineageRow.record_id, DatasetLineageRow.member_id).where(
                        DatasetLineageRow.dataset_id == dataset_id
                    )
                ).all()
            )
        out: dict[int, int] = {}
        for path in self._files(dataset_id):
            table = pq.read_table(path, columns=["record_id", "data_class"]).to_pylist()
            for row in table:
                if row["data_class"] == "post":
                    member = owner[row["record_id"]]
                    out[member] = out.get(member, 0) + 1
        return out

    # -- the guarantees ---------------------------------------------------------------
    @invariant()
    def nothing_in_use_that_its_author_denies(self):
        if self.pending:
            return
        with session_scope(self.engine) as s:
            active = s.scalars(
                select(DatasetVersionRow.id).where(DatasetVersionRow.status == "active")
            ).all()
            trained_on = s.scalars(
                select(ModelVersionRow.dataset_id).where(ModelVersionRow.status == "active")
            ).all()
        for dataset in {*active, *trained_on}:
            held = set(self._post_records(dataset))
            assert all(self.allowed(m) for m in held), (dataset, held)
        report = audit_all(self.engine, self.settings)
        assert report.ok, report.violations[:5]

    @invariant()
    def no_erased_name_is_readable(self):
        if not self.erased or self.pending:
            return
        words = [w.casefold() for m in self.erased for w in self.name[m]]
        for path in self.settings.data_dir.rglob("*.parquet"):
            for row in pq.read_table(path).to_pylist():
                text = " ".join(str(v) for v in row.values()).casefold()
                assert not any(w in text for w in words), (path, text)


def _run(make_db, examples: int) -> None:
    run_state_machine_as_test(
        lambda: Guarantees(make_db),
        settings=settings(
            max_examples=examples,
            stateful_step_count=14,
            deadline=None,
            suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much],
        ),
    )


@pytest.mark.slow
def test_guarantees_hold_under_random_histories(make_database, request):
    # PostgreSQL examples cost a database each: fewer of them.
    postgres = "postgresql" in request.node.callspec.id
    _run(make_database, examples=4 if postgres else 10)
