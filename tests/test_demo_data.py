"""The demo data loads into a fresh database and is consistent with the rules of the app."""

from __future__ import annotations

import io
from collections import Counter

from PIL import Image
from sqlalchemy import func
from sqlmodel import select

from caseapp import cases, interactions
from caseapp.actor import Actor
from caseapp.auth import sessions
from caseapp.cases import CaseFilters
from caseapp.db import session_scope
from caseapp.demo import DEMO_PASSWORD, load_demo_data
from caseapp.demo_content import build_demo_plan
from caseapp.models import Attachment, Case, ConcernChange, Interaction, User


def test_plan_is_deterministic_and_the_right_size() -> None:
    a, b = build_demo_plan(7), build_demo_plan(7)
    assert a == b
    assert len(a.people) == 40 and len(a.cases) == 60
    assert 280 <= len(a.interactions) <= 320
    assert {c.status for c in a.cases} == {"open", "paused", "closed"}
    assert {c.concern_level for c in a.cases if c.status == "open"} == {"low", "medium", "high"}
    assert all("{" not in i.text for i in a.interactions)
    for i in a.interactions:
        c = a.cases[i.case_index]
        assert i.days_ago <= c.start_days_ago
        assert c.end_days_ago is None or i.days_ago >= c.end_days_ago


def test_demo_loads_consistently(data_dir: object) -> None:
    load_demo_data()
    with session_scope() as db:
        roles = Counter(db.exec(select(User.role)).all())
        assert roles == {"admin": 1, "manager": 1, "case_worker": 3, "volunteer": 1}
        assert db.exec(select(func.count()).select_from(Interaction)).one() >= 280
        for case in db.exec(select(Case)):
            last = db.exec(select(func.max(Interaction.occurred_at))
                           .where(Interaction.case_id == case.id)).one()
            assert case.last_interaction_at == last
            history = db.exec(select(ConcernChange).where(ConcernChange.case_id == case.id)
                              .order_by(ConcernChange.changed_at, ConcernChange.id)).all()
            assert history[-1].new_level == case.concern_level
            assert (case.end_date is not None) == (case.status == "closed")
        keys = db.exec(select(Attachment.storage_key)).all()
    assert 4 <= len(keys) <= 8
    for key in keys:  # the demo photos carried GPS; what is stored has none
        stored = Image.open(io.BytesIO(interactions.attachment_store().read(key)))
        assert 0x8825 not in stored.getexif()

    _, volunteer = sessions.sign_in("volunteer@example.org", DEMO_PASSWORD)
    own = cases.list_cases(volunteer, CaseFilters(page_size=100))
    assert own.total == 4 and {r.worker_id for r in own.rows} == {volunteer.id}
    with session_scope() as db:
        admin = Actor.of(db.exec(select(User).where(User.role == "admin")).one())
    assert cases.list_cases(admin, CaseFilters(worker="unassigned")).total == 5
