"""Job-seeker chat conversations, kept on the server between requests.

A conversation is the feature's own state (`JobSeekerChat`: the jobs last shown, the job
in focus) plus its transcript. They live in memory, per process, bounded in number, length
and age: a chat is a working aid, not a record, and nothing in it is used for training.
A conversation belongs to the member who started it; asking for someone else's id
answers as if it did not exist.
"""

from __future__ import annotations

import secrets
import threading
import time
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass, field

from consentry.features.chatbot import JobSeekerChat


@dataclass(frozen=True)
class Turn:
    """One message: `who` is `member` or `assistant`; `job_ids` are the jobs it cites."""

    who: str
    text: str
    job_ids: tuple[int, ...] = ()


@dataclass
class Conversation:
    id: str
    member_id: int
    chat: JobSeekerChat
    turns: list[Turn] = field(default_factory=list)
    touched: float = 0.0
    lock: threading.Lock = field(default_factory=threading.Lock, repr=False)


class ChatStore:
    """In-memory conversations: at most `max_conversations` (least recently used go
    first), each forgotten `ttl_s` after its last message, each at most `max_turns` long."""

    def __init__(
        self,
        *,
        max_conversations: int = 2000,
        max_turns: int = 60,
        ttl_s: float = 6 * 3600,
        clock: Callable[[], float] = time.monotonic,
    ):
        self.max_conversations = max_conversations
        self.max_turns = max_turns
        self.ttl_s = ttl_s
        self._clock = clock
        self._items: OrderedDict[str, Conversation] = OrderedDict()
        self._lock = threading.Lock()

    def _expire(self, now: float) -> None:
        while self._items:
            oldest = next(iter(self._items.values()))
            if now - oldest.touched <= self.ttl_s and len(self._items) <= self.max_conversations:
                break
            self._items.popitem(last=False)

    def start(self, member_id: int) -> Conversation:
        """A new, empty conversation for `member_id`."""
        with self._lock:
            now = self._clock()
            conversation = Conversation(
                secrets.token_urlsafe(12), member_id, JobSeekerChat(member_id), touched=now
            )
            self._items[conversation.id] = conversation
            self._expire(now)
            return conversation

    def get(self, conversation_id: str | None, member_id: int) -> Conversation | None:
        """The member's conversation `conversation_id`, or None (unknown, expired, or not
        theirs — the three are indistinguishable to the caller)."""
        if not conversation_id:
            return None
        with self._lock:
            now = self._clock()
            self._expire(now)
            found = self._items.get(conversation_id)
            if found is None or found.member_id != member_id:
                return None
            self._items.move_to_end(conversation_id)
            return found

    def record(self, conversation: Conversation, *turns: Turn) -> None:
        """Append turns (keeping the newest `max_turns`) and mark the conversation used."""
        conversation.turns.extend(turns)
        del conversation.turns[: -self.max_turns]
        conversation.touched = self._clock()

    def drop(self, conversation_id: str | None, member_id: int) -> bool:
        """Forget the member's conversation; True if there was one."""
        with self._lock:
            key = conversation_id or ""
            found = self._items.get(key)
            if found is None or found.member_id != member_id:
                return False
            del self._items[key]
            return True

    def drop_member(self, member_id: int) -> int:
        """Forget every conversation of `member_id` (e.g. when their account is erased)."""
        with self._lock:
            gone = [k for k, c in self._items.items() if c.member_id == member_id]
            for key in gone:
                del self._items[key]
            return len(gone)
