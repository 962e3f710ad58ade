"""Attachment safety: type by content, metadata stripped, bombs and disguises refused."""

from __future__ import annotations

import io
import zipfile
from pathlib import Path

import pytest
from PIL import Image

from caseapp.files import AttachmentStore, FileRejected, prepare_upload

LIMIT = 20 * 1024 * 1024


def _jpeg(size: tuple[int, int] = (1200, 900), orientation: int | None = None,
          gps: bool = True) -> bytes:
    img = Image.new("RGB", size, (200, 120, 40))
    img.paste((20, 20, 200), (0, 0, size[0] // 4, size[1] // 4))  # a marker in the top-left
    exif = Image.Exif()
    exif[0x010F] = "PhoneMaker"
    if orientation:
        exif[0x0112] = orientation
    if gps:
        exif[0x8825] = {1: "N", 2: (51.0, 30.0, 26.0), 3: "W", 4: (0.0, 7.0, 39.0)}
    out = io.BytesIO()
    img.save(out, "JPEG", exif=exif)
    return out.getvalue()


def _png(size: tuple[int, int] = (64, 64), mode: str = "RGB") -> bytes:
    out = io.BytesIO()
    Image.new(mode, size).save(out, "PNG")
    return out.getvalue()


def _zip(entries: dict[str, bytes]) -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as z:
        for name, data in entries.items():
            z.writestr(name, data)
    return out.getvalue()


def test_gps_and_all_exif_are_removed_from_photo_and_thumbnail() -> None:
    assert 0x8825 in Image.open(io.BytesIO(_jpeg())).getexif()  # the input really has GPS
    prepared = prepare_upload("IMG_0001.jpg", _jpeg(), LIMIT)
    assert prepared.is_image and prepared.content_type == "image/jpeg"
    for data in (prepared.data, prepared.thumbnail):
        assert data is not None
        image = Image.open(io.BytesIO(data))
        assert not image.getexif() and "exif" not in image.info


def test_orientation_is_applied_so_the_photo_stays_upright() -> None:
    prepared = prepare_upload("side.jpg", _jpeg((1200, 900), orientation=6), LIMIT)
    assert (prepared.width, prepared.height) == (900, 1200)  # rotated to portrait
    image = Image.open(io.BytesIO(prepared.data))
    # Orientation 6 turns the top-left marker to the top-right.
    assert image.getpixel((image.width - 20, 20))[2] > 150
    assert image.getpixel((20, 20))[2] < 100


def test_twelve_megapixel_photo_is_downscaled_with_a_small_thumbnail() -> None:
    prepared = prepare_upload("big.jpeg", _jpeg((4032, 3024), gps=False), LIMIT)
    assert max(prepared.width or 0, prepared.height or 0) == 2560
    thumb = Image.open(io.BytesIO(prepared.thumbnail or b""))
    assert max(thumb.size) <= 320


def test_png_with_transparency_stays_png_and_opaque_png_becomes_jpeg() -> None:
    assert prepare_upload("logo.png", _png(mode="RGBA"), LIMIT).content_type == "image/png"
    opaque = prepare_upload("scan.png", _png(), LIMIT)
    assert opaque.content_type == "image/jpeg" and opaque.display_name == "scan.jpg"


@pytest.mark.parametrize(("name", "data", "message"), [
    ("report.pdf", _png(), "not really a PDF"),
    ("photo.jpg", b"just some text\n", "not really a JPEG photo"),
    ("notes.txt", b"%PDF-1.7\n%\xe2\xe3\n", "not really a text file"),
    ("page.txt", b"<html><script>alert(1)</script></html>", "not a file type Caseline accepts"),
    ("drawing.txt", b'<svg xmlns="http://www.w3.org/2000/svg" onload="alert(1)"/>',
     "not a file type Caseline accepts"),
    ("tool.exe", b"MZ\x90\x00\x03\x00\x00\x00", "not a file type Caseline accepts"),
    ("archive.zip", _zip({"a.txt": b"hi"}), "not a file type Caseline accepts"),
    ("empty.pdf", b"", "is empty"),
    ("broken.jpg", _jpeg()[:600], "could not be read as an image"),
])
def test_disguised_dangerous_and_broken_files_are_refused(name: str, data: bytes,
                                                          message: str) -> None:
    with pytest.raises(FileRejected, match=message):
        prepare_upload(name, data, LIMIT)


def test_a_file_over_the_limit_is_refused_with_the_limit_named() -> None:
    with pytest.raises(FileRejected, match="20 MB limit"):
        prepare_upload("big.pdf", b"%PDF-1.4\n" + b"0" * LIMIT, LIMIT)


def test_decompression_bomb_is_refused_cleanly() -> None:
    bomb = io.BytesIO()
    Image.new("1", (20_000, 20_000)).save(bomb, "PNG")  # tiny file, 400 megapixels
    assert len(bomb.getvalue()) < 200_000
    with pytest.raises(FileRejected, match="too large in pixels"):
        prepare_upload("bomb.png", bomb.getvalue(), LIMIT)


@pytest.mark.parametrize(("name", "data", "mime"), [
    ("letter.pdf", b"%PDF-1.4\n1 0 obj\n<<>>\nendobj\n", "application/pdf"),
    ("plan.docx", _zip({"[Content_Types].xml": b"<x/>", "word/document.xml": b"<w/>"}),
     "application/vnd.openxmlformats-officedocument.wordprocessingml.document"),
    ("budget.xlsx", _zip({"[Content_Types].xml": b"<x/>", "xl/workbook.xml": b"<w/>"}),
     "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"),
    ("minutes.odt", _zip({"mimetype": b"application/vnd.oasis.opendocument.text",
                          "content.xml": b"<x/>"}), "application/vnd.oasis.opendocument.text"),
    ("old.doc", b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 100, "application/msword"),
    ("notes.txt", "Feeling better 🙂 «شكرا»\n".encode(), "text/plain; charset=utf-8"),
    ("contacts.csv", b"name,phone\nA,1\n", "text/csv; charset=utf-8"),
])
def test_accepted_documents_keep_their_bytes(name: str, data: bytes, mime: str) -> None:
    prepared = prepare_upload(name, data, LIMIT)
    assert prepared.content_type == mime and prepared.data == data and not prepared.is_image


def test_display_names_are_never_paths_and_lose_control_characters() -> None:
    assert prepare_upload("../../etc/passwd.txt", b"x", LIMIT).display_name == "passwd.txt"
    assert prepare_upload("C:\\Users\\a\\cv.txt", b"x", LIMIT).display_name == "cv.txt"
    spoof = prepare_upload("invoice\u202etxt.exe.txt", b"x", LIMIT).display_name
    assert "\u202e" not in spoof
    assert prepare_upload("", b"hello", LIMIT).display_name == "attachment.txt"


def test_store_round_trip_random_keys_and_no_paths_from_outside(tmp_path: Path) -> None:
    store = AttachmentStore(tmp_path / "files")
    key = store.save(b"secret")
    assert store.read(key) == b"secret"
    assert all(p.resolve().is_relative_to(tmp_path) for p in tmp_path.rglob("*"))
    assert (tmp_path / "files" / key[:2] / key).stat().st_mode & 0o077 == 0  # owner only
    for bad in ("../x", "/etc/passwd", key + "/../..", ""):
        with pytest.raises(FileNotFoundError):
            store.read(bad)
    store.delete(key)
    store.delete(key)  # deleting twice is fine
    with pytest.raises(FileNotFoundError):
        store.read(key)
