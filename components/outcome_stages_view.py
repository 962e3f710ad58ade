"""Settings section: the six Theory of Change stages that Insights place each case on."""

from __future__ import annotations

import reflex as rx

from components.fields import field_error
from state.outcome_stages import OutcomeStagesState as S


def _stage(name: rx.Var[str], index: rx.Var[int]) -> rx.Component:
    number = (index + 1).to_string()
    return rx.vstack(
        rx.el.label("Stage ", number, " name", html_for="stage-name-" + number,
                    class_name="field-label"),
        rx.input(id="stage-name-" + number, value=name,
                 on_change=lambda v: S.set_stage_name(index, v), size="3", width="100%"),
        field_error(S.stage_errors.get("name" + number, ""), "stage-name"),
        rx.el.label("Stage ", number, " description", html_for="stage-description-" + number,
                    class_name="field-label"),
        rx.text_area(id="stage-description-" + number, value=S.stage_descriptions[index],
                     on_change=lambda v: S.set_stage_description(index, v), size="3",
                     width="100%", rows="2"),
        field_error(S.stage_errors.get("description" + number, ""), "stage-description"),
        spacing="1", width="100%",
    )


def outcome_stages_section() -> rx.Component:
    return rx.card(
        rx.vstack(
            rx.heading("Outcome stages (Theory of Change)", size="4", as_="h2"),
            rx.text("Insights place each case on these six stages, in this order. The offline "
                    "scorer reads each position's meaning from the defaults; an AI endpoint "
                    "reads your own words.", size="2", color_scheme="gray"),
            rx.foreach(S.stage_names, _stage),
            field_error(S.stage_errors.get("form", ""), "stages-form"),
            rx.cond(S.stage_message != "", rx.text(S.stage_message, size="2", role="status")),
            rx.flex(rx.button("Save outcome stages", on_click=S.save_stages, class_name="tap"),
                    justify="end", width="100%"),
            spacing="3", width="100%",
        ),
        width="100%", on_mount=S.load_stages,
    )
