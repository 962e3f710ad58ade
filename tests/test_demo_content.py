"""The demo content: a deterministic, self-consistent plan, and phone-like photos."""

from __future__ import annotations

import io
import re
from collections import Counter

import pytest
from PIL import Image, ImageOps

from caseapp.demo_content import (
    PATHWAYS,
    STAFF,
    DemoPlan,
    build_demo_plan,
    demo_photo,
)

LEVELS = {"low", "medium", "high"}
KINDS = {"note", "meeting", "phone_call", "home_visit", "email", "drop_in"}
SEEDS = [0, 1, 2, 7, 11, 42]


@pytest.fixture(scope="module")
def plan() -> DemoPlan:
    return build_demo_plan()


def test_same_seed_same_plan() -> None:
    assert build_demo_plan(7) == build_demo_plan(7)
    assert build_demo_plan() == build_demo_plan(7)
    assert build_demo_plan(1) != build_demo_plan(2)


def test_pathways_and_staff() -> None:
    assert len(PATHWAYS) == 4
    assert len({p.name for p in PATHWAYS}) == 4
    assert len({p.colour.lower() for p in PATHWAYS}) == 4
    for p in PATHWAYS:
        assert re.fullmatch(r"#[0-9a-fA-F]{6}", p.colour)
        assert p.description.endswith(".")
    assert [(s.email, s.role, s.team) for s in STAFF] == [
        ("admin@example.org", "admin", "Central"),
        ("manager@example.org", "manager", "Central"),
        ("caseworker@example.org", "case_worker", "North"),
        ("caseworker2@example.org", "case_worker", "North"),
        ("caseworker3@example.org", "case_worker", "South"),
        ("volunteer@example.org", "volunteer", "North"),
    ]
    assert all(len(s.name.split()) >= 2 and 0 < s.capacity_hours <= 40 for s in STAFF)


@pytest.mark.parametrize("seed", SEEDS)
def test_counts(seed: int) -> None:
    plan = build_demo_plan(seed)
    assert 35 <= len(plan.people) <= 45
    assert len(plan.cases) == 60
    assert 280 <= len(plan.interactions) <= 320
    statuses = Counter(c.status for c in plan.cases)
    assert set(statuses) == {"open", "paused", "closed"}
    assert 35 <= statuses["open"] <= 45 and 5 <= statuses["paused"] <= 10
    assert 9 <= statuses["closed"] <= 15
    open_levels = Counter(c.concern_level for c in plan.cases if c.status == "open")
    assert set(open_levels) == LEVELS and min(open_levels.values()) >= 5
    per_case = Counter(i.case_index for i in plan.interactions)
    assert all(2 <= per_case[k] <= 10 for k in range(len(plan.cases)))


@pytest.mark.parametrize("seed", SEEDS)
def test_cases_are_consistent(seed: int) -> None:
    plan = build_demo_plan(seed)
    workers = Counter(c.worker_index for c in plan.cases)
    assert workers[0] == 0  # never the admin
    assert workers[None] == 5 and workers[5] == 4  # unassigned; the volunteer's
    for c in plan.cases:
        assert 0 <= c.person_index < len(plan.people)
        assert 0 <= c.pathway_index < len(PATHWAYS)
        assert c.concern_level in LEVELS
        assert len(c.tags) <= 3 and len(set(c.tags)) == len(c.tags)
        if c.status == "closed":
            assert c.end_days_ago is not None and 0 <= c.end_days_ago < c.start_days_ago
        else:
            assert c.end_days_ago is None
        if c.worker_index is None:
            assert c.status == "open"
    # About twenty people have two cases.
    cases_per_person = Counter(c.person_index for c in plan.cases)
    assert 15 <= sum(1 for n in cases_per_person.values() if n == 2) <= 25
    assert set(cases_per_person) == set(range(len(plan.people)))


@pytest.mark.parametrize("seed", SEEDS)
def test_interactions_fit_their_cases(seed: int) -> None:
    plan = build_demo_plan(seed)
    by_case: dict[int, list] = {}
    for i in plan.interactions:
        by_case.setdefault(i.case_index, []).append(i)
        c = plan.cases[i.case_index]
        assert i.kind in KINDS
        assert 0 <= i.days_ago <= c.start_days_ago
        assert c.end_days_ago is None or i.days_ago >= c.end_days_ago
        assert 8 <= i.hour <= 19 and 0 <= i.minute <= 59
        assert i.concern_level is None or i.concern_level in LEVELS
        assert "{" not in i.text and "}" not in i.text
        assert 0 < i.author_index < len(STAFF)  # the admin writes no notes
        if i.private:
            assert STAFF[i.author_index].role == "case_worker"
        if c.worker_index == 5:
            assert i.author_index in (1, 5) and not i.private
    for index, items in by_case.items():
        c = plan.cases[index]
        # In date order, same-day contacts in time order, as the loader replays them.
        keys = [(-i.days_ago, i.hour, i.minute) for i in items]
        assert keys == sorted(keys) and len(set(keys)) == len(keys)
        changes = [i.concern_level for i in items if i.concern_level]
        if changes:
            assert changes[-1] == c.concern_level
        if c.status == "closed":
            assert items[-1].days_ago == c.end_days_ago
            assert "clos" in items[-1].text.lower()


def test_recent_and_quiet_open_cases(plan: DemoPlan) -> None:
    last: dict[int, int] = {}
    for i in plan.interactions:
        last[i.case_index] = min(last.get(i.case_index, i.days_ago), i.days_ago)
    open_cases = [k for k, c in enumerate(plan.cases) if c.status == "open"]
    recent = [k for k in open_cases if last[k] <= 21]
    quiet = [k for k in open_cases if last[k] > 30]
    assert len(recent) >= 0.8 * len(open_cases)
    assert 2 <= len(quiet) <= 6


def test_texts_private_and_photos(plan: DemoPlan) -> None:
    texts = [i.text for i in plan.interactions]
    assert len(set(texts)) >= 200
    private = sum(i.private for i in plan.interactions)
    assert 0.05 <= private / len(plan.interactions) <= 0.12
    assert 4 <= sum(i.with_photo for i in plan.interactions) <= 8
    assert any(i.outcome for i in plan.interactions)
    assert any("**" in t for t in texts) and any("\n- " in t for t in texts)
    everything = "\n".join(texts)
    assert re.search("[\u0600-\u06ff]", everything)  # Arabic
    assert "Diolch" in everything  # Welsh
    assert re.search("[\U0001f300-\U0001faff]", everything)  # emoji
    assert any(len(t) < 80 for t in texts)  # some notes are short


def test_people_look_real_but_fictional(plan: DemoPlan) -> None:
    names = [p.name for p in plan.people]
    assert len(set(names)) == len(names)
    assert any(not n.isascii() for n in names)
    for p in plan.people:
        assert len(p.name.split()) >= 2
        if p.phone:
            assert re.fullmatch(r"07700 900\d{3}|0113 496 0\d{3}", p.phone)
        if p.email:
            assert p.email.endswith("@example.com") and p.email.isascii()
        if p.postcode:
            assert re.fullmatch(r"[A-Z]{2}\d{1,2} \d[A-Z]{2}", p.postcode)
            assert p.address
    assert any(p.phone is None for p in plan.people)
    assert any(p.email is None for p in plan.people)
    assert any(p.date_of_birth is None for p in plan.people)


@pytest.mark.parametrize("index", [0, 1, 2, 3, 4, 5, 9])
def test_demo_photo_is_a_phone_jpeg_with_gps(index: int) -> None:
    data = demo_photo(index)
    assert data == demo_photo(index)
    image = Image.open(io.BytesIO(data))
    assert image.format == "JPEG"
    assert image.size == (1600, 1200)
    exif = image.getexif()
    assert 0x8825 in exif  # GPS IFD pointer
    gps = exif.get_ifd(0x8825)
    assert gps[1] == "N" and gps[3] == "W" and len(gps[2]) == 3
    assert exif[0x0112] in (1, 6)  # orientation
    upright = ImageOps.exif_transpose(image)
    assert upright.size == ((1200, 1600) if exif[0x0112] == 6 else (1600, 1200))
