"""The cases list has two ways to read a page (docs/query-plans.md): with few matches one query
that sorts them, with many an index walk (per-row tests, group by group for few-valued sorts).
Both must give the same rows in the same order; the count stops at COUNT_CAP and says so; a
reference is found however it is typed."""

from __future__ import annotations

from dataclasses import replace

import pytest

from caseapp import cases, interactions, people
from caseapp.cases import CaseFilters
from caseapp.interactions import NewInteraction
from tests.conftest import World


def _ids(actor: object, filters: CaseFilters) -> list[int]:
    return [r.id for r in cases.list_cases(actor, filters).rows]  # type: ignore[arg-type]


def test_the_walk_and_the_sort_give_the_same_page(world: World,
                                                  monkeypatch: pytest.MonkeyPatch) -> None:
    a = world.admin
    interactions.add_interaction(a, world.case_south, NewInteraction(text="Rang"))
    cases.update_tags(a, world.case_volunteer, "debt", None)
    cases.change_concern(a, world.case_unassigned, "high", None)
    base = CaseFilters(page_size=2)
    variants = [replace(base, sort=s, descending=d) for s in cases.SORTS for d in (True, False)]
    variants += [replace(base, tag="debt"), replace(base, search="smith"),
                 replace(base, sort="worker", page=2), replace(base, sort="concern", page=2)]
    for actor in (a, world.worker):
        # Few matches: the sorting query (the threshold is far above 4 cases).
        sorted_pages = [(_ids(actor, f), _ids(actor, replace(f, page=f.page + 1))) for f in variants]
        monkeypatch.setattr(cases, "GROUP_WALK_FROM", 0)  # every page by the walk
        walked_pages = [(_ids(actor, f), _ids(actor, replace(f, page=f.page + 1))) for f in variants]
        monkeypatch.setattr(cases, "GROUP_WALK_FROM", 2_000)
        assert walked_pages == sorted_pages
    # The walk keeps the case worker's visibility: never a case of another team.
    monkeypatch.setattr(cases, "GROUP_WALK_FROM", 0)
    seen = set(_ids(world.worker, CaseFilters(page_size=100)))
    assert world.case_south not in seen and world.case_worker in seen
    assert world.case_unassigned in seen


def test_the_name_walk_reads_people_in_batches_and_keeps_equal_names_in_order(
        world: World, monkeypatch: pytest.MonkeyPatch) -> None:
    a = world.admin
    # Equal names across batch edges, some people with several cases, statuses mixed.
    for i, name in enumerate(["Ann Able"] * 3 + ["Bea Bright"] * 2 + ["Cal Cole", "Ann Able",
                                                                      "Dee Dunn", "Bea Bright"]):
        case_id = cases.create_case(a, cases.NewCase(person=cases.NewPerson(name=name),
                                                     pathway_id=world.pathway_id))
        if i % 3 == 0:
            cases.change_status(a, case_id, "closed", None)
        if i % 4 == 0:  # a second case for the same person
            first = cases.get_case(a, case_id)
            cases.create_case(a, cases.NewCase(person_id=first.person_id,
                                               pathway_id=world.pathway_id))
    # A person whose case is newer than that of a later person of the same name: read alone,
    # the first person's case would look like the first "Aaron Ash" case. It is not.
    earlier = people.create_person(a, people.NewPerson(name="Aaron Ash"))
    cases.create_case(a, cases.NewCase(person=cases.NewPerson(name="Aaron Ash"),
                                       pathway_id=world.pathway_id))
    cases.create_case(a, cases.NewCase(person_id=earlier.id, pathway_id=world.pathway_id))
    variants = [CaseFilters(sort="name", descending=d, status=st, page=p, page_size=size)
                for d in (False, True) for st in ("", "open", "closed") for p in (1, 2, 3, 4)
                for size in (1, 3)]
    sorted_pages = [_ids(a, f) for f in variants]
    assert any(len(ids) == 3 for ids in sorted_pages)
    monkeypatch.setattr(cases, "GROUP_WALK_FROM", 0)
    for batch in (1, 2, 3):  # batches that end inside a run of equal names, and double
        monkeypatch.setattr(cases, "NAME_BATCH_MIN", batch)
        assert [_ids(a, f) for f in variants] == sorted_pages, batch


def test_the_count_stops_at_the_cap_and_says_more(world: World,
                                                  monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(cases, "COUNT_CAP", 2)
    page = cases.list_cases(world.admin, CaseFilters(page_size=1, page=99))
    assert (page.total, page.more, page.pages, page.page) == (2, True, 2, 2)
    exact = cases.list_cases(world.admin, CaseFilters(worker="unassigned"))
    assert (exact.total, exact.more) == (1, False)


def test_a_reference_is_found_however_it_is_typed(world: World) -> None:
    reference = cases.reference_for(world.case_south)
    number = str(world.case_south)
    for typed in (reference, reference.lower(), f"cl{number}", f"CL-{number}", f" cl-0{number} "):
        assert _ids(world.admin, CaseFilters(search=typed)) == [world.case_south], typed
    assert _ids(world.admin, CaseFilters(search="cl-999999")) == []
