"""The organisation's AI switches: off means off, and real names go only to an endpoint on this
machine and only when an admin chose it; the audit trail says where text went."""

from __future__ import annotations

import json
from collections.abc import Iterator

import pytest
from sqlmodel import select

from caseapp import interactions
from caseapp.ai import casework, questions
from caseapp.ai.policy import AI_OFF
from caseapp.db import session_scope
from caseapp.errors import PermissionDenied
from caseapp.interactions import NewInteraction
from caseapp.models import AuditEvent
from caseapp.organisation import update_organisation
from tests.conftest import World
from tests.fake_openai import FakeOpenAI, Scripted, fake_openai_server

NOTE = "Aled Jones rang from 07700 900123; his landlord has served a section 21 notice."


@pytest.fixture
def endpoint(monkeypatch: pytest.MonkeyPatch) -> Iterator[FakeOpenAI]:
    with fake_openai_server() as fake:
        monkeypatch.setenv("CASEAPP_AI_MODEL", "local-model")
        monkeypatch.setenv("CASEAPP_AI_BASE_URL", fake.url)
        monkeypatch.setenv("CASEAPP_AI_MAX_RETRIES", "0")
        monkeypatch.delenv("CASEAPP_AI_PSEUDONYMISE", raising=False)
        yield fake


def _note(world: World) -> int:
    return interactions.add_interaction(world.worker, world.case_worker, NewInteraction(text=NOTE))


def test_ai_off_turns_every_ai_feature_off(world: World) -> None:
    _note(world)
    update_organisation(world.admin, "Caseline", "Europe/London", ai_enabled=False)
    calls = [lambda: casework.summarise(world.worker, world.case_worker),
             lambda: casework.risk_indicators(world.worker, world.case_worker),
             lambda: questions.ask(world.worker, world.case_worker, "What notice?"),
             lambda: questions.analyse(world.worker, world.case_worker)]
    for call in calls:
        with pytest.raises(PermissionDenied, match="turned off"):
            call()
    update_organisation(world.admin, "Caseline", "Europe/London", ai_enabled=True)
    assert casework.risk_indicators(world.worker, world.case_worker)
    assert AI_OFF.startswith("AI features are turned off")


def test_placeholders_by_default_and_the_audit_says_where_text_went(
        world: World, endpoint: FakeOpenAI) -> None:
    iid = _note(world)
    endpoint.script.append(Scripted(content=json.dumps(
        {"answer": "A section 21 notice.", "interaction_ids": [iid]})))
    questions.ask(world.worker, world.case_worker, "What notice was served?")
    assert "Aled" not in endpoint.sent_text() and "07700 900123" not in endpoint.sent_text()
    with session_scope() as db:
        event = db.exec(select(AuditEvent).where(AuditEvent.action == "ai.ask")).one()
    detail = json.loads(event.detail)
    assert detail["endpoint"] == "127.0.0.1" and detail["pseudonymised"] is True
    assert detail["model"] == "local-model"


def test_an_admin_may_send_real_names_to_an_endpoint_on_this_machine(
        world: World, endpoint: FakeOpenAI) -> None:
    iid = _note(world)
    update_organisation(world.admin, "Caseline", "Europe/London", ai_real_names=True)
    endpoint.script.append(Scripted(content=json.dumps(
        {"answer": "A section 21 notice.", "interaction_ids": [iid]})))
    questions.ask(world.worker, world.case_worker, "What notice was served?")
    assert "Aled Jones" in endpoint.sent_text()  # local endpoint, admin's choice


def test_real_names_never_go_to_an_endpoint_elsewhere(world: World,
                                                      monkeypatch: pytest.MonkeyPatch) -> None:
    from caseapp.ai.policy import model_config

    update_organisation(world.admin, "Caseline", "Europe/London", ai_real_names=True)
    monkeypatch.setenv("CASEAPP_AI_MODEL", "gpt-x")
    monkeypatch.setenv("CASEAPP_AI_BASE_URL", "https://api.example.com/v1")
    with session_scope() as db:
        config = model_config(db)
    assert config is not None and config.pseudonymise


@pytest.mark.parametrize("who", ["manager", "worker", "volunteer"])
def test_only_an_admin_changes_the_ai_switches(world: World, who: str) -> None:
    with pytest.raises(PermissionDenied):
        update_organisation(getattr(world, who), "Caseline", "Europe/London", ai_enabled=False)
