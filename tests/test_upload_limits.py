"""Hostile uploads through the interaction save route: oversized bodies (declared or not),
too many files, decompression bombs, empty files and markup dressed as a photo. Each is
refused with a clear answer, nothing is saved, and the server never answers 500."""

from __future__ import annotations

import asyncio
import io
import struct
import uuid
import zlib
from collections.abc import Iterator
from functools import cache
from pathlib import Path

import pytest
from PIL import Image
from sqlmodel import select
from starlette.testclient import TestClient

from caseapp import config, interactions
from caseapp.auth import sessions
from caseapp.db import session_scope
from caseapp.models import Attachment, Interaction
from caseapp.routes import UploadSizeLimit, body_limit, http_routes
from tests.conftest import World

PASSWORD = "correct horse battery"
ORIGIN = {"Origin": "http://testserver"}
MB = 1024 * 1024
BOUNDARY = "caselinetestboundary"


@pytest.fixture
def small_limits(world: World, monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """1 MB a file and 2 files a note, so the tests need only a few MB of traffic."""
    monkeypatch.setenv("CASEAPP_MAX_UPLOAD_MB", "1")
    monkeypatch.setenv("CASEAPP_MAX_ATTACHMENTS", "2")
    config.settings.cache_clear()
    assert body_limit() == 3 * MB
    yield
    config.settings.cache_clear()


def _token() -> str:
    token, _ = sessions.sign_in("wren.worker@example.org", PASSWORD)
    return token


def _client() -> TestClient:
    client = TestClient(http_routes(), raise_server_exceptions=False)
    client.cookies.set(sessions.COOKIE_NAME, _token())
    return client


def _fields(world: World) -> dict[str, str]:
    return {"case_id": str(world.case_worker), "client_ref": uuid.uuid4().hex,
            "author": str(world.worker.id), "kind": "home_visit", "text": "Visited; photos.",
            "private": "false"}


def _nothing_saved() -> None:
    with session_scope() as db:
        assert db.exec(select(Interaction)).all() == []
        assert db.exec(select(Attachment)).all() == []
    root = interactions.attachment_store().root
    assert not root.exists() or [p for p in root.rglob("*") if p.is_file()] == []


def _multipart_head(world: World, filename: str) -> bytes:
    parts = b"".join(
        f'--{BOUNDARY}\r\nContent-Disposition: form-data; name="{k}"\r\n\r\n{v}\r\n'.encode()
        for k, v in _fields(world).items())
    return parts + (f'--{BOUNDARY}\r\nContent-Disposition: form-data; name="attachments"; '
                    f'filename="{filename}"\r\nContent-Type: application/pdf\r\n\r\n').encode()


def _raw_post(app: object, path: str, headers: dict[str, str], chunks: Iterator[bytes]
              ) -> tuple[int, bytes, int]:
    """Drive the ASGI app by hand: the declared length can lie, and we count what it read."""
    read = 0
    sent: list[dict] = []
    pending = iter(chunks)
    lookahead: list[bytes] = []

    async def receive() -> dict:
        nonlocal read
        chunk = lookahead.pop() if lookahead else next(pending, None)
        if chunk is None:
            return {"type": "http.disconnect"}
        following = next(pending, None)
        if following is not None:
            lookahead.append(following)
        read += len(chunk)
        return {"type": "http.request", "body": chunk, "more_body": following is not None}

    async def send(message: dict) -> None:
        sent.append(message)

    scope = {"type": "http", "http_version": "1.1", "method": "POST", "path": path,
             "raw_path": path.encode(), "query_string": b"", "root_path": "", "scheme": "http",
             "server": ("testserver", 80), "client": ("127.0.0.1", 5000),
             "headers": [(k.lower().encode(), v.encode()) for k, v in headers.items()]}
    asyncio.run(app(scope, receive, send))  # type: ignore[operator]
    start = next(m for m in sent if m["type"] == "http.response.start")
    body = b"".join(m.get("body", b"") for m in sent if m["type"] == "http.response.body")
    return start["status"], body, read


def _headers(content_length: int | None) -> dict[str, str]:
    headers = {"host": "testserver", "origin": "http://testserver",
               "cookie": f"{sessions.COOKIE_NAME}={_token()}",
               "content-type": f"multipart/form-data; boundary={BOUNDARY}"}
    if content_length is not None:
        headers["content-length"] = str(content_length)
    return headers


def _big_body(world: World, total: int, chunk: int = 64 * 1024) -> Iterator[bytes]:
    yield _multipart_head(world, "scan.pdf") + b"%PDF-1.4\n"
    for _ in range(total // chunk):
        yield b"0" * chunk
    yield f"\r\n--{BOUNDARY}--\r\n".encode()


def _is_too_large_answer(status: int, body: bytes) -> None:
    import json

    assert status == 413
    answer = json.loads(body)
    # "invalid" keeps the note on the device as a problem to fix; the message says why.
    assert answer["outcome"] == "invalid"
    assert "too large" in answer["errors"]["attachments"]
    assert "1 MB" in answer["errors"]["attachments"]


def test_a_huge_declared_length_is_refused_before_reading(world: World,
                                                          small_limits: None) -> None:
    status, body, read = _raw_post(http_routes(), "/api/interactions", _headers(10**12),
                                   _big_body(world, 8 * MB))
    _is_too_large_answer(status, body)
    assert read == 0  # not one byte of the body was taken in
    _nothing_saved()


@pytest.mark.parametrize("declared", [20_000, None], ids=["lying", "absent"])
def test_a_body_bigger_than_declared_is_cut_off_while_streaming(
        world: World, small_limits: None, declared: int | None) -> None:
    status, body, read = _raw_post(http_routes(), "/api/interactions", _headers(declared),
                                   _big_body(world, 40 * MB))
    _is_too_large_answer(status, body)
    # It stopped within one chunk of the limit instead of taking in all 40 MB.
    assert body_limit() < read <= body_limit() + 128 * 1024
    _nothing_saved()


def test_a_body_just_under_the_limit_is_read_and_judged_by_the_service(
        world: World, small_limits: None) -> None:
    # Control for the tests above: the same shape of request under the limit is not a 413.
    status, body, read = _raw_post(http_routes(), "/api/interactions", _headers(None),
                                   _big_body(world, 2 * MB))
    assert status == 422 and b"larger than the 1 MB limit" in body  # the one file is too big
    assert read > 2 * MB
    _nothing_saved()


def test_reflex_upload_endpoint_answers_413_not_500_for_a_lying_length(small_limits: None
                                                                        ) -> None:
    async def reads_everything(scope: dict, receive: object, send: object) -> None:
        while (await receive())["type"] == "http.request":  # type: ignore[operator]
            pass
        raise AssertionError("the whole body was read")

    chunks = (b"x" * 64 * 1024 for _ in range(100))  # 6.4 MB, declared as 1 KB
    status, body, read = _raw_post(UploadSizeLimit(reads_everything), "/_upload",
                                   {"content-length": "1024"}, chunks)
    assert status == 413 and b"too large" in body
    assert read <= body_limit() + 64 * 1024


def test_reflex_chunked_upload_cut_off_is_413_with_the_reason(small_limits: None) -> None:
    # Reflex's chunked upload parser catches ValueError and answers 400 {"detail": ...}.
    from starlette.responses import JSONResponse

    async def parses_like_reflex(scope: dict, receive: object, send: object) -> None:
        try:
            while (await receive())["type"] == "http.request":  # type: ignore[operator]
                pass
            raise AssertionError("the whole body was read")
        except ValueError as err:
            await JSONResponse({"detail": str(err)}, status_code=400)(scope, receive, send)  # type: ignore[arg-type]

    chunks = (b"x" * 64 * 1024 for _ in range(100))
    status, body, _read = _raw_post(UploadSizeLimit(parses_like_reflex), "/_upload", {}, chunks)
    assert status == 413 and b"too large to send together" in body


def test_too_many_files_are_refused_before_any_is_read(world: World, small_limits: None) -> None:
    files = [("attachments", (f"note{i}.txt", b"a plain note", "text/plain")) for i in range(5)]
    answer = _client().post("/api/interactions", data=_fields(world), files=files,
                            headers=ORIGIN)
    assert answer.status_code == 422, answer.text
    assert answer.json()["outcome"] == "invalid"
    assert answer.json()["errors"]["attachments"] == ("Attach at most 2 files to one note. "
                                                      "Nothing was saved.")
    _nothing_saved()


@cache
def _png_bomb(width: int, height: int) -> bytes:
    """A 1-bit greyscale PNG of all-black pixels: megapixels that compress to kilobytes."""
    def chunk(kind: bytes, data: bytes) -> bytes:
        return (struct.pack(">I", len(data)) + kind + data
                + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF))

    row = b"\x00" + b"\x00" * ((width + 7) // 8)  # filter byte, then the packed pixels
    squeezer = zlib.compressobj(9)
    idat = b"".join(squeezer.compress(row) for _ in range(height)) + squeezer.flush()
    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", width, height, 1, 0,
                                                             0, 0, 0))
            + chunk(b"IDAT", idat) + chunk(b"IEND", b""))


@pytest.mark.parametrize(("width", "height"), [(20_000, 20_000), (9_000, 9_000)],
                         ids=["400MP-past-pillow-limit", "81MP-past-our-limit"])
def test_a_decompression_bomb_is_refused(world: World, small_limits: None, width: int,
                                         height: int) -> None:
    bomb = _png_bomb(width, height)
    assert len(bomb) < 200_000  # small on the wire: the size limit alone would let it in
    answer = _client().post("/api/interactions", data=_fields(world),
                            files=[("attachments", ("wall.png", bomb, "image/png"))],
                            headers=ORIGIN)
    assert answer.status_code == 422, answer.text
    assert answer.json()["errors"]["attachments"] == (
        "“wall.png” is too large in pixels to be a photo. Nothing was saved.")
    _nothing_saved()


def test_an_empty_file_is_refused(world: World, small_limits: None) -> None:
    answer = _client().post("/api/interactions", data=_fields(world),
                            files=[("attachments", ("IMG_0002.jpg", b"", "image/jpeg"))],
                            headers=ORIGIN)
    assert answer.status_code == 422, answer.text
    assert answer.json()["errors"]["attachments"] == "“IMG_0002.jpg” is empty. Nothing was saved."
    _nothing_saved()


@pytest.mark.parametrize("content", [
    b'<svg xmlns="http://www.w3.org/2000/svg" onload="alert(1)"><script>alert(2)</script></svg>',
    b"<!DOCTYPE html><html><body><script>fetch('/api/cases')</script></body></html>",
    b"GIF89a/*<svg onload=alert(1)>*/=1;<script>alert(1)</script>",  # GIF header, script body
], ids=["svg", "html", "gif-header-polyglot"])
def test_markup_named_as_a_photo_is_refused(world: World, small_limits: None,
                                            content: bytes) -> None:
    answer = _client().post("/api/interactions", data=_fields(world),
                            files=[("attachments", ("holiday.jpg", content, "image/jpeg"))],
                            headers=ORIGIN)
    assert answer.status_code == 422, answer.text
    assert "Nothing was saved" in answer.json()["errors"]["attachments"]
    _nothing_saved()


def test_a_real_photo_with_html_appended_is_stored_without_it(world: World, small_limits: None,
                                                              data_dir: Path) -> None:
    # A JPEG/HTML polyglot: valid photo bytes, then a page. Re-encoding keeps only the pixels.
    photo = io.BytesIO()
    Image.new("RGB", (50, 40), (30, 90, 150)).save(photo, "JPEG")
    polyglot = photo.getvalue() + b"<html><script>alert(document.cookie)</script></html>"
    client = _client()
    answer = client.post("/api/interactions", data=_fields(world),
                         files=[("attachments", ("IMG_0003.jpg", polyglot, "image/jpeg"))],
                         headers=ORIGIN)
    if answer.status_code == 422:  # refusing it outright is also safe
        _nothing_saved()
        return
    assert answer.status_code == 201, answer.text
    with session_scope() as db:
        att = db.exec(select(Attachment)).one()
    served = client.get(f"/files/attachments/{att.id}")
    assert served.status_code == 200 and served.headers["content-type"] == "image/jpeg"
    assert b"<script" not in served.content and b"<html" not in served.content
    stored = [p.read_bytes() for p in interactions.attachment_store().root.rglob("*")
              if p.is_file()]
    assert stored and not any(b"<script" in b for b in stored)
