"""The sign-in page reads its message from the URL; the form itself posts to /auth/sign-in."""

from __future__ import annotations

import reflex as rx

from caseapp.auth.sessions import GENERIC_SIGN_IN_ERROR
from caseapp.errors import NotSignedIn
from caseapp.organisation import get_organisation
from state.session import SessionState


class SignInState(SessionState):
    error: str = ""
    notice: str = ""
    email_value: str = ""
    next_path: str = "/cases"

    @rx.event
    def load(self) -> rx.event.EventSpec | None:
        params = self.router.url.query_parameters
        try:
            self._actor()
            if not params.get("error"):
                return rx.redirect("/cases")  # already signed in
        except NotSignedIn:
            pass
        self.org_name = get_organisation().name
        self.error = GENERIC_SIGN_IN_ERROR if params.get("error") else ""
        self.notice = "You have signed out." if params.get("signed_out") else ""
        self.email_value = params.get("email", "")[:254]
        nxt = params.get("next", "/cases")
        self.next_path = nxt if nxt.startswith("/") and not nxt.startswith("//") else "/cases"
        return None
