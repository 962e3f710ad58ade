"""Every screen of the app and its route."""

from __future__ import annotations

import reflex as rx

from components.account_view import account_body
from components.api_tokens_view import api_tokens_body
from components.audit_trail_view import audit_trail_body
from components.audits_view import audits_body
from components.case_view import case_page_body
from components.cases_list import cases_aside, cases_page_body
from components.data_rights_view import data_rights_body
from components.import_view import import_body
from components.insights_view import insights_body
from components.layout import shell
from components.new_case import new_case_body
from components.pathways_view import pathways_body
from components.search_view import search_body
from components.settings_view import settings_body
from components.sign_in_view import sign_in_body
from components.workload_view import workload_body
from state.account_page import AccountState
from state.api_tokens_page import ApiTokensState
from state.audit_trail_page import AuditTrailState
from state.audits_page import AuditsState
from state.case_page import CaseState
from state.cases_list import CasesState
from state.data_rights_page import DataRightsState
from state.import_page import ImportState
from state.insights_page import InsightsState
from state.new_case import NewCaseState
from state.pathways_page import PathwaysState
from state.search_page import SearchState
from state.settings_page import SettingsState
from state.sign_in import SignInState
from state.workload_page import WorkloadState


def register(app: rx.App) -> None:
    app.add_page(lambda: rx.fragment(), route="/", title="Caseline",
                 on_load=rx.redirect("/cases"))
    app.add_page(sign_in_body, route="/sign-in", title="Sign in · Caseline",
                 on_load=SignInState.load)
    app.add_page(lambda: shell(cases_page_body()), route="/cases", title="Cases · Caseline",
                 on_load=CasesState.load)
    app.add_page(lambda: shell(new_case_body()), route="/cases/new",
                 title="Add case · Caseline", on_load=NewCaseState.load)
    app.add_page(lambda: shell(case_page_body(), aside=cases_aside(CaseState.case.id)),
                 route="/cases/[case_id]", title="Case · Caseline",
                 on_load=[CaseState.load, CasesState.load_rows])
    app.add_page(lambda: shell(pathways_body()), route="/pathways",
                 title="Pathways · Caseline", on_load=PathwaysState.load)
    app.add_page(lambda: shell(search_body()), route="/search",
                 title="Search notes · Caseline", on_load=SearchState.load)
    app.add_page(lambda: shell(settings_body()), route="/settings",
                 title="Settings · Caseline", on_load=SettingsState.load)
    app.add_page(lambda: shell(insights_body()), route="/insights", title="Insights · Caseline",
                 on_load=InsightsState.load)
    app.add_page(lambda: shell(data_rights_body()), route="/data-rights",
                 title="Data rights · Caseline", on_load=DataRightsState.load)
    app.add_page(lambda: shell(audit_trail_body()), route="/audit-trail",
                 title="Audit trail · Caseline", on_load=AuditTrailState.load)
    app.add_page(lambda: shell(workload_body()), route="/workload", title="Workload · Caseline",
                 on_load=WorkloadState.load)
    app.add_page(lambda: shell(audits_body()), route="/audits", title="Audits · Caseline",
                 on_load=AuditsState.load)
    app.add_page(lambda: shell(api_tokens_body()), route="/api-tokens",
                 title="API tokens · Caseline", on_load=ApiTokensState.load)
    app.add_page(lambda: shell(account_body()), route="/account",
                 title="Your account · Caseline", on_load=AccountState.load)
    app.add_page(lambda: shell(import_body()), route="/import", title="Import · Caseline",
                 on_load=ImportState.load)
