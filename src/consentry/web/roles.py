"""Who may use which area: operators (role `admin`), recruiters, and Premium members.

Each is an `Annotated` dependency alias a route declares by type, built on
`CurrentMember` (so a visitor who is not signed in is sent to log in first, or gets a 401
under /api). A signed-in member without the role gets a 403 whose message names what the
page is for and nothing about anyone else: JSON under /api, the error page elsewhere.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, HTTPException

from consentry.network.accounts import is_operator, is_recruiter
from consentry.store.tables import Member
from consentry.web.deps import CurrentMember


def current_operator(member: CurrentMember) -> Member:
    """The signed-in member, if they are an operator; 403 otherwise."""
    if not is_operator(member):
        raise HTTPException(403, "This area is for Consentry's operators only.")
    return member


def current_recruiter(member: CurrentMember) -> Member:
    """The signed-in member, if they are a recruiter; 403 otherwise."""
    if not is_recruiter(member):
        raise HTTPException(403, "This tool is for recruiters only.")
    return member


CurrentOperator = Annotated[Member, Depends(current_operator)]
CurrentRecruiter = Annotated[Member, Depends(current_recruiter)]
