"""Structured logs: one JSON object a line, with personal details masked."""

from __future__ import annotations

import io
import json
import logging

import pytest

from caseapp.logs import JsonFormatter, MaskPersonalData, configure_logging


def _capture() -> tuple[logging.Logger, io.StringIO]:
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.addFilter(MaskPersonalData())
    handler.setFormatter(JsonFormatter())
    log = logging.getLogger("caseapp.test_logs")
    log.handlers[:] = [handler]
    log.propagate = False
    log.setLevel(logging.INFO)
    return log, stream


def test_personal_details_in_a_message_come_out_masked_as_json() -> None:
    log, stream = _capture()
    log.warning("Could not reach %s on %s at SW1A 1AA", "aled.jones@example.com", "07700 900123",
                extra={"event": "contact.failed", "case_id": 42, "user_id": 7,
                       "duration_ms": 12.5, "person_name": "Aled Jones"})
    lines = stream.getvalue().splitlines()
    assert len(lines) == 1
    entry = json.loads(lines[0])
    assert entry["message"] == "Could not reach [email] on [phone] at [postcode]"
    assert entry["level"] == "WARNING" and entry["logger"] == "caseapp.test_logs"
    assert entry["event"] == "contact.failed" and entry["case_id"] == 42
    assert entry["user_id"] == 7 and entry["duration_ms"] == 12.5
    assert entry["time"].endswith("+00:00")
    assert "person_name" not in entry and "Aled Jones" not in lines[0]  # not a safe field


def test_an_error_quoting_user_input_is_masked_too() -> None:
    log, stream = _capture()
    try:
        raise ValueError("bad address bea.smith@example.org, ring +44 7700 900456")
    except ValueError:
        log.exception("save failed")
    entry = json.loads(stream.getvalue())
    assert "ValueError: bad address [email], ring [phone]" in entry["error"]
    assert "example.org" not in stream.getvalue() and "900456" not in stream.getvalue()


@pytest.mark.parametrize("fmt", ["json", "text"])
def test_configure_logging_masks_in_either_format(fmt: str, monkeypatch: pytest.MonkeyPatch,
                                                  capsys: pytest.CaptureFixture[str]) -> None:
    monkeypatch.setenv("CASEAPP_LOG_FORMAT", fmt)
    root = logging.getLogger()
    before = list(root.handlers), root.level
    try:
        configure_logging()
        configure_logging()  # twice: still one line per record
        logging.getLogger("caseapp.x").info("wrote to cai@example.net")
        out = capsys.readouterr().err.strip().splitlines()
    finally:
        root.handlers[:], level = before[0], before[1]
        root.setLevel(level)
    assert len(out) == 1
    assert "cai@example.net" not in out[0] and "[email]" in out[0]
    if fmt == "json":
        assert json.loads(out[0])["message"] == "wrote to [email]"
