"""Pseudonymisation: nothing identifying leaves the machine, and answers read naturally again."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from caseapp.ai.pseudonymise import Pseudonymiser

# The team's shared evaluation folder beside the checkout when there is one, else the copy kept
# with the tests (tests/eval_data/eval/README.md).
_SHARED_EVAL = Path(__file__).resolve().parents[2] / "shared" / "eval"
EVAL = _SHARED_EVAL if (_SHARED_EVAL / "notes_dev.jsonl").exists() else \
    Path(__file__).resolve().parent / "eval_data" / "eval"


@pytest.mark.parametrize("secret", [
    "aisha.rahman@example.com", "07700 900123", "0113 496 0123", "+44 7700 900456",
    "LS1 4AB", "BD7 1DP", "943 476 5919", "AB 12 34 56 C", "12 Albion Street",
    "Flat 3, 48 Chapel Road",
])
def test_each_kind_of_detail_is_hidden(secret: str) -> None:
    text = f"Details on file: {secret}. Review next week."
    hidden = Pseudonymiser().hide(text)
    assert secret not in hidden and "[" in hidden


def test_date_of_birth_is_hidden_but_other_dates_stay() -> None:
    hidden = Pseudonymiser().hide("DOB: 03/04/1990. Appointment on 12/01/2026 at 10:00.")
    assert "03/04/1990" not in hidden and "12/01/2026" in hidden


def test_names_known_named_by_position_or_mid_sentence_are_hidden() -> None:
    p = Pseudonymiser(["Aisha Rahman", "Sarah Whitaker"])
    text = ("Aisha Rahman came in. Her son Micah (3) was with her. Sarah Whitaker will call "
            "Marcia at the YOT. Mr Okafor from the council rang. Grace told me she is safe.")
    hidden = p.hide(text)
    for name in ("Aisha", "Rahman", "Micah", "Sarah", "Whitaker", "Marcia", "Okafor", "Grace"):
        assert name not in hidden, name
    assert "YOT" in hidden and "council" in hidden  # services stay readable


def test_placeholders_are_stable_and_restore_exactly() -> None:
    p = Pseudonymiser(["Aisha Rahman"])
    first = p.hide("Aisha rang from 07700 900123.")
    second = p.hide("Called Aisha back on 07700 900123.")
    assert first.split()[0] in second  # the same person is the same placeholder
    answer = f"{first.split()[0]} should be called on {first.split()[-1].rstrip('.')}."
    assert p.restore(answer) == "Aisha should be called on 07700 900123."
    assert p.restore(first) == "Aisha rang from 07700 900123."


def test_no_name_phone_email_or_postcode_from_the_dev_notes_survives() -> None:
    notes = [json.loads(line) for line in (EVAL / "notes_dev.jsonl").read_text().splitlines()]
    people = {json.loads(line)["case_ref"]: json.loads(line)["reference_summary"].split()[0]
              for line in (EVAL / "case_summaries_dev.jsonl").read_text().splitlines()}
    checks = [re.compile(r"\b0\d{3,4}\s?\d{3}\s?\d{3,4}\b"), re.compile(r"@\w"),
              re.compile(r"\b[A-Z]{1,2}\d[A-Z\d]?\s\d[A-Z]{2}\b")]
    for n, note in enumerate(notes):
        # The dev notes carry no contact details, so each gets some, written as workers do.
        contact = (f" Her number is 07700 900{n:03d}, email {n}.contact@example.com, "
                   f"postcode LS{n % 28 + 1} {n % 9 + 1}AB.")
        text = note["text"] + contact
        assert all(check.search(text) for check in checks)  # really there before
        # Without being told any name: the heuristics alone must catch the person.
        hidden = Pseudonymiser().hide(text)
        name = people[note["case_ref"]].strip(",")
        assert not re.search(rf"\b{re.escape(name)}\b", hidden), (note["id"], name)
        for check in checks:
            assert not check.search(hidden), (note["id"], check.pattern)
