"""One typed settings object, read when a command or the web app starts, never at import time."""

from __future__ import annotations

import os
import secrets
from dataclasses import dataclass
from pathlib import Path

from consentry.errors import InvalidInput


class ConfigError(InvalidInput):
    """A setting is missing or malformed: a user mistake, reported in one line."""


@dataclass(frozen=True)
class Settings:
    """Where Consentry keeps its data and which database it talks to.

    `data_dir` holds the embedded SQLite database, dataset files and the server's secret.
    `database_url` is a SQLAlchemy URL; the embedded default is a SQLite file in `data_dir`.
    """

    data_dir: Path
    database_url: str
    policy_preset: str = "consent-first"
    notice_days: int = 30
    #: Days a retired dataset version (or a reproduction) keeps its data files.
    dataset_retention_days: int = 30
    #: Test-only fault injection: the publication step at which a build kills its own
    #: process (`datasets/publish.py`, FAULT_STEPS); empty in every real installation.
    fault_at: str = ""
    #: Requests `consentry serve` handles at once (its thread pool); the database pool is
    #: sized from it, so that concurrent requests never wait for a connection in vain.
    server_threads: int = 16
    #: Minutes a browser session lives without a request before it ends.
    session_idle_minutes: int = 120
    #: Hours a browser session lives in all, however busy, before its member signs in again.
    session_max_hours: int = 168
    #: Whether the scrubber's NER stage runs where a pinned model is installed
    #: (`CONSENTRY_SCRUB_NER`, on by default); off: rules only.
    scrub_ner: bool = True
    #: An OpenAI-compatible server that generates for the AI features
    #: (`CONSENTRY_GENAI_URL`); empty: the local model in each process.
    genai_url: str = ""
    #: The model that server should run (`CONSENTRY_GENAI_MODEL`); empty: the first it lists.
    genai_model: str = ""

    @property
    def is_embedded(self) -> bool:
        return self.database_url.startswith("sqlite")

    def secret_key(self) -> bytes:
        """The server's signing key (sessions, receipts), created once and kept in `data_dir`."""
        path = self.data_dir / "secret.key"
        if not path.exists():
            self.data_dir.mkdir(parents=True, exist_ok=True)
            tmp = path.with_suffix(".tmp")
            tmp.write_text(secrets.token_hex(32))
            tmp.chmod(0o600)
            os.replace(tmp, path)
        return bytes.fromhex(path.read_text().strip())


def load_settings(environ: dict[str, str] | None = None) -> Settings:
    """Build settings from the environment (`CONSENTRY_*` variables)."""
    env = os.environ if environ is None else environ
    data_dir = Path(env.get("CONSENTRY_DATA_DIR", "consentry-data")).resolve()
    url = env.get("CONSENTRY_DATABASE_URL") or f"sqlite:///{data_dir / 'consentry.db'}"
    if url.startswith("postgresql://") or url.startswith("postgres://"):
        # psycopg 3 is the driver we ship; make the plain URL form work as users expect.
        url = "postgresql+psycopg://" + url.split("://", 1)[1]
    if not (url.startswith("sqlite") or url.startswith("postgresql")):
        raise ConfigError(
            f"CONSENTRY_DATABASE_URL must be a sqlite:// or postgresql:// URL, not {url!r}"
        )
    notice = env.get("CONSENTRY_NOTICE_DAYS", "30")
    try:
        notice_days = int(notice)
    except ValueError:
        raise ConfigError(f"CONSENTRY_NOTICE_DAYS must be a whole number, not {notice!r}") from None
    if notice_days < 0:
        raise ConfigError("CONSENTRY_NOTICE_DAYS can never be negative")
    retention = env.get("CONSENTRY_DATASET_RETENTION_DAYS", "30")
    try:
        retention_days = int(retention)
    except ValueError:
        raise ConfigError(
            f"CONSENTRY_DATASET_RETENTION_DAYS must be a whole number, not {retention!r}"
        ) from None
    if retention_days < 0:
        raise ConfigError("CONSENTRY_DATASET_RETENTION_DAYS can never be negative")
    threads = env.get("CONSENTRY_SERVER_THREADS", "16")
    if not threads.isdigit() or not 1 <= int(threads) <= 256:
        raise ConfigError(
            f"CONSENTRY_SERVER_THREADS must be a whole number from 1 to 256, not {threads!r}"
        )
    idle = _bounded(env, "CONSENTRY_SESSION_IDLE_MINUTES", "120", 1, 60 * 24 * 30)
    max_hours = _bounded(env, "CONSENTRY_SESSION_MAX_HOURS", "168", 1, 24 * 365)
    return Settings(
        data_dir=data_dir,
        database_url=url,
        policy_preset=env.get("CONSENTRY_POLICY", "consent-first"),
        notice_days=notice_days,
        dataset_retention_days=retention_days,
        fault_at=env.get("CONSENTRY_FAULT_AT", ""),
        server_threads=int(threads),
        session_idle_minutes=idle,
        session_max_hours=max_hours,
        scrub_ner=scrub_ner(env),
        genai_url=genai_url(env),
        genai_model=env.get("CONSENTRY_GENAI_MODEL", "").strip(),
    )


_ON = ("on", "1", "true", "yes")
_OFF = ("off", "0", "false", "no")


def scrub_ner(env) -> bool:
    """`CONSENTRY_SCRUB_NER`: `on` (the default) or `off` (also 1/0, true/false, yes/no)."""
    value = env.get("CONSENTRY_SCRUB_NER", "on").strip().lower()
    if value not in _ON + _OFF:
        raise ConfigError(f"CONSENTRY_SCRUB_NER must be on or off, not {value!r}")
    return value in _ON


def genai_url(env) -> str:
    """`CONSENTRY_GENAI_URL`: empty, or an http(s) URL with a host."""
    from urllib.parse import urlsplit

    value = env.get("CONSENTRY_GENAI_URL", "").strip()
    if not value:
        return ""
    try:
        parts = urlsplit(value)
        host, _ = parts.hostname, parts.port  # a malformed port raises here
    except ValueError:
        host = None
    if not host or parts.scheme not in ("http", "https"):
        raise ConfigError(f"CONSENTRY_GENAI_URL must be an http:// or https:// URL, not {value!r}")
    return value.rstrip("/")


def _bounded(env, name: str, default: str, low: int, high: int) -> int:
    """The whole number `env[name]` (or `default`), which must lie in [low, high]."""
    value = env.get(name, default)
    if not value.isdigit() or not low <= int(value) <= high:
        raise ConfigError(f"{name} must be a whole number from {low} to {high}, not {value!r}")
    return int(value)
