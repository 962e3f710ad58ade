"""Configuration from environment variables, with safe defaults for a one-machine install.

Every variable is documented in the README. Read once per process (``settings()`` is cached) so
tests can point a fresh process at a temporary data folder through the environment.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

PROJECT_ROOT = Path(__file__).resolve().parent.parent


def _int(name: str, default: int) -> int:
    raw = os.environ.get(name, "").strip()
    if not raw:
        return default
    try:
        return int(raw)
    except ValueError as exc:
        raise RuntimeError(f"{name} must be a whole number, not {raw!r}") from exc


def _bool(name: str, default: bool) -> bool:
    raw = os.environ.get(name, "").strip().lower()
    if not raw:
        return default
    return raw in {"1", "true", "yes", "on"}


@dataclass(frozen=True)
class Settings:
    data_dir: Path
    db_url: str
    attachments_dir: Path
    max_upload_bytes: int
    max_attachments_per_interaction: int
    default_time_zone: str
    session_idle_minutes: int
    session_max_hours: int
    cookie_secure: bool
    max_note_chars: int
    ai_concurrency: int  # weekly summaries: most AI requests in flight at once


@lru_cache(maxsize=1)
def settings() -> Settings:
    data_dir = Path(os.environ.get("CASEAPP_DATA_DIR", PROJECT_ROOT / "data")).resolve()
    db_url = os.environ.get("CASEAPP_DB_URL") or f"sqlite:///{data_dir / 'caseline.db'}"
    tz = os.environ.get("CASEAPP_TIME_ZONE", "Europe/London")
    try:
        ZoneInfo(tz)
    except (ZoneInfoNotFoundError, ValueError) as exc:
        raise RuntimeError(f"CASEAPP_TIME_ZONE {tz!r} is not a known time zone") from exc
    return Settings(
        data_dir=data_dir,
        db_url=db_url,
        attachments_dir=Path(
            os.environ.get("CASEAPP_ATTACHMENTS_DIR", data_dir / "attachments")
        ).resolve(),
        max_upload_bytes=_int("CASEAPP_MAX_UPLOAD_MB", 20) * 1024 * 1024,
        max_attachments_per_interaction=_int("CASEAPP_MAX_ATTACHMENTS", 10),
        default_time_zone=tz,
        session_idle_minutes=_int("CASEAPP_SESSION_IDLE_MINUTES", 8 * 60),
        session_max_hours=_int("CASEAPP_SESSION_MAX_HOURS", 24 * 7),
        cookie_secure=_bool("CASEAPP_COOKIE_SECURE", False),
        # A generous cap: long assessments are real, a 1 MB paste is not a note.
        max_note_chars=_int("CASEAPP_MAX_NOTE_CHARS", 50_000),
        ai_concurrency=max(1, _int("CASEAPP_AI_CONCURRENCY", 8)),
    )
