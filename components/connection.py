"""What the page shows while its socket to the server is down.

Reflex's default toast names the websocket URL and says "check if server is reachable", which
alarms an outreach worker who has simply walked into a stairwell. This says what is true for them.
"""

from __future__ import annotations

import reflex as rx
from reflex_components_core.core.banner import connection_pulser, has_too_many_connection_errors


def connection_notice() -> rx.Component:
    return rx.fragment(
        connection_pulser(),
        rx.cond(
            has_too_many_connection_errors,
            rx.box(
                rx.icon("wifi-off", size=16, aria_hidden="true"),
                rx.text("Not connected — reconnecting. What you type stays on this device.",
                        size="2"),
                role="status",
                class_name="connection-notice",
            ),
        ),
    )
