"""Pathways: list with colours and case counts; a form for managers and admins."""

from __future__ import annotations

import reflex as rx

from caseapp.pathways import PathwayView
from components.fields import field_error, labelled, text_field
from state.pathways_page import PathwaysState as S


def _row(p: PathwayView) -> rx.Component:
    return rx.card(
        rx.flex(
            rx.box(width="1.2em", height="1.2em", border_radius="999px", background=p.colour,
                   flex_shrink="0", aria_hidden="true", margin_top="0.2em"),
            rx.vstack(
                rx.hstack(rx.text(p.name, weight="bold", size="3"),
                          rx.cond(p.archived, rx.badge("Archived", color_scheme="gray")),
                          align="center"),
                rx.text(p.description, size="2", color_scheme="gray"),
                rx.text(p.open_cases, " open · ", p.total_cases, " in all", size="2"),
                spacing="1", flex="1", min_width="0",
            ),
            rx.cond(
                S.can_manage_pathways,
                rx.flex(
                    rx.button("Edit", variant="soft", size="2", on_click=S.start_edit(p.id),
                              aria_label="Edit " + p.name, class_name="tap"),
                    rx.button(rx.cond(p.archived, "Restore", "Archive"), variant="ghost",
                              size="2", on_click=S.set_archived(p.id, ~p.archived),
                              aria_label=rx.cond(p.archived, "Restore ", "Archive ") + p.name,
                              class_name="tap"),
                    spacing="2", wrap="wrap",
                ),
            ),
            spacing="3", align="start", width="100%",
        ),
        width="100%",
    )


def _form() -> rx.Component:
    errors = S.errors
    return rx.card(
        rx.vstack(
            rx.heading(rx.cond(S.editing_id > 0, "Edit pathway", "New pathway"), size="4",
                       as_="h2"),
            text_field("Name", "pathway-name", S.name, lambda v: S.set_field("name", v),
                       errors.get("name", "")),
            labelled("Colour", rx.el.input(id="pathway-colour", type="color", value=S.colour,
                                           on_change=lambda v: S.set_field("colour", v),
                                           class_name="colour-input"),
                     "pathway-colour", errors.get("colour", "")),
            labelled("Description", rx.text_area(id="pathway-description", value=S.description,
                                                 on_change=lambda v: S.set_field("description", v),
                                                 width="100%"),
                     "pathway-description", errors.get("description", "")),
            field_error(errors.get("form", ""), "pathway-form"),
            rx.flex(rx.button("Cancel", variant="soft", color_scheme="gray", on_click=S.cancel,
                              class_name="tap"),
                    rx.button("Save pathway", on_click=S.save, class_name="tap"),
                    spacing="3", justify="end", width="100%"),
            spacing="3", width="100%",
        ),
        width="100%",
    )


def pathways_body() -> rx.Component:
    return rx.vstack(
        rx.flex(rx.heading("Pathways", size="6", as_="h1"), rx.spacer(),
                rx.cond(S.can_manage_pathways & ~S.form_visible,
                        rx.button("New pathway", on_click=S.start_new, class_name="tap")),
                width="100%", align="center"),
        rx.cond(S.message != "", rx.callout(S.message, icon="info", role="status",
                                            width="100%")),
        rx.cond(S.form_visible, _form()),
        rx.foreach(S.items, _row),
        spacing="3", width="100%", max_width="800px",
    )
