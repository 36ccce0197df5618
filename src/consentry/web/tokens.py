"""API tokens as the web app uses them: the key, the lifetime, and a session fingerprint.

The tokens themselves (random, scoped, revocable, stored as a keyed hash) are
`consentry.network.api_tokens`; this holds what the app configures once: the keyring's
`api-tokens` key (rotating it voids every token) and how long a token lives.
"""

from __future__ import annotations

import hashlib
from datetime import timedelta

from sqlalchemy.orm import Session

from consentry.keys import DerivedKey
from consentry.network import api_tokens
from consentry.network.api_tokens import DEFAULT_SCOPES, Holder, Scope
from consentry.store.access_tables import ApiToken


def password_fingerprint(password_hash: str) -> str:
    """A short digest of a password hash: changes whenever the password does. A browser
    session keeps it, so a password changed behind the app's back ends the session too."""
    return hashlib.sha256(password_hash.encode()).hexdigest()[:16]


class ApiTokens:
    """Issues and reads API tokens under the keyring's API-token key."""

    def __init__(self, key: DerivedKey, *, max_age_s: int):
        self.key_id = key.kid
        self._key = key.secret
        self.max_age_s = max_age_s

    def issue(
        self,
        session: Session,
        member_id: int,
        *,
        scopes: frozenset[Scope] = DEFAULT_SCOPES,
        name: str = "",
    ) -> tuple[str, ApiToken]:
        return api_tokens.issue(
            session,
            self._key,
            member_id,
            scopes=scopes,
            name=name,
            lifetime=timedelta(seconds=self.max_age_s),
        )

    def read(self, session: Session, token: str) -> Holder | None:
        """Who a genuine, live token speaks for, or None for anything else."""
        return api_tokens.holder(session, self._key, token)
