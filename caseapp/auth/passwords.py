"""Password hashing with argon2id (memory-hard), via argon2-cffi, and the rules for a new password."""

from __future__ import annotations

import gzip
import re
from functools import cache
from pathlib import Path

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

_hasher = PasswordHasher()  # library defaults follow RFC 9106's recommendations

# Verified when the email is unknown, so a wrong email costs as long as a wrong password.
_DUMMY_HASH = _hasher.hash("caseline-timing-equaliser")

MIN_PASSWORD_LENGTH = 10

# Shipped with the app (zxcvbn's list, MIT; see the file's header): checked offline, never sent anywhere.
_COMMON_PASSWORDS_FILE = Path(__file__).with_name("common_passwords.txt.gz")
# What people add to a common word to pass a length rule: "sunshine2024!", "password123".
_TRAILING_DIGITS_AND_PUNCTUATION = re.compile(r"[\d\W_]+$")
# Parts of a name or email shorter than this ("Al", "jo") would refuse too many good passwords.
_MIN_PERSONAL_PART = 3


def hash_password(password: str) -> str:
    return _hasher.hash(password)


def verify_password(password_hash: str | None, password: str) -> bool:
    try:
        return _hasher.verify(password_hash or _DUMMY_HASH, password) and password_hash is not None
    except (VerificationError, InvalidHashError):
        return False


@cache
def common_passwords() -> frozenset[str]:
    """The shipped list, lower case (read once: ~30,000 words, about 2 MB in memory)."""
    with gzip.open(_COMMON_PASSWORDS_FILE, "rt", encoding="utf-8") as f:
        return frozenset(line.strip() for line in f if line.strip() and not line.startswith("#"))


def _personal_parts(name: str, email: str) -> set[str]:
    """Words of the person's name and of their email's local part, lower case."""
    local = email.strip().lower().split("@", 1)[0]
    words = re.split(r"[\W_]+", f"{name.lower()} {local}")
    parts = {w for w in words if len(w) >= _MIN_PERSONAL_PART}
    if len(local) >= _MIN_PERSONAL_PART:
        parts.add(local)
    return parts


def password_problem(password: str, *, name: str = "", email: str = "") -> str | None:
    """A message if the password is too weak to set, else None.

    ``name`` and ``email`` are the person whose password it is: a password containing either is
    among the first an attacker who knows them would try.
    """
    if len(password) < MIN_PASSWORD_LENGTH:
        return f"Use at least {MIN_PASSWORD_LENGTH} characters"
    if password.strip() != password or not password.strip():
        return "A password cannot start or end with spaces"
    lowered = password.lower()
    core = _TRAILING_DIGITS_AND_PUNCTUATION.sub("", lowered)
    if not core:
        return "Use letters or words too, not only numbers and symbols"
    common = common_passwords()
    if lowered in common or core in common:
        return ("That password is on a list of common passwords that attackers try first; "
                "choose another, for example three or four unrelated words")
    if any(part in lowered for part in _personal_parts(name, email)):
        return "A password cannot contain your name or email address"
    return None
