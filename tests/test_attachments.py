"""Attachments through the interaction service: all-or-nothing saves and authorised reads."""

from __future__ import annotations

import io

import pytest
from PIL import Image
from sqlmodel import select

from caseapp import interactions
from caseapp.db import session_scope
from caseapp.errors import NoAccess, ValidationFailed
from caseapp.interactions import NewInteraction, open_attachment
from caseapp.models import Attachment, AuditEvent, Interaction
from tests.conftest import World


def _photo() -> bytes:
    out = io.BytesIO()
    exif = Image.Exif()
    exif[0x8825] = {1: "N", 2: (51.0, 30.0, 26.0)}
    Image.new("RGB", (800, 600), (10, 120, 60)).save(out, "JPEG", exif=exif)
    return out.getvalue()


def _stored_files(data_dir: object) -> list:
    root = interactions.attachment_store().root
    return [p for p in root.rglob("*") if p.is_file()] if root.exists() else []


def test_photo_and_document_saved_with_the_note(world: World, data_dir: object) -> None:
    iid = interactions.add_interaction(
        world.worker, world.case_worker, NewInteraction(text="Photo of the damp wall"),
        files=[("IMG_1.jpg", _photo()), ("letter.pdf", b"%PDF-1.4\n%%EOF\n")])
    item = interactions.timeline(world.worker, world.case_worker).items[0]
    assert item.id == iid
    assert [(a.name, a.is_image) for a in item.attachments] == [("IMG_1.jpg", True),
                                                               ("letter.pdf", False)]
    served = open_attachment(world.worker, item.attachments[0].id)
    assert served.content_type == "image/jpeg"
    assert 0x8825 not in Image.open(io.BytesIO(served.data)).getexif()
    thumb = open_attachment(world.worker, item.attachments[0].id, thumbnail=True)
    assert max(Image.open(io.BytesIO(thumb.data)).size) <= 320
    assert len(_stored_files(data_dir)) == 3  # photo, its thumbnail, the PDF


def test_one_bad_file_means_nothing_is_saved(world: World, data_dir: object) -> None:
    with pytest.raises(ValidationFailed) as exc:
        interactions.add_interaction(
            world.worker, world.case_worker, NewInteraction(text="Two files"),
            files=[("IMG_1.jpg", _photo()), ("cv.pdf", b"not a pdf at all")])
    assert "not really a PDF" in exc.value.errors["attachments"]
    with session_scope() as db:
        assert db.exec(select(Interaction)).all() == []
        assert db.exec(select(Attachment)).all() == []
    assert _stored_files(data_dir) == []


def test_too_many_files_are_refused(world: World, monkeypatch: pytest.MonkeyPatch) -> None:
    files = [(f"n{i}.txt", b"x") for i in range(11)]
    with pytest.raises(ValidationFailed, match="at most 10"):
        interactions.add_interaction(world.worker, world.case_worker,
                                     NewInteraction(text="Many"), files=files)


def test_files_written_before_a_failed_commit_are_removed(world: World, data_dir: object,
                                                          monkeypatch: pytest.MonkeyPatch) -> None:
    from caseapp import audit

    real_record = audit.record

    def explode_at_the_end(db: object, actor: object, action: str, *args: object,
                           **kwargs: object) -> None:
        if action == "interaction.create":  # the last step, after the files are written
            raise RuntimeError("database went away")
        real_record(db, actor, action, *args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(audit, "record", explode_at_the_end)
    with pytest.raises(RuntimeError):
        interactions.add_interaction(world.worker, world.case_worker, NewInteraction(text="x"),
                                     files=[("IMG_1.jpg", _photo())])
    assert _stored_files(data_dir) == []
    with session_scope() as db:
        assert db.exec(select(Interaction)).all() == []


def test_private_attachment_is_refused_like_a_missing_one(world: World) -> None:
    interactions.add_interaction(world.manager, world.case_volunteer,
                                 NewInteraction(text="Safeguarding detail", private=True),
                                 files=[("IMG_9.jpg", _photo())])
    with session_scope() as db:
        att_id = db.exec(select(Attachment.id)).one()
    assert open_attachment(world.admin, att_id).data
    with pytest.raises(NoAccess) as private:
        open_attachment(world.volunteer, att_id)
    with pytest.raises(NoAccess) as missing:
        open_attachment(world.volunteer, 987_654)
    assert str(private.value) == str(missing.value)
    with pytest.raises(NoAccess):
        open_attachment(world.south, att_id)  # another team's case
    with session_scope() as db:
        actions = [e.action for e in db.exec(select(AuditEvent).where(
            AuditEvent.entity_type == "attachment"))]
    assert actions.count("attachment.view") == 1 and actions.count("access.denied") == 3
