"""Insights (Theory of Change): the offline scorer on hand-written notes, storage, who sees and
generates what, corrections, Generate-all progress and resume, the comparison by case worker,
the narrative, the AI path (fake server) and the CSV export's safety."""

from __future__ import annotations

import csv
import io
import json
import re
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from sqlmodel import col, select, update

from caseapp import insights, interactions
from caseapp.ai.theory_of_change import Note, evidence_in, score_notes
from caseapp.db import session_scope
from caseapp.errors import NoAccess, PermissionDenied, ValidationFailed
from caseapp.insights import InsightFilters, InsightRunner
from caseapp.interactions import NewInteraction
from caseapp.models import AuditEvent, CaseInsight, InsightRun, InsightRunCase, Pathway, utcnow
from caseapp.organisation import local_now_input
from tests.conftest import World
from tests.fake_openai import FakeOpenAI, Scripted, fake_openai_server

NOW = datetime(2026, 11, 23, 12, tzinfo=UTC)


def _signals(text: str, stage: int) -> list[str]:
    return [e.signal for e in evidence_in(Note(1, NOW, text), NOW).get(stage, [])]


# --- The scorer, no database ---------------------------------------------------------------------

@pytest.mark.parametrize(("text", "stage", "expected"), [
    ("Still has no housing and is sofa surfing at her cousin's.", 3, ["need"]),
    ("She has not moved into her flat yet.", 3, ["need"]),
    ("Moved into her own flat on Monday.", 3, ["progress"]),
    ("No rent arrears now.", 3, ["progress"]),
    ("No longer homeless.", 3, ["progress"]),
    ("Rent arrears cleared with the DHP.", 3, ["progress"]),
    ("Advised him how to avoid eviction.", 3, []),
    ("Hopes to find a job next year.", 5, []),
    ("Started a college course in September.", 5, ["progress"]),
    ("Feels isolated and lonely since the move.", 5, ["need"]),
    ("Not registered with a GP.", 4, ["need"]),
    ("Registered with a GP this week and sleeping better.", 4, ["progress"]),
    ("Missed her appointment again.", 1, ["need"]),
    ("Attended her appointment and agreed a support plan.", 1, ["progress"]),
    ("She does not feel safe at home.", 2, ["need"]),
    ("Food bank parcel given; she feels safe now.", 2, ["progress"]),
    ("Managing well on her own and ready to close.", 6, ["progress"]),
])
def test_scorer_reads_direction_from_context(text: str, stage: int, expected: list[str]) -> None:
    assert _signals(text, stage) == expected


def test_levels_follow_the_newest_evidence_and_confidence_its_amount() -> None:
    old_progress = Note(1, NOW - timedelta(days=360), "Moved into her own flat.")
    recent_need = [Note(i, NOW - timedelta(days=i), "Evicted last week, sofa surfing again.")
                   for i in range(2, 6)]
    housing = score_notes([old_progress, *recent_need], NOW)[2]
    assert housing.level == "low" and housing.confidence == "high"
    assert housing.need_weight > housing.progress_weight > 0
    assert all(e.signal == "need" for e in housing.evidence[:4])  # heaviest (newest) first
    one = score_notes([Note(1, NOW, "Moved into her own flat.")], NOW)[2]
    assert (one.level, one.confidence) == ("high", "low")  # one mention: little evidence
    silent = score_notes([Note(1, NOW, "Phoned about the weather.")], NOW)[4]
    assert (silent.level, silent.confidence, silent.evidence) == ("", "none", [])


def test_a_home_visit_is_engagement_unless_the_note_says_otherwise() -> None:
    seen = evidence_in(Note(1, NOW, "Talked about the garden.", "home_visit"), NOW)
    assert [e.signal for e in seen[1]] == ["progress"]
    missed = evidence_in(Note(1, NOW, "No answer at the door.", "home_visit"), NOW)
    assert [e.signal for e in missed[1]] == ["need"]


# --- Services ------------------------------------------------------------------------------------

def _note(actor: Any, case_id: int, text: str, private: bool = False, days_ago: int = 0) -> int:
    when = ""
    if days_ago:
        when = (datetime.fromisoformat(local_now_input()) - timedelta(days=days_ago)).strftime(
            "%Y-%m-%dT%H:%M")
    return interactions.add_interaction(actor, case_id, NewInteraction(
        text=text, private=private, occurred_at=when))


def _rows(case_id: int) -> dict[int, CaseInsight]:
    with session_scope() as db:
        return {r.stage: r for r in db.exec(select(CaseInsight).where(
            CaseInsight.case_id == case_id)).all()}


def test_generate_stores_six_stages_with_evidence_and_skips_when_unchanged(world: World) -> None:
    first = _note(world.worker, world.case_worker, "Still has no housing, sofa surfing.", days_ago=3)
    _note(world.worker, world.case_worker, "Attended her appointment and agreed a support plan.")
    assert insights.generate_for_case(world.worker, world.case_worker) == "done"
    rows = _rows(world.case_worker)
    assert sorted(rows) == [1, 2, 3, 4, 5, 6]
    assert rows[3].level == "low" and rows[1].level == "high"
    assert rows[5].level == "" and rows[5].confidence == "none" and rows[5].rank == 0
    evidence = json.loads(rows[3].evidence)
    assert evidence[0]["interaction_id"] == first and evidence[0]["signal"] == "need"
    assert "sofa surfing" in evidence[0]["sentence"]
    assert insights.generate_for_case(world.worker, world.case_worker) == "skipped"
    _note(world.worker, world.case_worker, "Moved into her own flat today.")
    assert insights.generate_for_case(world.worker, world.case_worker) == "done"
    assert _rows(world.case_worker)[3].level == "medium"
    with session_scope() as db:
        events = db.exec(select(AuditEvent).where(AuditEvent.action == "insights.generated")).all()
    assert len(events) == 2 and json.loads(events[0].detail)["interaction_ids"]


def test_who_may_see_and_generate(world: World) -> None:
    for who in (world.volunteer,):
        with pytest.raises(PermissionDenied):
            insights.heatmap(who, InsightFilters())
        with pytest.raises(PermissionDenied):
            insights.generate_for_case(who, world.case_volunteer)
        with pytest.raises(PermissionDenied):
            insights.start_run(who)
    # A case worker: their own cases only, not the team's or unassigned ones.
    mine = insights.heatmap(world.worker, InsightFilters())
    assert [r.case_id for r in mine.rows] == [world.case_worker]
    with pytest.raises(NoAccess):
        insights.generate_for_case(world.worker, world.case_unassigned)
    with pytest.raises(NoAccess):
        insights.stage_detail(world.worker, world.case_south, 3)
    everyone = insights.heatmap(world.manager, InsightFilters())
    assert everyone.total == 4 and len(everyone.rows[0].cells) == 6
    with pytest.raises(PermissionDenied):
        insights.export_csv(world.worker, InsightFilters())


def test_only_readable_interactions_feed_the_scoring_and_show_as_evidence(world: World) -> None:
    _note(world.manager, world.case_worker, "Moved into her own flat.", private=True)
    insights.generate_for_case(world.worker, world.case_worker)
    assert _rows(world.case_worker)[3].level == ""  # the worker may not read it: no evidence
    insights.generate_for_case(world.manager, world.case_worker)
    assert _rows(world.case_worker)[3].level == "high"
    seen_by_worker = insights.stage_detail(world.worker, world.case_worker, 3)
    assert seen_by_worker.evidence == [] and seen_by_worker.hidden_evidence == 1
    seen_by_manager = insights.stage_detail(world.manager, world.case_worker, 3)
    assert [e.sentence for e in seen_by_manager.evidence] == ["Moved into her own flat."]


def test_a_manager_corrects_a_stage_and_it_survives_regeneration(world: World) -> None:
    _note(world.worker, world.case_worker, "Still has no housing.")
    insights.generate_for_case(world.worker, world.case_worker)
    with pytest.raises(PermissionDenied):
        insights.correct(world.worker, world.case_worker, 3, "high")
    with pytest.raises(ValidationFailed):
        insights.correct(world.manager, world.case_worker, 3, "brilliant")
    with pytest.raises(ValidationFailed):
        insights.correct(world.manager, world.case_worker, 9, "high")
    assert _rows(world.case_worker)[3].corrected_level is None  # bad input changed nothing
    insights.correct(world.manager, world.case_worker, 3, "medium", "Offered a flat by phone")
    _note(world.worker, world.case_worker, "Still sofa surfing.")
    insights.generate_for_case(world.worker, world.case_worker)
    row = _rows(world.case_worker)[3]
    assert (row.level, row.corrected_level, row.rank) == ("low", "medium", 2)
    cell = insights.heatmap(world.manager, InsightFilters()).rows
    cell3 = next(r for r in cell if r.case_id == world.case_worker).cells[2]
    assert cell3.corrected and cell3.level == "medium" and "corrected" in cell3.label
    detail = insights.stage_detail(world.manager, world.case_worker, 3)
    assert detail.corrected_by == "Mo Manager" and detail.level == "low"
    insights.correct(world.manager, world.case_worker, 3, "")
    assert _rows(world.case_worker)[3].rank == 1
    with session_scope() as db:
        actions = [json.loads(e.detail)["new"] for e in db.exec(select(AuditEvent).where(
            AuditEvent.action == "insights.corrected")).all()]
    assert actions == ["medium", ""]


def test_heatmap_sorts_filters_and_labels_each_cell(world: World) -> None:
    _note(world.admin, world.case_south, "Moved into her own flat. Universal credit in payment.")
    _note(world.admin, world.case_unassigned, "Evicted and sofa surfing.")
    for case_id in (world.case_south, world.case_unassigned):
        insights.generate_for_case(world.admin, case_id)
    page = insights.heatmap(world.manager, InsightFilters(sort="stage3", descending=True))
    assert [r.case_id for r in page.rows[:2]] == [world.case_south, world.case_unassigned]
    label = page.rows[0].cells[2].label
    assert label == "Stable housing and income: high progress, low confidence"
    assert page.rows[-1].cells[0].label == "Engaged with support: no evidence yet"
    only = insights.heatmap(world.manager, InsightFilters(worker=str(world.south.id)))
    assert [r.case_id for r in only.rows] == [world.case_south]
    assert insights.heatmap(world.manager, InsightFilters(concern_level="high")).total == 0
    with pytest.raises(ValidationFailed):
        insights.heatmap(world.manager, InsightFilters(sort="password_hash"))
    paged = insights.heatmap(world.manager, InsightFilters(page_size=3, page=2))
    assert (paged.total, paged.page, paged.pages, len(paged.rows)) == (4, 2, 2, 1)
    rows = insights.compare_workers(world.manager, InsightFilters())
    south = next(r for r in rows if r.worker_name == "Sol South")
    assert south.cases == 1 and south.cells[2].level == "high"
    facts = insights.narrative(world.manager, InsightFilters())
    assert not facts.by_model and "2 of 4 cases have insights." in facts.paragraphs[0]


def test_stages_are_the_organisations_words_and_only_admins_change_them(world: World) -> None:
    default = insights.list_stages(world.worker)
    assert [s.name for s in default][2] == "Stable housing and income"
    new = [(s.name, s.description) for s in default]
    new[2] = ("A home of their own", "Secure tenancy")
    with pytest.raises(PermissionDenied):
        insights.update_stages(world.manager, new)
    with pytest.raises(ValidationFailed) as bad:
        insights.update_stages(world.admin, [*new[:5], ("a home of their own", "")])
    assert "different name" in str(bad.value)
    with pytest.raises(ValidationFailed):
        insights.update_stages(world.admin, new[:5])
    assert insights.list_stages(world.admin)[2].name == "Stable housing and income"
    insights.update_stages(world.admin, new)
    assert insights.list_stages(world.worker)[2].name == "A home of their own"
    with session_scope() as db:
        assert db.exec(select(AuditEvent).where(
            AuditEvent.action == "insights.stages_updated")).first() is not None


def test_generate_all_reports_progress_is_safe_to_repeat_and_resumes(world: World) -> None:
    for case_id in (world.case_worker, world.case_south, world.case_unassigned):
        _note(world.admin, case_id, "Attended her appointment.")
    run_id = insights.start_run(world.manager)
    assert insights.start_run(world.manager) == run_id  # unfinished: the same run
    assert insights.progress(world.manager, run_id).total == 4
    with pytest.raises(PermissionDenied):
        insights.progress(world.worker, run_id)  # someone else's run
    # A runner takes one case, then its process dies (the lease is left to lapse).
    dead = InsightRunner(lease_s=30)
    assert dead._acquire(run_id)
    claimed = dead._claim(run_id)
    assert claimed is not None
    with session_scope() as db:
        db.execute(update(InsightRun).where(col(InsightRun.id) == run_id)
                   .values(lease_until=utcnow() - timedelta(seconds=1)))
    p = insights.progress(world.manager, run_id)
    assert p.can_resume and not p.active and p.finished == 0
    assert InsightRunner().process(run_id)
    done = insights.progress(world.manager, run_id)
    assert (done.status, done.finished, done.done, done.failed) == ("done", 4, 4, 0)
    with session_scope() as db:
        statuses = db.exec(select(InsightRunCase.status).where(
            InsightRunCase.run_id == run_id)).all()
    assert sorted(statuses) == ["done"] * 4
    assert len(_rows(world.case_worker)) == 6
    again = insights.start_run(world.manager)
    assert again != run_id
    InsightRunner().process(again)
    assert insights.progress(world.manager, again).skipped == 4  # nothing changed


def test_worker_run_covers_only_their_cases(world: World) -> None:
    run_id = insights.start_run(world.worker)
    assert insights.progress(world.worker, run_id).total == 1


def test_csv_export_is_formula_safe_and_holds_no_names(world: World) -> None:
    with session_scope() as db:
        db.execute(update(Pathway).where(col(Pathway.id) == world.pathway_id)
                   .values(name='=HYPERLINK("http://evil")'))
    _note(world.admin, world.case_south, "Moved into her own flat.")
    insights.generate_for_case(world.admin, world.case_south)
    insights.correct(world.manager, world.case_worker, 1, "high")
    text = insights.export_csv(world.manager, InsightFilters())
    rows = list(csv.reader(io.StringIO(text)))
    assert rows[0][:5] == ["case", "status", "concern_level", "pathway", "case_worker"]
    assert len(rows) == 5 and all(r[3] == '\'=HYPERLINK("http://evil")' for r in rows[1:])
    assert "Bea Smith" not in text and "Aled Jones" not in text
    south = next(r for r in rows if r[4] == "Sol South")
    assert south[rows[0].index("Stable housing and income progress")] == "high"
    worker_row = next(r for r in rows if r[4] == "Wren Worker")
    assert worker_row[5:8] == ["high", "manager", "yes"]


# --- With an AI endpoint (the fake server on 127.0.0.1) ------------------------------------------

LINE = re.compile(r"^\[(\d+)\]", re.M)


def _places_everything(body: dict[str, Any]) -> str:
    content = body["messages"][-1]["content"]
    if "Interactions:" not in content:  # the narrative
        return json.dumps({"paragraphs": ["Most people are engaged."]})
    ids = [int(i) for i in LINE.findall(content)]
    person = re.search(r"(\[PERSON_\d+\]) signed", content)  # the placeholder for the person
    return json.dumps({"stages": [
        {"stage": 3, "level": "high", "confidence": "medium", "interaction_ids": ids,
         "reason": f"{person.group(1) if person else 'They'} has a tenancy."},
        {"stage": 5, "level": "low", "confidence": "low", "interaction_ids": [999999],
         "reason": "Invented."}]})


@pytest.fixture
def fake(monkeypatch: pytest.MonkeyPatch) -> Iterator[FakeOpenAI]:
    with fake_openai_server() as server:
        server.default = Scripted(respond=_places_everything)
        monkeypatch.setenv("CASEAPP_AI_MODEL", "fake-model")
        monkeypatch.setenv("CASEAPP_AI_BASE_URL", server.url)
        monkeypatch.setenv("CASEAPP_AI_MAX_RETRIES", "0")
        yield server


def test_with_an_endpoint_notes_are_pseudonymised_and_citations_checked(world: World,
                                                                         fake: FakeOpenAI) -> None:
    _note(world.worker, world.case_worker, "Aled Jones signed his tenancy, call 07700 900123.")
    _note(world.manager, world.case_worker, "Private: brother deals from the flat.", private=True)
    assert insights.generate_for_case(world.worker, world.case_worker) == "done"
    sent = fake.sent_text()
    assert "Aled Jones" not in sent and "07700 900123" not in sent
    assert "deals from the flat" not in sent  # not readable by the worker who generated
    rows = _rows(world.case_worker)
    assert rows[3].level == "high" and rows[3].method == "AI model fake-model"
    assert rows[3].reason == "Aled Jones has a tenancy."  # placeholders put back
    assert rows[5].level == ""  # cited nothing real: no level
    story = insights.narrative(world.manager, InsightFilters())
    assert story.by_model and story.paragraphs == ["Most people are engaged."]
    assert "Aled" not in json.dumps(fake.requests[-1])  # the narrative sends figures only


def test_export_route_answers_by_role_uncached(world: World) -> None:
    from starlette.testclient import TestClient

    from caseapp.auth import sessions
    from caseapp.routes import http_routes

    def client(email: str | None) -> TestClient:
        c = TestClient(http_routes())
        if email:
            token, _ = sessions.sign_in(email, "correct horse battery")
            c.cookies.set(sessions.COOKIE_NAME, token)
        return c

    assert client(None).get("/exports/insights.csv").status_code == 401
    assert client("wren.worker@example.org").get("/exports/insights.csv").status_code == 403
    assert client("vi.volunteer@example.org").get("/exports/insights.csv").status_code == 403
    answer = client("mo.manager@example.org").get("/exports/insights.csv",
                                                  params={"worker": str(world.south.id)})
    assert answer.status_code == 200 and "no-store" in answer.headers["cache-control"]
    assert answer.headers["content-disposition"].startswith("attachment")
    rows = list(csv.reader(io.StringIO(answer.content.decode("utf-8-sig"))))
    assert len(rows) == 2 and rows[1][4] == "Sol South"
    bad = client("mo.manager@example.org").get("/exports/insights.csv", params={"status": "x"})
    assert bad.status_code == 422


def test_a_cancelled_run_scores_nothing_more(world: World) -> None:
    run_id = insights.start_run(world.manager)
    insights.cancel_run(world.manager, run_id)
    assert not InsightRunner().process(run_id)  # nothing to take up
    progress = insights.progress(world.manager, run_id)
    assert (progress.status, progress.finished) == ("cancelled", 0)
    assert "Mo Manager" in progress.message
    assert _rows(world.case_worker) == {}
    assert insights.start_run(world.manager) != run_id  # a new run can start


def test_a_case_reassigned_away_mid_run_fails_alone(world: World) -> None:
    from caseapp.cases import NewCase, create_case, reassign
    from caseapp.people import NewPerson

    second = create_case(world.manager, NewCase(person=NewPerson(name="Eve Evans"),
                                                worker_id=world.worker.id,
                                                pathway_id=world.pathway_id))
    _note(world.worker, second, "Moved into her own flat.")
    run_id = insights.start_run(world.worker)
    reassign(world.manager, world.case_worker, world.south.id, None)  # no longer theirs
    InsightRunner().process(run_id)
    done = insights.progress(world.worker, run_id)
    assert (done.status, done.total, done.done, done.failed) == ("done", 2, 1, 1)
    assert _rows(second)[3].level == "high" and _rows(world.case_worker) == {}
    with session_scope() as db:
        failed = db.exec(select(InsightRunCase).where(InsightRunCase.status == "failed")).one()
        denied = db.exec(select(AuditEvent).where(AuditEvent.action == "access.denied")).all()
    assert failed.case_id == world.case_worker and "access" in failed.message
    assert denied  # the refusal is on the audit trail although the batch committed
