"""Staff accounts: what an admin may change, and what is refused."""

from __future__ import annotations

import pytest

from caseapp import staff
from caseapp.errors import ValidationFailed
from tests.conftest import World


def test_admin_changes_team_and_capacity(world: World) -> None:
    staff.update_user(world.admin, world.worker.id, name="Wren Worker", role="case_worker",
                      team="South", capacity_hours=22.5, active=True)
    row = next(s for s in staff.list_staff(world.admin) if s.id == world.worker.id)
    assert (row.team, row.capacity_hours) == ("South", 22.5)


@pytest.mark.parametrize(("field", "kwargs"), [
    ("capacity_hours", {"capacity_hours": 90}),
    ("capacity_hours", {"capacity_hours": -1}),
    ("role", {"role": "superuser"}),
    ("name", {"name": "   "}),
])
def test_bad_staff_values_change_nothing(world: World, field: str, kwargs: dict) -> None:
    values = {"name": "Wren Worker", "role": "case_worker", "team": "North",
              "capacity_hours": 37.5, "active": True, **kwargs}
    with pytest.raises(ValidationFailed) as exc:
        staff.update_user(world.admin, world.worker.id, **values)
    assert field in exc.value.errors
    row = next(s for s in staff.list_staff(world.admin) if s.id == world.worker.id)
    assert (row.name, row.role, row.capacity_hours) == ("Wren Worker", "case_worker", 37.5)


def test_duplicate_email_and_weak_password_are_refused(world: World) -> None:
    with pytest.raises(ValidationFailed) as exc:
        staff.create_user(world.admin, "Copy", "WREN.worker@example.org", "volunteer", "",
                          "long enough password")
    assert "email" in exc.value.errors
    with pytest.raises(ValidationFailed) as exc:
        staff.create_user(world.admin, "New", "new@example.org", "volunteer", "", "short")
    assert "password" in exc.value.errors


def test_inactive_staff_are_hidden_from_pickers_but_shown_to_admins(world: World) -> None:
    staff.update_user(world.admin, world.worker2.id, name="Nell North", role="case_worker",
                      team="North", capacity_hours=30, active=False)
    assert world.worker2.id not in {s.id for s in staff.list_staff(world.manager)}
    assert world.worker2.id in {s.id for s in staff.list_staff(world.admin,
                                                                include_inactive=True)}
