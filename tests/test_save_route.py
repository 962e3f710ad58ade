"""The save route the device outbox sends through: the same checks as any save, and a re-send
never makes a duplicate."""

from __future__ import annotations

import io
import uuid

import pytest
from PIL import Image
from sqlmodel import select
from starlette.testclient import TestClient

from caseapp import cases
from caseapp.auth import sessions
from caseapp.db import session_scope
from caseapp.models import Attachment, Interaction
from caseapp.routes import http_routes
from tests.conftest import World

PASSWORD = "correct horse battery"
ORIGIN = {"Origin": "http://testserver"}


def _client(email: str | None) -> TestClient:
    client = TestClient(http_routes())
    if email:
        token, _ = sessions.sign_in(email, PASSWORD)
        client.cookies.set(sessions.COOKIE_NAME, token)
    return client


def _fields(case_id: int, author: int, **extra: str) -> dict[str, str]:
    return {"case_id": str(case_id), "client_ref": uuid.uuid4().hex, "author": str(author),
            "kind": "phone_call", "occurred_at": "", "text": "Rang about the housing form.",
            "private": "false", "concern_level": "", "expected_version": "", **extra}


def _interactions(case_id: int) -> list[Interaction]:
    with session_scope() as db:
        return list(db.exec(select(Interaction).where(Interaction.case_id == case_id)).all())


def test_a_saved_note_resent_is_one_interaction(world: World) -> None:
    client = _client("wren.worker@example.org")
    fields = _fields(world.case_worker, world.worker.id)
    first = client.post("/api/interactions", data=fields, headers=ORIGIN)
    again = client.post("/api/interactions", data=fields, headers=ORIGIN)
    assert first.status_code == 201 and again.status_code == 201
    assert first.json()["outcome"] == "saved"
    assert first.json()["id"] == again.json()["id"]
    saved = _interactions(world.case_worker)
    assert [(i.kind, i.text) for i in saved] == [("phone_call", "Rang about the housing form.")]
    assert first.headers["cache-control"] == "no-store"


def test_a_photo_taken_offline_arrives_with_its_note(world: World) -> None:
    buf = io.BytesIO()
    Image.new("RGB", (64, 48), "teal").save(buf, "JPEG")
    client = _client("wren.worker@example.org")
    answer = client.post("/api/interactions", data=_fields(world.case_worker, world.worker.id),
                         files=[("attachments", ("IMG_0001.jpg", buf.getvalue(), "image/jpeg"))],
                         headers=ORIGIN)
    assert answer.status_code == 201, answer.text
    with session_scope() as db:
        names = [a.display_name for a in db.exec(select(Attachment).where(
            Attachment.interaction_id == answer.json()["id"])).all()]
    assert names == ["IMG_0001.jpg"]


def test_no_session_means_wait_for_sign_in_and_nothing_saved(world: World) -> None:
    answer = _client(None).post("/api/interactions",
                                data=_fields(world.case_worker, world.worker.id), headers=ORIGIN)
    assert answer.status_code == 401 and answer.json()["outcome"] == "signed_out"
    assert _interactions(world.case_worker) == []


def test_a_note_written_by_someone_else_waits_for_them(world: World) -> None:
    # Two people share a tablet: the note must not be saved under whoever signs in next.
    client = _client("nell.north@example.org")
    answer = client.post("/api/interactions", data=_fields(world.case_worker, world.worker.id),
                         headers=ORIGIN)
    assert answer.status_code == 409 and answer.json()["outcome"] == "wrong_user"
    assert _interactions(world.case_worker) == []


@pytest.mark.parametrize("who", ["sol.south@example.org", "vi.volunteer@example.org"])
def test_access_is_checked_like_any_save(world: World, who: str) -> None:
    actor = world.south if who.startswith("sol") else world.volunteer
    answer = _client(who).post("/api/interactions", data=_fields(world.case_worker, actor.id),
                               headers=ORIGIN)
    assert answer.status_code == 403 and answer.json()["outcome"] == "refused"
    assert _interactions(world.case_worker) == []


def test_another_site_cannot_post_with_the_cookie(world: World) -> None:
    client = _client("wren.worker@example.org")
    fields = _fields(world.case_worker, world.worker.id)
    for headers in ({"Origin": "https://evil.example"}, {}):
        answer = client.post("/api/interactions", data=fields, headers=headers)
        assert answer.status_code == 403
    assert _interactions(world.case_worker) == []


def test_bad_input_gets_field_messages_and_saves_nothing(world: World) -> None:
    client = _client("wren.worker@example.org")
    answer = client.post("/api/interactions",
                         data=_fields(world.case_worker, world.worker.id, text="   ",
                                      kind="carrier pigeon"), headers=ORIGIN)
    assert answer.status_code == 422
    assert set(answer.json()["errors"]) == {"text", "kind"}
    missing = client.post("/api/interactions",
                          data=_fields(world.case_worker, world.worker.id, client_ref=""),
                          headers=ORIGIN)
    assert missing.status_code == 422
    assert _interactions(world.case_worker) == []


def test_a_stale_concern_change_is_a_conflict_not_a_silent_overwrite(world: World) -> None:
    version = cases.get_case(world.worker, world.case_worker).version
    cases.change_concern(world.manager, world.case_worker, "high", version)
    answer = _client("wren.worker@example.org").post(
        "/api/interactions", headers=ORIGIN,
        data=_fields(world.case_worker, world.worker.id, concern_level="low",
                     expected_version=str(version)))
    assert answer.status_code == 409 and answer.json()["outcome"] == "conflict"
    assert _interactions(world.case_worker) == []
    assert cases.get_case(world.worker, world.case_worker).concern_level == "high"


def test_sign_out_clears_the_device(world: World) -> None:
    client = _client("wren.worker@example.org")
    answer = client.post("/auth/sign-out", follow_redirects=False)
    assert answer.status_code == 303
    assert answer.headers["clear-site-data"] == '"cache", "storage"'


def test_service_worker_is_served_from_the_root_with_a_version(world: World) -> None:
    answer = TestClient(http_routes()).get("/sw.js")
    assert answer.status_code == 200
    assert answer.headers["content-type"].startswith("text/javascript")
    assert answer.headers["cache-control"] == "no-cache"
    body = answer.text
    assert "caseline-shell-" in body and "__VERSION__" not in body
    # Case data and sessions never pass through the worker's cache.
    for prefix in ("/files/", "/auth/", "/api/", "/_event/", "/_upload"):
        assert f'"{prefix}"' in body
