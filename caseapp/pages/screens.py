"""Every screen of the app and its route."""

from __future__ import annotations

import reflex as rx

from components.case_view import case_page_body
from components.cases_list import cases_page_body
from components.layout import shell
from components.new_case import new_case_body
from components.pathways_view import pathways_body
from components.settings_view import settings_body
from components.sign_in_view import sign_in_body
from state.case_page import CaseState
from state.cases_list import CasesState
from state.new_case import NewCaseState
from state.pathways_page import PathwaysState
from state.settings_page import SettingsState
from state.sign_in import SignInState


def register(app: rx.App) -> None:
    app.add_page(lambda: rx.fragment(), route="/", title="Caseline",
                 on_load=rx.redirect("/cases"))
    app.add_page(sign_in_body, route="/sign-in", title="Sign in · Caseline",
                 on_load=SignInState.load)
    app.add_page(lambda: shell(cases_page_body()), route="/cases", title="Cases · Caseline",
                 on_load=CasesState.load)
    app.add_page(lambda: shell(new_case_body()), route="/cases/new",
                 title="Add case · Caseline", on_load=NewCaseState.load)
    app.add_page(lambda: shell(case_page_body()), route="/cases/[case_id]",
                 title="Case · Caseline", on_load=CaseState.load)
    app.add_page(lambda: shell(pathways_body()), route="/pathways",
                 title="Pathways · Caseline", on_load=PathwaysState.load)
    app.add_page(lambda: shell(settings_body()), route="/settings",
                 title="Settings · Caseline", on_load=SettingsState.load)
