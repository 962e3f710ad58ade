"""Logging: one JSON object a line, and nothing personal in it.

Code logs events and ids (``log.info("note saved", extra={"event": "interaction.saved",
"case_id": 12})``), never names or note text. Should an email address, phone number or postcode
slip into a message or an error all the same, the filter masks it before any handler writes it.
The patterns are the pseudonymiser's own, so both hide the same things.
"""

from __future__ import annotations

import json
import logging
import os
import re
from datetime import UTC, datetime

from caseapp.ai.pseudonymise import _EMAIL, _PHONE, _POSTCODE

# Only these extra fields are written: ids and measures, never free text.
SAFE_FIELDS = ("event", "case_id", "user_id", "interaction_id", "run_id", "duration_ms",
               "status", "count")
_MASKS: tuple[tuple[re.Pattern[str], str], ...] = (
    (_EMAIL, "[email]"), (_PHONE, "[phone]"), (_POSTCODE, "[postcode]"))


def mask(text: str) -> str:
    for pattern, placeholder in _MASKS:
        text = pattern.sub(placeholder, text)
    return text


class MaskPersonalData(logging.Filter):
    """Formats the message now and masks it, so a formatter never sees the raw arguments."""

    def filter(self, record: logging.LogRecord) -> bool:
        record.msg = mask(record.getMessage())
        record.args = None
        if record.exc_info and not record.exc_text:
            # Exception messages can quote user input (a validation error, a bad email).
            record.exc_text = logging.Formatter().formatException(record.exc_info)
        if record.exc_text:
            record.exc_text = mask(record.exc_text)
        record.exc_info = None  # the masked text is what gets written
        return True


class JsonFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        entry: dict[str, object] = {
            "time": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
        }
        for field in SAFE_FIELDS:
            value = getattr(record, field, None)
            if isinstance(value, int | float | bool):
                entry[field] = value
            elif isinstance(value, str):
                entry[field] = mask(value)
        if record.exc_text:
            entry["error"] = record.exc_text
        return json.dumps(entry, ensure_ascii=False)


def configure_logging() -> None:
    """Root logging for the app: ``CASEAPP_LOG_FORMAT`` json (default) or text,
    ``CASEAPP_LOG_LEVEL`` (default INFO). Safe to call more than once."""
    root = logging.getLogger()
    for handler in list(root.handlers):
        if getattr(handler, "_caseline", False):
            root.removeHandler(handler)
    handler = logging.StreamHandler()
    handler._caseline = True  # type: ignore[attr-defined]
    handler.addFilter(MaskPersonalData())
    if os.environ.get("CASEAPP_LOG_FORMAT", "json").strip().lower() == "text":
        handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s %(message)s"))
    else:
        handler.setFormatter(JsonFormatter())
    root.addHandler(handler)
    root.setLevel(os.environ.get("CASEAPP_LOG_LEVEL", "INFO").strip().upper() or "INFO")
