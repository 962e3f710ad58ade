"""Settings section: the retention period (how long records are kept after a person's last case
closed). The report and the bulk anonymise are on the Data rights page."""

from __future__ import annotations

import reflex as rx

from components.fields import labelled
from state.retention_settings import RetentionSettingsState as S


def retention_settings_card() -> rx.Component:
    return rx.card(rx.vstack(
        rx.heading("Retention", size="4", as_="h2"),
        labelled("Keep records for (years after the last case closed)", rx.input(
            id="retention-years", value=S.retention_years, on_change=S.set_retention_years,
            input_mode="numeric", size="3", width="8em"), "retention-years", S.retention_error,
            hint="People past this period are listed on the Data rights page, where an admin "
                 "can anonymise them. 6 years is a common choice for adult social care records."),
        rx.cond(S.retention_saved != "", rx.text(S.retention_saved, size="2", role="status")),
        rx.flex(
            rx.link("Open Data rights", href="/data-rights", size="2", class_name="tap",
                    display="inline-flex", align_items="center"),
            rx.button("Save retention period", on_click=S.save, class_name="tap"),
            justify="between", align="center", width="100%", wrap="wrap", spacing="2"),
        spacing="3", width="100%",
    ), width="100%", on_mount=S.load)
