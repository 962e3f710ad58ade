"""Rules for a new password: length, the shipped common-password list, and the person's own name."""

from __future__ import annotations

import gzip

import pytest

from caseapp import staff
from caseapp.auth import passwords
from caseapp.auth.passwords import common_passwords, password_problem
from caseapp.errors import ValidationFailed
from tests.conftest import World


def test_the_list_ships_with_the_app_and_is_large() -> None:
    # Read straight from the packaged file, not through the cache, so a missing file fails here.
    with gzip.open(passwords._COMMON_PASSWORDS_FILE, "rt", encoding="utf-8") as f:
        words = [w.strip() for w in f if w.strip() and not w.startswith("#")]
    assert len(words) > 20_000
    assert {"password", "qwerty", "letmein", "1qaz2wsx"} <= common_passwords()


@pytest.mark.parametrize("password", [
    "qwertyuiop",  # on the list as it is
    "QwertyUIOP",  # case does not matter
    "1234567890",  # only digits
    "password123",  # common word with digits added to pass the length rule
    "Sunshine2024!",
    "letmein!!!!",
    "football_99",
    "!!!!!!!!!!!!",  # only punctuation
])
def test_common_passwords_are_refused(password: str) -> None:
    problem = password_problem(password)
    assert problem is not None
    assert "common" in problem or "only numbers" in problem


@pytest.mark.parametrize("password", [
    "correct horse battery",
    "violet tram ladder 7",
    "Mx9#kq2!Lp0z",
])
def test_uncommon_long_passwords_are_allowed(password: str) -> None:
    assert password_problem(password, name="Wren Worker", email="wren.worker@example.org") is None


@pytest.mark.parametrize("password", [
    "wren is great 1",  # first name
    "WORKERworker77",  # surname, any case
    "my wren.worker pass",  # email local part
])
def test_passwords_containing_the_persons_name_or_email_are_refused(password: str) -> None:
    problem = password_problem(password, name="Wren Worker", email="wren.worker@example.org")
    assert problem == "A password cannot contain your name or email address"
    # The same password is fine for someone else: the rule is about this person.
    assert password_problem(password, name="Ola Jones", email="oj@example.org") is None


def test_short_name_parts_do_not_refuse_everything() -> None:
    # "Al" and "jo" are too short to count: refusing every password with "al" in it helps no one.
    assert password_problem("totally valid words", name="Al Jo", email="al@example.org") is None


def test_length_rule_still_comes_first() -> None:
    assert password_problem("short") == "Use at least 10 characters"


def test_staff_creation_refuses_common_and_personal_passwords(world: World) -> None:
    with pytest.raises(ValidationFailed) as exc:
        staff.create_user(world.admin, "New Person", "new@example.org", "volunteer", "",
                          "Password2024!")
    assert "common" in exc.value.errors["password"]
    with pytest.raises(ValidationFailed) as exc:
        staff.create_user(world.admin, "Rosalind Okafor", "ros@example.org", "volunteer", "",
                          "okafor rules the world")
    assert exc.value.errors["password"] == "A password cannot contain your name or email address"
    names = {s.name for s in staff.list_staff(world.admin, include_inactive=True)}
    assert not {"New Person", "Rosalind Okafor"} & names
    staff.create_user(world.admin, "Rosalind Okafor", "ros@example.org", "volunteer", "",
                      "violet tram ladder 7")


def test_password_change_uses_the_stored_name_and_email(world: World) -> None:
    from caseapp.auth.passwords import verify_password
    from caseapp.db import session_scope
    from caseapp.models import User

    with session_scope() as db:
        before = db.get(User, world.worker.id).password_hash
    for bad in ("Wren-2024-safe", "iloveyou123", "worker worker!"):
        with pytest.raises(ValidationFailed) as exc:
            staff.set_password(world.worker, world.worker.id, bad)
        assert "password" in exc.value.errors
    with session_scope() as db:
        assert db.get(User, world.worker.id).password_hash == before
    staff.set_password(world.admin, world.worker.id, "violet tram ladder 7")
    with session_scope() as db:
        assert verify_password(db.get(User, world.worker.id).password_hash, "violet tram ladder 7")
