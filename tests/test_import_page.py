"""The import page's state, called as any connected client could call it."""

from __future__ import annotations

import asyncio
import io
from pathlib import Path

import reflex as rx

from caseapp.config import settings
from state.import_page import ImportState
from tests.conftest import World
from tests.test_states import _is_sign_in_redirect, _state

CSV = b"Full name,DOB,Programme,Key worker\nAna Lima,01/02/1990,Housing Support,\n"


def _upload(data: bytes = CSV, name: str = "clients.csv") -> list[rx.UploadFile]:
    return [rx.UploadFile(file=io.BytesIO(data), path=Path(name))]


def _staged_files() -> list[str]:
    folder = settings().data_dir / "imports"
    return sorted(p.name for p in folder.iterdir()) if folder.exists() else []


def test_only_an_admin_gets_past_the_upload(world: World) -> None:
    for email in ("mo.manager@example.org", "wren.worker@example.org", "vi.volunteer@example.org"):
        state = _state(ImportState, email, "/import")
        state.load()
        assert not state.allowed and state.message == "Only an admin can import people and cases"
        asyncio.run(state.handle_upload(_upload()))  # sent anyway, as a crafted client could
        assert state.step == "upload" and state.column_options == []
        assert state.message == "Only an admin can import people and cases"
    assert _staged_files() == []
    signed_out = _state(ImportState, None, "/import")
    assert _is_sign_in_redirect(asyncio.run(signed_out.handle_upload(_upload())))


def test_an_admin_uploads_and_sees_the_suggested_mapping(world: World) -> None:
    state = _state(ImportState, "ada.admin@example.org", "/import")
    state.load()
    assert state.allowed and state.pathway_options == [[str(world.pathway_id), "Housing Support"]]
    asyncio.run(state.handle_upload(_upload()))
    assert state.step == "mapping" and state.row_count == 1 and state.file_name == "clients.csv"
    assert state.mapping["name"] == "0" and state.mapping["date_of_birth"] == "1"
    assert state.mapping["pathway"] == "2" and state.mapping["worker_email"] == "3"
    assert state.mapping["email"] == "" and state.examples["name"] == "Ana Lima"
    assert len(_staged_files()) == 1  # the table as read, kept privately
    staged = settings().data_dir / "imports" / _staged_files()[0]
    assert staged.stat().st_mode & 0o777 == 0o600
    state.set_mapping("name", "99")  # not a column: ignored
    state.set_mapping("password_hash", "1")  # not a field: ignored
    assert state.mapping["name"] == "0" and "password_hash" not in state.mapping
    state.set_mapping("email", "1")
    assert state.examples["email"] == "01/02/1990"
    state.start_over()
    assert state.step == "upload" and _staged_files() == []
    # A file that is not a spreadsheet is refused with the reason, and nothing is kept.
    asyncio.run(state.handle_upload(_upload(b"%PDF-1.7 ...", "report.pdf")))
    assert state.step == "upload" and state.message == "Choose a .csv or .xlsx file"
    assert _staged_files() == []
