"""API tokens: signed, expiring, revoked by a password change; no table needed.

A token is `URLSafeTimedSerializer(API-token key)` over the member's id and a fingerprint
of their current password hash. Changing the password (or erasing the account) therefore
invalidates every token issued before, without the server keeping a list. The key is the
`api-tokens` key of the keyring (`consentry.keys`), its generation bound into the salt:
rotating it (`consentry keys rotate api-tokens`) voids every token at once.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass

from itsdangerous import BadData, URLSafeTimedSerializer

from consentry.keys import DerivedKey
from consentry.store.tables import Member

_SALT = "consentry.api-token.v1"


def password_fingerprint(password_hash: str) -> str:
    """A short digest of a password hash: changes whenever the password does."""
    return hashlib.sha256(password_hash.encode()).hexdigest()[:16]


@dataclass(frozen=True)
class TokenClaims:
    member_id: int
    fingerprint: str

    def still_valid_for(self, member: Member) -> bool:
        """True while the member's password is the one the token was issued under."""
        return member.id == self.member_id and self.fingerprint == password_fingerprint(
            member.password_hash
        )


class ApiTokens:
    """Issues and reads API tokens signed with the keyring's API-token key."""

    def __init__(self, key: DerivedKey, *, max_age_s: int):
        self.key_id = key.kid
        self._serializer = URLSafeTimedSerializer(key.secret, salt=f"{_SALT}.{key.kid}")
        self.max_age_s = max_age_s

    def issue(self, member: Member) -> str:
        return self._serializer.dumps(
            {"m": member.id, "pw": password_fingerprint(member.password_hash)}
        )

    def read(self, token: str) -> TokenClaims | None:
        """The claims of a genuine, unexpired token, or None for anything else."""
        try:
            data = self._serializer.loads(token, max_age=self.max_age_s)
        except (BadData, ValueError, TypeError):
            return None
        if not isinstance(data, dict):
            return None
        member_id, fingerprint = data.get("m"), data.get("pw")
        if type(member_id) is not int or not isinstance(fingerprint, str):
            return None
        return TokenClaims(member_id, fingerprint)
