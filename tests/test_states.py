"""State tests: event handlers called directly, as any connected client could call them.

A handler's only source of identity is the session cookie in its socket's headers; these tests
give each state a real session cookie (or none, or a revoked one) and check what comes back.
"""

from __future__ import annotations

import asyncio
import inspect
from typing import Any

import pytest
import reflex as rx
from reflex.istate.data import RouterData
from sqlmodel import select

from caseapp.auth import sessions
from caseapp.db import session_scope
from caseapp.models import Interaction, User
from state.account_page import AccountState
from state.api_tokens_page import ApiTokensState
from state.audit_criteria_settings import AuditCriteriaState
from state.audit_trail_page import AuditTrailState
from state.audits_page import AuditsState
from state.case_page import CaseState
from state.cases_list import CasesState
from state.data_rights_page import DataRightsState
from state.import_page import ImportState
from state.insights_page import InsightsState
from state.new_case import NewCaseState
from state.outcome_stages import OutcomeStagesState
from state.pathways_page import PathwaysState
from state.retention_settings import RetentionSettingsState
from state.search_page import SearchState
from state.session import SessionState
from state.settings_page import SettingsState
from state.sign_in import SignInState
from state.sign_in_settings import SignInSettingsState
from state.weekly_page import WeeklyState
from state.workload_page import WorkloadState
from state.workload_settings import WorkloadSettingsState
from tests.conftest import World

PASSWORD = "correct horse battery"


def _state(cls: type[rx.State], email: str | None, path: str) -> Any:
    root = rx.State(_reflex_internal_init=True)
    state = root.get_substate(cls.get_full_name().split(".")[1:])
    cookie = ""
    if email:
        token, _ = sessions.sign_in(email, PASSWORD)
        cookie = f"{sessions.COOKIE_NAME}={token}"
    state.router = RouterData.from_router_data(
        {"headers": {"cookie": cookie, "origin": "http://app"}, "pathname": path, "asPath": path})
    return state


def _is_sign_in_redirect(result: object) -> bool:
    return result is not None and "/sign-in" in str(result)


def test_no_cookie_means_a_redirect_and_no_rows(world: World) -> None:
    state = _state(CasesState, None, "/cases")
    assert _is_sign_in_redirect(state.load())
    assert state.rows == [] and state.total == 0


def test_a_revoked_session_stops_at_the_next_event(world: World) -> None:
    state = _state(CasesState, "wren.worker@example.org", "/cases")
    assert state.load() is None and state.total == 3
    token = sessions.token_from_cookie_header(state.router.headers.cookie)
    sessions.sign_out(token)
    assert _is_sign_in_redirect(state.claim(world.case_unassigned))
    assert _is_sign_in_redirect(state.set_search("a"))


def test_volunteer_list_holds_only_their_cases(world: World) -> None:
    state = _state(CasesState, "vi.volunteer@example.org", "/cases")
    state.load()
    assert [r.id for r in state.rows] == [world.case_volunteer]
    assert state.set_filter("password_hash", "x") is None  # not a filter: ignored
    state.claim(world.case_unassigned)
    assert state.message == "You do not have access to this case"


def test_opening_a_forbidden_case_shows_only_the_refusal(world: World) -> None:
    state = _state(CaseState, "vi.volunteer@example.org", f"/cases/{world.case_worker}")
    state.load()
    assert state.denied == "You do not have access to this case"
    assert state.case.id == 0 and state.case.person_name == "" and state.items == []


def test_a_device_report_only_refreshes_what_the_actor_may_see(world: World) -> None:
    # Saves go through the HTTP route (tests/test_save_route.py); the report a page sends after
    # one can be forged, so it must show nothing the actor could not already load.
    state = _state(CaseState, "vi.volunteer@example.org", f"/cases/{world.case_volunteer}")
    state.load()
    from caseapp.cases import reassign

    reassign(world.manager, world.case_volunteer, world.worker.id, None)
    asyncio.run(state.device_report('{"outcome": "saved"}'))
    assert state.denied == "You do not have access to this case"
    with session_scope() as db:
        assert db.exec(select(Interaction)).all() == []


def test_a_device_report_shows_the_routes_field_errors(world: World) -> None:
    state = _state(CaseState, "wren.worker@example.org", f"/cases/{world.case_worker}")
    state.load()
    asyncio.run(state.device_report(
        '{"outcome": "invalid", "errors": {"text": "Notes cannot be empty"}}'))
    assert state.form_errors == {"text": "Notes cannot be empty"}
    assert asyncio.run(state.device_report("not json")) is None
    assert state.form_errors == {"text": "Notes cannot be empty"}  # garbage changes nothing
    signed_out = _state(CaseState, None, f"/cases/{world.case_worker}")
    assert _is_sign_in_redirect(asyncio.run(signed_out.device_report('{"outcome": "saved"}')))


def test_non_admin_cannot_add_staff_through_the_settings_state(world: World) -> None:
    state = _state(SettingsState, "mo.manager@example.org", "/settings")
    assert "/cases" in str(state.load())  # sent away from the page
    state.new_name, state.new_email, state.new_role = "Mallory", "m@example.org", "admin"
    state.new_password = "a long password"
    state.add_user()  # called anyway, as a crafted client could
    assert state.user_errors["form"] == "Only an admin can add staff"
    with session_scope() as db:
        assert db.exec(select(User).where(User.email == "m@example.org")).first() is None


def test_volunteer_cannot_create_a_case_through_the_state(world: World) -> None:
    state = _state(NewCaseState, "vi.volunteer@example.org", "/cases/new")
    assert "/cases" in str(state.load())
    state.name = "Someone New"
    state.pathway = str(world.pathway_id)
    assert state.create() is None
    assert state.errors["form"] == "You do not have permission to create cases"


def test_audits_state_shows_a_case_worker_only_their_own(world: World) -> None:
    from caseapp import interactions
    from caseapp.interactions import NewInteraction

    own = interactions.add_interaction(world.worker, world.case_worker,  # type: ignore[arg-type]
                                       NewInteraction(text="Visit about the rent."))
    interactions.add_interaction(world.worker2, world.case_worker,  # type: ignore[arg-type]
                                 NewInteraction(text="Colleague's visit."))
    state = _state(AuditsState, "wren.worker@example.org", "/audits")
    assert state.load() is None and state.allowed and not state.is_manager
    assert [u.interaction_id for u in state.unaudited] == [own]
    state.set_filter("worker", str(world.worker2.id))  # not offered to them: ignored
    assert state.worker == "" and [u.interaction_id for u in state.unaudited] == [own]
    manager = _state(AuditsState, "mo.manager@example.org", "/audits")
    manager.load()
    assert manager.unaudited_total == 2
    manager.set_filter("worker", str(world.worker2.id))
    assert manager.unaudited_total == 1
    volunteer = _state(AuditsState, "vi.volunteer@example.org", "/audits")
    volunteer.load()
    assert not volunteer.allowed and volunteer.unaudited == [] and volunteer.rows == []
    criteria = _state(AuditCriteriaState, "mo.manager@example.org", "/settings")
    criteria.load()
    criteria.set_criterion(0, "name", "Renamed by a manager")
    criteria.save_criteria()  # a crafted client: refused by the service
    assert criteria.criteria_errors["form"] == "Only an admin can change the audit criteria."
def test_api_tokens_through_the_state_shown_once_and_only_ones_own(world: World) -> None:
    from caseapp.auth import api_tokens

    someone_elses = api_tokens.create_token(world.south, "South's")
    state = _state(ApiTokensState, "vi.volunteer@example.org", "/api-tokens")
    assert state.load() is None and state.tokens == []  # a volunteer may have tokens too
    state.set_field("new_name", "Phone app")
    state.set_field("user_id", "1")  # not a field: ignored
    state.create()
    token = state.new_token
    assert token.startswith("cl_") and api_tokens.actor_for_api_token(token).id == \
        world.volunteer.id
    assert [t.name for t in state.tokens] == ["Phone app"] and token not in str(state.tokens)
    state.dismiss_token()
    assert state.new_token == ""
    state.revoke(someone_elses.id)  # as a crafted client could
    assert state.message == "That token does not exist"
    assert api_tokens.actor_for_api_token(someone_elses.token).id == world.south.id
    state.revoke(state.tokens[0].id)
    assert state.tokens[0].status == "Revoked"
    admin = _state(ApiTokensState, "ada.admin@example.org", "/api-tokens")
    admin.load()
    assert {t.name for t in admin.tokens} == {"Phone app", "South's"}
    admin.revoke(someone_elses.id)
    assert {t.status for t in admin.tokens} == {"Revoked"}
    signed_out = _state(ApiTokensState, None, "/api-tokens")
    assert _is_sign_in_redirect(signed_out.create())


# Every public event handler, and what protects it. "view" handlers only change this tab's view
# state; "service" handlers read or change data only through a service that takes the actor.
# A new handler fails test_every_handler_is_accounted_for until it is added here on purpose.
HANDLERS: dict[str, dict[str, str]] = {
    "SessionState": {},
    "SignInState": {"load": "service"},
    "CasesState": {"load": "service", "set_search": "service", "set_filter": "service",
                   "toggle_my_cases": "service", "clear_filters": "service",
                   "sort_by": "service", "set_sort": "service", "go_to_page": "service",
                   "claim": "service", "load_rows": "service"},
    "CaseState": {"load": "service", "load_more": "service", "device_report": "service",
                  "change_status": "service",
                  "change_concern": "service", "reassign": "service", "claim": "service",
                  "update_tags": "service", "check_risks": "service", "summarise": "service",
                  "accept_summary": "service", "dismiss_summary": "view",
                  "load_viewers": "service", "ask": "service", "clear_conversation": "view",
                  "analyse": "service", "dismiss_analysis": "view"},
    "NewCaseState": {"load": "service", "set_name": "service", "pick_person": "view",
                     "clear_person": "view", "set_field": "view", "create": "service"},
    "PathwaysState": {"load": "service", "start_new": "view", "start_edit": "view",
                      "cancel": "view", "set_field": "view", "save": "service",
                      "set_archived": "service"},
    "SettingsState": {"load": "service", "set_field": "view", "set_offline_drafts": "view",
                      "set_ai_enabled": "view", "set_ai_real_names": "view",
                      "save_organisation": "service",
                      "add_user": "service", "update_user": "service"},
    "SearchState": {"load": "service", "run_search": "service"},
    "AuditTrailState": {"load": "service", "apply_filters": "service",
                        "clear_filters": "service", "go_to_page": "service"},
    "ImportState": {"load": "service", "handle_upload": "service", "set_mapping": "view",
                    "set_default_pathway": "view", "set_decision": "view",
                    "back_to_mapping": "view", "start_over": "service", "check": "service",
                    "run_import": "service"},
    "WeeklyState": {"load": "service", "set_days": "view", "generate_all": "service",
                    "watch": "service", "cancel": "service", "resume": "service",
                    "accept": "service", "show_more": "service"},
    "WorkloadState": {"load": "service", "show_more": "service", "open_worker": "service",
                      "close_worker": "view", "toggle_case": "view", "clear_chosen": "view",
                      "set_target": "view", "preview_reassign": "service",
                      "confirm_reassign": "service", "cancel_preview": "view"},
    "WorkloadSettingsState": {"load": "service", "set_value": "view", "save": "service"},
    "AuditsState": {"load": "service", "set_filter": "service", "go_to_page": "service",
                    "audit": "service", "audit_all": "service", "watch": "service",
                    "cancel": "service", "resume": "service"},
    "AuditCriteriaState": {"load": "service", "set_criterion": "view", "add_criterion": "view",
                           "remove_criterion": "view", "save_criteria": "service",
                           "reset_criteria": "service"},
    "InsightsState": {"load": "service", "set_search": "service", "set_filter": "service",
                      "set_sort": "service", "set_view": "service", "go_to_page": "service",
                      "open_cell": "service", "close_detail": "view", "set_detail_open": "view",
                      "set_correction_level": "view", "set_correction_note": "view",
                      "save_correction": "service", "generate_case": "service",
                      "generate_all": "service", "watch": "service", "cancel": "service",
                      "resume": "service"},
    "OutcomeStagesState": {"load_stages": "service", "set_stage_name": "view",
                           "set_stage_description": "view", "save_stages": "service"},
    "ApiTokensState": {"load": "service", "set_field": "view", "create": "service",
                       "dismiss_token": "view", "revoke": "service"},
    "AccountState": {"load": "service", "start_totp": "service", "set_enrol_code": "view",
                     "confirm_totp": "service", "hide_recovery_codes": "view",
                     "sign_out_elsewhere": "service", "end_session": "service"},
    "SignInSettingsState": {"load_section": "service", "set_signup_domains_text": "view",
                            "save_signup_domains": "service", "sign_out_everywhere": "service",
                            "reset_two_step": "service"},
    "DataRightsState": {"load": "service", "search": "service", "open_person": "service",
                        "close_person": "view", "set_field": "view", "start_export": "service",
                        "erase": "service", "anonymise_all": "service"},
    "RetentionSettingsState": {"load": "service", "set_retention_years": "view",
                               "save": "service"},
}


@pytest.mark.parametrize("cls", [SessionState, SignInState, CasesState, CaseState, NewCaseState,
                                 PathwaysState, SettingsState, SearchState, WeeklyState,
                                 AuditTrailState, WorkloadState, WorkloadSettingsState,
                                 AuditsState, AuditCriteriaState,
                                 InsightsState, OutcomeStagesState, ApiTokensState,
                                 AccountState, SignInSettingsState, DataRightsState,
                                 RetentionSettingsState, ImportState])
def test_every_handler_is_accounted_for(cls: type[rx.State]) -> None:
    # Reflex gives every state a built-in ``setvar(name, value)``; it calls ``set_<name>``, so it
    # reaches only the set_* handlers listed here (auto setters are off: see the test below).
    own = {name for name in cls.event_handlers
           if name in cls.__dict__ and not name.startswith("_") and name != "setvar"}
    assert own == set(HANDLERS[cls.__name__]), (
        f"{cls.__name__}: new or removed event handlers; list each in HANDLERS with what "
        "protects it")
    for name, kind in HANDLERS[cls.__name__].items():
        source = inspect.getsource(cls.event_handlers[name].fn)
        if kind == "service":
            # It must establish the actor from the session before touching data.
            assert "self._actor()" in source or "self._case_action(" in source or \
                "self._refresh()" in source, f"{cls.__name__}.{name} does not resolve the actor"


@pytest.mark.parametrize("cls", [SessionState, SignInState, CasesState, CaseState, NewCaseState,
                                 PathwaysState, SettingsState, SearchState, WeeklyState,
                                 AuditTrailState, WorkloadState, WorkloadSettingsState,
                                 AuditsState, AuditCriteriaState,
                                 InsightsState, OutcomeStagesState, ApiTokensState,
                                 AccountState, SignInSettingsState, DataRightsState,
                                 RetentionSettingsState, ImportState])
def test_setvar_reaches_no_var_without_a_listed_setter(cls: type[rx.State]) -> None:
    listed = set(HANDLERS[cls.__name__])
    for var in set(cls.vars) - set(rx.State.vars):  # Reflex's own (is_hydrated) are not ours
        setter = f"set_{var}"
        assert not hasattr(cls, setter) or setter in listed, f"{cls.__name__}.{setter} unlisted"
    for sensitive in ("user_id", "can_manage_users", "can_manage_pathways", "case", "router"):
        assert not hasattr(cls, f"set_{sensitive}")


def test_insights_state_gives_volunteers_nothing_and_managers_the_heatmap(world: World) -> None:
    volunteer = _state(InsightsState, "vi.volunteer@example.org", "/insights")
    assert volunteer.load() is None and not volunteer.allowed and volunteer.rows == []
    volunteer.open_cell(world.case_volunteer, 1)  # called anyway, as a crafted client could
    assert not volunteer.detail_open and volunteer.message_kind == "error"
    manager = _state(InsightsState, "mo.manager@example.org", "/insights")
    manager.load()
    assert manager.allowed and manager.total == 4 and len(manager.rows[0].cells) == 6
    assert manager.set_filter("password_hash", "x") is None  # not a filter: ignored
    manager.set_view("workers")
    assert {r.worker_name for r in manager.worker_rows} >= {"Wren Worker", "Sol South"}
    worker = _state(InsightsState, "wren.worker@example.org", "/insights")
    worker.load()
    assert [r.case_id for r in worker.rows] == [world.case_worker]
    worker.open_cell(world.case_worker, 3)
    worker.correction_level = "high"
    worker.save_correction()  # a case worker may not correct: refused by the service
    assert worker.correction_error == "Only a manager can correct an insight."


def test_outcome_stages_state_refuses_non_admins(world: World) -> None:
    state = _state(OutcomeStagesState, "mo.manager@example.org", "/settings")
    state.load_stages()
    state.set_stage_name(0, "Renamed")
    state.save_stages()
    assert state.stage_errors["form"] == "Only an admin can change the outcome stages."
    admin = _state(OutcomeStagesState, "ada.admin@example.org", "/settings")
    admin.load_stages()
    admin.set_stage_name(0, "Engaged")
    admin.save_stages()
    assert admin.stage_message == "Outcome stages saved." and admin.stage_errors == {}
