"""The signed-in user behind a browser tab, resolved from the HttpOnly cookie on every event."""

from __future__ import annotations

from urllib.parse import quote

import reflex as rx

from caseapp import access
from caseapp.actor import Actor
from caseapp.auth import sessions
from caseapp.organisation import get_organisation


class SessionState(rx.State):
    """Base of every page state. Holds only what the shell shows about the user."""

    user_id: int = 0
    user_name: str = ""
    user_role: str = ""
    user_role_key: str = ""  # admin, manager, case_worker, volunteer: which entries the nav offers
    org_name: str = "Caseline"
    can_manage_pathways: bool = False
    can_manage_users: bool = False
    can_create_case: bool = False
    offline_drafts: bool = True  # the organisation lets notes wait on the device
    ai_enabled: bool = True

    def _actor(self) -> Actor:
        """Raises NotSignedIn. Runs on every event, so a revoked session stops at once."""
        token = sessions.token_from_cookie_header(self.router.headers.cookie)
        return sessions.actor_for_token(token)

    def _to_sign_in(self) -> rx.event.EventSpec:
        here = self.router.url.path or "/cases"
        return rx.redirect(f"/sign-in?next={quote(here)}")

    def _remember(self, actor: Actor) -> None:
        self.user_id, self.user_name, self.user_role = actor.id, actor.name, actor.role.label
        self.user_role_key = actor.role.value
        self.can_manage_pathways = access.can_manage_pathways(actor)
        self.can_manage_users = access.can_manage_users(actor)
        self.can_create_case = access.can_create_case(actor)
        org = get_organisation()
        self.org_name, self.offline_drafts = org.name, org.offline_drafts
        self.ai_enabled = org.ai_enabled
