"""Settings, Workload section: hours per case by concern level and for Paused cases, and the
needs-attention thresholds. Each staff member's Capacity (hours per week) is on their row under
Staff, below."""

from __future__ import annotations

import reflex as rx

from components.fields import field_error, text_field
from state.workload_settings import WorkloadSettingsState as S

HOURS = [("hours_high", "High concern case (hours a week)"),
         ("hours_medium", "Medium concern case (hours a week)"),
         ("hours_low", "Low concern case (hours a week)"),
         ("hours_paused", "Paused case (hours a week)")]
DAYS = [("days_high", "High concern: days without an interaction"),
        ("days_medium", "Medium concern: days without an interaction"),
        ("days_low", "Low concern: days without an interaction")]


def _field(key: str, label: str, mode: str) -> rx.Component:
    return text_field(label, f"workload-{key.replace('_', '-')}", S.values.get(key, ""),
                      lambda v: S.set_value(key, v), S.errors.get(key, ""), input_mode=mode)


def workload_settings_section() -> rx.Component:
    return rx.card(rx.vstack(
        rx.heading("Workload", size="4", as_="h2"),
        rx.text("What one case adds to its worker's week on the Workload page, against their "
                "Capacity (hours per week) set for each staff member below. Closed cases count "
                "nothing.", size="2", color_scheme="gray"),
        rx.grid(*[_field(k, label, "decimal") for k, label in HOURS],
                columns=rx.breakpoints(initial="1", xs="2"), spacing="3", width="100%"),
        rx.text("Needs attention: an open case with no interaction for longer than this.",
                size="2", color_scheme="gray"),
        rx.grid(*[_field(k, label, "numeric") for k, label in DAYS],
                columns=rx.breakpoints(initial="1", xs="3"), spacing="3", width="100%"),
        field_error(S.errors.get("form", ""), "workload-settings"),
        rx.cond(S.saved_message != "", rx.text(S.saved_message, size="2", role="status")),
        rx.flex(rx.button("Save workload settings", on_click=S.save, class_name="tap"),
                justify="end", width="100%"),
        spacing="3", width="100%"), width="100%", on_mount=S.load)
