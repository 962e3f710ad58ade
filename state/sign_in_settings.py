"""Settings (admins): sign-up through single sign-on, and per staff member "Sign out everywhere"
and "Reset two-step sign-in". The services check that the actor is an admin."""

from __future__ import annotations

import reflex as rx

from caseapp import staff
from caseapp.auth import oidc, sessions, signup, totp
from caseapp.errors import CaselineError, NotSignedIn, ValidationFailed
from state.session import SessionState


class SignInSettingsState(SessionState):
    signup_domains: str = ""
    signup_error: str = ""
    sso_configured: str = ""  # the identity providers set up on the server, by label
    notice: str = ""

    @rx.event
    def load_section(self) -> rx.event.EventSpec | None:
        try:
            self.signup_domains = signup.get_signup_domains(self._actor())
        except NotSignedIn:
            return self._to_sign_in()
        except CaselineError:
            return None  # not an admin: the page itself sends them away
        self.sso_configured = ", ".join(p.label for p in oidc.providers())
        self.signup_error = self.notice = ""
        return None

    @rx.event
    def set_signup_domains_text(self, value: str) -> None:
        self.signup_domains = value[:600]

    @rx.event
    def save_signup_domains(self) -> rx.event.EventSpec | None:
        try:
            domains = signup.set_signup_domains(self._actor(), self.signup_domains)
        except NotSignedIn:
            return self._to_sign_in()
        except ValidationFailed as exc:
            self.signup_error = exc.errors.get("signup_domains", str(exc))
            return None
        except CaselineError as exc:
            self.signup_error = str(exc)
            return None
        self.signup_domains, self.signup_error = ", ".join(domains), ""
        self.notice = ("Sign-up allowed from " + ", ".join(domains) + "." if domains
                       else "Only staff you add can sign in.")
        return None

    def _name_of(self, user_id: int) -> str:
        people = staff.list_staff(self._actor(), include_inactive=True)
        return next((p.name for p in people if p.id == user_id), "them")

    @rx.event
    def sign_out_everywhere(self, user_id: int) -> rx.event.EventSpec | None:
        try:
            actor = self._actor()
            ended = sessions.sign_out_everywhere(actor, int(user_id))
            who = self._name_of(int(user_id))
        except NotSignedIn:
            return self._to_sign_in()
        except (CaselineError, ValueError) as exc:
            self.notice = str(exc)
            return None
        self.notice = f"Signed {who} out of {ended} session{'s' if ended != 1 else ''}."
        return None

    @rx.event
    def reset_two_step(self, user_id: int) -> rx.event.EventSpec | None:
        try:
            totp.reset(self._actor(), int(user_id))
            who = self._name_of(int(user_id))
        except NotSignedIn:
            return self._to_sign_in()
        except (CaselineError, ValueError) as exc:
            self.notice = str(exc)
            return None
        self.notice = (f"Two-step sign-in reset for {who}: they sign in with their password "
                       "alone and can set it up again.")
        return None
