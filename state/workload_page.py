"""The workload page: everyone's hours against capacity (a case worker: their own), team totals,
the portfolio by pathway, the needs-attention list, one person's cases, and reassigning chosen
cases with a preview of both loads. Every read and change goes through caseapp.workload, which
checks the actor; this state only holds one screen's worth of display rows."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from typing import Any

import reflex as rx

from caseapp import workload
from caseapp.errors import CaselineError, NotSignedIn, ValidationFailed
from caseapp.workload import AttentionCase, LoadChange, StaffLoad, TeamWorkload, WorkerCase
from state.session import SessionState

PAGE = 20  # people drawn at a time: a chart of 500 bars helps nobody on a phone
CHART_MAX = 150  # per cent: longer bars are cut here (the table says by how much)
BAND_WORDS = {"over": "Over capacity", "approaching": "Approaching capacity",
              "within": "Within capacity"}


def hours_text(value: float) -> str:
    return f"{value:,.1f}".removesuffix(".0")


def percent_text(hours: float, capacity: float) -> str:
    percent = workload.load_percent(hours, capacity)
    if percent is None:
        return "no capacity set" if hours else "0%"
    return f"{percent:.0f}%"


def short_name(name: str) -> str:
    """"Daniel Osei" -> "Daniel O.": the chart's axis has about a quarter of a phone's width."""
    parts = name.split()
    short = f"{parts[0]} {parts[-1][0]}." if len(parts) > 1 else name
    return short[:14]


def _clip(text: str, size: int) -> str:
    return text if len(text) <= size else text[:size - 1].rstrip() + "…"


@dataclass
class StaffRow:
    worker_id: int
    name: str
    team: str
    hours: str
    capacity: str
    percent: str
    band: str
    band_word: str
    open_high: int
    open_medium: int
    open_low: int
    paused: int
    inactive: bool


@dataclass
class PathwayRow:
    name: str
    colour: str
    open_high: int
    open_medium: int
    open_low: int
    paused: int
    hours: str


@dataclass
class PreviewRow:
    worker_id: int
    name: str
    before: str  # "34 h of 37.5 (91%)"
    after: str
    band_before: str
    band_after: str
    band_word_after: str
    before_width: str  # CSS widths of the two little bars, capped like the chart
    after_width: str
    gives: bool  # giving cases up (else receiving)


def chart_point(s: StaffLoad) -> dict[str, Any]:
    """One bar: each concern level's hours as a share of capacity, so the 85% and 100% markers
    are the same place for everyone. Bars past CHART_MAX are shortened in proportion; zero
    capacity with any load is drawn full length (it is over, by any measure)."""
    parts = {"high": s.hours_high, "medium": s.hours_medium, "low": s.hours_low,
             "paused": s.hours_paused}
    percent = s.percent
    if percent is None:
        scale = CHART_MAX / s.hours if s.hours else 0.0
    else:
        scale = 100 / s.capacity_hours
        if percent > CHART_MAX:
            scale *= CHART_MAX / percent
    point: dict[str, Any] = {k: round(v * scale, 1) for k, v in parts.items()}
    point["name"] = short_name(s.name)
    point["worker_id"] = s.worker_id
    return point


def staff_row(s: StaffLoad) -> StaffRow:
    return StaffRow(worker_id=s.worker_id, name=s.name, team=s.team, hours=hours_text(s.hours),
                    capacity=hours_text(s.capacity_hours),
                    percent=percent_text(s.hours, s.capacity_hours), band=s.band,
                    band_word=BAND_WORDS[s.band], open_high=s.open_high,
                    open_medium=s.open_medium, open_low=s.open_low, paused=s.paused_cases,
                    inactive=not s.active)


def _width(hours: float, capacity: float) -> str:
    percent = workload.load_percent(hours, capacity)
    share = (100.0 if hours else 0.0) if percent is None else min(percent, CHART_MAX) / CHART_MAX * 100
    return f"{share:.1f}%"


def preview_row(c: LoadChange, gives: bool) -> PreviewRow:
    def said(hours: float) -> str:
        return (f"{hours_text(hours)} h of {hours_text(c.capacity_hours)} "
                f"({percent_text(hours, c.capacity_hours)})")
    return PreviewRow(worker_id=c.worker_id, name=c.name, before=said(c.hours_before),
                      after=said(c.hours_after), band_before=c.band_before,
                      band_after=c.band_after, band_word_after=BAND_WORDS[c.band_after],
                      before_width=_width(c.hours_before, c.capacity_hours),
                      after_width=_width(c.hours_after, c.capacity_hours), gives=gives)


class WorkloadState(SessionState):
    allowed: bool = False
    loaded: bool = False
    everyone: bool = False
    staff_rows: list[StaffRow] = []
    chart_rows: list[dict[str, Any]] = []
    total_people: int = 0
    shown: int = PAGE
    team_hours: str = "0"
    team_capacity: str = "0"
    team_percent: str = "0%"
    over_count: int = 0
    approaching_count: int = 0
    open_count: int = 0
    paused_count: int = 0
    open_high: int = 0
    open_medium: int = 0
    open_low: int = 0
    unassigned_count: int = 0
    weights_text: str = ""
    pathway_rows: list[PathwayRow] = []
    pathway_chart: list[dict[str, Any]] = []
    attention: list[AttentionCase] = []
    attention_total: int = 0
    worker_id: int = 0  # the person whose cases are open below the chart
    worker_name: str = ""
    worker_case_rows: list[WorkerCase] = []
    chosen: list[int] = []  # cases picked to reassign
    target: str = ""
    target_options: list[list[str]] = []
    preview: list[PreviewRow] = []
    preview_versions: dict[str, int] = {}
    message: str = ""
    message_kind: str = "info"
    _names: dict[int, str] = {}  # the people shown, for the heading of one person's cases

    def _say(self, text: str, kind: str = "info") -> None:
        self.message, self.message_kind = text, kind

    def _show(self, team: TeamWorkload, attention: workload.AttentionList | None) -> None:
        # One screen of people is held, not all 500 (DESIGN.md §1): Show more asks again.
        shown = team.staff[:self.shown]
        self.total_people = len(team.staff)
        self.staff_rows = [staff_row(s) for s in shown]
        self.chart_rows = [chart_point(s) for s in shown]
        self._names = {s.worker_id: s.name for s in shown}
        t = team.totals
        self.everyone = team.everyone
        self.team_hours, self.team_capacity = hours_text(t.hours), hours_text(t.capacity_hours)
        self.team_percent = percent_text(t.hours, t.capacity_hours)
        self.over_count, self.approaching_count = t.over, t.approaching
        self.open_count, self.paused_count = t.open_cases, t.paused_cases
        self.open_high, self.open_medium = t.open_by_concern["high"], t.open_by_concern["medium"]
        self.open_low, self.unassigned_count = t.open_by_concern["low"], t.unassigned_open
        w = team.settings
        self.weights_text = (f"A case counts High {hours_text(w.hours_high)} h, Medium "
                             f"{hours_text(w.hours_medium)} h, Low {hours_text(w.hours_low)} h, "
                             f"Paused {hours_text(w.hours_paused)} h a week.")
        self.pathway_rows = [PathwayRow(p.name, p.colour, p.open_high, p.open_medium, p.open_low,
                                        p.paused, hours_text(p.hours)) for p in team.pathways]
        self.pathway_chart = [{"name": _clip(p.name, 22), "high": p.open_high, "medium": p.open_medium,
                               "low": p.open_low, "paused": p.paused} for p in team.pathways]
        self.target_options = [[str(s.worker_id), s.name] for s in sorted(
            team.staff, key=lambda s: s.name.lower()) if s.active]
        if attention is not None:
            self.attention, self.attention_total = attention.cases, attention.total
        self.loaded = True

    @rx.event
    async def load(self):  # type: ignore[no-untyped-def]
        self.message, self.preview, self.chosen, self.shown = "", [], [], PAGE
        self.worker_id, self.worker_name, self.worker_case_rows = 0, "", []
        try:
            actor = self._actor()
            self._remember(actor)
            team = await asyncio.to_thread(workload.team_workload, actor)
            attention = await asyncio.to_thread(workload.needs_attention, actor)
        except NotSignedIn:
            return self._to_sign_in()
        except CaselineError as exc:
            self.allowed = False
            self._say(str(exc), "error")
            return None
        self.allowed = True
        self._show(team, attention)
        return None

    @rx.event
    async def show_more(self):  # type: ignore[no-untyped-def]
        try:
            actor = self._actor()
            team = await asyncio.to_thread(workload.team_workload, actor)
        except NotSignedIn:
            return self._to_sign_in()
        except CaselineError as exc:
            self._say(str(exc), "error")
            return None
        self.shown = min(self.shown + PAGE, max(len(team.staff), PAGE))
        self._show(team, None)
        return None

    @rx.event
    def open_worker(self, worker_id: int):  # type: ignore[no-untyped-def]
        try:
            actor = self._actor()
            wid = int(worker_id)
            rows = workload.worker_cases(actor, wid)
        except NotSignedIn:
            return self._to_sign_in()
        except (CaselineError, ValueError, TypeError) as exc:
            self._say(str(exc), "error")
            return None
        self.worker_id, self.worker_case_rows = wid, rows
        self.worker_name = self._names.get(wid) or next(
            (o[1] for o in self.target_options if o[0] == str(wid)), "")
        return rx.scroll_to("worker-cases")

    @rx.event
    def close_worker(self) -> None:
        self.worker_id, self.worker_name, self.worker_case_rows = 0, "", []

    @rx.event
    def toggle_case(self, case_id: int, checked: bool) -> None:
        """Choose or unchoose a case to reassign (a view change: the preview checks access)."""
        try:
            cid = int(case_id)
        except (TypeError, ValueError):
            return
        if checked and cid not in self.chosen and len(self.chosen) < workload.MAX_REASSIGN:
            self.chosen = [*self.chosen, cid]
        elif not checked:
            self.chosen = [c for c in self.chosen if c != cid]
        self.preview = []

    @rx.event
    def clear_chosen(self) -> None:
        self.chosen, self.preview, self.preview_versions = [], [], {}

    @rx.event
    def set_target(self, value: str) -> None:
        self.target = value[:12] if value.isdigit() or value == "" else self.target
        self.preview = []

    @rx.event
    def preview_reassign(self):  # type: ignore[no-untyped-def]
        if not self.target:
            self._say("Choose who the cases go to", "error")
            return None
        try:
            found = workload.reassign_preview(self._actor(), list(self.chosen), int(self.target))
        except NotSignedIn:
            return self._to_sign_in()
        except CaselineError as exc:
            self._say(str(exc), "error")
            return None
        self.preview = [preview_row(c, gives=c.worker_id != found.to_worker_id)
                        for c in found.changes]
        self.preview_versions = {str(m.case_id): m.version for m in found.moving}
        self.message = ""
        return None

    @rx.event
    async def confirm_reassign(self):  # type: ignore[no-untyped-def]
        if not self.preview or not self.target:
            self._say("Preview the change first", "error")
            return None
        try:
            actor = self._actor()
            versions = {int(k): v for k, v in self.preview_versions.items()}
            moved = await asyncio.to_thread(workload.reassign_cases, actor, list(self.chosen),
                                            int(self.target), versions)
            team = await asyncio.to_thread(workload.team_workload, actor)
            attention = await asyncio.to_thread(workload.needs_attention, actor)
            rows = (await asyncio.to_thread(workload.worker_cases, actor, self.worker_id)
                    if self.worker_id else [])
        except NotSignedIn:
            return self._to_sign_in()
        except ValidationFailed as exc:
            self._say(str(exc), "error")
            return None
        except CaselineError as exc:  # Conflict: someone changed a case since the preview
            self._say(f"{exc} Nothing was reassigned.", "error")
            self.preview = []
            return None
        name = next((o[1] for o in self.target_options if o[0] == self.target), "them")
        self._say(f"Reassigned {moved} case{'s' if moved != 1 else ''} to {name}.")
        self.chosen, self.preview, self.preview_versions = [], [], {}
        self.worker_case_rows = rows
        self._show(team, attention)
        return None

    @rx.event
    def cancel_preview(self) -> None:
        self.preview, self.preview_versions = [], {}

    @rx.var
    def has_more(self) -> bool:
        return self.total_people > len(self.staff_rows)

    @rx.var
    def chart_height(self) -> int:
        return 44 * len(self.chart_rows) + 60

    @rx.var
    def pathway_chart_height(self) -> int:
        return 40 * len(self.pathway_chart) + 60

    @rx.var
    def chosen_count(self) -> int:
        return len(self.chosen)
