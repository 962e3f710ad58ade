"""Load the demo organisation: staff, pathways, people, cases and a believable history.

A bootstrap loader, like a migration: it writes rows directly (with their past dates) instead of
replaying months of work through the services, and records a single audit event saying so.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

from sqlmodel import Session, select

from caseapp import audit
from caseapp.auth.passwords import hash_password
from caseapp.cases import reference_for
from caseapp.config import settings
from caseapp.db import session_scope
from caseapp.demo_content import PATHWAYS, STAFF, DemoPlan, build_demo_plan, demo_photo
from caseapp.files import prepare_upload
from caseapp.interactions import attachment_store
from caseapp.models import (
    Assignment,
    Attachment,
    Case,
    CaseTag,
    ConcernChange,
    Interaction,
    Organisation,
    Pathway,
    Person,
    StatusChange,
    Tag,
    User,
)

DEMO_PASSWORD = "caseline-demo"
DEMO_ORGANISATION = "Northside Community Trust"


def _at(today: date, days_ago: int, hour: int, minute: int, tz: ZoneInfo) -> datetime:
    local = datetime.combine(today - timedelta(days=days_ago), datetime.min.time()).replace(
        hour=hour, minute=minute, tzinfo=tz)
    return local.astimezone(UTC)


def _before(level: str) -> str:
    """A plausible level for a case before its first recorded change."""
    return {"high": "medium", "low": "medium", "medium": "low"}[level]


def load_demo_data(plan: DemoPlan | None = None) -> None:
    plan = plan or build_demo_plan()
    tz_name = settings().default_time_zone
    tz = ZoneInfo(tz_name)
    now_local = datetime.now(tz)
    today = now_local.date()
    store = attachment_store()
    with session_scope() as db:
        db.merge(Organisation(id=1, name=DEMO_ORGANISATION, time_zone=tz_name))
        password_hash = hash_password(DEMO_PASSWORD)  # one hash: argon2 is slow on purpose
        staff = []
        for s in STAFF:
            user = User(name=s.name, email=s.email, role=s.role, team=s.team,
                        capacity_hours=s.capacity_hours, password_hash=password_hash)
            db.add(user)
            staff.append(user)
        pathways = []
        for p in PATHWAYS:
            pathway = Pathway(name=p.name, colour=p.colour, description=p.description)
            db.add(pathway)
            pathways.append(pathway)
        people = []
        for p in plan.people:
            person = Person(name=p.name, name_search=p.name.lower(), date_of_birth=p.date_of_birth,
                            phone=p.phone, email=p.email, address=p.address, postcode=p.postcode)
            db.add(person)
            people.append(person)
        db.flush()
        tags = _tags(db, {t for c in plan.cases for t in c.tags})

        by_case: dict[int, list] = {}
        for item in plan.interactions:
            by_case.setdefault(item.case_index, []).append(item)
        admin = staff[0]
        photo_index = 0
        for index, c in enumerate(plan.cases):
            items = sorted(by_case.get(index, []), key=lambda i: (-i.days_ago, i.hour, i.minute))
            changes = [i for i in items if i.concern_level]
            start_at = _at(today, c.start_days_ago, 9, 0, tz)
            case = Case(
                person_id=people[c.person_index].id, pathway_id=pathways[c.pathway_index].id,
                worker_id=staff[c.worker_index].id if c.worker_index is not None else None,
                status=c.status, concern_level=c.concern_level,
                start_date=today - timedelta(days=c.start_days_ago),
                end_date=(today - timedelta(days=c.end_days_ago))
                if c.end_days_ago is not None else None,
                created_at=start_at, updated_at=start_at)
            db.add(case)
            db.flush()
            case.reference = reference_for(case.id)  # type: ignore[arg-type]
            for name in c.tags:
                db.add(CaseTag(case_id=case.id, tag_id=tags[name].id))
            opener = staff[c.worker_index] if c.worker_index is not None else admin
            first_level = _before(changes[0].concern_level) if changes else c.concern_level
            db.add(StatusChange(case_id=case.id, new_status="open", changed_by_id=opener.id,
                                changed_at=start_at))
            db.add(ConcernChange(case_id=case.id, new_level=first_level,
                                 changed_by_id=opener.id, changed_at=start_at))
            if c.worker_index is not None:
                db.add(Assignment(case_id=case.id, new_worker_id=opener.id,
                                  changed_by_id=staff[1].id, changed_at=start_at))
            level = first_level
            last_at = None
            for item in items:
                when = _at(today, item.days_ago, item.hour, item.minute, tz)
                when = min(when, datetime.now(UTC) - timedelta(minutes=5))
                author = staff[item.author_index]
                interaction = Interaction(
                    case_id=case.id, kind=item.kind, occurred_at=when, author_id=author.id,
                    text=item.text, private=item.private, outcome=item.outcome,
                    concern_level=item.concern_level if item.concern_level != level else None,
                    created_at=when)
                db.add(interaction)
                db.flush()
                if item.concern_level and item.concern_level != level:
                    db.add(ConcernChange(case_id=case.id, old_level=level,
                                         new_level=item.concern_level, changed_by_id=author.id,
                                         changed_at=when, interaction_id=interaction.id))
                    level = item.concern_level
                if item.with_photo:
                    prepared = prepare_upload(f"IMG_20{2400 + photo_index}.jpg",
                                              demo_photo(photo_index), settings().max_upload_bytes)
                    photo_index += 1
                    key = store.save(prepared.data)
                    thumb = store.save(prepared.thumbnail) if prepared.thumbnail else None
                    db.add(Attachment(interaction_id=interaction.id,
                                      display_name=prepared.display_name,
                                      content_type=prepared.content_type,
                                      size_bytes=len(prepared.data), storage_key=key,
                                      thumbnail_key=thumb, width=prepared.width,
                                      height=prepared.height, created_at=when))
                last_at = when if last_at is None or when > last_at else last_at
            if level != c.concern_level:  # keep history consistent with the current level
                db.add(ConcernChange(case_id=case.id, old_level=level, new_level=c.concern_level,
                                     changed_by_id=opener.id, changed_at=last_at or start_at))
            if c.status != "open":
                status_at = (_at(today, c.end_days_ago, 17, 0, tz) if c.end_days_ago is not None
                             else last_at or start_at)
                db.add(StatusChange(case_id=case.id, old_status="open", new_status=c.status,
                                    changed_by_id=opener.id, changed_at=status_at))
            case.last_interaction_at = last_at
            db.add(case)
        audit.record(db, None, "demo.load", "organisation", 1, cases=len(plan.cases),
                     interactions=len(plan.interactions))


def _tags(db: Session, names: set[str]) -> dict[str, Tag]:
    out = {t.name: t for t in db.exec(select(Tag))}
    for name in sorted(names):
        if name not in out:
            out[name] = Tag(name=name)
            db.add(out[name])
    db.flush()
    return out
