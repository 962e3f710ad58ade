"""Your account: two-step sign-in (admins and managers) and the browsers you are signed in on."""

from __future__ import annotations

from dataclasses import dataclass

import reflex as rx

from caseapp.auth import sessions, totp
from caseapp.errors import CaselineError, NotSignedIn, ValidationFailed
from caseapp.organisation import get_organisation
from caseapp.timefmt import format_datetime
from state.session import SessionState


@dataclass
class SessionRow:
    id: int
    started: str
    last_seen: str
    method: str
    device: str
    current: bool


class AccountState(SessionState):
    totp_offered: bool = False
    totp_enabled: bool = False
    recovery_left: int = 0
    enrol_qr: str = ""  # a data: URI of the QR code's SVG, drawn on the server
    enrol_secret: str = ""
    enrol_code: str = ""
    totp_error: str = ""
    recovery_codes: list[str] = []  # shown once, just after turning it on
    session_rows: list[SessionRow] = []
    message: str = ""

    def _token(self) -> str | None:
        return sessions.token_from_cookie_header(self.router.headers.cookie)

    def _refresh(self) -> None:
        actor = self._actor()
        status = totp.status(actor)
        self.totp_offered, self.totp_enabled = status.offered, status.enabled
        self.recovery_left = status.recovery_codes_left
        tz = get_organisation().time_zone
        self.session_rows = [
            SessionRow(id=s.id, started=format_datetime(s.started_at, tz),
                       last_seen=format_datetime(s.last_seen_at, tz), method=s.method,
                       device=s.device, current=s.current)
            for s in sessions.list_sessions(actor, actor.id, self._token())]

    @rx.event
    def load(self) -> rx.event.EventSpec | None:
        try:
            actor = self._actor()
            self._remember(actor)
            self._refresh()
        except NotSignedIn:
            return self._to_sign_in()
        self.enrol_qr = self.enrol_secret = self.enrol_code = self.totp_error = ""
        self.recovery_codes, self.message = [], ""
        return None

    @rx.event
    def start_totp(self) -> rx.event.EventSpec | None:
        try:
            enrolment = totp.start_enrolment(self._actor())
        except NotSignedIn:
            return self._to_sign_in()
        except ValidationFailed as exc:
            self.totp_error = exc.errors.get("code", str(exc))
            return None
        except CaselineError as exc:
            self.totp_error = str(exc)
            return None
        self.enrol_qr, self.enrol_secret = enrolment.qr_svg_data_uri, enrolment.secret
        self.enrol_code, self.totp_error = "", ""
        return None

    @rx.event
    def set_enrol_code(self, value: str) -> None:
        self.enrol_code = value[:20]

    @rx.event
    def confirm_totp(self) -> rx.event.EventSpec | None:
        try:
            codes = totp.confirm_enrolment(self._actor(), self.enrol_code, self._token())
        except NotSignedIn:
            return self._to_sign_in()
        except ValidationFailed as exc:
            self.totp_error = exc.errors.get("code", str(exc))
            return None
        except CaselineError as exc:
            self.totp_error = str(exc)
            return None
        self.recovery_codes = codes
        self.enrol_qr = self.enrol_secret = self.enrol_code = self.totp_error = ""
        self.message = ("Two-step sign-in is on. You have been signed out everywhere else; "
                        "from now on you will be asked for a code after your password.")
        self._refresh()
        return None

    @rx.event
    def hide_recovery_codes(self) -> None:
        self.recovery_codes = []

    @rx.event
    def sign_out_elsewhere(self) -> rx.event.EventSpec | None:
        try:
            actor = self._actor()
            ended = sessions.sign_out_everywhere(actor, actor.id, keep_token=self._token())
            self._refresh()
        except NotSignedIn:
            return self._to_sign_in()
        except CaselineError as exc:
            self.message = str(exc)
            return None
        self.message = (f"Signed out of {ended} other session{'s' if ended != 1 else ''}."
                        if ended else "You were not signed in anywhere else.")
        return None

    @rx.event
    def end_session(self, session_id: int) -> rx.event.EventSpec | None:
        try:
            sessions.end_session(self._actor(), int(session_id))
            self._refresh()
        except NotSignedIn:
            return self._to_sign_in()
        except (CaselineError, ValueError) as exc:
            self.message = str(exc)
            return None
        self.message = "That session has been signed out."
        return None
