"""Backup and restore: a round trip loses nothing, a damaged archive changes nothing, and a
backup taken while notes are being saved is consistent."""

from __future__ import annotations

import io
import json
import shutil
import tarfile
import threading
import uuid
from pathlib import Path

import pytest
from PIL import Image
from sqlalchemy import inspect, text
from sqlmodel import select

from caseapp import backup as bk
from caseapp import db, interactions
from caseapp.audit import verify_chain
from caseapp.config import settings
from caseapp.db import session_scope
from caseapp.interactions import NewInteraction, add_interaction
from caseapp.models import Attachment
from tests.conftest import World


def _photo() -> bytes:
    buf = io.BytesIO()
    Image.new("RGB", (80, 60), "teal").save(buf, "JPEG")
    return buf.getvalue()


def _everything() -> tuple[dict[str, list[tuple]], dict[str, bytes]]:
    """Every row of every table, and every attachment file's bytes by storage key."""
    with db.engine().connect() as conn:
        tables = inspect(conn).get_table_names()
        rows = {t: sorted((tuple(r) for r in conn.execute(text(f'SELECT * FROM "{t}"'))),
                          key=repr) for t in tables}
    with session_scope() as s:
        keys = [k for a in s.exec(select(Attachment)).all()
                for k in (a.storage_key, a.thumbnail_key) if k]
    store = interactions.attachment_store()
    return rows, {k: store.read(k) for k in keys}


def _wipe() -> None:
    """Lose the database and the files, as a failed disk would."""
    url = settings().db_url
    if url.startswith("sqlite"):
        db.engine().dispose()
        for suffix in ("", "-wal", "-shm"):
            Path(url.removeprefix("sqlite:///") + suffix).unlink(missing_ok=True)
    else:
        with db.engine().begin() as conn:
            conn.execute(text("DROP SCHEMA public CASCADE"))
            conn.execute(text("CREATE SCHEMA public"))
        db.engine().dispose()
    shutil.rmtree(settings().attachments_dir, ignore_errors=True)
    db.engine.cache_clear()


def _note(world: World, text_: str, files: list[tuple[str, bytes]] | None = None) -> int:
    return add_interaction(world.worker, world.case_worker,
                           NewInteraction(kind="note", text=text_, client_ref=uuid.uuid4().hex),
                           files or [])


def test_round_trip_loses_nothing(world: World, tmp_path: Path) -> None:
    _note(world, "Met at the library; brought the tenancy letter.",
          [("letter.jpg", _photo()), ("notes.txt", b"rent arrears: 3 weeks\n")])
    before_rows, before_files = _everything()
    assert before_files and before_rows["attachment"] and before_rows["user"]

    made = bk.backup(f"{tmp_path}/out/")  # a folder: a time-stamped archive in it
    assert made.path.parent == tmp_path / "out"
    assert made.path.name.startswith("caseline-backup-") and made.path.name.endswith(".tar.gz")
    assert made.path.stat().st_mode & 0o077 == 0  # personal data: owner only
    assert made.files == len(before_files)
    with tarfile.open(made.path) as tar:
        manifest = json.load(tar.extractfile(bk.MANIFEST))  # type: ignore[arg-type]
    assert manifest["row_counts"]["interaction"] == len(before_rows["interaction"])
    assert manifest["schema_revision"] and manifest["created_at"]
    assert all(len(f["sha256"]) == 64 for f in manifest["files"])

    _wipe()
    done = bk.restore(made.path)
    assert done.files == len(before_files)
    after_rows, after_files = _everything()
    assert after_rows == before_rows
    assert after_files == before_files


def test_restore_refuses_a_database_with_data_unless_forced(world: World, tmp_path: Path) -> None:
    made = bk.backup(tmp_path / "a.tar.gz")
    extra = _note(world, "Written after the backup.")
    with pytest.raises(bk.BackupError, match="already holds data"):
        bk.restore(made.path)
    with session_scope() as s:  # refused: still there
        assert s.get(interactions.Interaction, extra) is not None
    bk.restore(made.path, force=True)
    with session_scope() as s:  # forced: the database is as it was at the backup
        assert s.get(interactions.Interaction, extra) is None


def _tampered(original: Path, into: Path) -> Path:
    """The same archive with one byte of the database changed and the manifest left alone."""
    with tarfile.open(original) as src, tarfile.open(into, "w:gz") as out:
        for member in src.getmembers():
            data = src.extractfile(member).read()  # type: ignore[union-attr]
            if member.name in (bk.SQLITE_MEMBER, bk.PG_MEMBER):
                data = data[:-10] + bytes([data[-10] ^ 1]) + data[-9:]
            member.size = len(data)
            out.addfile(member, io.BytesIO(data))
    return into


def test_a_damaged_archive_is_refused_and_changes_nothing(world: World, tmp_path: Path) -> None:
    _note(world, "Has a photo.", [("p.jpg", _photo())])
    made = bk.backup(tmp_path / "good.tar.gz")
    _note(world, "After the backup.")
    before = _everything()
    truncated = tmp_path / "truncated.tar.gz"
    truncated.write_bytes(made.path.read_bytes()[: made.path.stat().st_size // 2])
    with pytest.raises(bk.BackupError, match="damaged"):
        bk.restore(truncated, force=True)
    with pytest.raises(bk.BackupError, match="Checksum mismatch"):
        bk.restore(_tampered(made.path, tmp_path / "tampered.tar.gz"), force=True)
    assert _everything() == before


def test_a_backup_taken_while_notes_are_saved_is_consistent(world: World,
                                                            tmp_path: Path) -> None:
    stop = threading.Event()
    saved: list[int] = []
    errors: list[BaseException] = []
    photo = _photo()

    def keep_saving() -> None:
        try:
            while not stop.is_set():
                saved.append(_note(world, f"Visit {len(saved)}", [("v.jpg", photo)]))
        except Exception as exc:  # noqa: BLE001 - surfaced below; a silent thread proves nothing
            errors.append(exc)

    writer = threading.Thread(target=keep_saving)
    writer.start()
    try:
        while len(saved) < 3 and not errors:
            stop.wait(0.01)
        at_start = len(saved)
        made = bk.backup(tmp_path / "busy.tar.gz")
        at_end = len(saved)
        while len(saved) < at_end + 2 and not errors:  # the writer carries on past the backup
            stop.wait(0.01)
    finally:
        stop.set()
        writer.join()
    assert not errors
    assert at_start >= 3 and made.row_counts["attachment"] >= at_start
    # Some notes were saved after the snapshot and are rightly not in it.
    assert made.row_counts["attachment"] < len(saved)

    _wipe()
    bk.restore(made.path)
    with session_scope() as s:
        report = verify_chain(s)
        assert report.intact, report.reason
        attachments = s.exec(select(Attachment)).all()
    assert len(attachments) == made.row_counts["attachment"]
    store = interactions.attachment_store()
    for att in attachments:  # every row's file came back, whole
        assert len(store.read(att.storage_key)) == att.size_bytes


def test_command_line_backup_and_refused_restore(world: World, tmp_path: Path,
                                                 capsys: pytest.CaptureFixture[str]) -> None:
    from caseapp.__main__ import main

    assert main(["backup", f"{tmp_path}/cli/"]) == 0
    archives = list((tmp_path / "cli").glob("caseline-backup-*.tar.gz"))
    assert len(archives) == 1
    assert "Backed up" in capsys.readouterr().out
    assert main(["restore", str(archives[0])]) == 2  # the database holds the world's data
    assert "already holds data" in capsys.readouterr().err
    assert main(["restore", "--force", str(archives[0])]) == 0
