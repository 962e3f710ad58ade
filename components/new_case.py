"""The Add case form."""

from __future__ import annotations

import reflex as rx

from caseapp.people import PersonMatch
from components.fields import field_error, labelled, native_select, select_field, text_field
from state.new_case import NewCaseState as S

STATUS = [("open", "Open"), ("paused", "Paused"), ("closed", "Closed")]
CONCERN = [("low", "Low"), ("medium", "Medium"), ("high", "High")]


def _match(m: PersonMatch) -> rx.Component:
    return rx.button(
        rx.vstack(
            rx.text(m.name, weight="medium"),
            rx.text(rx.cond(m.date_of_birth != "", "Born " + m.date_of_birth, "No date of birth"),
                    rx.cond(m.postcode != "", " · " + m.postcode, ""), " · ", m.cases, " case(s)",
                    size="1", color_scheme="gray"),
            spacing="0", align="start",
        ),
        variant="soft", color_scheme="gray", width="100%", justify="start", height="auto",
        padding="2", on_click=S.pick_person(m.id, m.name), class_name="tap",
        aria_label="Use existing person " + m.name,
    )


def person_section() -> rx.Component:
    errors = S.errors
    return rx.cond(
        S.person_id > 0,
        rx.callout(
            rx.flex(rx.text("Person: ", rx.text.strong(S.person_label),
                            " (existing record: the new case links to it)"),
                    rx.button("Change", variant="ghost", on_click=S.clear_person, size="2"),
                    spacing="2", align="center", wrap="wrap"),
            icon="user", width="100%",
        ),
        rx.vstack(
            labelled("Name", rx.debounce_input(rx.input(
                id="person-name", value=S.name, on_change=S.set_name, size="3", width="100%",
                auto_complete="off"), debounce_timeout=250), "person-name",
                errors.get("name", ""), hint="Type a name to find an existing person first."),
            rx.cond(S.matches.length() > 0,
                    rx.vstack(rx.text("Existing people with that name:", size="2",
                                      color_scheme="gray"),
                              rx.foreach(S.matches, _match), width="100%", spacing="1")),
            rx.grid(
                text_field("Date of birth", "dob", S.date_of_birth,
                           lambda v: S.set_field("date_of_birth", v),
                           errors.get("date_of_birth", ""), type="date"),
                text_field("Phone", "phone", S.phone, lambda v: S.set_field("phone", v),
                           errors.get("phone", ""), type="tel", input_mode="tel"),
                text_field("Email", "email", S.email, lambda v: S.set_field("email", v),
                           errors.get("email", ""), type="email"),
                text_field("Postcode", "postcode", S.postcode,
                           lambda v: S.set_field("postcode", v), errors.get("postcode", ""),
                           auto_capitalize="characters"),
                columns=rx.breakpoints(initial="1", xs="2"),
                spacing="3", width="100%",
            ),
            text_field("Address", "address", S.address, lambda v: S.set_field("address", v),
                       errors.get("address", "")),
            field_error(errors.get("person", ""), "person"),
            width="100%", spacing="3",
        ),
    )


def new_case_body() -> rx.Component:
    errors = S.errors
    return rx.vstack(
        rx.link("← Cases", href="/cases", size="2"),
        rx.heading("Add case", size="6", as_="h1"),
        rx.card(
            rx.vstack(
                person_section(),
                rx.grid(
                    labelled("Case worker",
                             native_select("case-worker", S.worker_options, S.worker,
                                           lambda v: S.set_field("worker", v),
                                           placeholder="Unassigned"),
                             "case-worker", errors.get("worker_id", "")),
                    select_field("Pathway", "pathway", S.pathway_options, S.pathway,
                                 lambda v: S.set_field("pathway", v),
                                 errors.get("pathway_id", ""), placeholder="Choose a pathway"),
                    select_field("Status", "status", STATUS, S.status,
                                 lambda v: S.set_field("status", v), errors.get("status", "")),
                    select_field("Concern level", "concern-level", CONCERN, S.concern_level,
                                 lambda v: S.set_field("concern_level", v),
                                 errors.get("concern_level", "")),
                    columns=rx.breakpoints(initial="1", xs="2"),
                    spacing="3", width="100%",
                ),
                text_field("Tags", "tags", S.tags, lambda v: S.set_field("tags", v),
                           errors.get("tags", ""), placeholder="e.g. benefits, food bank"),
                field_error(errors.get("form", ""), "form"),
                rx.flex(rx.button("Create", size="3", on_click=S.create, class_name="tap"),
                        justify="end", width="100%"),
                spacing="4", width="100%",
            ),
            width="100%",
        ),
        width="100%", spacing="3", max_width="720px",
    )
