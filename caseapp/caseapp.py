"""The Reflex app: theme, pages, and the HTTP routes mounted in front of Reflex's own."""

from __future__ import annotations

import reflex as rx

from caseapp.ai.weekly import resume_orphaned_runs
from caseapp.insights import resume_orphaned_runs as resume_insight_runs
from caseapp.logs import configure_logging
from caseapp.note_audits import resume_orphaned_audit_runs
from caseapp.pages.screens import register
from caseapp.rights_jobs import resume_rights_jobs
from caseapp.routes import SecurityHeaders, UploadSizeLimit, http_routes
from components.connection import connection_notice
from components.layout import shell
from components.weekly_view import weekly_body
from state.weekly_page import WeeklyState

configure_logging()  # JSON lines, personal details masked (CASEAPP_LOG_FORMAT)

app = rx.App(
    stylesheets=["/styles.css"],
    head_components=[
        rx.el.meta(name="theme-color", content="#0f766e"),
        rx.el.link(rel="manifest", href="/manifest.webmanifest"),
        rx.el.link(rel="icon", href="/icon.svg", type="image/svg+xml"),
        rx.el.link(rel="icon", href="/icons/favicon-32.png", sizes="32x32", type="image/png"),
        rx.el.link(rel="apple-touch-icon", href="/icons/apple-touch-icon.png"),
        rx.el.meta(name="apple-mobile-web-app-capable", content="yes"),
        rx.el.meta(name="apple-mobile-web-app-title", content="Caseline"),
        # Drafts, the outbox and the service worker: plain script, so it runs with no socket.
        rx.el.script(src="/outbox.js", defer=True),
        # Skip link focus, and the timeline in view after the phone's interaction form closes.
        rx.el.script(src="/layout.js", defer=True),
    ],
    api_transformer=[http_routes(), UploadSizeLimit, SecurityHeaders],
)
# In place of Reflex's connection toast (it names the websocket URL): see components/connection.py.
app.app_wraps[(5, "Overlay")] = lambda stateful: connection_notice() if stateful else None
register(app)
app.add_page(lambda: shell(weekly_body()), route="/weekly", title="Weekly summaries · Caseline",
             on_load=WeeklyState.load)
app.register_lifespan_task(resume_orphaned_runs)  # runs orphaned by a restart carry on
app.register_lifespan_task(resume_orphaned_audit_runs)  # so do audit runs
app.register_lifespan_task(resume_insight_runs)
app.register_lifespan_task(resume_rights_jobs)  # exports and retention jobs likewise
