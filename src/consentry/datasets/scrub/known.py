"""What the network knows about who its members are: the names and handles to scrub.

A scrubber that knows every member's display name, first and last name and handle finds
members named in free text even when their given name is in no list.
"""

from __future__ import annotations

from sqlalchemy import Connection, select

from consentry.store.tables import Member


def member_names(conn: Connection) -> tuple[list[str], list[str]]:
    """(full names, handles) of every member, deleted ones included: a name stays personal."""
    names: list[str] = []
    handles: list[str] = []
    rows = conn.execute(
        select(Member.display_name, Member.first_name, Member.last_name, Member.handle)
    )
    for display, first, last, handle in rows:
        names.append(display)
        full = f"{first} {last}".strip()
        if full and full != display:
            names.append(full)
        handles.append(handle)
    return names, handles
