"""Casework rules in the services: status, concern, history, timeline, bad input, audit trail."""

from __future__ import annotations

import json
from datetime import date, datetime, timedelta

import pytest
from sqlmodel import select, text

from caseapp import cases, interactions, people
from caseapp.cases import CaseFilters, NewCase
from caseapp.db import engine, session_scope
from caseapp.errors import Conflict, NoAccess, ValidationFailed
from caseapp.interactions import NewInteraction
from caseapp.models import AuditEvent, Case, ConcernChange, Interaction, Person, utcnow
from caseapp.people import NewPerson
from tests.conftest import World


def _events(action: str) -> list[AuditEvent]:
    with session_scope() as db:
        return list(db.exec(select(AuditEvent).where(AuditEvent.action == action)))


def test_closing_records_end_date_and_reopening_clears_it(world: World) -> None:
    cid = world.case_worker
    version = cases.get_case(world.worker, cid).version
    cases.change_status(world.worker, cid, "closed", version, "Housed")
    detail = cases.get_case(world.worker, cid)
    assert detail.status == "closed"
    assert detail.end_date  # shown formatted
    with session_scope() as db:
        assert db.get(Case, cid).end_date == date.today()  # type: ignore[union-attr]
    cases.change_status(world.worker, cid, "open", detail.version)
    with session_scope() as db:
        assert db.get(Case, cid).end_date is None  # type: ignore[union-attr]
    history = [h.what for h in cases.get_case(world.worker, cid).history]
    assert "Status Closed → Open" in history and "Status Open → Closed" in history


def test_status_must_be_known(world: World) -> None:
    with pytest.raises(ValidationFailed):
        cases.change_status(world.admin, world.case_worker, "deleted", None)


def test_concern_change_with_a_note_is_history(world: World) -> None:
    iid = interactions.add_interaction(world.worker, world.case_worker,
                                       NewInteraction(text="Eviction notice served today.",
                                                      concern_level="high"),
                                       expected_version=cases.get_case(world.worker,
                                                                        world.case_worker).version)
    with session_scope() as db:
        changes = list(db.exec(select(ConcernChange).where(
            ConcernChange.case_id == world.case_worker).order_by(ConcernChange.id)))
    assert [(c.old_level, c.new_level) for c in changes] == [(None, "medium"), ("medium", "high")]
    assert changes[-1].interaction_id == iid
    item = interactions.timeline(world.worker, world.case_worker).items[0]
    assert item.concern_level == "high"
    assert "Concern Medium → High" in [h.what for h in
                                       cases.get_case(world.worker, world.case_worker).history]


def test_saving_sets_last_interaction_at_and_an_older_note_does_not_move_it_back(
        world: World) -> None:
    interactions.add_interaction(world.worker, world.case_worker, NewInteraction(text="Today"))
    with session_scope() as db:
        first = db.get(Case, world.case_worker).last_interaction_at  # type: ignore[union-attr]
    assert first is not None and abs((utcnow() - first).total_seconds()) < 60
    interactions.add_interaction(world.worker, world.case_worker, NewInteraction(
        text="Catching up on last week's visit", occurred_at="2025-01-10T10:00"))
    with session_scope() as db:
        assert db.get(Case, world.case_worker).last_interaction_at == first  # type: ignore


def test_timeline_is_newest_first_and_pages(world: World) -> None:
    base = datetime(2026, 3, 1, 9, 0)
    for n in range(25):
        interactions.add_interaction(world.worker, world.case_worker, NewInteraction(
            text=f"Note {n}", occurred_at=(base + timedelta(hours=n)).strftime("%Y-%m-%dT%H:%M")))
    first = interactions.timeline(world.worker, world.case_worker, limit=10)
    assert next(i.html for i in first.items).startswith("<p>Note 24")
    assert first.next_cursor
    seen = [i.id for i in first.items]
    cursor = first.next_cursor
    while cursor:
        page = interactions.timeline(world.worker, world.case_worker, cursor, limit=10)
        seen += [i.id for i in page.items]
        cursor = page.next_cursor
    assert len(seen) == len(set(seen)) == 25


@pytest.mark.parametrize(
    ("new", "field"),
    [
        (NewInteraction(text="   \n\t "), "text"),
        (NewInteraction(text="x" * 1_000_000), "text"),
        (NewInteraction(text="ok", kind="telepathy"), "kind"),
        (NewInteraction(text="ok", occurred_at="2099-01-01T10:00"), "occurred_at"),
        (NewInteraction(text="ok", occurred_at="yesterday-ish"), "occurred_at"),
        (NewInteraction(text="ok", concern_level="extreme"), "concern_level"),
    ],
)
def test_bad_interactions_are_refused_and_nothing_is_saved(world: World, new: NewInteraction,
                                                           field: str) -> None:
    with pytest.raises(ValidationFailed) as exc:
        interactions.add_interaction(world.worker, world.case_worker, new)
    assert exc.value.errors.get(field)
    with session_scope() as db:
        assert db.exec(select(Interaction)).all() == []
        assert db.get(Case, world.case_worker).last_interaction_at is None  # type: ignore


def test_a_long_note_message_says_the_text_is_kept(world: World) -> None:
    with pytest.raises(ValidationFailed) as exc:
        interactions.add_interaction(world.worker, world.case_worker,
                                     NewInteraction(text="y" * 1_000_000))
    assert "Your text is still in the box" in exc.value.errors["text"]


def test_emoji_right_to_left_and_html_are_kept_as_text_and_never_run(world: World) -> None:
    text = ("Feeling better 🙂 — said «شكرا جزيلا» at the end.\n\n"
            "<script>alert('x')</script> <img src=x onerror=alert(1)> [link](javascript:alert(1))")
    interactions.add_interaction(world.worker, world.case_worker, NewInteraction(text=text))
    html = interactions.timeline(world.worker, world.case_worker).items[0].html
    assert "🙂" in html and "شكرا جزيلا" in html
    tags, attrs = _tags_and_attributes(html)
    assert tags <= {"p"}  # no script, img or a element was made from the note
    assert not any(a.startswith("on") or "javascript" in (v or "") for a, v in attrs)
    assert "&lt;script&gt;" in html  # shown as text, so nothing the worker typed is lost
    with session_scope() as db:
        assert db.exec(select(Interaction)).one().text == text


def _tags_and_attributes(html: str) -> tuple[set[str], list[tuple[str, str | None]]]:
    from html.parser import HTMLParser

    found: tuple[set[str], list[tuple[str, str | None]]] = (set(), [])

    class Collect(HTMLParser):
        def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
            found[0].add(tag)
            found[1].extend(attrs)

    Collect().feed(html)
    return found


def test_markdown_links_keep_only_safe_schemes() -> None:
    from caseapp.markdown import render

    tags, attrs = _tags_and_attributes(render("[ok](https://gov.uk) [bad](javascript:alert(1)) "
                                              "[data](data:text/html;base64,PHNjcmlwdD4=)"))
    assert tags == {"p", "a"}
    hrefs = [v for a, v in attrs if a == "href"]
    assert hrefs == ["https://gov.uk"]
    assert ("rel", "noopener noreferrer nofollow") in attrs


def test_names_are_cleaned_and_empty_names_refused(world: World) -> None:
    with pytest.raises(ValidationFailed) as exc:
        cases.create_case(world.admin, NewCase(person=NewPerson(name="  "),
                                               pathway_id=world.pathway_id))
    assert exc.value.errors["name"] == "Name cannot be empty"
    cid = cases.create_case(world.admin, NewCase(
        person=NewPerson(name="  <b>Zoë</b>\u202e  Ali  "), pathway_id=world.pathway_id))
    assert cases.get_case(world.admin, cid).person_name == "<b>Zoë</b> Ali"  # text, not markup


def test_bad_person_details_are_all_reported_at_once(world: World) -> None:
    with pytest.raises(ValidationFailed) as exc:
        cases.create_case(world.admin, NewCase(
            person=NewPerson(name="", email="not-an-email", date_of_birth="2999-01-01",
                             postcode="NOT A POSTCODE"), pathway_id=None))
    assert set(exc.value.errors) >= {"name", "email", "date_of_birth", "postcode", "pathway_id"}
    with session_scope() as db:
        assert db.exec(select(Person).where(Person.email == "not-an-email")).all() == []


def test_second_case_for_the_same_person_links_to_one_record(world: World) -> None:
    with session_scope() as db:
        person_id = db.get(Case, world.case_worker).person_id  # type: ignore[union-attr]
    cid = cases.create_case(world.worker, NewCase(person_id=person_id, worker_id=world.worker.id,
                                                  pathway_id=world.pathway_id))
    detail = cases.get_case(world.worker, cid)
    assert detail.person_id == person_id
    assert [o["id"] for o in detail.other_cases] == [world.case_worker]
    match = people.search_people(world.worker, "aled")
    assert match[0].cases == 2


def test_second_save_of_a_changed_case_is_a_conflict_showing_current_values(world: World) -> None:
    loaded = cases.get_case(world.worker, world.case_worker).version
    cases.change_concern(world.manager, world.case_worker, "high", loaded)  # someone else first
    with pytest.raises(Conflict) as exc:
        cases.change_status(world.worker, world.case_worker, "paused", loaded)
    assert exc.value.current["concern_level"] == "high"
    assert cases.get_case(world.worker, world.case_worker).status == "open"  # not overwritten


def test_a_note_changing_concern_over_a_newer_change_is_a_conflict_and_saves_nothing(
        world: World) -> None:
    loaded = cases.get_case(world.worker, world.case_worker).version
    cases.change_concern(world.manager, world.case_worker, "high", loaded)
    with pytest.raises(Conflict):
        interactions.add_interaction(world.worker, world.case_worker,
                                     NewInteraction(text="Seems calmer", concern_level="low"),
                                     expected_version=loaded)
    with session_scope() as db:
        assert db.exec(select(Interaction)).all() == []
    # A note that leaves concern alone is not blocked by the other change.
    assert interactions.add_interaction(world.worker, world.case_worker,
                                        NewInteraction(text="Seems calmer"),
                                        expected_version=loaded)


def test_resending_the_same_save_creates_one_interaction(world: World) -> None:
    new = NewInteraction(text="Sent twice over a bad connection", client_ref="c0ffee-1")
    a = interactions.add_interaction(world.worker, world.case_worker, new)
    b = interactions.add_interaction(world.worker, world.case_worker, new)
    assert a == b
    assert len(interactions.timeline(world.worker, world.case_worker).items) == 1


def test_reassign_keeps_history(world: World) -> None:
    cases.reassign(world.manager, world.case_worker, world.worker2.id, None, "Leave cover")
    history = [h.what for h in cases.get_case(world.manager, world.case_worker).history]
    assert "Reassigned Wren Worker → Nell North (Leave cover)" in history
    assert "Assigned to Wren Worker" in history


def test_views_and_changes_write_audit_events(world: World) -> None:
    cases.get_case(world.worker, world.case_worker)
    interactions.add_interaction(world.worker, world.case_worker, NewInteraction(text="Hello"))
    interactions.timeline(world.worker, world.case_worker)
    cases.change_status(world.worker, world.case_worker, "paused", None)
    with pytest.raises(NoAccess):
        cases.get_case(world.volunteer, world.case_south)
    view = _events("case.view")[-1]
    assert (view.actor_id, view.entity_id) == (world.worker.id, world.case_worker)
    assert _events("interaction.create")[-1].actor_id == world.worker.id
    assert _events("interactions.view")
    status = json.loads(_events("case.status")[-1].detail)
    assert (status["old"], status["new"]) == ("open", "paused")
    denied = _events("access.denied")[-1]
    assert (denied.actor_id, denied.entity_id) == (world.volunteer.id, world.case_south)


def test_the_case_page_reload_reads_both_parts_and_records_both_views_once(world: World) -> None:
    iid = interactions.add_interaction(world.worker, world.case_worker,
                                       NewInteraction(text="Called about the tenancy"))
    before = len(_events("case.view")), len(_events("interactions.view"))
    detail, page = interactions.case_with_timeline(world.worker, world.case_worker)
    assert detail == cases.get_case(world.worker, world.case_worker)
    assert page == interactions.timeline(world.worker, world.case_worker)
    assert [i.id for i in page.items][:1] == [iid]
    # One of each from case_with_timeline, then one each from get_case and timeline.
    assert (len(_events("case.view")), len(_events("interactions.view"))) == (
        before[0] + 2, before[1] + 2)
    seen = _events("interactions.view")[-2]
    assert (seen.actor_id, seen.entity_id) == (world.worker.id, world.case_worker)
    with pytest.raises(NoAccess):
        interactions.case_with_timeline(world.volunteer, world.case_worker)
    assert _events("access.denied")[-1].actor_id == world.volunteer.id


def test_list_search_filter_sort_and_paginate(world: World) -> None:
    a = world.admin
    assert [r.person_name for r in cases.list_cases(a, CaseFilters(search="aled")).rows] == \
        ["Aled Jones"]
    ref = cases.get_case(a, world.case_south).reference
    assert [r.id for r in cases.list_cases(a, CaseFilters(search=ref.lower())).rows] == \
        [world.case_south]
    assert cases.list_cases(a, CaseFilters(search="100%_")).rows == []  # wildcards are literal
    cases.change_status(a, world.case_south, "closed", None)
    assert [r.id for r in cases.list_cases(a, CaseFilters(status="closed")).rows] == \
        [world.case_south]
    assert {r.id for r in cases.list_cases(a, CaseFilters(worker="unassigned")).rows} == \
        {world.case_unassigned}
    assert {r.id for r in cases.list_cases(world.worker, CaseFilters(worker="me")).rows} == \
        {world.case_worker}
    cases.update_tags(a, world.case_volunteer, "Debt, food bank", None)
    assert [r.id for r in cases.list_cases(a, CaseFilters(tag="food bank")).rows] == \
        [world.case_volunteer]
    cases.change_concern(a, world.case_unassigned, "high", None)
    by_concern = cases.list_cases(a, CaseFilters(sort="concern", descending=True)).rows
    assert by_concern[0].id == world.case_unassigned
    names = [r.person_name for r in cases.list_cases(a, CaseFilters(sort="name",
                                                                     descending=False)).rows]
    assert names == sorted(names)
    page2 = cases.list_cases(a, CaseFilters(sort="name", descending=False, page=2, page_size=3))
    assert page2.total == 4 and page2.pages == 2 and len(page2.rows) == 1
    assert page2.rows[0].person_name == names[-1]
    unassigned_row = next(r for r in by_concern if r.id == world.case_unassigned)
    assert unassigned_row.can_claim and unassigned_row.worker_name == "Unassigned"
    with pytest.raises(ValidationFailed):
        cases.list_cases(a, CaseFilters(sort="password_hash"))


def test_never_contacted_cases_sort_last_whichever_the_direction(world: World) -> None:
    interactions.add_interaction(world.admin, world.case_south, NewInteraction(text="Hi"))
    for descending in (True, False):
        rows = cases.list_cases(world.admin, CaseFilters(sort="last_interaction",
                                                         descending=descending)).rows
        assert rows[0].id == world.case_south
        assert rows[0].last_interaction == "just now"


def test_name_search_finds_any_fragment_and_follows_renames_and_removals(world: World) -> None:
    # On SQLite a trigram index answers fragments of 3+ characters (migration 0014), kept in
    # step by triggers; shorter ones and PostgreSQL read the names themselves. Same answers.
    made = people.create_person(world.admin, NewPerson(name='Zoë "Zed" O\'Brien-Quill'))

    def found(fragment: str) -> bool:
        return made.id in {p.id for p in people.search_people(world.admin, fragment, limit=50)}

    for fragment in ("zoë", "o'brien", "brien-qu", '"zed"', "ll", "zoë \"zed\" o'brien-quill"):
        assert found(fragment), fragment
    assert not found("brienq") and not found('zed""') and not found("%")
    with session_scope() as db:
        person = db.get(Person, made.id)
        assert person is not None
        person.name, person.name_search = "Zara Thistlewood", "zara thistlewood"
        db.add(person)
    assert found("thistle") and not found("brien")
    with session_scope() as db:
        db.delete(db.get(Person, made.id))
    assert not found("thistle")
    if engine().dialect.name == "sqlite":
        with session_scope() as db:
            plan = " ".join(str(row[-1]) for row in db.exec(text(
                "EXPLAIN QUERY PLAN SELECT id FROM person WHERE id IN "
                "(SELECT rowid FROM person_name_fts WHERE person_name_fts MATCH '\"thi\"')")))
        assert "VIRTUAL TABLE INDEX" in plan, plan
