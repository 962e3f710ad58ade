"""Attachment safety: decide a file's type by its content, refuse what could carry script,
re-encode images without metadata (GPS!) and keep them private under random keys.

Pure Python + Pillow; no Reflex and no database here.
"""

from __future__ import annotations

import io
import os
import re
import secrets
import unicodedata
import warnings
import zipfile
from dataclasses import dataclass
from pathlib import Path

from PIL import Image, ImageOps

MAX_PIXELS = 60_000_000  # a 12 MP phone photo is 12 M; anything far larger is a bomb or a scan
MAX_STORED_EDGE = 2560
THUMB_EDGE = 320
IMAGE_FORMATS = ("JPEG", "PNG", "WEBP", "GIF")

_BIDI_AND_CONTROL = re.compile("[\u0000-\u001f\u007f\u202a-\u202e\u2066-\u2069]")
_KEY = re.compile(r"^[0-9a-f]{32}$")


class FileRejected(ValueError):
    """Raised with a clear, user-facing message saying why the file was refused."""


@dataclass(frozen=True)
class PreparedFile:
    display_name: str
    content_type: str
    data: bytes
    thumbnail: bytes | None
    width: int | None
    height: int | None
    is_image: bool


@dataclass(frozen=True)
class _Kind:
    mime: str
    family: str  # what a person would call it, for messages
    extensions: tuple[str, ...]  # the first is used when a name has none


_JPEG = _Kind("image/jpeg", "a JPEG photo", (".jpg", ".jpeg", ".jpe", ".jfif"))
_PNG = _Kind("image/png", "a PNG image", (".png",))
_WEBP = _Kind("image/webp", "a WebP image", (".webp",))
_GIF = _Kind("image/gif", "a GIF image", (".gif",))
_PDF = _Kind("application/pdf", "a PDF", (".pdf",))
_DOCX = _Kind("application/vnd.openxmlformats-officedocument.wordprocessingml.document",
              "a Word document", (".docx", ".docm", ".dotx"))
_XLSX = _Kind("application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
              "an Excel spreadsheet", (".xlsx", ".xlsm", ".xltx"))
_PPTX = _Kind("application/vnd.openxmlformats-officedocument.presentationml.presentation",
              "a PowerPoint presentation", (".pptx", ".ppsx"))
_ODT = _Kind("application/vnd.oasis.opendocument.text", "an OpenDocument text", (".odt",))
_ODS = _Kind("application/vnd.oasis.opendocument.spreadsheet", "an OpenDocument spreadsheet",
             (".ods",))
_ODP = _Kind("application/vnd.oasis.opendocument.presentation", "an OpenDocument presentation",
             (".odp",))
_OLE = _Kind("application/x-ole-storage", "an older Office document",
             (".doc", ".xls", ".ppt", ".msg"))
_RTF = _Kind("application/rtf", "an RTF document", (".rtf",))
_TEXT = _Kind("text/plain; charset=utf-8", "a text file", (".txt", ".md", ".log", ".text"))
_CSV = _Kind("text/csv; charset=utf-8", "a CSV file", (".csv",))

_ODF_KINDS = {"application/vnd.oasis.opendocument.text": _ODT,
              "application/vnd.oasis.opendocument.spreadsheet": _ODS,
              "application/vnd.oasis.opendocument.presentation": _ODP}
_OLE_MIME = {".doc": "application/msword", ".xls": "application/vnd.ms-excel",
             ".ppt": "application/vnd.ms-powerpoint", ".msg": "application/vnd.ms-outlook"}
_ALL_KINDS = (_JPEG, _PNG, _WEBP, _GIF, _PDF, _DOCX, _XLSX, _PPTX, _ODT, _ODS, _ODP, _OLE, _RTF,
              _TEXT, _CSV)
# Names that say "text" in one way or another; any of them fits text content.
_TEXTUAL = set(_TEXT.extensions) | set(_CSV.extensions)
_MARKUP = re.compile(rb"^\s*<", re.S)

ACCEPTED = "photos, PDF, Office documents and text files"


def _clean_name(filename: str) -> str:
    base = re.split(r"[\\/]", filename or "")[-1]
    base = unicodedata.normalize("NFC", _BIDI_AND_CONTROL.sub("", base))
    base = " ".join(base.split()).strip(" .")
    if not base:
        return "attachment"
    if len(base) > 120:
        stem, ext = os.path.splitext(base)
        ext = ext[:16]
        base = stem[: 120 - len(ext)] + ext
    return base


def _sniff(data: bytes) -> _Kind | None:
    head = data[:16]
    if head.startswith(b"\xff\xd8\xff"):
        return _JPEG
    if head.startswith(b"\x89PNG\r\n\x1a\n"):
        return _PNG
    if head[:4] == b"RIFF" and data[8:12] == b"WEBP":
        return _WEBP
    if head[:6] in (b"GIF87a", b"GIF89a"):
        return _GIF
    if data[:1024].lstrip().startswith(b"%PDF-"):
        return _PDF
    if head.startswith(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"):
        return _OLE
    if head.startswith(b"{\\rtf"):
        return _RTF
    if head.startswith(b"PK\x03\x04"):
        return _sniff_zip(data)
    return _sniff_text(data)


def _sniff_zip(data: bytes) -> _Kind | None:
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            names = archive.namelist()
            if names and names[0] == "mimetype":
                mime = archive.read("mimetype")[:100].decode("ascii", "ignore").strip()
                return _ODF_KINDS.get(mime)
            if "[Content_Types].xml" in names:
                if any(n.startswith("word/") for n in names):
                    return _DOCX
                if any(n.startswith("xl/") for n in names):
                    return _XLSX
                if any(n.startswith("ppt/") for n in names):
                    return _PPTX
    except (zipfile.BadZipFile, KeyError, ValueError, OSError):
        return None
    return None


def _sniff_text(data: bytes) -> _Kind | None:
    if b"\x00" in data:
        return None
    body = data[3:] if data.startswith(b"\xef\xbb\xbf") else data
    try:
        body.decode("utf-8")
    except UnicodeDecodeError:
        return None
    # HTML, SVG and XML can run script when opened; refuse markup whatever the name says.
    if _MARKUP.match(body[:4096]) or re.search(rb"<\s*(script|svg|html|iframe)\b", body[:65536],
                                               re.I):
        return None
    return _TEXT


def _kind_for_extension(ext: str) -> _Kind | None:
    return next((k for k in _ALL_KINDS if ext in k.extensions), None)


def _encode_image(data: bytes, name: str) -> tuple[bytes, bytes, int, int, str]:
    """Re-encode: orientation applied, every metadata block dropped, long edge capped."""
    unreadable = FileRejected(f"“{name}” could not be read as an image (it may be damaged). "
                              "Nothing was saved.")
    too_big = FileRejected(f"“{name}” is too large in pixels to be a photo. Nothing was saved.")
    with warnings.catch_warnings():
        warnings.simplefilter("error", Image.DecompressionBombWarning)
        try:
            with Image.open(io.BytesIO(data), formats=IMAGE_FORMATS) as probe:
                if probe.width * probe.height > MAX_PIXELS:
                    raise too_big
                probe.verify()
            image = Image.open(io.BytesIO(data), formats=IMAGE_FORMATS)
            if image.format == "JPEG":
                # Let the JPEG decoder downscale by a power of two when the target is far smaller.
                image.draft("RGB", (MAX_STORED_EDGE, MAX_STORED_EDGE))
            image.load()
        except FileRejected:
            raise
        except (Image.DecompressionBombError, Image.DecompressionBombWarning) as exc:
            raise too_big from exc
        except (OSError, SyntaxError, ValueError, Image.UnidentifiedImageError) as exc:
            raise unreadable from exc
        try:
            image = ImageOps.exif_transpose(image)
        except (OSError, ValueError, KeyError, TypeError):
            pass  # a broken orientation tag: keep the pixels as they are
        has_alpha = image.mode in ("RGBA", "LA", "PA") or (
            image.mode == "P" and "transparency" in image.info)
        if has_alpha:
            image = image.convert("RGBA")
        else:
            image = image.convert("RGB")
        image.thumbnail((MAX_STORED_EDGE, MAX_STORED_EDGE), Image.Resampling.LANCZOS,
                        reducing_gap=3.0)
        out = io.BytesIO()
        if has_alpha:
            image.save(out, "PNG", optimize=True)
            stored_mime = "image/png"
        else:
            image.save(out, "JPEG", quality=85, optimize=True, progressive=True)
            stored_mime = "image/jpeg"
        thumb = image.copy()
        thumb.thumbnail((THUMB_EDGE, THUMB_EDGE), Image.Resampling.LANCZOS, reducing_gap=2.0)
        if thumb.mode != "RGB":
            background = Image.new("RGB", thumb.size, (255, 255, 255))
            background.paste(thumb, mask=thumb.getchannel("A") if "A" in thumb.mode else None)
            thumb = background
        thumb_out = io.BytesIO()
        thumb.save(thumb_out, "JPEG", quality=80, optimize=True)
        return out.getvalue(), thumb_out.getvalue(), image.width, image.height, stored_mime


def prepare_upload(filename: str, data: bytes, max_bytes: int) -> PreparedFile:
    """Check one uploaded file and turn it into what is stored. Raises FileRejected."""
    name = _clean_name(filename)
    if not data:
        raise FileRejected(f"“{name}” is empty. Nothing was saved.")
    if len(data) > max_bytes:
        limit_mb = max_bytes / (1024 * 1024)
        raise FileRejected(f"“{name}” is larger than the {limit_mb:g} MB limit. "
                           "Nothing was saved.")
    kind = _sniff(data)
    if kind is None:
        raise FileRejected(f"“{name}” is not a file type Caseline accepts ({ACCEPTED} are). "
                           "Nothing was saved.")
    stem, ext = os.path.splitext(name)
    ext = ext.lower()
    if ext:
        claimed = _kind_for_extension(ext)
        fits = ext in kind.extensions or (kind is _TEXT and ext in _TEXTUAL)
        if not fits:
            if claimed is None:
                raise FileRejected(f"“{name}” is not a file type Caseline accepts ({ACCEPTED} "
                                   "are). Nothing was saved.")
            raise FileRejected(f"“{name}” is not really {claimed.family}: its content looks "
                               f"like {kind.family}. Nothing was saved.")
    else:
        name = f"{name}{kind.extensions[0]}"
        stem, ext = os.path.splitext(name)
    content_type = kind.mime
    if kind is _TEXT and ext == ".csv":
        content_type = _CSV.mime
    if kind is _OLE:
        content_type = _OLE_MIME.get(ext, "application/octet-stream")
    if kind in (_JPEG, _PNG, _WEBP, _GIF):
        stored, thumb, width, height, stored_mime = _encode_image(data, name)
        new_ext = ".png" if stored_mime == "image/png" else ".jpg"
        if ext not in (_PNG.extensions if new_ext == ".png" else _JPEG.extensions):
            name = f"{stem}{new_ext}"
        return PreparedFile(display_name=name, content_type=stored_mime, data=stored,
                            thumbnail=thumb, width=width, height=height, is_image=True)
    return PreparedFile(display_name=name, content_type=content_type, data=data, thumbnail=None,
                        width=None, height=None, is_image=False)


class AttachmentStore:
    """Files under random keys in a private folder; the key is the only thing made into a path."""

    def __init__(self, root: Path) -> None:
        self.root = Path(root)

    def _path(self, key: str) -> Path:
        if not _KEY.match(key or ""):
            raise FileNotFoundError("not a storage key")
        return self.root / key[:2] / key

    def save(self, data: bytes) -> str:
        key = secrets.token_hex(16)
        path = self._path(key)
        path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
        tmp = path.with_suffix(".part")
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(tmp, path)  # readers never see half a file
        return key

    def read(self, key: str) -> bytes:
        return self._path(key).read_bytes()

    def delete(self, key: str) -> None:
        try:
            self._path(key).unlink()
        except FileNotFoundError:
            pass
