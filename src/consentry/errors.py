"""The domain's errors: something the caller can act on, reported as one line, never a
traceback.

`ConsentryError` is the base; raise one of its kinds so that each face can answer the same
way everywhere: the web app maps each kind to one HTTP status (`web/errors.py`, the only
place that does), the CLI prints the message and exits 2 whatever the kind. A bare
`ConsentryError` is still a user's mistake (answered 400) for what fits no kind below.
"""


class ConsentryError(Exception):
    """Something the user can fix (bad input, missing setup). The message is one sentence."""


class NotFound(ConsentryError):
    """What was asked for does not exist, or is not the caller's to see (the two are
    answered alike, so that nothing about other members leaks)."""


class Forbidden(ConsentryError):
    """The caller is known, and the thing exists, but the rules do not let them do this
    (a role they lack, a member's decision that refuses it)."""


class Conflict(ConsentryError):
    """The request is well-formed but clashes with the present state (already done,
    already erased, not ready yet); trying again later or differently may work."""


class InvalidInput(ConsentryError):
    """The request itself cannot be used: a malformed or out-of-range value, an unknown
    name, an option missing."""


class Transient(ConsentryError):
    """A passing condition on our side (a busy database, a lock held elsewhere): the same
    request may succeed if repeated."""
