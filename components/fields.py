"""Labelled form controls. Each has a visible label (its accessible name) and shows its error
message right beside it."""

from __future__ import annotations

from typing import Any

import reflex as rx


def field_error(message: rx.Var[str] | str, field_id: str) -> rx.Component:
    return rx.cond(
        message,
        rx.text(message, id=f"{field_id}-error", color_scheme="red", size="2", role="alert"),
    )


def labelled(label: str, control: rx.Component, field_id: str,
             error: rx.Var[str] | str = "", hint: str = "") -> rx.Component:
    return rx.vstack(
        rx.el.label(label, html_for=field_id, class_name="field-label"),
        control,
        rx.cond(hint != "", rx.text(hint, size="1", color_scheme="gray")) if hint else rx.fragment(),
        field_error(error, field_id),
        spacing="1",
        width="100%",
        align="stretch",
    )


def native_select(field_id: str, options: list[tuple[str, str]] | rx.Var, value: Any,
                  on_change: Any, placeholder: str | None = None, **props: Any) -> rx.Component:
    """A native <select>: phones show their own picker, which is quicker to use with a thumb."""
    if isinstance(options, rx.Var):
        children = [rx.foreach(options, lambda o: rx.el.option(o[1], value=o[0]))]
    else:
        children = [rx.el.option(label, value=val) for val, label in options]
    if placeholder is not None:
        children.insert(0, rx.el.option(placeholder, value=""))
    return rx.el.select(*children, id=field_id, value=value, on_change=on_change,
                        class_name="native-select", **props)


def select_field(label: str, field_id: str, options: list[tuple[str, str]] | rx.Var, value: Any,
                 on_change: Any, error: rx.Var[str] | str = "",
                 placeholder: str | None = None) -> rx.Component:
    return labelled(label, native_select(field_id, options, value, on_change, placeholder),
                    field_id, error)


def text_field(label: str, field_id: str, value: Any, on_change: Any,
               error: rx.Var[str] | str = "", **props: Any) -> rx.Component:
    return labelled(label, rx.input(id=field_id, value=value, on_change=on_change,
                                    size="3", width="100%", **props), field_id, error)
