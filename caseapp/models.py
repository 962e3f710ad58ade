"""SQLModel tables: the one description of Caseline's data (DESIGN.md §2 names).

Times are timezone-aware UTC datetimes (SQLModel's UTCDateTime: timestamptz on PostgreSQL, UTC
text on SQLite); ``caseapp.timefmt`` converts them to the organisation's time zone for display.
Enumerations are stored as their string values so a migration never has to alter a database enum.
"""

from __future__ import annotations

from datetime import UTC, date, datetime
from enum import StrEnum

from sqlalchemy import Column, ForeignKey, Index, Integer, LargeBinary, UniqueConstraint
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
    # Single sign-on may create accounts (as volunteers) for verified emails at these domains:
    # comma-separated, lower case; empty (the default) means only existing staff can sign in.
    signup_domains: str = Field(default="", max_length=500)
    # Workload (caseapp/workload.py): the hours a week one case counts for at each concern
    # level, and for a Paused case whatever its level; and how many days without an interaction
    # put an open case on the "Needs attention" list, per concern level.
    workload_hours_low: float = 1.0
    workload_hours_medium: float = 2.0
    workload_hours_high: float = 4.0
    workload_hours_paused: float = 0.0
    attention_days_low: int = 28
    attention_days_medium: int = 14
    attention_days_high: int = 7
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
    method: str = Field(default="password", max_length=20)  # password, oidc:<provider>
    user_agent: str = Field(default="", max_length=200)  # so "Your sessions" can name the device


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
        # The workload page (caseapp/workload.py) reads only this index: Open and Paused cases
        # counted by worker, concern level and pathway, and which Open ones have gone quiet.
        Index("ix_case_workload", "status", "worker_id", "concern_level", "pathway_id",
              "last_interaction_at", "created_at"),
        # ... and the same cases by pathway (the portfolio), in this index's own order.
        Index("ix_case_portfolio", "status", "pathway_id", "concern_level", "worker_id"),
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
    # The hash chain (caseapp/audit.py): each event's place in the chain, the hash of the event
    # before it, the SHA-256 of its detail and its own hash over all of these. Set when the event
    # is flushed; a database trigger refuses later changes to them and deletes of the row.
    seq: int | None = Field(default=None, unique=True, index=True)
    prev_hash: str = Field(default="", max_length=64)
    detail_digest: str = Field(default="", max_length=64)
    hash: str = Field(default="", max_length=64)


class AuditChainHead(SQLModel, table=True):
    """One row: the last event's place and hash. Updating it first is what serialises writers, so
    two transactions can never chain to the same event."""

    __tablename__ = "audit_chain_head"
    id: int = Field(default=1, primary_key=True)
    seq: int = 0
    hash: str = Field(default="", max_length=64)


class NoteEmbedding(SQLModel, table=True):
    """The meaning of one interaction's text as a vector, for search by meaning (caseapp.search).

    A re-embedded note gets a new row (a new, larger id) so a server's in-memory copy of the
    vectors can catch up by reading ids above the last it saw. Deleting an interaction deletes
    its row (ON DELETE CASCADE).
    """

    __tablename__ = "note_embedding"
    __table_args__ = {"sqlite_autoincrement": True}  # never reuse an id (see above)
    id: int | None = Field(default=None, primary_key=True)
    interaction_id: int = Field(sa_column=Column(
        Integer, ForeignKey("interaction.id", ondelete="CASCADE"), nullable=False, unique=True))
    model: str = Field(max_length=80)
    text_hash: str = Field(max_length=64)  # SHA-256 of the embedded text: an edit shows as stale
    vector: bytes = Field(sa_column=Column(LargeBinary, nullable=False))  # float16, unit length
    created_at: datetime = Field(default_factory=utcnow)


class SummaryRun(SQLModel, table=True):
    """One "Generate all" of weekly summaries: who asked, for which period, how far it got.
    Status: queued, running, cancelled, done. A runner holds a lease while it works, so after a
    restart another runner can see the work is orphaned and resume it."""

    __tablename__ = "summary_run"
    id: int | None = Field(default=None, primary_key=True)
    created_by_id: int = Field(foreign_key="user.id", index=True)
    status: str = Field(default="queued", max_length=12)
    days: int = 7
    period_start: datetime
    period_end: datetime
    method: str = Field(default="", max_length=120)  # what summarises: offline or the model
    total: int = 0
    message: str = Field(default="", max_length=500)  # why it stopped, if not done
    created_at: datetime = Field(default_factory=utcnow)
    finished_at: datetime | None = None
    lease_owner: str | None = Field(default=None, max_length=40)
    lease_until: datetime | None = None


class SummaryRunCase(SQLModel, table=True):
    """One case in a run. Status: queued, running, done, skipped (unchanged: the earlier summary
    is reused), failed (message says why)."""

    __tablename__ = "summary_run_case"
    __table_args__ = (
        UniqueConstraint("run_id", "case_id", name="uq_summary_run_case"),
        Index("ix_summary_run_case_status", "run_id", "status"),
    )
    id: int | None = Field(default=None, primary_key=True)
    run_id: int = Field(foreign_key="summary_run.id")
    case_id: int = Field(foreign_key="case.id", index=True)
    status: str = Field(default="queued", max_length=12)
    claimed_by: str | None = Field(default=None, max_length=40)
    summary_id: int | None = Field(default=None, foreign_key="weekly_summary.id")
    message: str = Field(default="", max_length=500)
    finished_at: datetime | None = None
    accepted_interaction_id: int | None = Field(default=None, foreign_key="interaction.id")


class WeeklySummary(SQLModel, table=True):
    """A generated (not yet accepted) summary of a case and the exact interactions it was made
    from, so a later run can tell that nothing has changed and reuse it."""

    __tablename__ = "weekly_summary"
    __table_args__ = (Index("ix_weekly_summary_case", "case_id", "created_at"),)
    id: int | None = Field(default=None, primary_key=True)
    case_id: int = Field(foreign_key="case.id")
    fingerprint: str = Field(max_length=64, index=True)
    # JSON list of "id:sha" keys, one per interaction the summary was made from.
    interaction_keys: str = ""
    method: str = Field(max_length=120)
    period: str = Field(default="", max_length=80)
    sentences: str = ""  # JSON list of {text, interaction_id, when, reason}
    note: str = Field(default="", max_length=500)
    created_by_id: int = Field(foreign_key="user.id")
    created_at: datetime = Field(default_factory=utcnow)


# --- Note audits (issue 5: the quality of case notes) -------------------------------------------


class AuditCriterion(SQLModel, table=True):
    """One of the organisation's audit criteria. No rows means the defaults
    (``caseapp.ai.note_audit.DEFAULT_CRITERIA``); an admin's save replaces the whole list."""

    __tablename__ = "audit_criterion"
    id: int | None = Field(default=None, primary_key=True)
    position: int = 0
    name: str = Field(max_length=80)
    description: str = Field(default="", max_length=500)
    # The built-in offline rule that judges it; None for a criterion only an AI model can judge.
    rule_key: str | None = Field(default=None, max_length=30)
    updated_at: datetime = Field(default_factory=utcnow)


class NoteAudit(SQLModel, table=True):
    """The latest audit of one interaction: a score 0-100 and a judgement per criterion.
    Auditing again replaces it (every audit is in the audit trail)."""

    __tablename__ = "note_audit"
    __table_args__ = (Index("ix_note_audit_author_time", "author_id", "occurred_at"),)
    id: int | None = Field(default=None, primary_key=True)
    interaction_id: int = Field(sa_column=Column(
        Integer, ForeignKey("interaction.id", ondelete="CASCADE"), nullable=False, unique=True))
    # Copied from the interaction (which never changes) so lists and trends need no join.
    author_id: int = Field(foreign_key="user.id")
    occurred_at: datetime
    score: int = Field(index=True)
    judgements: str = ""  # JSON list of {name, key, result, reason}
    method: str = Field(max_length=120)  # "offline rules" or "AI model <name>"
    audited_by_id: int = Field(foreign_key="user.id")
    audited_at: datetime = Field(default_factory=utcnow)


class AuditRun(SQLModel, table=True):
    """One "Audit all": the unaudited interactions of a period, worked through in the
    background under a lease (caseapp/runs.py), resumable after a restart."""

    __tablename__ = "audit_run"
    id: int | None = Field(default=None, primary_key=True)
    created_by_id: int = Field(foreign_key="user.id", index=True)
    status: str = Field(default="queued", max_length=12)  # queued running cancelled done failed
    period_start: datetime
    period_end: datetime
    method: str = Field(default="", max_length=120)
    total: int = 0
    message: str = Field(default="", max_length=500)
    created_at: datetime = Field(default_factory=utcnow)
    finished_at: datetime | None = None
    lease_owner: str | None = Field(default=None, max_length=40)
    lease_until: datetime | None = None


class AuditRunItem(SQLModel, table=True):
    """One interaction in an audit run. Status: queued, running, done, skipped, failed."""

    __tablename__ = "audit_run_item"
    __table_args__ = (
        UniqueConstraint("run_id", "interaction_id", name="uq_audit_run_item"),
        Index("ix_audit_run_item_status", "run_id", "status"),
    )
    id: int | None = Field(default=None, primary_key=True)
    run_id: int = Field(foreign_key="audit_run.id")
    interaction_id: int = Field(sa_column=Column(
        Integer, ForeignKey("interaction.id", ondelete="CASCADE"), nullable=False))
    status: str = Field(default="queued", max_length=12)
    claimed_by: str | None = Field(default=None, max_length=40)
    message: str = Field(default="", max_length=500)
    finished_at: datetime | None = None


# --- Insights (Theory of Change) ------------------------------------------------------------------


class OutcomeStage(SQLModel, table=True):
    """One of the organisation's six Theory of Change stages (position 1 to 6), in its words.
    Missing rows mean the defaults (caseapp.insights.DEFAULT_STAGES)."""

    __tablename__ = "outcome_stage"
    position: int = Field(primary_key=True)
    name: str = Field(max_length=60)
    description: str = Field(default="", max_length=400)
    updated_at: datetime = Field(default_factory=utcnow)


class CaseInsight(SQLModel, table=True):
    """Where one case stands on one stage: a progress level and how much evidence there is, with
    the evidence itself (JSON list of {interaction_id, when, sentence, signal, cue}). A person's
    correction is kept beside the scorer's level and wins over it until cleared."""

    __tablename__ = "case_insight"
    __table_args__ = (
        UniqueConstraint("case_id", "stage", name="uq_case_insight_stage"),
        # Sorting the heatmap by a stage or by overall progress, and averaging per worker, read
        # only this index (it covers them), never the rows with their evidence.
        Index("ix_case_insight_ranks", "case_id", "stage", "rank", "confidence_rank"),
    )
    id: int | None = Field(default=None, primary_key=True)
    case_id: int = Field(foreign_key="case.id")
    stage: int  # 1..6, OutcomeStage.position
    level: str = Field(default="", max_length=10)  # "" (no evidence) | low | medium | high
    confidence: str = Field(default="none", max_length=10)  # none | low | medium | high
    # The level shown (the correction if there is one) as 0 none, 1 low, 2 medium, 3 high: what
    # sorting and averaging use.
    rank: int = 0
    confidence_rank: int = 0
    progress_weight: float = 0.0  # recency-weighted evidence of progress
    need_weight: float = 0.0  # recency-weighted evidence that the need is still there
    evidence: str = ""
    reason: str = Field(default="", max_length=1000)
    method: str = Field(default="", max_length=120)
    fingerprint: str = Field(default="", max_length=64)  # what it was made from: unchanged = skip
    generated_by_id: int = Field(foreign_key="user.id")
    generated_at: datetime = Field(default_factory=utcnow)
    corrected_level: str | None = Field(default=None, max_length=10)
    corrected_by_id: int | None = Field(default=None, foreign_key="user.id")
    corrected_at: datetime | None = None
    correction_note: str = Field(default="", max_length=500)


class InsightRun(SQLModel, table=True):
    """One "Generate insights" over all open cases in someone's scope. Status: queued, running,
    cancelled, done, failed. Leased like every background run (caseapp/runs.py), so it
    resumes after a restart."""

    __tablename__ = "insight_run"
    id: int | None = Field(default=None, primary_key=True)
    created_by_id: int = Field(foreign_key="user.id", index=True)
    status: str = Field(default="queued", max_length=12)
    method: str = Field(default="", max_length=120)
    total: int = 0
    message: str = Field(default="", max_length=500)
    created_at: datetime = Field(default_factory=utcnow)
    finished_at: datetime | None = None
    lease_owner: str | None = Field(default=None, max_length=40)
    lease_until: datetime | None = None


class InsightRunCase(SQLModel, table=True):
    """One case in a run. Status: queued, running, done, skipped (unchanged), failed."""

    __tablename__ = "insight_run_case"
    __table_args__ = (
        UniqueConstraint("run_id", "case_id", name="uq_insight_run_case"),
        Index("ix_insight_run_case_status", "run_id", "status"),
    )
    id: int | None = Field(default=None, primary_key=True)
    run_id: int = Field(foreign_key="insight_run.id")
    case_id: int = Field(foreign_key="case.id", index=True)
    status: str = Field(default="queued", max_length=12)
    claimed_by: str | None = Field(default=None, max_length=40)
    message: str = Field(default="", max_length=500)
    finished_at: datetime | None = None


# --- API tokens (issue 7: the JSON API for integrations) ------------------------------------------


class ApiToken(SQLModel, table=True):
    """A personal token for the JSON API (caseapp/api.py). The token itself is shown once; only
    its SHA-256 is stored. It acts as its user, with that user's role at the time of each call,
    so a role change or deactivation takes effect at once."""

    __tablename__ = "api_token"
    id: int | None = Field(default=None, primary_key=True)
    user_id: int = Field(foreign_key="user.id", index=True)
    name: str = Field(max_length=80)  # what it is for, e.g. "Funder dashboard"
    token_hash: str = Field(max_length=64, unique=True, index=True)
    hint: str = Field(max_length=12)  # the first characters, so a user can tell tokens apart
    created_at: datetime = Field(default_factory=utcnow)
    last_used_at: datetime | None = None
    expires_at: datetime | None = None
    revoked_at: datetime | None = None
    revoked_by_id: int | None = Field(default=None, foreign_key="user.id")


# --- Single sign-on, two-step sign-in and sessions (issue 6) --------------------------------------
# Migration 0011 also adds Organisation.signup_domains, UserSession.method and
# UserSession.user_agent (declared on those classes above).


class OidcLogin(SQLModel, table=True):
    """One sign-in through an identity provider, from the redirect out to the callback.

    Tied to the browser that started it by a random value in a short-lived cookie (only its hash
    is kept), so a callback link made in someone else's browser signs nobody in (login CSRF). Used
    once: a replayed callback finds it spent.
    """

    __tablename__ = "oidc_login"
    id: int | None = Field(default=None, primary_key=True)
    browser_hash: str = Field(max_length=64, unique=True, index=True)
    provider: str = Field(max_length=40)
    state_hash: str = Field(max_length=64)
    nonce: str = Field(max_length=64)  # compared with the ID token's; no secret once used
    # Needed in plain at the token request; worthless without the code, and spent after one use.
    code_verifier: str = Field(max_length=128)
    next_path: str = Field(default="/cases", max_length=300)
    created_at: datetime = Field(default_factory=utcnow)
    expires_at: datetime
    used_at: datetime | None = None


class UserIdentity(SQLModel, table=True):
    """A staff member's account at an identity provider: the provider's issuer and its stable
    subject id. Found by verified email the first time; by subject after that, so a renamed
    mailbox still signs the same person in."""

    __tablename__ = "user_identity"
    __table_args__ = (UniqueConstraint("issuer", "subject", name="uq_user_identity_subject"),)
    id: int | None = Field(default=None, primary_key=True)
    user_id: int = Field(foreign_key="user.id", index=True)
    issuer: str = Field(max_length=300)
    subject: str = Field(max_length=255)
    email: str = Field(default="", max_length=254)  # as the provider last gave it
    created_at: datetime = Field(default_factory=utcnow)
    last_used_at: datetime = Field(default_factory=utcnow)


class TotpFactor(SQLModel, table=True):
    """A staff member's authenticator app (TOTP). The secret is encrypted with the server's key
    (caseapp.auth.totp); confirmed_at is None until a first code proves the app has it."""

    __tablename__ = "totp_factor"
    id: int | None = Field(default=None, primary_key=True)
    user_id: int = Field(foreign_key="user.id", unique=True, index=True)
    secret_encrypted: str = Field(max_length=400)
    confirmed_at: datetime | None = None
    # The last 30-second step a code was accepted for: the same code is never accepted twice.
    last_step: int = 0
    created_at: datetime = Field(default_factory=utcnow)


class RecoveryCode(SQLModel, table=True):
    """A one-time code for when the authenticator app is lost. Only a SHA-256 is kept (the codes
    are random, 60 bits: a slow hash would add nothing but delay)."""

    __tablename__ = "recovery_code"
    id: int | None = Field(default=None, primary_key=True)
    user_id: int = Field(foreign_key="user.id", index=True)
    code_hash: str = Field(max_length=64)
    used_at: datetime | None = None


class SignInChallenge(SQLModel, table=True):
    """A password that was right, waiting for the authenticator code. The browser holds a random
    token in a short-lived cookie; only its hash is kept. No session exists until the code is."""

    __tablename__ = "sign_in_challenge"
    id: int | None = Field(default=None, primary_key=True)
    token_hash: str = Field(max_length=64, unique=True, index=True)
    user_id: int = Field(foreign_key="user.id", index=True)
    next_path: str = Field(default="/cases", max_length=300)
    created_at: datetime = Field(default_factory=utcnow)
    expires_at: datetime
    used_at: datetime | None = None


# --- Data-subject rights and retention (issue 6) -----------------------------------------------


class RightsJob(SQLModel, table=True):
    """Background work for data-subject rights: a subject access export of one person
    ("export") or the anonymisation of everyone past the retention period ("retention").

    Like every background run (caseapp/runs.py) it survives a restart: a runner holds a lease
    while it works and an orphaned job is resumed by whichever runner is alive. Status: queued,
    running, done, failed, expired (the export file was deleted after its keep period), erased
    (the person was erased, so their export went too). ``person_id`` has no foreign key: the
    job's record outlives a person deleted entirely (then it is set to None)."""

    __tablename__ = "rights_job"
    __table_args__ = (Index("ix_rights_job_kind_status", "kind", "status"),)
    id: int | None = Field(default=None, primary_key=True)
    kind: str = Field(max_length=12)
    person_id: int | None = Field(default=None, index=True)
    created_by_id: int = Field(foreign_key="user.id", index=True)
    status: str = Field(default="queued", max_length=12)
    total: int = 0
    done: int = 0
    message: str = Field(default="", max_length=500)
    file_key: str | None = Field(default=None, max_length=64)  # the ZIP, in the private folder
    file_bytes: int = 0
    created_at: datetime = Field(default_factory=utcnow)
    finished_at: datetime | None = None
    expires_at: datetime | None = None  # the export file is deleted after this
    lease_owner: str | None = Field(default=None, max_length=40)
    lease_until: datetime | None = None


class RightsJobItem(SQLModel, table=True):
    """One person in a bulk retention job. Status: queued, done, skipped (no longer past the
    period, e.g. a case was reopened), failed."""

    __tablename__ = "rights_job_item"
    __table_args__ = (UniqueConstraint("job_id", "person_id", name="uq_rights_job_item"),
                      Index("ix_rights_job_item_status", "job_id", "status"))
    id: int | None = Field(default=None, primary_key=True)
    job_id: int = Field(foreign_key="rights_job.id")
    person_id: int
    status: str = Field(default="queued", max_length=12)
    message: str = Field(default="", max_length=300)


class RetentionPolicy(SQLModel, table=True):
    """One row: how long records are kept after a person's last case closed."""

    __tablename__ = "retention_policy"
    id: int = Field(default=1, primary_key=True)
    years: int = 6
    updated_at: datetime = Field(default_factory=utcnow)
    updated_by_id: int | None = Field(default=None, foreign_key="user.id")


class PersonErasure(SQLModel, table=True):
    """That a person was anonymised or deleted: who did it, when, why and what kind. Never what
    was erased. ``person_id`` has no foreign key: a deleted person's row is gone."""

    __tablename__ = "person_erasure"
    id: int | None = Field(default=None, primary_key=True)
    person_id: int = Field(index=True)
    mode: str = Field(max_length=12)  # anonymise | delete
    reason: str = Field(max_length=500)
    erased_by_id: int = Field(foreign_key="user.id")
    erased_at: datetime = Field(default_factory=utcnow)
    cases: int = 0
    interactions: int = 0
    attachments: int = 0
