"""Attachment safety: decide a file's type by its content, refuse what could carry script,
re-encode images without metadata (GPS!) and keep files private under random keys.

Pure Python + Pillow; no Reflex and no database here.
"""

from __future__ import annotations

import io
import os
import re
import secrets
import struct
import unicodedata
import warnings
import zipfile
from dataclasses import dataclass
from pathlib import Path

from PIL import Image, ImageCms, ImageOps

MAX_PIXELS = 60_000_000  # a 12 MP phone photo is 12 M; far larger is a bomb or a poster scan
MAX_STORED_EDGE = 2560  # plenty to read a letter in a photo; 4032 px originals are 4x the bytes
THUMB_EDGE = 320
JPEG_QUALITY = 85
MAX_NAME = 120
ACCEPTED = "photos, PDF, Office documents and text files"

# Malformed images make Pillow raise many kinds of error; all of them mean "damaged file".
_DECODE_ERRORS = (OSError, SyntaxError, ValueError, TypeError, KeyError, IndexError, EOFError,
                  struct.error, ZeroDivisionError, ImageCms.PyCMSError)
# Bidi overrides/isolates/marks can make "photo\u202egpj.exe" read as "photoexe.jpg".
_BIDI = frozenset("\u061c\u200e\u200f\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069")
_REAL_EXTENSION = re.compile(r"\.(?=[0-9]*[a-z])[a-z0-9]{1,10}")
_KEY = re.compile(r"[0-9a-f]{32}(?:-thumb)?")


class FileRejected(ValueError):
    """Raised with a clear, user-facing message (str(exc)) saying why the file was refused."""


@dataclass(frozen=True)
class PreparedFile:
    display_name: str  # safe to show and to offer as a download name
    content_type: str  # decided from the content, never from the name
    data: bytes  # what to store: images re-encoded, everything else unchanged
    thumbnail: bytes | None  # JPEG, long edge <= THUMB_EDGE, images only
    width: int | None
    height: int | None
    is_image: bool


@dataclass(frozen=True)
class _Kind:
    mime: str
    family: str  # what a person would call it, for messages
    extensions: tuple[str, ...]  # names that fit this content; the first is added when none
    pillow: str | None = None  # Pillow format name for images


_JPEG = _Kind("image/jpeg", "a JPEG photo", (".jpg", ".jpeg", ".jpe", ".jfif"), "JPEG")
_PNG = _Kind("image/png", "a PNG image", (".png",), "PNG")
_WEBP = _Kind("image/webp", "a WebP image", (".webp",), "WEBP")
_GIF = _Kind("image/gif", "a GIF image", (".gif",), "GIF")
_PDF = _Kind("application/pdf", "a PDF", (".pdf",))
# Macro-enabled names (.docm, .xlsm) are deliberately absent: macros are a malware route.
_DOCX = _Kind("application/vnd.openxmlformats-officedocument.wordprocessingml.document",
              "a Word document", (".docx", ".dotx"))
_XLSX = _Kind("application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
              "an Excel spreadsheet", (".xlsx", ".xltx"))
_PPTX = _Kind("application/vnd.openxmlformats-officedocument.presentationml.presentation",
              "a PowerPoint presentation", (".pptx", ".ppsx"))
_ODT = _Kind("application/vnd.oasis.opendocument.text", "an OpenDocument text", (".odt",))
_ODS = _Kind("application/vnd.oasis.opendocument.spreadsheet", "an OpenDocument spreadsheet",
             (".ods",))
_ODP = _Kind("application/vnd.oasis.opendocument.presentation", "an OpenDocument presentation",
             (".odp",))
_DOC = _Kind("application/msword", "an older Word document", (".doc", ".dot"))
_XLS = _Kind("application/vnd.ms-excel", "an older Excel spreadsheet", (".xls", ".xlt"))
_PPT = _Kind("application/vnd.ms-powerpoint", "an older PowerPoint presentation",
             (".ppt", ".pps", ".pot"))
_RTF = _Kind("application/rtf", "an RTF document", (".rtf",))
_TEXT = _Kind("text/plain; charset=utf-8", "a text file", (".txt", ".md", ".log", ".text"))
_CSV = _Kind("text/csv; charset=utf-8", "a CSV file", (".csv",))

_IMAGES = (_JPEG, _PNG, _WEBP, _GIF)
_ALL_KINDS = (*_IMAGES, _PDF, _DOCX, _XLSX, _PPTX, _ODT, _ODS, _ODP, _DOC, _XLS, _PPT, _RTF,
              _TEXT, _CSV)
_ODF_KINDS = {k.mime: k for k in (_ODT, _ODS, _ODP)}
_OOXML_FOLDERS = (("word/", _DOCX), ("xl/", _XLSX), ("ppt/", _PPTX))
# OLE compound files are also used by .msi installers; only these streams make it Office.
_OLE_STREAMS = (("WordDocument", _DOC), ("Workbook", _XLS), ("Book", _XLS),
                ("PowerPoint Document", _PPT))
# HTML/SVG/XML can run script when a browser opens them; refuse them whatever the name says.
_MARKUP_START = re.compile(rb"\s*<")
_MARKUP_ANYWHERE = re.compile(rb"<\s*(?:script|svg|html|iframe)\b", re.I)


# --- names -----------------------------------------------------------------------------------

def _fit_name(stem: str, ext: str) -> str:
    """Cap to MAX_NAME characters, cutting the stem so the extension survives."""
    ext = ext[:16]
    stem = stem[: MAX_NAME - len(ext)].rstrip(" .") or "attachment"
    return f"{stem}{ext}"


def _split_name(name: str) -> tuple[str, str]:
    """Split off a real extension; "Minutes 12.03.2024" or "J. Smith" have none."""
    stem, ext = os.path.splitext(name)
    if _REAL_EXTENSION.fullmatch(ext.lower()):
        return stem, ext
    return name, ""


def _clean_name(filename: str) -> str:
    base = re.split(r"[\\/]", filename or "")[-1]  # a name, never a path
    base = unicodedata.normalize("NFC", base)
    # Cs: lone surrogates cannot be stored as UTF-8 (the save would fail with an encoding error).
    base = "".join(c for c in base if c not in _BIDI and unicodedata.category(c) not in ("Cc", "Cs"))
    base = " ".join(base.split()).strip(" .")  # trailing dots/spaces confuse Windows
    if not base:
        return "attachment"
    return _fit_name(*_split_name(base)) if len(base) > MAX_NAME else base


# --- content sniffing ------------------------------------------------------------------------

def _sniff(data: bytes) -> _Kind | None:
    head = data[:16]
    if head.startswith(b"\xff\xd8\xff"):
        return _JPEG
    if head.startswith(b"\x89PNG\r\n\x1a\n"):
        return _PNG
    if head[:4] == b"RIFF" and head[8:12] == b"WEBP":
        return _WEBP
    if head[:6] in (b"GIF87a", b"GIF89a"):
        return _GIF
    if data[:1024].lstrip().startswith(b"%PDF-"):
        return _PDF
    if head.startswith(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"):
        return _sniff_ole(data)
    if head.startswith(b"{\\rtf"):
        return _RTF
    if head.startswith(b"PK\x03\x04"):
        return _sniff_zip(data)
    return _sniff_text(data)


def _sniff_ole(data: bytes) -> _Kind | None:
    # A directory entry is 128-byte aligned: UTF-16LE name, then its byte length (incl. NUL)
    # at +64 and type 2 (stream) at +66. Matching all three avoids hits inside document text.
    for stream, kind in _OLE_STREAMS:
        encoded = stream.encode("utf-16-le") + b"\x00\x00"
        field = struct.pack("<HB", len(encoded), 2)
        at = data.find(encoded, 512)
        while at != -1:
            if at % 128 == 0 and data[at + 64:at + 67] == field:
                return kind
            at = data.find(encoded, at + 1)
    return None


def _sniff_zip(data: bytes) -> _Kind | None:
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            names = archive.namelist()
            if names and names[0] == "mimetype":
                with archive.open("mimetype") as entry:
                    mime = entry.read(100)  # bounded: a zip bomb could hide here
                return _ODF_KINDS.get(mime.decode("ascii", "ignore").strip())
            if "[Content_Types].xml" not in names:
                return None
            if any(n.lower().endswith("vbaproject.bin") for n in names):
                return None  # macros: never a plain .docx/.xlsx/.pptx
            for folder, kind in _OOXML_FOLDERS:
                if any(n.startswith(folder) for n in names):
                    return kind
    except (zipfile.BadZipFile, zipfile.LargeZipFile, KeyError, ValueError, OSError,
            NotImplementedError, EOFError):
        return None
    return None


def _sniff_text(data: bytes) -> _Kind | None:
    if b"\x00" in data:
        return None
    body = data.removeprefix(b"\xef\xbb\xbf")
    try:
        body.decode("utf-8")
    except UnicodeDecodeError:
        return None
    if _MARKUP_START.match(body[:4096]) or _MARKUP_ANYWHERE.search(body[:65536]):
        return None
    return _TEXT


def _kind_for_extension(ext: str) -> _Kind | None:
    return next((k for k in _ALL_KINDS if ext in k.extensions), None)


# --- images ----------------------------------------------------------------------------------

def _fit_within(size: tuple[int, int], edge: int) -> tuple[int, int]:
    width, height = size
    scale = min(1.0, edge / max(width, height))
    return max(1, round(width * scale)), max(1, round(height * scale))


def _to_srgb(image: Image.Image, icc: bytes | None) -> Image.Image:
    """Keep colours right (iPhones shoot Display P3) while dropping the profile itself."""
    if not icc or image.mode not in ("RGB", "RGBA"):
        return image
    try:
        source = ImageCms.ImageCmsProfile(io.BytesIO(icc))
        if source.profile.xcolor_space.strip() != "RGB":
            return image
        converted = ImageCms.profileToProfile(image, source, ImageCms.createProfile("sRGB"),
                                              outputMode=image.mode)
    except (ImageCms.PyCMSError, OSError, ValueError, TypeError):
        return image  # an odd profile: the pixels as they are beat refusing the photo
    return converted if converted is not None else image


def _open_image(data: bytes, kind: _Kind, name: str) -> Image.Image:
    too_big = FileRejected(f"“{name}” is too large in pixels to be a photo. Nothing was saved.")
    formats = [kind.pillow or ""]  # only the decoder the content was sniffed as
    # Pillow warns (then errors) on huge images; as an error here it stops us early. Scoped to
    # this block, so Pillow's global MAX_IMAGE_PIXELS and other callers are left alone.
    with warnings.catch_warnings():
        warnings.simplefilter("error", Image.DecompressionBombWarning)
        try:
            with Image.open(io.BytesIO(data), formats=formats) as probe:
                if probe.width * probe.height > MAX_PIXELS:
                    raise too_big
                probe.verify()  # structure and checksums, before any pixels are decoded
            image = Image.open(io.BytesIO(data), formats=formats)
            if image.width * image.height > MAX_PIXELS:
                raise too_big
            if image.format == "JPEG":
                # Let the JPEG decoder downscale by 1/2, 1/4 or 1/8 when the target is far smaller.
                image.draft("RGB", _fit_within(image.size, MAX_STORED_EDGE))
            image.load()
        except FileRejected:
            raise  # our own pixel check; FileRejected is a ValueError, so let it through first
        except (Image.DecompressionBombError, Image.DecompressionBombWarning) as exc:
            raise too_big from exc
        except _DECODE_ERRORS as exc:
            raise FileRejected(f"“{name}” could not be read as an image (it may be damaged). "
                               "Nothing was saved.") from exc
    return image


def _encode_image(data: bytes, kind: _Kind, name: str) -> tuple[bytes, bytes, int, int, bool]:
    """Re-encode: upright, long edge capped, colours in sRGB and no metadata at all."""
    image = _open_image(data, kind, name)
    try:
        icc = image.info.get("icc_profile")
        has_alpha = kind is not _JPEG and (
            image.mode in ("RGBA", "LA", "PA", "RGBa", "La") or "transparency" in image.info)
        mode = "RGBA" if has_alpha else "RGB"
        if image.mode != mode:
            image = image.convert(mode)  # also turns a palette's transparent index into alpha
        target = _fit_within(image.size, MAX_STORED_EDGE)
        if target != image.size:
            image = image.resize(target, Image.Resampling.LANCZOS, reducing_gap=3.0)
        try:
            # After the resize so the rotation touches a quarter of the pixels.
            image = ImageOps.exif_transpose(image)
        except _DECODE_ERRORS:
            pass  # a broken orientation tag: keep the pixels as they are
        image = _to_srgb(image, icc)
        if has_alpha and image.getchannel("A").getextrema()[0] == 255:
            has_alpha, image = False, image.convert("RGB")  # alpha channel but nothing see-through
        # Everything Pillow carried over (EXIF incl. GPS, XMP, comments, ICC, text chunks) goes.
        image.info.clear()
        out = io.BytesIO()
        if has_alpha:
            image.save(out, "PNG", compress_level=6)
        else:
            image.save(out, "JPEG", quality=JPEG_QUALITY, optimize=True, exif=b"")
        thumb = image.resize(_fit_within(image.size, THUMB_EDGE), Image.Resampling.LANCZOS,
                             reducing_gap=2.0)
        if has_alpha:  # JPEG has no alpha: lay it on white, as the page behind it is
            backdrop = Image.new("RGB", thumb.size, (255, 255, 255))
            backdrop.paste(thumb, mask=thumb.getchannel("A"))
            thumb = backdrop
        thumb_out = io.BytesIO()
        thumb.save(thumb_out, "JPEG", quality=80, exif=b"")
    except _DECODE_ERRORS as exc:
        raise FileRejected(f"“{name}” could not be read as an image (it may be damaged). "
                           "Nothing was saved.") from exc
    return out.getvalue(), thumb_out.getvalue(), image.width, image.height, has_alpha


# --- the entry point -------------------------------------------------------------------------

def prepare_upload(filename: str, data: bytes, max_bytes: int) -> PreparedFile:
    """Check one uploaded file and turn it into what is stored. Raises FileRejected."""
    name = _clean_name(filename)
    if not data:
        raise FileRejected(f"“{name}” is empty. Nothing was saved.")
    if len(data) > max_bytes:
        raise FileRejected(f"“{name}” is larger than the {max_bytes / (1024 * 1024):g} MB "
                           "limit. Nothing was saved.")
    refused = FileRejected(f"“{name}” is not a file type Caseline accepts ({ACCEPTED} are). "
                           "Nothing was saved.")
    kind = _sniff(data)
    if kind is None:
        raise refused
    stem, ext = _split_name(name)
    ext_lower = ext.lower()
    if ext:
        fits = ext_lower in kind.extensions or (kind is _TEXT and ext_lower in _CSV.extensions)
        if not fits:
            claimed = _kind_for_extension(ext_lower)
            if claimed is None:
                raise refused  # .exe, .html, .svg ...: never, whatever is inside
            raise FileRejected(f"“{name}” is not really {claimed.family}: its content looks "
                               f"like {kind.family}. Nothing was saved.")
    else:
        ext = ext_lower = kind.extensions[0]
        name = _fit_name(stem, ext)
    if kind in _IMAGES:
        stored, thumb, width, height, is_png = _encode_image(data, kind, name)
        stored_kind = _PNG if is_png else _JPEG
        if ext_lower not in stored_kind.extensions:  # e.g. an opaque PNG kept as JPEG
            name = _fit_name(stem, stored_kind.extensions[0])
        return PreparedFile(display_name=name, content_type=stored_kind.mime, data=stored,
                            thumbnail=thumb, width=width, height=height, is_image=True)
    content_type = _CSV.mime if kind is _TEXT and ext_lower == ".csv" else kind.mime
    return PreparedFile(display_name=name, content_type=content_type, data=data, thumbnail=None,
                        width=None, height=None, is_image=False)


# --- storage ---------------------------------------------------------------------------------

class AttachmentStore:
    """Files under random keys in a private folder; only a validated key becomes a path."""

    def __init__(self, root: Path) -> None:
        self.root = Path(root)

    def _path(self, key: str) -> Path:
        # fullmatch, not match+$: "$" would also accept a trailing newline.
        if not isinstance(key, str) or not _KEY.fullmatch(key):
            raise FileNotFoundError("not a storage key")
        return self.root / key[:2] / key

    def save(self, data: bytes) -> str:
        key = secrets.token_hex(16)
        path = self._path(key)
        self.root.mkdir(mode=0o700, parents=True, exist_ok=True)
        path.parent.mkdir(mode=0o700, exist_ok=True)
        tmp = path.parent / f".{key}.tmp"
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_NOFOLLOW", 0),
                     0o600)
        try:
            with os.fdopen(fd, "wb") as handle:
                handle.write(data)
                handle.flush()
                os.fsync(handle.fileno())
            os.replace(tmp, path)  # readers never see half a file
        except BaseException:
            tmp.unlink(missing_ok=True)  # no stray partial files with case data in them
            raise
        return key

    def read(self, key: str) -> bytes:
        return self._path(key).read_bytes()

    def delete(self, key: str) -> None:
        try:
            self._path(key).unlink()
        except FileNotFoundError:
            pass  # already gone is what we wanted
