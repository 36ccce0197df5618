"""One generation run: its seed, time window, output sink and the ids it hands out.

Every stage draws from its own random streams, derived from the run's seed and the
stage's name, so adding draws to one stage never changes another stage's output.
"""

from __future__ import annotations

import zlib
from collections.abc import Callable, Sequence
from datetime import datetime
from random import Random

import numpy as np

from consentry.store.tables import Mention, PlantedPII, Revision
from consentry.synthetic.bulk import BulkSink
from consentry.synthetic.pii import Span

EPOCH = datetime(1970, 1, 1)
MENTION_T = Mention.__table__
PII_T = PlantedPII.__table__
REVISION_T = Revision.__table__


def to_seconds(moment: datetime) -> int:
    return int((moment - EPOCH).total_seconds())


def to_datetimes(seconds: np.ndarray) -> list[datetime]:
    """Seconds since the epoch (int64) to naive UTC datetimes, vectorised."""
    return seconds.astype("datetime64[s]").tolist()


def to_datetime(seconds: int) -> datetime:
    return np.datetime64(int(seconds), "s").tolist()


class GenerationRun:
    """State shared by the stages of one run (not thread-safe; one run, one thread)."""

    def __init__(
        self,
        sink: BulkSink,
        *,
        seed: int,
        start: datetime,
        end: datetime,
        advance: Callable[[str, int], None],
    ) -> None:
        self.sink = sink
        self.seed = seed
        self.start = start
        self.end = end
        self.start_s = to_seconds(start)
        self.end_s = to_seconds(end)
        self.advance = advance  # advance(stage, rows done): progress reporting
        self._next = {"mention": 1, "pii": 1, "revision": 1}

    def rng(self, stage: str) -> Random:
        """A Python random stream for `stage` (strings seed deterministically via SHA-512)."""
        return Random(f"consentry:{self.seed}:{stage}")

    def nprng(self, stage: str) -> np.random.Generator:
        """A numpy random stream for `stage`."""
        return np.random.default_rng([self.seed & 0xFFFFFFFF, zlib.crc32(stage.encode())])

    def _take(self, kind: str) -> int:
        value = self._next[kind]
        self._next[kind] = value + 1
        return value

    def planted(self, data_class: str, item_id: int, field: str, spans: Sequence[Span]) -> None:
        """Record ground truth for every span planted into `field` of the item."""
        for span in spans:
            self.sink.add(
                PII_T,
                (
                    self._take("pii"),
                    data_class,
                    item_id,
                    field,
                    span.start,
                    span.end,
                    span.type,
                    span.value,
                ),
            )

    def mentioned(self, data_class: str, item_id: int, member_id: int) -> None:
        self.sink.add(MENTION_T, (self._take("mention"), data_class, item_id, member_id))

    def revised(
        self,
        data_class: str,
        item_id: int,
        field: str,
        earlier: str,
        valid_from: datetime,
        valid_to: datetime,
    ) -> None:
        """Record the text `field` held before the item's one edit, per tables.py's contract."""
        self.sink.add(
            REVISION_T,
            (self._take("revision"), data_class, item_id, field, earlier, valid_from, valid_to),
        )

    def edit_times(
        self,
        rng: np.random.Generator,
        created: np.ndarray,
        edit_share: float,
        delete_share: float,
    ) -> tuple[np.ndarray, np.ndarray]:
        """(updated_at, deleted_at) seconds for items created at `created`.

        A share of items is edited once, some time after creation (updated > created); a
        smaller share is soft-deleted after its last edit. deleted is -1 where not deleted.
        Nothing lands after the run's end.
        """
        n = len(created)
        room = np.maximum(self.end_s - created, 0)
        edited = (rng.random(n) < edit_share) & (room > 120)
        delay = np.minimum(rng.exponential(3 * 86400, n).astype(np.int64) + 60, room // 2)
        updated = np.where(edited, created + np.maximum(delay, 60), created)
        deleted_flag = rng.random(n) < delete_share
        later = (rng.random(n) * (self.end_s - updated)).astype(np.int64)
        deleted = np.where(deleted_flag, updated + later, -1)
        return updated, deleted
