"""The offline AI: risk indicators with negation and past risks, and key sentences."""

from __future__ import annotations

import json
import subprocess
import sys
from datetime import date
from pathlib import Path

import pytest

from caseapp.ai.key_sentences import key_sentences
from caseapp.ai.risk import categories_for_text, flags_for_text

ROOT = Path(__file__).resolve().parent.parent


@pytest.mark.parametrize(("text", "expected"), [
    ("Served with a notice seeking possession; rent arrears of £900.", {"housing", "financial_hardship"}),
    ("He said he doesn't want to be here any more and has been giving things away.",
     {"self_harm_suicide", "mental_health"}),
    ("Her ex-partner turned up drunk and threatened her on the doorstep.", {"domestic_abuse"}),
    ("The youngest (4) has been left home alone overnight twice this month.", {"safeguarding_child"}),
    ("Slept in his car again last night after his mum asked him to leave.", {"housing"}),
    ("Was arrested on Friday and is on bail until March.", {"offending_exploitation"}),
    ("Smelled strongly of alcohol and was unsteady on her feet.", {"substance_misuse"}),
])
def test_risks_are_found_in_plain_and_indirect_wording(text: str, expected: set[str]) -> None:
    assert expected <= categories_for_text(text)


@pytest.mark.parametrize(("text", "absent"), [
    ("She denies any thoughts of suicide or self-harm.", "self_harm_suicide"),
    ("No safeguarding concerns for the children were identified.", "safeguarding_child"),
    ("He used to drink heavily but has been sober for two years.", "substance_misuse"),
    ("The rent arrears have been cleared.", "housing"),
    ("Gave her the number to call if she ever feels unsafe at home.", "safeguarding_adult"),
    ("Her ex-partner was arrested for breaching the order.", "offending_exploitation"),
    ("The prescribed information was never served on the tenant.", "physical_health"),
    ("Her partner, aged 29, was left home alone with the dog.", "safeguarding_child"),
])
def test_negated_past_resolved_and_third_party_risks_are_not_flagged(text: str,
                                                                   absent: str) -> None:
    assert absent not in categories_for_text(text)


def test_each_flag_carries_the_sentence_that_raised_it() -> None:
    text = "Met at the hub. She has been served a Section 21 notice. We made tea."
    (flag,) = [f for f in flags_for_text(text) if f.category == "housing"]
    assert flag.sentence == "She has been served a Section 21 notice."


def test_key_sentences_keep_risk_sentences_in_date_order() -> None:
    notes = [
        (date(2026, 3, 2), "Talked about her CV and the college course. She will bring her "
                           "certificates next week."),
        (date(2026, 3, 9), "She told me her landlord has served a Section 21 notice. We booked "
                           "an appointment with the council housing options team for Friday."),
        (date(2026, 3, 1), "First meeting. She is looking for part-time work in retail."),
    ]
    picked = key_sentences(notes)
    assert 2 <= len(picked) <= 3
    assert any(k.reason == "risk: housing" and k.when == date(2026, 3, 9) for k in picked)
    assert [k.when for k in picked] == sorted(k.when for k in picked)


def test_ai_eval_prints_the_agreed_json_line(tmp_path: Path) -> None:
    notes = tmp_path / "notes.jsonl"
    rows = [
        {"id": "t1", "case_ref": "A", "date": "2026-01-01", "text":
         "He was evicted last week and is sleeping in a tent.", "risks": ["housing"],
         "quality": 2, "quality_missing": ["datetime", "actions_next_steps"]},
        {"id": "t2", "case_ref": "A", "date": "2026-01-05", "text":
         "She denies thoughts of self-harm. Rent is paid.", "risks": [], "quality": 1,
         "quality_missing": ["datetime"]},
        {"id": "t3", "case_ref": "B", "date": "2026-01-06", "text":
         "06/01/2026, 10:00, home visit. Sam told me he is worried about the rent arrears and "
         "said he wants to stay in the flat. I asked about risk: he denied any thoughts of harm "
         "and no safeguarding concerns were identified. Next steps: I will call the landlord "
         "by 09/01 and Sam will bring his statements to our appointment on 13/01 at 11:00.",
         "risks": ["housing", "financial_hardship"], "quality": 5, "quality_missing": []},
    ]
    notes.write_text("\n".join(json.dumps(r) for r in rows))
    out = subprocess.run([sys.executable, "-m", "bench.ai_eval", str(notes),
                          str(tmp_path / "none.jsonl")], cwd=ROOT, capture_output=True,
                         text=True, check=True).stdout
    result = json.loads(out.strip().splitlines()[-1])
    assert result["risk_micro_precision"] == 1.0 and result["risk_micro_recall"] == 1.0
    for key in ("risk_recall_by_category", "baseline_micro_precision", "baseline_micro_recall"):
        assert key in result
    # Note audits: the full note ranks first; every criterion has an agreement figure.
    assert result["audit_spearman"] >= 0.5  # 0.5 with three notes: the full one ranks first
    assert set(result["audit_criteria_agreement"]) == {
        "datetime", "what_discussed", "concerns", "actions_next_steps", "risk_indicators",
        "professional_language", "person_centred"}
    assert result["audit_criteria_agreement"]["datetime"] == 1.0


def test_self_neglect_is_recognised_without_the_word() -> None:
    from caseapp.ai.risk import categories_for_text

    assert "safeguarding_adult" in categories_for_text(
        "Her house was filthy and she has not been eating properly.")
    assert "safeguarding_adult" in categories_for_text("Poor personal hygiene, clothes unchanged.")
    assert "safeguarding_adult" not in categories_for_text("The flat was clean and tidy today.")
