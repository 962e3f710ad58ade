"""A plain HTML form that really submits to the server.

Reflex's own form always calls preventDefault() to hand the fields to a State handler. Sign-in and
sign-out must reach server routes instead, which set and clear the HttpOnly session cookie.
"""

from __future__ import annotations

import reflex as rx
from reflex_components_core.el.elements.base import BaseHTML


class PlainForm(BaseHTML):
    tag = "form"
    action: rx.Var[str]
    method: rx.Var[str]


plain_form = PlainForm.create
