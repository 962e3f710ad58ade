"""Cleaning and checking what people type, shared by every service."""

from __future__ import annotations

import re
import unicodedata

# Bidi overrides and isolates can make a name display as something else; drop them from names.
_BIDI_CONTROLS = re.compile("[\u202a-\u202e\u2066-\u2069]")
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
# Lone UTF-16 surrogates (JSON "\ud800" from a page event decodes to one) cannot be encoded
# as UTF-8, so the database driver would fail the whole save; they carry no text, so drop them.
_SURROGATES = re.compile("[\ud800-\udfff]")
HEX_COLOUR = re.compile(r"^#[0-9a-fA-F]{6}$")


def clean_line(value: str | None) -> str:
    """One line of text (a name, a tag): NFC, no control characters, single spaces."""
    text = unicodedata.normalize("NFC", value or "")
    text = _BIDI_CONTROLS.sub("", _CONTROL.sub("", _SURROGATES.sub("", text)))
    return " ".join(text.split())


def clean_note(value: str | None) -> str:
    """Note text: keep line breaks and right-to-left text, drop control characters, trim ends."""
    text = unicodedata.normalize("NFC", value or "").replace("\r\n", "\n").replace("\r", "\n")
    return _SURROGATES.sub("", _CONTROL.sub("", text)).strip()


def required_line(errors: dict[str, str], field: str, label: str, value: str | None,
                  max_len: int) -> str:
    text = clean_line(value)
    if not text:
        errors[field] = f"{label} cannot be empty"
    elif len(text) > max_len:
        errors[field] = f"{label} is too long (at most {max_len} characters)"
    return text


def optional_line(errors: dict[str, str], field: str, label: str, value: str | None,
                  max_len: int) -> str | None:
    text = clean_line(value)
    if len(text) > max_len:
        errors[field] = f"{label} is too long (at most {max_len} characters)"
    return text or None


def clean_tags(values: list[str] | str | None) -> list[str]:
    """Tags from a list or a comma-separated string: trimmed, lower-cased, unique, in order."""
    if values is None:
        return []
    raw = values.split(",") if isinstance(values, str) else values
    seen: dict[str, None] = {}
    for item in raw:
        tag = clean_line(item).lower()[:40]
        if tag:
            seen.setdefault(tag, None)
    return list(seen)
