"""The Reflex app: theme, pages, and the HTTP routes mounted in front of Reflex's own."""

from __future__ import annotations

import reflex as rx

from caseapp.pages.screens import register
from caseapp.routes import SecurityHeaders, UploadSizeLimit, http_routes

app = rx.App(
    stylesheets=["/styles.css"],
    head_components=[
        rx.el.meta(name="theme-color", content="#0f766e"),
        rx.el.link(rel="icon", href="/icon.svg", type="image/svg+xml"),
    ],
    api_transformer=[http_routes(), UploadSizeLimit, SecurityHeaders],
)
register(app)
