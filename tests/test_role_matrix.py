"""The role matrix in DESIGN.md §4, enforced by the services: each role × each action."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from caseapp import cases, interactions, pathways, people, staff
from caseapp.cases import CaseFilters
from caseapp.errors import NO_ACCESS_TO_CASE, NoAccess, PermissionDenied, ValidationFailed
from caseapp.interactions import NewInteraction
from tests.conftest import World

ROLES = ("admin", "manager", "worker", "south", "volunteer")


def _visible_ids(w: World, who: str) -> set[int]:
    page = cases.list_cases(getattr(w, who), CaseFilters(page_size=100))
    return {r.id for r in page.rows}


@pytest.mark.parametrize(
    ("who", "expected"),
    [
        ("admin", {"case_worker", "case_south", "case_unassigned", "case_volunteer"}),
        ("manager", {"case_worker", "case_south", "case_unassigned", "case_volunteer"}),
        # North case worker: own, team (volunteer is North), unassigned; not South's.
        ("worker", {"case_worker", "case_unassigned", "case_volunteer"}),
        ("south", {"case_south", "case_unassigned"}),
        ("volunteer", {"case_volunteer"}),
    ],
)
def test_cases_list_shows_only_what_the_role_may_see(world: World, who: str,
                                                     expected: set[str]) -> None:
    assert _visible_ids(world, who) == {getattr(world, name) for name in expected}


@pytest.mark.parametrize(
    ("who", "case_name", "allowed"),
    [
        ("admin", "case_south", True),
        ("manager", "case_south", True),
        ("worker", "case_worker", True),
        ("worker", "case_volunteer", True),
        ("worker", "case_south", False),
        ("volunteer", "case_volunteer", True),
        ("volunteer", "case_worker", False),
        ("volunteer", "case_unassigned", False),
    ],
)
def test_open_case(world: World, who: str, case_name: str, allowed: bool) -> None:
    actor, case_id = getattr(world, who), getattr(world, case_name)
    if allowed:
        assert cases.get_case(actor, case_id).id == case_id
        assert interactions.timeline(actor, case_id).items == []
    else:
        with pytest.raises(NoAccess, match=NO_ACCESS_TO_CASE):
            cases.get_case(actor, case_id)
        with pytest.raises(NoAccess, match=NO_ACCESS_TO_CASE):
            interactions.timeline(actor, case_id)


def test_probing_a_missing_case_looks_the_same_as_a_forbidden_one(world: World) -> None:
    with pytest.raises(NoAccess) as missing:
        cases.get_case(world.volunteer, 999_999)
    with pytest.raises(NoAccess) as forbidden:
        cases.get_case(world.volunteer, world.case_worker)
    assert str(missing.value) == str(forbidden.value) == NO_ACCESS_TO_CASE


@pytest.mark.parametrize(
    ("author", "reader", "visible"),
    [
        ("worker", "worker", True),  # their own private note
        ("worker", "worker2", False),  # same team, someone else's private note
        ("worker", "manager", True),
        ("worker", "admin", True),
        ("manager", "volunteer", False),  # private note on the volunteer's own case
        ("volunteer", "volunteer", True),
    ],
)
def test_private_interactions(world: World, author: str, reader: str, visible: bool) -> None:
    case_id = world.case_volunteer
    interactions.add_interaction(getattr(world, author), case_id,
                                 NewInteraction(text="Public note"))
    interactions.add_interaction(getattr(world, author), case_id,
                                 NewInteraction(text="Private disclosure", private=True))
    texts = [i.html for i in interactions.timeline(getattr(world, reader), case_id).items]
    assert any("Public note" in t for t in texts)
    assert any("Private disclosure" in t for t in texts) is visible


def test_create_case_by_role(world: World) -> None:
    def make(actor: object, worker_id: int | None) -> int:
        return cases.create_case(actor, cases.NewCase(  # type: ignore[arg-type]
            person=people.NewPerson(name="New Person"), worker_id=worker_id,
            pathway_id=world.pathway_id))

    assert make(world.admin, world.south.id)
    assert make(world.manager, world.worker.id)
    assert make(world.worker, world.worker.id)
    assert make(world.worker, None)
    with pytest.raises(Exception, match="only create cases for yourself"):
        make(world.worker, world.south.id)
    with pytest.raises(PermissionDenied):
        make(world.volunteer, world.volunteer.id)


@pytest.mark.parametrize(
    ("who", "case_name", "allowed"),
    [
        ("admin", "case_south", True),
        ("manager", "case_south", True),
        ("worker", "case_worker", True),
        ("worker", "case_volunteer", True),  # team case: may add a note
        ("south", "case_worker", False),
        ("volunteer", "case_volunteer", True),
        ("volunteer", "case_unassigned", False),
    ],
)
def test_add_interaction(world: World, who: str, case_name: str, allowed: bool) -> None:
    action = lambda: interactions.add_interaction(  # noqa: E731
        getattr(world, who), getattr(world, case_name), NewInteraction(text="Met at the hub."))
    if allowed:
        assert action() > 0
    else:
        with pytest.raises(NoAccess):
            action()


@pytest.mark.parametrize(
    ("who", "case_name", "allowed"),
    [
        ("admin", "case_south", True),
        ("manager", "case_south", True),
        ("worker", "case_worker", True),
        ("worker", "case_volunteer", False),  # visible (team) but not assigned to them
        ("worker", "case_unassigned", False),
        ("volunteer", "case_volunteer", False),
    ],
)
def test_change_status_and_concern(world: World, who: str, case_name: str, allowed: bool) -> None:
    actor, case_id = getattr(world, who), getattr(world, case_name)
    actions: list[Callable[[], None]] = [
        lambda: cases.change_status(actor, case_id, "paused", None),
        lambda: cases.change_concern(actor, case_id, "high", None),
        lambda: cases.update_tags(actor, case_id, ["debt"], None),
    ]
    for act in actions:
        if allowed:
            act()
        else:
            with pytest.raises(PermissionDenied):
                act()
    detail = cases.get_case(world.admin, case_id)
    assert (detail.status == "paused") is allowed
    assert (detail.concern_level == "high") is allowed


def test_volunteer_cannot_change_concern_through_a_note(world: World) -> None:
    with pytest.raises(PermissionDenied):
        interactions.add_interaction(world.volunteer, world.case_volunteer,
                                     NewInteraction(text="Worried.", concern_level="high"))
    assert interactions.timeline(world.admin, world.case_volunteer).items == []  # nothing saved


@pytest.mark.parametrize("who", ROLES)
def test_reassign_is_for_managers_and_admins(world: World, who: str) -> None:
    actor = getattr(world, who)
    allowed = who in ("admin", "manager")
    if allowed:
        cases.reassign(actor, world.case_worker, world.worker2.id, None, "Leave cover")
        assert cases.get_case(world.admin, world.case_worker).worker_id == world.worker2.id
    else:
        with pytest.raises(PermissionDenied):
            cases.reassign(actor, world.case_worker, world.worker2.id, None)
        assert cases.get_case(world.admin, world.case_worker).worker_id == world.worker.id


@pytest.mark.parametrize(
    ("who", "allowed"),
    [("admin", True), ("manager", True), ("worker", True), ("south", True), ("volunteer", False)],
)
def test_claim_unassigned(world: World, who: str, allowed: bool) -> None:
    actor = getattr(world, who)
    if allowed:
        cases.claim(actor, world.case_unassigned)
        assert cases.get_case(world.admin, world.case_unassigned).worker_id == actor.id
    else:
        with pytest.raises(NoAccess):  # a volunteer cannot even see unassigned cases
            cases.claim(actor, world.case_unassigned)


def test_cannot_claim_an_assigned_case(world: World) -> None:
    with pytest.raises(Exception, match="already claimed"):
        cases.claim(world.worker2, world.case_worker)


@pytest.mark.parametrize(
    ("who", "allowed"),
    [("admin", True), ("manager", True), ("worker", False), ("volunteer", False)],
)
def test_pathways_are_managed_by_managers_and_admins(world: World, who: str,
                                                     allowed: bool) -> None:
    actor = getattr(world, who)
    if allowed:
        pid = pathways.save_pathway(actor, None, f"Path {who}", "#10b981", "")
        pathways.set_archived(actor, pid, True)
    else:
        with pytest.raises(PermissionDenied):
            pathways.save_pathway(actor, None, "Nope", "#10b981", "")
        with pytest.raises(PermissionDenied):
            pathways.set_archived(actor, world.pathway_id, True)
    assert [p.name for p in pathways.list_pathways(actor)]  # everyone may read them


@pytest.mark.parametrize(
    ("who", "allowed"),
    [("admin", True), ("manager", False), ("worker", False), ("volunteer", False)],
)
def test_users_and_settings_are_admin_only(world: World, who: str, allowed: bool) -> None:
    from caseapp.organisation import get_organisation, update_organisation

    actor = getattr(world, who)
    if allowed:
        staff.create_user(actor, "New Person", "new@example.org", "case_worker", "North",
                          "long enough pw")
        update_organisation(actor, "Northside Trust", "Europe/London")
        assert get_organisation().name == "Northside Trust"
    else:
        with pytest.raises(PermissionDenied):
            staff.create_user(actor, "New Person", "new@example.org", "case_worker", "North",
                              "long enough pw")
        with pytest.raises(PermissionDenied):
            update_organisation(actor, "Hijacked", "Europe/London")
        with pytest.raises(PermissionDenied):
            staff.update_user(actor, world.worker.id, name="X", role="admin", team="",
                              capacity_hours=1, active=True)
        assert get_organisation().name != "Hijacked"


def test_person_search_is_for_those_who_create_cases(world: World) -> None:
    assert [m.name for m in people.search_people(world.worker, "aled")] == ["Aled Jones"]
    with pytest.raises(PermissionDenied):
        people.search_people(world.volunteer, "aled")


def test_people_of_other_teams_stay_unknown_to_case_workers(world: World) -> None:
    # "Bea Smith" has a case only in the South team: a North case worker must not learn that she
    # exists (name, date of birth, postcode) through the new-case person search, nor link a new
    # case to her by sending her id.
    assert [m.name for m in people.search_people(world.manager, "Bea")] == ["Bea Smith"]
    assert people.search_people(world.worker, "Bea") == []
    assert [m.name for m in people.search_people(world.worker, "Aled")] == ["Aled Jones"]
    bea = cases.get_case(world.admin, world.case_south).person_id
    with pytest.raises(ValidationFailed) as refused:
        cases.create_case(world.worker, cases.NewCase(person_id=bea, pathway_id=world.pathway_id))
    assert refused.value.errors["person"] == "That person no longer exists; search again"
    assert cases.create_case(world.manager, cases.NewCase(person_id=bea,
                                                          pathway_id=world.pathway_id)) > 0
