"""Settings section: the audit criteria (name and description each), for admins."""

from __future__ import annotations

import reflex as rx

from caseapp.note_audits import CriterionView
from components.fields import field_error
from state.audit_criteria_settings import AuditCriteriaState as A


def _criterion(c: CriterionView, i: rx.Var[int]) -> rx.Component:
    n = (i + 1).to_string()
    return rx.card(rx.vstack(
        rx.el.label("Criterion ", n, " name", html_for="criterion-name-" + n,
                    class_name="field-label"),
        rx.input(id="criterion-name-" + n, value=c.name, size="3", width="100%",
                 on_change=lambda v: A.set_criterion(i, "name", v)),
        field_error(A.criteria_errors.get("name_" + n, ""), "criterion-name"),
        rx.el.label("Criterion ", n, " description", html_for="criterion-description-" + n,
                    class_name="field-label"),
        rx.text_area(id="criterion-description-" + n, value=c.description, size="2",
                     width="100%", rows="2",
                     on_change=lambda v: A.set_criterion(i, "description", v)),
        field_error(A.criteria_errors.get("description_" + n, ""), "criterion-description"),
        rx.flex(
            rx.text(rx.cond(c.rule_key != "", "Judged offline by Caseline's rules, or by the AI "
                            "model when one is set up.", "Only an AI model can judge this one; "
                            "the offline rules leave it unscored."), size="1",
                    color_scheme="gray", flex="1"),
            rx.button("Remove", variant="ghost", color_scheme="red", class_name="tap",
                      aria_label="Remove criterion " + n, on_click=A.remove_criterion(i)),
            align="center", spacing="2", width="100%",
        ),
        spacing="1", width="100%"), width="100%")


def audit_criteria_section() -> rx.Component:
    return rx.card(rx.vstack(
        rx.heading("Audit criteria", size="4", as_="h2"),
        rx.text("Every note audit judges a note against these, pass, partial or fail, with a "
                "reason each.", size="2", color_scheme="gray"),
        rx.foreach(A.criteria, _criterion),
        field_error(A.criteria_errors.get("criteria", ""), "criteria"),
        field_error(A.criteria_errors.get("form", ""), "criteria-form"),
        rx.cond(A.criteria_message != "", rx.text(A.criteria_message, size="2", role="status")),
        rx.flex(
            rx.button("Add criterion", variant="soft", on_click=A.add_criterion,
                      class_name="tap"),
            rx.button("Use the defaults", variant="soft", color_scheme="gray",
                      on_click=A.reset_criteria, class_name="tap"),
            rx.button("Save criteria", on_click=A.save_criteria, class_name="tap"),
            spacing="2", justify="end", wrap="wrap", width="100%",
        ),
        spacing="3", width="100%"), width="100%", on_mount=A.load)
