"""Coloured badges for concern level, status and pathway. Colour is never the only signal:
each badge also says its word."""

from __future__ import annotations

import reflex as rx

CONCERN_COLOURS = {"low": "green", "medium": "orange", "high": "red"}
STATUS_COLOURS = {"open": "blue", "paused": "amber", "closed": "gray"}


def concern_badge(level: rx.Var[str]) -> rx.Component:
    return rx.badge(
        rx.match(level, ("high", "High"), ("medium", "Medium"), "Low"),
        color_scheme=rx.match(level, ("high", "red"), ("medium", "orange"), "green"),
        variant="solid",
        radius="full",
        aria_label=rx.match(level, ("high", "Concern High"), ("medium", "Concern Medium"),
                            "Concern Low"),
        # Darker fills than Radix's step 9, so the white word meets WCAG AA (assets/styles.css).
        class_name="concern-badge",
        custom_attrs={"data-level": level},
    )


def status_badge(status: rx.Var[str]) -> rx.Component:
    return rx.badge(
        rx.match(status, ("open", "Open"), ("paused", "Paused"), "Closed"),
        color_scheme=rx.match(status, ("open", "blue"), ("paused", "amber"), "gray"),
        variant="soft",
        radius="full",
        class_name="status-badge",  # step-12 text for AA contrast (assets/styles.css)
    )


def pathway_chip(name: rx.Var[str], colour: rx.Var[str]) -> rx.Component:
    return rx.hstack(
        rx.box(width="0.7em", height="0.7em", border_radius="999px", background=colour,
               flex_shrink="0", aria_hidden="true"),
        rx.text(name, size="2", trim="both"),
        align="center",
        spacing="1",
    )


def tag_list(tags: rx.Var[list[str]]) -> rx.Component:
    return rx.flex(
        rx.foreach(tags, lambda t: rx.badge(t, variant="outline", color_scheme="gray",
                                            radius="full")),
        wrap="wrap",
        spacing="1",
    )
