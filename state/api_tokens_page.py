"""API tokens: every signed-in user makes and revokes their own; an admin sees and may revoke all.

The new token is held here only until the user presses Done (or leaves the page): it is shown
once and never stored, only its hash (caseapp/auth/api_tokens.py).
"""

from __future__ import annotations

import reflex as rx

from caseapp.auth import api_tokens
from caseapp.auth.api_tokens import TokenView
from caseapp.errors import CaselineError, NotSignedIn, ValidationFailed
from state.session import SessionState

EXPIRY_CHOICES = [("30", "In 30 days"), ("90", "In 90 days"), ("365", "In a year"),
                  ("never", "Never (until revoked)")]


class ApiTokensState(SessionState):
    tokens: list[TokenView] = []
    new_name: str = ""
    new_expiry: str = "90"
    new_token: str = ""  # shown once, then forgotten
    errors: dict[str, str] = {}
    message: str = ""

    def _refresh(self) -> None:
        self.tokens = api_tokens.list_tokens(self._actor())

    @rx.event
    def load(self) -> rx.event.EventSpec | None:
        try:
            self._remember(self._actor())
            self._refresh()
        except NotSignedIn:
            return self._to_sign_in()
        self.new_token, self.errors, self.message = "", {}, ""
        return None

    @rx.event
    def set_field(self, name: str, value: str) -> None:
        if name in ("new_name", "new_expiry"):
            setattr(self, name, str(value)[:200])

    @rx.event
    def create(self) -> rx.event.EventSpec | None:
        days = None if self.new_expiry == "never" else (
            int(self.new_expiry) if self.new_expiry.isdigit() else -1)
        try:
            made = api_tokens.create_token(self._actor(), self.new_name, days)
        except NotSignedIn:
            return self._to_sign_in()
        except ValidationFailed as exc:
            self.errors = exc.errors
            return None
        except CaselineError as exc:
            self.errors = {"form": str(exc)}
            return None
        self.new_token, self.errors = made.token, {}
        self.message = (f"Token “{self.new_name.strip()}” made. Copy it now: it will not be "
                        "shown again.")
        self.new_name = ""
        self._refresh()
        return None

    @rx.event
    def dismiss_token(self) -> None:
        self.new_token, self.message = "", ""

    @rx.event
    def revoke(self, token_id: int) -> rx.event.EventSpec | None:
        try:
            api_tokens.revoke_token(self._actor(), int(token_id))
            self.message = "Token revoked: integrations using it stop working at once."
            self._refresh()
        except NotSignedIn:
            return self._to_sign_in()
        except (CaselineError, ValueError) as exc:
            self.message = str(exc) if isinstance(exc, CaselineError) else "That token does not exist"
        return None
