"""The four fixed demo accounts every seeded network has, with a known password.

The web app and the docs show these to people trying Consentry; the generator creates
them as members 1-4 of every network, whatever the seed.
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass
from datetime import date
from pathlib import Path

# Every account of a synthetic network (demo or not) shares this password; the generator
# hashes it once per run.
DEMO_PASSWORD = "consentry-demo"


@dataclass(frozen=True)
class DemoAccount:
    """A fixed account: who it is for, where it lives and how to log in."""

    email: str
    handle: str
    first_name: str
    last_name: str
    role: str
    region: str
    premium: bool
    birth_date: date
    occupation: str  # a `careers.OCCUPATIONS` name
    purpose: str  # what the account is for, in a few words

    @property
    def password(self) -> str:
        return DEMO_PASSWORD

    @property
    def display_name(self) -> str:
        return f"{self.first_name} {self.last_name}"


DEMO_ACCOUNTS: tuple[DemoAccount, ...] = (
    DemoAccount(
        email="lena@demo.consentry.example",
        handle="lena.demo",
        first_name="Lena",
        last_name="Hoffmann",
        role="member",
        region="DE",
        premium=True,
        birth_date=date(1988, 4, 17),
        occupation="data science",
        purpose="member in Germany (GDPR), premium",
    ),
    DemoAccount(
        email="maya@demo.consentry.example",
        handle="maya.demo",
        first_name="Maya",
        last_name="Johnson",
        role="member",
        region="US-CA",
        premium=False,
        birth_date=date(1993, 9, 2),
        occupation="UX design",
        purpose="member in California (CCPA, GPC)",
    ),
    DemoAccount(
        email="ravi@demo.consentry.example",
        handle="ravi.demo",
        first_name="Ravi",
        last_name="Patel",
        role="recruiter",
        region="GB",
        premium=True,
        birth_date=date(1985, 1, 23),
        occupation="recruiting",
        purpose="recruiter posting jobs",
    ),
    DemoAccount(
        email="ops@demo.consentry.example",
        handle="ops.demo",
        first_name="Olga",
        last_name="Petrova",
        role="admin",
        region="NL",
        premium=False,
        birth_date=date(1980, 11, 5),
        occupation="privacy",
        purpose="operator (privacy and ML engineering)",
    ),
)


#: The file in the data folder that tells the web app which demo accounts to offer on /demo.
TOUR_FILE = "demo-tour.json"


def write_tour(data_dir: Path) -> Path:
    """Publish the demo accounts for the web app's /demo page, atomically.

    The web app never imports this package: it shows a tour only when a seeded network
    left this file in its data folder, and only for accounts that are still live.
    """
    data_dir.mkdir(parents=True, exist_ok=True)
    path = data_dir / TOUR_FILE
    accounts = [
        {
            "email": a.email,
            "handle": a.handle,
            "display_name": a.display_name,
            "role": a.role,
            "region": a.region,
            "premium": a.premium,
            "purpose": a.purpose,
        }
        for a in DEMO_ACCOUNTS
    ]
    tmp = path.with_suffix(".tmp")
    tmp.write_text(json.dumps({"password": DEMO_PASSWORD, "accounts": accounts}, indent=2))
    os.replace(tmp, path)
    return path
