"""Organisation settings: the switch that keeps all case data off devices."""

from __future__ import annotations

import json

import pytest
from sqlmodel import select

from caseapp.db import session_scope
from caseapp.errors import PermissionDenied
from caseapp.models import AuditEvent
from caseapp.organisation import get_organisation, update_organisation
from tests.conftest import World


def test_offline_drafts_are_on_by_default_and_an_admin_can_turn_them_off(world: World) -> None:
    assert get_organisation().offline_drafts is True
    update_organisation(world.admin, "Caseline", "Europe/London", offline_drafts=False)
    assert get_organisation().offline_drafts is False
    update_organisation(world.admin, "Renamed Trust", "Europe/London")  # None keeps the choice
    assert get_organisation().offline_drafts is False
    with session_scope() as db:
        events = db.exec(select(AuditEvent).where(AuditEvent.action == "organisation.update")).all()
    details = [json.loads(e.detail) for e in events]
    assert [d["new"]["offline_drafts"] for d in details] == [False, False]
    assert details[0]["old"]["offline_drafts"] is True


@pytest.mark.parametrize("who", ["manager", "worker", "volunteer"])
def test_only_an_admin_changes_the_device_policy(world: World, who: str) -> None:
    with pytest.raises(PermissionDenied):
        update_organisation(getattr(world, who), "Caseline", "Europe/London", offline_drafts=False)
    assert get_organisation().offline_drafts is True
