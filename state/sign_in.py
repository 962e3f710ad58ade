"""The sign-in page reads its message from the URL; the forms post to /auth/sign-in (password) and
/auth/sign-in/code (authenticator code); single sign-on buttons go to /auth/oidc/<name>/start."""

from __future__ import annotations

from dataclasses import dataclass
from urllib.parse import quote

import reflex as rx

from caseapp.auth import oidc, totp
from caseapp.auth.sessions import GENERIC_SIGN_IN_ERROR
from caseapp.errors import NotSignedIn
from caseapp.organisation import get_organisation
from state.session import SessionState

TIMED_OUT = "Your sign-in timed out. Enter your email and password again"


@dataclass
class ProviderButton:
    label: str  # "Sign in with <label>"
    href: str


class SignInState(SessionState):
    error: str = ""
    notice: str = ""
    email_value: str = ""
    next_path: str = "/cases"
    step: str = "password"  # or "code": the password was right, the authenticator code is next
    providers: list[ProviderButton] = []

    @rx.event
    def load(self) -> rx.event.EventSpec | None:
        params = self.router.url.query_parameters
        try:
            self._actor()
            if not params.get("error") and not params.get("sso_error"):
                return rx.redirect("/cases")  # already signed in
        except NotSignedIn:
            pass
        self.org_name = get_organisation().name
        # Messages are chosen here from fixed texts: nothing in the URL is shown as it is.
        error = params.get("error", "")
        self.error = {"": "", "code": totp.WRONG_CODE, "timeout": TIMED_OUT}.get(
            error, GENERIC_SIGN_IN_ERROR)
        if params.get("sso_error"):
            self.error = oidc.MESSAGES.get(params.get("sso_error", ""), oidc.MESSAGES["invalid"])
        self.notice = "You have signed out." if params.get("signed_out") else ""
        self.email_value = params.get("email", "")[:254]
        self.step = "code" if params.get("step") == "code" else "password"
        nxt = params.get("next", "/cases")
        self.next_path = nxt if nxt.startswith("/") and not nxt.startswith("//") else "/cases"
        self.providers = [
            ProviderButton(label=p.label,
                           href=f"/auth/oidc/{p.name}/start?next={quote(self.next_path)}")
            for p in oidc.providers()]
        return None
