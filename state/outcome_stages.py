"""Settings: the organisation's six Theory of Change stages (admins). Its own state so the
settings page's state does not grow; it loads when its section mounts."""

from __future__ import annotations

import reflex as rx

from caseapp import insights
from caseapp.errors import CaselineError, NotSignedIn, ValidationFailed
from state.session import SessionState


class OutcomeStagesState(SessionState):
    stage_names: list[str] = []
    stage_descriptions: list[str] = []
    stage_errors: dict[str, str] = {}
    stage_message: str = ""

    @rx.event
    def load_stages(self) -> rx.event.EventSpec | None:
        try:
            actor = self._actor()
        except NotSignedIn:
            return self._to_sign_in()
        stages = insights.list_stages(actor)
        self.stage_names = [s.name for s in stages]
        self.stage_descriptions = [s.description for s in stages]
        self.stage_errors, self.stage_message = {}, ""
        return None

    @rx.event
    def set_stage_name(self, index: int, value: str) -> None:
        if isinstance(index, int) and 0 <= index < len(self.stage_names):
            self.stage_names[index] = value[:120]

    @rx.event
    def set_stage_description(self, index: int, value: str) -> None:
        if isinstance(index, int) and 0 <= index < len(self.stage_descriptions):
            self.stage_descriptions[index] = value[:800]

    @rx.event
    def save_stages(self) -> rx.event.EventSpec | None:
        try:
            insights.update_stages(self._actor(), list(zip(self.stage_names,
                                                           self.stage_descriptions,
                                                           strict=True)))
        except NotSignedIn:
            return self._to_sign_in()
        except ValidationFailed as exc:
            self.stage_errors, self.stage_message = exc.errors, ""
            return None
        except CaselineError as exc:
            self.stage_errors, self.stage_message = {"form": str(exc)}, ""
            return None
        self.stage_errors, self.stage_message = {}, "Outcome stages saved."
        return None
