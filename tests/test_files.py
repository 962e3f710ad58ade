"""Attachment safety: type by content, metadata stripped, bombs and disguises refused."""

from __future__ import annotations

import io
import os
import struct
import warnings
import zipfile
import zlib
from pathlib import Path

import pytest
from PIL import Image

from caseapp.files import AttachmentStore, FileRejected, prepare_upload

LIMIT = 20 * 1024 * 1024
GPS = {1: "N", 2: (51.0, 30.0, 26.0), 3: "W", 4: (0.0, 7.0, 39.0)}


def _jpeg(size: tuple[int, int] = (1200, 900), orientation: int | None = None,
          gps: bool = True, **save: object) -> bytes:
    img = Image.new("RGB", size, (200, 120, 40))
    img.paste((20, 20, 200), (0, 0, size[0] // 4, size[1] // 4))  # a blue marker, top-left
    exif = Image.Exif()
    exif[0x010F] = "PhoneMaker"
    if orientation:
        exif[0x0112] = orientation
    if gps:
        exif[0x8825] = GPS
    out = io.BytesIO()
    img.save(out, "JPEG", exif=exif, **save)
    return out.getvalue()


def _png(size: tuple[int, int] = (64, 64), mode: str = "RGB", **save: object) -> bytes:
    out = io.BytesIO()
    Image.new(mode, size).save(out, "PNG", **save)
    return out.getvalue()


def _png_claiming(width: int, height: int) -> bytes:
    """A few hundred bytes whose header claims a huge 1-bit image: the classic pixel bomb."""
    def chunk(kind: bytes, body: bytes) -> bytes:
        return struct.pack(">I", len(body)) + kind + body + struct.pack(
            ">I", zlib.crc32(kind + body))
    ihdr = struct.pack(">IIBBBBB", width, height, 1, 0, 0, 0, 0)
    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", ihdr)
            + chunk(b"IDAT", zlib.compress(b"\x00" * 4096)) + chunk(b"IEND", b""))


def _zip(entries: dict[str, bytes]) -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as z:
        for name, data in entries.items():
            z.writestr(name, data)
    return out.getvalue()


def _ole(stream: str | None) -> bytes:
    """A minimal compound file: header, then a directory with Root Entry and one stream."""
    def entry(name: str, kind: int) -> bytes:
        encoded = name.encode("utf-16-le") + b"\x00\x00"
        return encoded.ljust(64, b"\x00") + struct.pack("<HB", len(encoded), kind).ljust(64,
                                                                                         b"\x00")
    header = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1".ljust(512, b"\x00")
    body = entry("Root Entry", 5) + (entry(stream, 2) if stream else b"")
    return header + body.ljust(512, b"\x00")


def _rejected(name: str, data: bytes) -> str:
    with pytest.raises(FileRejected) as exc:
        prepare_upload(name, data, LIMIT)
    return str(exc.value)


# --- photos ------------------------------------------------------------------------------------

def test_gps_and_all_exif_are_removed_from_photo_and_thumbnail() -> None:
    original = _jpeg()
    assert Image.open(io.BytesIO(original)).getexif().get_ifd(0x8825)  # the input has GPS
    prepared = prepare_upload("IMG_0001.jpg", original, LIMIT)
    assert prepared.is_image and prepared.content_type == "image/jpeg"
    for data in (prepared.data, prepared.thumbnail):
        assert data is not None
        image = Image.open(io.BytesIO(data))
        assert not image.getexif() and "exif" not in image.info
        assert b"PhoneMaker" not in data and b"Exif" not in data


def test_xmp_comments_and_png_text_are_removed_too() -> None:
    xmp = b'<x:xmpmeta xmlns:x="adobe:ns:meta/"><exif:GPSLatitude>51,30N</exif:GPSLatitude>'
    photo = _jpeg(comment=b"Taken at 12 Acacia Avenue", xmp=xmp + b"</x:xmpmeta>")
    assert b"Acacia" in photo and b"GPSLatitude" in photo  # the input really carries them
    from PIL.PngImagePlugin import PngInfo
    text = PngInfo()
    text.add_text("Comment", "Taken at 12 Acacia Avenue")
    exif = Image.Exif()
    exif[0x8825] = GPS
    png = _png(mode="RGBA", pnginfo=text, exif=exif)
    assert b"Acacia" in png
    for name, data in (("a.jpg", photo), ("b.png", png)):
        prepared = prepare_upload(name, data, LIMIT)
        for out in (prepared.data, prepared.thumbnail or b""):
            assert b"Acacia" not in out and b"GPS" not in out and b"eXIf" not in out


def test_orientation_is_applied_so_the_photo_stays_upright() -> None:
    prepared = prepare_upload("side.jpg", _jpeg((1200, 900), orientation=6), LIMIT)
    assert (prepared.width, prepared.height) == (900, 1200)  # rotated to portrait
    image = Image.open(io.BytesIO(prepared.data))
    assert image.size == (900, 1200) and 0x0112 not in image.getexif()
    # Orientation 6 turns the top-left marker to the top-right.
    assert image.getpixel((image.width - 20, 20))[2] > 150
    assert image.getpixel((20, 20))[2] < 100
    thumb = Image.open(io.BytesIO(prepared.thumbnail or b""))
    assert thumb.height > thumb.width


def test_twelve_megapixel_photo_is_downscaled_with_a_small_thumbnail() -> None:
    prepared = prepare_upload("big.jpeg", _jpeg((4032, 3024), gps=False), LIMIT)
    assert (prepared.width, prepared.height) == (2560, 1920)
    assert Image.open(io.BytesIO(prepared.data)).size == (2560, 1920)
    thumb = Image.open(io.BytesIO(prepared.thumbnail or b""))
    assert thumb.format == "JPEG" and max(thumb.size) == 320
    assert prepared.display_name == "big.jpeg"


def test_png_with_transparency_stays_png_and_opaque_png_becomes_jpeg() -> None:
    see_through = prepare_upload("logo.png", _png(mode="RGBA"), LIMIT)
    assert see_through.content_type == "image/png" and see_through.display_name == "logo.png"
    assert Image.open(io.BytesIO(see_through.data)).mode == "RGBA"
    opaque = prepare_upload("scan.png", _png(), LIMIT)
    assert opaque.content_type == "image/jpeg" and opaque.display_name == "scan.jpg"
    assert Image.open(io.BytesIO(opaque.data)).format == "JPEG"
    # An alpha channel that is solid everywhere is not transparency.
    filled = io.BytesIO()
    Image.new("RGBA", (10, 10), (1, 2, 3, 255)).save(filled, "PNG")
    assert prepare_upload("shot.png", filled.getvalue(), LIMIT).content_type == "image/jpeg"


def test_animated_gif_keeps_its_first_frame_and_gets_a_fitting_name() -> None:
    frames = [Image.new("RGB", (40, 30), colour) for colour in ((255, 0, 0), (0, 0, 255))]
    out = io.BytesIO()
    frames[0].save(out, "GIF", save_all=True, append_images=frames[1:], duration=100)
    prepared = prepare_upload("wave", out.getvalue(), LIMIT)
    assert prepared.display_name == "wave.jpg" and prepared.content_type == "image/jpeg"
    red, _, blue = Image.open(io.BytesIO(prepared.data)).getpixel((20, 15))
    assert red > 200 and blue < 60


@pytest.mark.parametrize("size", [(100_000, 100_000), (10_000, 10_000), (9_000, 8_000)])
def test_pixel_bombs_are_refused_cleanly_without_touching_pillow_globals(
        size: tuple[int, int]) -> None:
    limit_before, filters_before = Image.MAX_IMAGE_PIXELS, list(warnings.filters)
    bomb = _png_claiming(*size)
    assert len(bomb) < 1000
    assert "too large in pixels" in _rejected("bomb.png", bomb)
    assert Image.MAX_IMAGE_PIXELS == limit_before and warnings.filters == filters_before


def test_a_real_twenty_thousand_pixel_square_png_is_refused() -> None:
    bomb = io.BytesIO()
    Image.new("1", (20_000, 20_000)).save(bomb, "PNG")  # tiny file, 400 megapixels
    assert len(bomb.getvalue()) < 200_000
    assert "too large in pixels" in _rejected("bomb.png", bomb.getvalue())


# --- types, disguises and names ------------------------------------------------------------------

@pytest.mark.parametrize(("name", "data", "message"), [
    ("report.pdf", _png(), "“report.pdf” is not really a PDF: its content looks like a PNG image"),
    ("photo.jpg", b"just some text\n", "not really a JPEG photo: its content looks like a text"),
    ("notes.txt", b"%PDF-1.7\n%\xe2\xe3\n", "not really a text file: its content looks like a PDF"),
    ("page.txt", b"<html><script>alert(1)</script></html>", "not a file type Caseline accepts"),
    ("page.html", b"<!doctype html><p>hi", "not a file type Caseline accepts"),
    ("drawing.txt", b'<svg xmlns="http://www.w3.org/2000/svg" onload="alert(1)"/>',
     "not a file type Caseline accepts"),
    ("drawing.svg", b'\xef\xbb\xbf  <?xml version="1.0"?><svg/>', "not a file type Caseline"),
    ("tool.exe", b"MZ\x90\x00\x03\x00\x00\x00", "not a file type Caseline accepts"),
    ("letter.exe", b"%PDF-1.4\n", "not a file type Caseline accepts"),
    ("archive.zip", _zip({"a.txt": b"hi"}), "not a file type Caseline accepts"),
    ("macros.docx", _zip({"[Content_Types].xml": b"<x/>", "word/document.xml": b"<w/>",
                          "word/vbaProject.bin": b"\x00"}), "not a file type Caseline accepts"),
    ("setup.doc", _ole(None), "not a file type Caseline accepts"),  # e.g. an .msi installer
    ("odd.doc", _ole(None) + b"\x00" * 6 + _ole("WordDocument")[640:768],
     "not a file type Caseline accepts"),  # the name inside data, not in a directory slot
    ("intro.txt", b"Hello\n<script>alert(1)</script>", "not a file type Caseline accepts"),
    ("sheet.doc", _ole("Workbook"), "not really an older Word document"),
    ("latin1.txt", "café".encode("latin-1"), "not a file type Caseline accepts"),
    ("empty.pdf", b"", "“empty.pdf” is empty"),
    ("broken.jpg", _jpeg()[:600], "“broken.jpg” could not be read as an image"),
    ("broken.png", _png((200, 200))[:-30], "could not be read as an image"),
])
def test_disguised_dangerous_and_broken_files_are_refused(name: str, data: bytes,
                                                          message: str) -> None:
    assert message in _rejected(name, data)


def test_a_file_over_the_limit_is_refused_with_the_limit_named() -> None:
    message = _rejected("big.pdf", b"%PDF-1.4\n" + b"0" * LIMIT)
    assert "“big.pdf”" in message and "20 MB limit" in message


@pytest.mark.parametrize(("name", "data", "mime"), [
    ("letter.pdf", b"%PDF-1.4\n1 0 obj\n<<>>\nendobj\n", "application/pdf"),
    ("plan.docx", _zip({"[Content_Types].xml": b"<x/>", "word/document.xml": b"<w/>"}),
     "application/vnd.openxmlformats-officedocument.wordprocessingml.document"),
    ("budget.xlsx", _zip({"[Content_Types].xml": b"<x/>", "xl/workbook.xml": b"<w/>"}),
     "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"),
    ("talk.pptx", _zip({"[Content_Types].xml": b"<x/>", "ppt/presentation.xml": b"<w/>"}),
     "application/vnd.openxmlformats-officedocument.presentationml.presentation"),
    ("minutes.odt", _zip({"mimetype": b"application/vnd.oasis.opendocument.text",
                          "content.xml": b"<x/>"}), "application/vnd.oasis.opendocument.text"),
    ("old.doc", _ole("WordDocument"), "application/msword"),
    ("old.xls", _ole("Workbook"), "application/vnd.ms-excel"),
    ("old.ppt", _ole("PowerPoint Document"), "application/vnd.ms-powerpoint"),
    ("letter.rtf", b"{\\rtf1\\ansi Hello}", "application/rtf"),
    ("notes.txt", "Feeling better 🙂 «شكرا جزيلا»\n".encode(), "text/plain; charset=utf-8"),
    ("bom.md", "\ufeffHeading\n".encode(), "text/plain; charset=utf-8"),
    ("contacts.csv", b"name,phone\nA,1\n", "text/csv; charset=utf-8"),
])
def test_accepted_documents_keep_their_bytes(name: str, data: bytes, mime: str) -> None:
    prepared = prepare_upload(name, data, LIMIT)
    assert prepared.content_type == mime and prepared.data == data and not prepared.is_image
    assert prepared.display_name == name and prepared.thumbnail is None


def test_display_names_are_never_paths_and_lose_control_characters() -> None:
    assert prepare_upload("../../etc/passwd", b"x", LIMIT).display_name == "passwd.txt"
    assert prepare_upload("..\\..\\C:\\Users\\a\\cv.txt", b"x", LIMIT).display_name == "cv.txt"
    spoof = prepare_upload("invoice\u202etxt.exe\u2066.txt", b"x", LIMIT).display_name
    assert spoof == "invoicetxt.exe.txt"
    assert prepare_upload("a\x00b\x1b\x85c\n  d.txt", b"x", LIMIT).display_name == "abc d.txt"
    assert prepare_upload("", b"hello", LIMIT).display_name == "attachment.txt"
    assert prepare_upload("/../", b"hello", LIMIT).display_name == "attachment.txt"


def test_long_names_are_capped_and_keep_or_gain_their_extension() -> None:
    long_named = prepare_upload("x" * 300 + ".pdf", b"%PDF-1.4\n", LIMIT).display_name
    assert len(long_named) == 120 and long_named.endswith("x.pdf")
    no_extension = prepare_upload("y" * 300, b"%PDF-1.4\n", LIMIT).display_name
    assert len(no_extension) == 120 and no_extension.endswith("y.pdf")
    # Dates and initials are not extensions: the proper one is added, nothing is refused.
    assert prepare_upload("Minutes 12.03.2024", b"%PDF-1.4\n",
                          LIMIT).display_name == "Minutes 12.03.2024.pdf"


# --- storage -------------------------------------------------------------------------------------

def test_store_round_trip_private_files_and_nothing_outside_the_root(tmp_path: Path) -> None:
    root = tmp_path / "files"
    store = AttachmentStore(root)
    key = store.save(b"secret")
    assert len(key) == 32 and store.save(b"secret") != key  # random, not content-derived
    assert store.read(key) == b"secret"
    written = sorted(p for p in tmp_path.rglob("*") if p.is_file())
    assert len(written) == 2 and (root / key[:2] / key) in written  # no temp files left over
    assert all(p.resolve().is_relative_to(root.resolve()) for p in tmp_path.rglob("*"))
    assert (root / key[:2] / key).stat().st_mode & 0o777 == 0o600
    assert (root / key[:2]).stat().st_mode & 0o777 == 0o700
    assert root.stat().st_mode & 0o777 == 0o700
    store.delete(key)
    store.delete(key)  # deleting twice is fine
    with pytest.raises(FileNotFoundError):
        store.read(key)


@pytest.mark.parametrize("bad", ["../x", "/etc/passwd", "../" * 8 + "etc/passwd", "",
                                 "a" * 32 + "\n", "A" * 32, "a" * 31, "a" * 32 + "/../../../passwd",
                                 "a" * 32 + "-thumbs"])
def test_store_refuses_anything_but_a_key(tmp_path: Path, bad: str) -> None:
    outside = tmp_path / "passwd"
    outside.write_bytes(b"root")
    store = AttachmentStore(tmp_path / "files")
    (tmp_path / "files" / "aa" / ("a" * 32)).mkdir(parents=True)  # so "../" could really climb
    with pytest.raises(FileNotFoundError):
        store.read(bad)
    store.delete(bad)
    assert outside.exists()


def test_a_failed_write_leaves_no_partial_file(tmp_path: Path,
                                               monkeypatch: pytest.MonkeyPatch) -> None:
    def disk_full(src: object, dst: object) -> None:
        raise OSError("disk full")

    monkeypatch.setattr(os, "replace", disk_full)
    with pytest.raises(OSError, match="disk full"):
        AttachmentStore(tmp_path).save(b"half a note")
    assert [p for p in tmp_path.rglob("*") if p.is_file()] == []
