"""Settings (admins): organisation and staff accounts."""

from __future__ import annotations

import reflex as rx

from caseapp.staff import StaffView
from components.audit_criteria_settings import audit_criteria_section
from components.fields import field_error, native_select, select_field, text_field
from components.import_view import import_settings_card
from components.outcome_stages_view import outcome_stages_section
from components.retention_settings import retention_settings_card
from components.sign_in_settings_view import sign_in_settings_section, user_sign_in_controls
from components.workload_settings_view import workload_settings_section
from state.settings_page import SettingsState as S

ROLES = [("admin", "Admin"), ("manager", "Manager"), ("case_worker", "Case worker"),
         ("volunteer", "Volunteer")]



def setting_checkbox(ident: str, label: str, checked: rx.Var, on_change: rx.EventHandler,
                     hint: str) -> rx.Component:
    """An organisation switch: a named checkbox (the label is its accessible name) and what it does."""
    return rx.fragment(
        rx.el.label(
            rx.checkbox(checked=checked, on_change=on_change, size="3", id=ident,
                        aria_labelledby=f"{ident}-label"),
            rx.text(label, size="3", id=f"{ident}-label"),
            class_name="checkbox-label",
        ),
        rx.text(hint, size="2", color_scheme="gray"),
    )

def _user_row(u: StaffView) -> rx.Component:
    return rx.card(
        rx.flex(
            rx.vstack(rx.text(u.name, weight="bold"), rx.text(u.email, size="2",
                                                              color_scheme="gray"),
                      rx.text(rx.cond(u.team != "", "Team " + u.team, "No team"), " · ",
                              u.capacity_hours, " h/week", size="2"),
                      spacing="0", flex="1", min_width="12em"),
            rx.vstack(
                rx.el.label("Team", html_for="team-" + u.id.to_string(), class_name="field-label"),
                rx.input(id="team-" + u.id.to_string(), default_value=u.team, size="3",
                         on_blur=lambda v: S.update_user(u.id, "team", v), width="8em"),
                spacing="1",
            ),
            rx.vstack(
                rx.el.label("Capacity (hours per week)", html_for="capacity-" + u.id.to_string(),
                            class_name="field-label"),
                rx.input(id="capacity-" + u.id.to_string(),
                         default_value=u.capacity_hours.to_string(), size="3", input_mode="decimal",
                         on_blur=lambda v: S.update_user(u.id, "capacity_hours", v), width="7em"),
                spacing="1",
            ),
            rx.vstack(
                rx.el.label("Role", html_for="role-" + u.id.to_string(), class_name="field-label"),
                native_select("role-" + u.id.to_string(), ROLES, u.role,
                              lambda v: S.update_user(u.id, "role", v)),
                spacing="1",
            ),
            rx.vstack(
                rx.el.label("Account", html_for="active-" + u.id.to_string(),
                            class_name="field-label"),
                native_select("active-" + u.id.to_string(),
                              [("active", "Active"), ("inactive", "Deactivated")],
                              rx.cond(u.active, "active", "inactive"),
                              lambda v: S.update_user(u.id, "active", v)),
                spacing="1",
            ),
            user_sign_in_controls(u.id, u.name),
            spacing="3", wrap="wrap", align="end", width="100%",
        ),
        width="100%",
    )


def settings_body() -> rx.Component:
    oe, ue = S.org_errors, S.user_errors
    return rx.vstack(
        rx.heading("Settings", size="6", as_="h1"),
        rx.cond(S.message != "", rx.callout(S.message, icon="info", role="status",
                                            width="100%")),
        rx.card(rx.vstack(
            rx.heading("Organisation", size="4", as_="h2"),
            text_field("Organisation name", "org-name", S.org_form_name,
                       lambda v: S.set_field("org_form_name", v), oe.get("name", "")),
            text_field("Time zone", "time-zone", S.time_zone,
                       lambda v: S.set_field("time_zone", v), oe.get("time_zone", "")),
            setting_checkbox(
                "offline-drafts", "Keep drafts and unsent notes on devices",
                S.org_offline_drafts, S.set_offline_drafts,
                "Workers can write with no signal: a note waits on the phone until it can be "
                "sent, and is removed at sign-out. Turn this off if your policy forbids any case "
                "data on devices; Caseline then needs a connection to save."),
            setting_checkbox(
                "ai-enabled", "AI features", S.org_ai_enabled, S.set_ai_enabled,
                "Summaries, risk indicators, questions and analysis on a case. They read only "
                "what each user may read, and nothing enters the record until a person accepts "
                "it."),
            setting_checkbox(
                "ai-real-names", "Send real names to a self-hosted AI endpoint",
                S.org_ai_real_names, S.set_ai_real_names,
                "Only for an endpoint running on this server. Any other endpoint always gets "
                "placeholders such as [PERSON_1] instead of names, phone numbers, emails, "
                "postcodes and addresses."),
            rx.flex(rx.button("Save organisation", on_click=S.save_organisation,
                              class_name="tap"), justify="end", width="100%"),
            spacing="3", width="100%"), width="100%"),
        workload_settings_section(),
        rx.card(rx.vstack(
            rx.heading("Add a staff member", size="4", as_="h2"),
            rx.grid(
                text_field("Full name", "new-name", S.new_name,
                           lambda v: S.set_field("new_name", v), ue.get("name", "")),
                text_field("Email", "new-email", S.new_email,
                           lambda v: S.set_field("new_email", v), ue.get("email", ""),
                           type="email"),
                select_field("Role", "new-role", ROLES, S.new_role,
                             lambda v: S.set_field("new_role", v), ue.get("role", "")),
                text_field("Team", "new-team", S.new_team,
                           lambda v: S.set_field("new_team", v), ue.get("team", "")),
                text_field("Capacity (hours per week)", "new-capacity", S.new_capacity,
                           lambda v: S.set_field("new_capacity", v),
                           ue.get("capacity_hours", ""), input_mode="decimal"),
                text_field("Password", "new-password", S.new_password,
                           lambda v: S.set_field("new_password", v), ue.get("password", ""),
                           type="password", auto_complete="new-password"),
                columns=rx.breakpoints(initial="1", xs="2"), spacing="3", width="100%",
            ),
            field_error(ue.get("form", ""), "user-form"),
            rx.flex(rx.button("Add staff member", on_click=S.add_user, class_name="tap"),
                    justify="end", width="100%"),
            spacing="3", width="100%"), width="100%"),
        outcome_stages_section(),
        sign_in_settings_section(),
        retention_settings_card(),
        import_settings_card(),
        rx.heading("Staff", size="4", as_="h2"),
        rx.foreach(S.users, _user_row),
        audit_criteria_section(),
        spacing="4", width="100%", max_width="860px",
    )
