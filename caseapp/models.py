"""SQLModel tables: the one description of Caseline's data (DESIGN.md §2 names).

Times are timezone-aware UTC datetimes (SQLModel's UTCDateTime: timestamptz on PostgreSQL, UTC
text on SQLite); ``caseapp.timefmt`` converts them to the organisation's time zone for display.
Enumerations are stored as their string values so a migration never has to alter a database enum.
"""

from __future__ import annotations

from datetime import UTC, date, datetime
from enum import StrEnum

from sqlalchemy import Index, UniqueConstraint
from sqlmodel import Field, SQLModel


def utcnow() -> datetime:
    return datetime.now(UTC)


class Role(StrEnum):
    ADMIN = "admin"
    MANAGER = "manager"
    CASE_WORKER = "case_worker"
    VOLUNTEER = "volunteer"

    @property
    def label(self) -> str:
        return {"admin": "Admin", "manager": "Manager", "case_worker": "Case worker",
                "volunteer": "Volunteer"}[self.value]


class Status(StrEnum):
    OPEN = "open"
    PAUSED = "paused"
    CLOSED = "closed"

    @property
    def label(self) -> str:
        return self.value.capitalize()


class ConcernLevel(StrEnum):
    LOW = "low"
    MEDIUM = "medium"
    HIGH = "high"

    @property
    def label(self) -> str:
        return self.value.capitalize()

    @property
    def rank(self) -> int:
        return {"low": 1, "medium": 2, "high": 3}[self.value]


class InteractionType(StrEnum):
    NOTE = "note"
    MEETING = "meeting"
    PHONE_CALL = "phone_call"
    HOME_VISIT = "home_visit"
    EMAIL = "email"
    DROP_IN = "drop_in"
    SUMMARY = "summary"  # an AI or offline summary that a person accepted into the record

    @property
    def label(self) -> str:
        return self.value.replace("_", " ").capitalize().replace("Drop in", "Drop-in")


class Organisation(SQLModel, table=True):
    """A single row (id 1): the organisation's name and time zone."""

    id: int | None = Field(default=None, primary_key=True)
    name: str = "Caseline"
    time_zone: str = "Europe/London"
    # Some organisations' policy forbids any case data on devices: then no drafts or outbox.
    offline_drafts: bool = True
    ai_enabled: bool = True  # the AI panel, weekly summaries and search by meaning
    # Only for an endpoint on this machine: send real names instead of placeholders.
    ai_real_names: bool = False
    updated_at: datetime = Field(default_factory=utcnow)


class User(SQLModel, table=True):
    """A staff member who signs in: admin, manager, case worker or volunteer."""

    id: int | None = Field(default=None, primary_key=True)
    email: str = Field(index=True, unique=True, max_length=254)  # stored lower-cased
    name: str = Field(max_length=120)
    role: str = Field(default=Role.CASE_WORKER.value, max_length=20)
    team: str | None = Field(default=None, max_length=80, index=True)
    password_hash: str | None = None
    active: bool = True
    capacity_hours: float = 37.5
    created_at: datetime = Field(default_factory=utcnow)


class UserSession(SQLModel, table=True):
    """A signed-in browser. The cookie holds a random token; only its SHA-256 is stored."""

    __tablename__ = "user_session"
    id: int | None = Field(default=None, primary_key=True)
    token_hash: str = Field(index=True, unique=True, max_length=64)
    user_id: int = Field(foreign_key="user.id", index=True)
    created_at: datetime = Field(default_factory=utcnow)
    last_seen_at: datetime = Field(default_factory=utcnow)
    expires_at: datetime
    revoked_at: datetime | None = None


class Person(SQLModel, table=True):
    """Who is supported: static facts. One person may have many cases over time."""

    id: int | None = Field(default=None, primary_key=True)
    name: str = Field(max_length=200)
    # Lower-cased name kept for case-insensitive search that an index can serve (prefix search).
    name_search: str = Field(max_length=200, index=True)
    date_of_birth: date | None = None
    phone: str | None = Field(default=None, max_length=40)
    email: str | None = Field(default=None, max_length=254)
    address: str | None = Field(default=None, max_length=400)
    postcode: str | None = Field(default=None, max_length=12)
    created_at: datetime = Field(default_factory=utcnow)
    updated_at: datetime = Field(default_factory=utcnow)


class Pathway(SQLModel, table=True):
    """A workflow template such as "Housing Support", shown with its colour."""

    id: int | None = Field(default=None, primary_key=True)
    name: str = Field(max_length=80, unique=True)
    colour: str = Field(default="#2563eb", max_length=7)
    description: str = Field(default="", max_length=1000)
    archived: bool = False
    created_at: datetime = Field(default_factory=utcnow)


class Case(SQLModel, table=True):
    """One episode of support for one person."""

    __table_args__ = (
        # The cases list filters by status and sorts by recency most of the time.
        Index("ix_case_status_last", "status", "last_interaction_at"),
        Index("ix_case_worker_status", "worker_id", "status"),
    )
    id: int | None = Field(default=None, primary_key=True)
    reference: str = Field(default="", max_length=20, index=True)  # e.g. CL-00042, set after insert
    person_id: int = Field(foreign_key="person.id", index=True)
    worker_id: int | None = Field(default=None, foreign_key="user.id")
    pathway_id: int = Field(foreign_key="pathway.id", index=True)
    status: str = Field(default=Status.OPEN.value, max_length=10)
    concern_level: str = Field(default=ConcernLevel.LOW.value, max_length=10, index=True)
    start_date: date
    end_date: date | None = None
    last_interaction_at: datetime | None = Field(default=None, index=True)
    created_at: datetime = Field(default_factory=utcnow)
    updated_at: datetime = Field(default_factory=utcnow)
    # Optimistic concurrency: a save names the version it started from (no silent overwrite).
    version: int = 1


class Tag(SQLModel, table=True):
    id: int | None = Field(default=None, primary_key=True)
    name: str = Field(max_length=40, unique=True)


class CaseTag(SQLModel, table=True):
    __tablename__ = "case_tag"
    case_id: int = Field(foreign_key="case.id", primary_key=True)
    tag_id: int = Field(foreign_key="tag.id", primary_key=True, index=True)


class Interaction(SQLModel, table=True):
    """One touchpoint on a case. Adding one sets the case's last interaction at."""

    __table_args__ = (
        Index("ix_interaction_case_time", "case_id", "occurred_at", "id"),
        UniqueConstraint("client_ref", name="uq_interaction_client_ref"),
    )
    id: int | None = Field(default=None, primary_key=True)
    case_id: int = Field(foreign_key="case.id")
    kind: str = Field(default=InteractionType.NOTE.value, max_length=20)
    occurred_at: datetime
    author_id: int = Field(foreign_key="user.id", index=True)
    text: str
    private: bool = False
    outcome: str | None = Field(default=None, max_length=300)
    # The concern level this interaction set on the case, if it changed it.
    concern_level: str | None = Field(default=None, max_length=10)
    # Generated by the client per save so that a re-sent save never creates a duplicate.
    client_ref: str | None = Field(default=None, max_length=64)
    # For an accepted summary: what produced it ("offline key sentences", or the model's name).
    generated_by: str | None = Field(default=None, max_length=120)
    created_at: datetime = Field(default_factory=utcnow)


class InteractionTag(SQLModel, table=True):
    __tablename__ = "interaction_tag"
    interaction_id: int = Field(foreign_key="interaction.id", primary_key=True)
    tag_id: int = Field(foreign_key="tag.id", primary_key=True, index=True)


class Attachment(SQLModel, table=True):
    """A file on an interaction, stored outside any public folder under a random key."""

    id: int | None = Field(default=None, primary_key=True)
    interaction_id: int = Field(foreign_key="interaction.id", index=True)
    display_name: str = Field(max_length=200)
    content_type: str = Field(max_length=120)
    size_bytes: int
    storage_key: str = Field(max_length=64, unique=True)
    thumbnail_key: str | None = Field(default=None, max_length=64)
    width: int | None = None
    height: int | None = None
    created_at: datetime = Field(default_factory=utcnow)


class ConcernChange(SQLModel, table=True):
    __tablename__ = "concern_change"
    id: int | None = Field(default=None, primary_key=True)
    case_id: int = Field(foreign_key="case.id", index=True)
    old_level: str | None = Field(default=None, max_length=10)
    new_level: str = Field(max_length=10)
    changed_by_id: int = Field(foreign_key="user.id")
    changed_at: datetime = Field(default_factory=utcnow)
    interaction_id: int | None = Field(default=None, foreign_key="interaction.id")


class StatusChange(SQLModel, table=True):
    __tablename__ = "status_change"
    id: int | None = Field(default=None, primary_key=True)
    case_id: int = Field(foreign_key="case.id", index=True)
    old_status: str | None = Field(default=None, max_length=10)
    new_status: str = Field(max_length=10)
    changed_by_id: int = Field(foreign_key="user.id")
    changed_at: datetime = Field(default_factory=utcnow)
    reason: str | None = Field(default=None, max_length=500)


class Assignment(SQLModel, table=True):
    """Assignment history: every change of case worker, including claims."""

    id: int | None = Field(default=None, primary_key=True)
    case_id: int = Field(foreign_key="case.id", index=True)
    old_worker_id: int | None = Field(default=None, foreign_key="user.id")
    new_worker_id: int | None = Field(default=None, foreign_key="user.id")
    changed_by_id: int = Field(foreign_key="user.id")
    changed_at: datetime = Field(default_factory=utcnow)
    reason: str | None = Field(default=None, max_length=500)


class AuditEvent(SQLModel, table=True):
    """The append-only audit trail: who viewed or changed what, and when."""

    __tablename__ = "audit_event"
    __table_args__ = (Index("ix_audit_entity", "entity_type", "entity_id", "at"),)
    id: int | None = Field(default=None, primary_key=True)
    at: datetime = Field(default_factory=utcnow, index=True)
    actor_id: int | None = Field(default=None, foreign_key="user.id", index=True)
    action: str = Field(max_length=60)
    entity_type: str = Field(max_length=40)
    entity_id: int | None = None
    detail: str = ""  # JSON object: old/new values and context, never file contents
