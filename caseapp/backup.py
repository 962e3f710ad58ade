"""Backup and restore of the database and the attachment files, as one checked archive.

An archive is a ``.tar.gz`` holding the database (an SQLite snapshot file, or a ``pg_dump``
custom-format dump), every attachment file the database refers to, and ``manifest.json``: the
SHA-256 and size of every other member, the schema revision, the row count of every table and
the time it was made.

Backups are taken while the app runs. The database is copied from one consistent snapshot
(SQLite's online backup API; on PostgreSQL an exported snapshot that ``pg_dump`` and our own
queries share), and the files copied are exactly the ones that snapshot refers to. Attachment
files are written before the row that names them is committed, so every one is on disk by then.

Restore checks everything in the archive before it changes anything, refuses a database that
already holds data unless forced, and migrates the restored database to this version's head.
"""

from __future__ import annotations

import hashlib
import io
import json
import os
import shutil
import sqlite3
import subprocess
import tarfile
import tempfile
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from sqlalchemy import text
from sqlalchemy.engine import Connection, make_url

from caseapp.config import settings

FORMAT = 1
MANIFEST = "manifest.json"
SQLITE_MEMBER = "database.sqlite"
PG_MEMBER = "database.pgdump"
_CHUNK = 1024 * 1024


class BackupError(RuntimeError):
    """A backup or restore that could not be done; the message says why, in plain words."""


@dataclass(frozen=True)
class BackupReport:
    path: Path
    schema_revision: str
    row_counts: dict[str, int]
    files: int
    bytes: int


@dataclass(frozen=True)
class RestoreReport:
    schema_revision: str
    row_counts: dict[str, int]
    files: int


def _engine_kind(url: str) -> str:
    if url.startswith("sqlite"):
        return "sqlite"
    if url.startswith("postgresql"):
        return "postgresql"
    raise BackupError(f"Backups support SQLite and PostgreSQL, not {url.split(':', 1)[0]}")


def _sqlite_path(url: str) -> Path:
    return Path(url.removeprefix("sqlite:///"))


def _sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def _file_sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        while chunk := handle.read(_CHUNK):
            digest.update(chunk)
    return digest.hexdigest()


# --- PostgreSQL tools ------------------------------------------------------------------------

def _pg_tool(name: str) -> str:
    found = shutil.which(name)
    if found is None:
        raise BackupError(f"{name} was not found on PATH. Install the PostgreSQL client tools "
                          f"(same major version as the server, e.g. apt install "
                          f"postgresql-client) to back up or restore a PostgreSQL database.")
    return found


def _pg_conninfo(url: str) -> tuple[str, dict[str, str]]:
    """A libpq keyword/value string for the tools, with the password passed in the environment
    (not argv, which any local user can read)."""
    parsed = make_url(url)
    env = dict(os.environ)
    if parsed.password:
        env["PGPASSWORD"] = str(parsed.password)

    def quoted(value: object) -> str:
        return "'" + str(value).replace("\\", "\\\\").replace("'", "\\'") + "'"

    parts = {"host": parsed.host, "port": parsed.port, "dbname": parsed.database,
             "user": parsed.username, **dict(parsed.query)}
    return " ".join(f"{k}={quoted(v)}" for k, v in parts.items() if v not in (None, "")), env


def _run(cmd: list[str], env: dict[str, str]) -> None:
    done = subprocess.run(cmd, env=env, capture_output=True, text=True)
    if done.returncode != 0:
        detail = (done.stderr or done.stdout).strip().splitlines()
        raise BackupError(f"{Path(cmd[0]).name} failed: {detail[-1] if detail else done.returncode}")


# --- reading a database ----------------------------------------------------------------------

def _sqlite_tables(conn: sqlite3.Connection) -> list[str]:
    return [r[0] for r in conn.execute(
        "SELECT name FROM sqlite_master WHERE type='table' AND name NOT LIKE 'sqlite_%' "
        "ORDER BY name")]


def _sqlite_facts(conn: sqlite3.Connection) -> tuple[str | None, dict[str, int], set[str]]:
    tables = _sqlite_tables(conn)
    counts = {t: conn.execute(f'SELECT count(*) FROM "{t}"').fetchone()[0] for t in tables}
    revision = None
    if "alembic_version" in tables:
        row = conn.execute("SELECT version_num FROM alembic_version").fetchone()
        revision = row[0] if row else None
    keys: set[str] = set()
    if "attachment" in tables:
        for key, thumb in conn.execute("SELECT storage_key, thumbnail_key FROM attachment"):
            keys.update(k for k in (key, thumb) if k)
    return revision, counts, keys


def _pg_facts(conn: Connection) -> tuple[str | None, dict[str, int], set[str]]:
    tables = [r[0] for r in conn.execute(text(
        "SELECT table_name FROM information_schema.tables WHERE table_schema = current_schema() "
        "AND table_type = 'BASE TABLE' ORDER BY table_name"))]
    counts = {t: conn.execute(text(f'SELECT count(*) FROM "{t}"')).scalar_one() for t in tables}
    revision = None
    if "alembic_version" in tables:
        revision = conn.execute(text("SELECT version_num FROM alembic_version")).scalar()
    keys: set[str] = set()
    if "attachment" in tables:
        for key, thumb in conn.execute(text(
                "SELECT storage_key, thumbnail_key FROM attachment")):
            keys.update(k for k in (key, thumb) if k)
    return revision, counts, keys


def current_row_counts() -> dict[str, int]:
    """Rows per table in the configured database (empty if it does not exist yet)."""
    url = settings().db_url
    if _engine_kind(url) == "sqlite":
        path = _sqlite_path(url)
        if not path.exists():
            return {}
        conn = sqlite3.connect(path)
        try:
            return _sqlite_facts(conn)[1]
        finally:
            conn.close()
    from caseapp.db import engine

    with engine().connect() as conn:
        return _pg_facts(conn)[1]


# --- backup ----------------------------------------------------------------------------------

def _snapshot_sqlite(url: str, into: Path) -> tuple[str | None, dict[str, int], set[str]]:
    source = sqlite3.connect(_sqlite_path(url), timeout=30)
    target = sqlite3.connect(into)
    try:
        # One step (pages=-1): the whole copy is made inside one read transaction, so it is a
        # single moment of the database even while the app keeps writing (WAL mode).
        source.backup(target)
        target.execute("PRAGMA journal_mode=DELETE")  # one self-contained file in the archive
        return _sqlite_facts(target)
    finally:
        target.close()
        source.close()


def _snapshot_postgres(url: str, into: Path) -> tuple[str | None, dict[str, int], set[str]]:
    pg_dump = _pg_tool("pg_dump")
    from caseapp.db import make_engine

    engine = make_engine(url)
    try:
        with engine.connect() as conn:
            # Our queries and pg_dump share one exported snapshot, so the file list and row
            # counts describe exactly what the dump holds.
            conn.execute(text("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ READ ONLY"))
            snapshot = conn.execute(text("SELECT pg_export_snapshot()")).scalar_one()
            facts = _pg_facts(conn)
            conninfo, env = _pg_conninfo(url)
            _run([pg_dump, "--format=custom", "--no-owner", "--no-privileges",
                  f"--snapshot={snapshot}", f"--file={into}", f"--dbname={conninfo}"], env)
            conn.rollback()
        return facts
    finally:
        engine.dispose()


def backup(dest: Path | str) -> BackupReport:
    """Write one archive of the database and its attachment files; returns what it holds.

    ``dest`` is a file name, or a folder (existing, or ending in "/") to put a time-stamped
    archive in. An existing
    archive is never overwritten.
    """
    s = settings()
    kind = _engine_kind(s.db_url)
    created = datetime.now(UTC)
    as_folder = str(dest).endswith(("/", os.sep))
    dest = Path(dest)
    if dest.is_dir() or as_folder:
        dest = dest / f"caseline-backup-{created:%Y%m%dT%H%M%SZ}.tar.gz"
    if dest.exists():
        raise BackupError(f"{dest} already exists; choose a new name")
    if kind == "sqlite" and not _sqlite_path(s.db_url).exists():
        raise BackupError(f"There is no database at {_sqlite_path(s.db_url)} to back up")
    dest.parent.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix=".caseline-backup-", dir=dest.parent) as work:
        snap = Path(work) / (SQLITE_MEMBER if kind == "sqlite" else PG_MEMBER)
        revision, counts, keys = (_snapshot_sqlite(s.db_url, snap) if kind == "sqlite"
                                  else _snapshot_postgres(s.db_url, snap))
        files: list[dict[str, object]] = []
        partial = dest.with_name(f".{dest.name}.partial")
        # The archive holds personal data: readable by this user only, from the first byte.
        fd = os.open(partial, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        try:
            with os.fdopen(fd, "wb") as raw, tarfile.open(fileobj=raw, mode="w:gz") as tar:
                tar.add(snap, arcname=snap.name)
                files.append({"path": snap.name, "sha256": _file_sha256(snap),
                              "size": snap.stat().st_size})
                total = snap.stat().st_size
                for key in sorted(keys):
                    source = s.attachments_dir / key[:2] / key
                    try:
                        data = source.read_bytes()
                    except FileNotFoundError as exc:
                        # Only an erasure between the snapshot and now removes a file; a fresh
                        # backup will not refer to it.
                        raise BackupError(f"Attachment file {key} went missing during the "
                                          f"backup (erased meanwhile?); run the backup again") from exc
                    name = f"attachments/{key[:2]}/{key}"
                    _add_bytes(tar, name, data)
                    files.append({"path": name, "sha256": _sha256(data), "size": len(data)})
                    total += len(data)
                manifest = {
                    "format": FORMAT, "app": "caseline", "engine": kind,
                    "created_at": created.isoformat(timespec="seconds"),
                    "schema_revision": revision, "row_counts": counts, "files": files,
                }
                _add_bytes(tar, MANIFEST, json.dumps(manifest, indent=1).encode())
                raw.flush()
                os.fsync(raw.fileno())
            os.replace(partial, dest)  # a half-written archive never has the final name
        except BaseException:
            partial.unlink(missing_ok=True)
            raise
    return BackupReport(path=dest, schema_revision=revision or "", row_counts=counts,
                        files=len(keys), bytes=total)


def _add_bytes(tar: tarfile.TarFile, name: str, data: bytes) -> None:
    info = tarfile.TarInfo(name)
    info.size = len(data)
    info.mode = 0o600
    info.mtime = int(datetime.now(UTC).timestamp())
    tar.addfile(info, io.BytesIO(data))


# --- restore ---------------------------------------------------------------------------------

def _unpack(archive: Path, into: Path) -> dict:
    """Unpack and check every member against the manifest; raises BackupError if anything is
    off. Nothing outside ``into`` is touched."""
    if not archive.is_file():
        raise BackupError(f"No backup archive at {archive}")
    try:
        with tarfile.open(archive, mode="r:gz") as tar:
            members = tar.getmembers()
            if any(not m.isfile() for m in members):
                raise BackupError("The archive holds something other than plain files")
            tar.extractall(into, filter="data")  # refuses absolute paths, "..", links
    except (tarfile.TarError, OSError, EOFError) as exc:
        raise BackupError(f"The archive is damaged or not a Caseline backup ({exc})") from exc
    try:
        manifest = json.loads((into / MANIFEST).read_text())
        listed = {f["path"]: f for f in manifest["files"]}
        if not isinstance(manifest["engine"], str) or not isinstance(manifest["row_counts"], dict):
            raise TypeError("manifest fields")
    except (OSError, ValueError, KeyError, TypeError) as exc:
        raise BackupError("The archive has no readable manifest; it is not a Caseline backup "
                          "or it is damaged") from exc
    if manifest.get("format") != FORMAT:
        raise BackupError(f"Unknown backup format {manifest.get('format')!r}")
    present = {m.name for m in members} - {MANIFEST}
    if present != set(listed):
        raise BackupError("The archive's files do not match its manifest "
                          f"({len(present ^ set(listed))} differ); it is damaged")
    for name, entry in listed.items():
        path = into / name
        if path.stat().st_size != entry["size"] or _file_sha256(path) != entry["sha256"]:
            raise BackupError(f"Checksum mismatch for {name}: the archive is damaged")
    return manifest


def _check_revision_known(revision: str | None) -> None:
    from alembic.script import ScriptDirectory

    from caseapp.migrate import _config

    if not revision:
        raise BackupError("The backup has no schema revision; it is not a Caseline database")
    try:
        ScriptDirectory.from_config(_config()).get_revision(revision)
    except Exception as exc:  # alembic raises several kinds for an unknown revision
        raise BackupError(f"The backup is at schema revision {revision}, which this version of "
                          f"Caseline does not know (made by a newer version?)") from exc


def _has_data(counts: dict[str, int]) -> bool:
    return any(n for table, n in counts.items() if table != "alembic_version")


def restore(archive: Path, force: bool = False) -> RestoreReport:
    """Replace the configured database and attachment files with an archive's contents.

    Stop the app first. Everything is checked before anything is changed."""
    from caseapp import db, interactions
    from caseapp.migrate import upgrade_to_head

    s = settings()
    kind = _engine_kind(s.db_url)
    with tempfile.TemporaryDirectory(prefix=".caseline-restore-") as work:
        staged = Path(work)
        manifest = _unpack(Path(archive), staged)
        if manifest["engine"] != kind:
            raise BackupError(f"This backup is of a {manifest['engine']} database; the configured "
                              f"database is {kind}. Restore it into a {manifest['engine']} "
                              f"database (CASEAPP_DB_URL).")
        _check_revision_known(manifest.get("schema_revision"))
        if kind == "postgresql":
            _pg_tool("pg_restore")  # say it is missing before changing anything
        if _has_data(current_row_counts()) and not force:
            raise BackupError("The database already holds data; restoring would replace it. "
                              "Use --force if that is what you want.")
        if db.engine.cache_info().currsize:
            db.engine().dispose()  # no pooled connection holds the old database open
        if kind == "sqlite":
            _restore_sqlite(staged / SQLITE_MEMBER, _sqlite_path(s.db_url))
        else:
            _restore_postgres(staged / PG_MEMBER, s.db_url)
        copied = _restore_files(staged, (f["path"] for f in manifest["files"]),
                                s.attachments_dir)
        counts = current_row_counts()
        if counts != manifest["row_counts"]:
            raise BackupError("The restored database's row counts differ from the manifest's; "
                              "do not use it, and report this")
        db.engine.cache_clear()
        interactions.attachment_store.cache_clear()
        upgrade_to_head()
    return RestoreReport(schema_revision=str(manifest["schema_revision"]),
                         row_counts=counts, files=copied)


def _restore_sqlite(snapshot: Path, target: Path) -> None:
    target.parent.mkdir(parents=True, exist_ok=True)
    source = sqlite3.connect(snapshot)
    dest = sqlite3.connect(target, timeout=30)
    try:
        # The backup API replaces the target's pages under its lock, WAL file included, so
        # there is never a mix of old and new.
        source.backup(dest)
    finally:
        dest.close()
        source.close()


def _restore_postgres(dump: Path, url: str) -> None:
    pg_restore = _pg_tool("pg_restore")
    conninfo, env = _pg_conninfo(url)
    # One transaction: a failure part-way leaves the database as it was.
    _run([pg_restore, "--clean", "--if-exists", "--no-owner", "--no-privileges",
          "--single-transaction", "--exit-on-error", f"--dbname={conninfo}", str(dump)], env)


def _restore_files(staged: Path, names: Iterable[str], root: Path) -> int:
    copied = 0
    for name in names:
        if not name.startswith("attachments/"):
            continue
        relative = Path(name).relative_to("attachments")
        target = root / relative
        target.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
        tmp = target.parent / f".{target.name}.restore"
        shutil.copyfile(staged / name, tmp)
        os.chmod(tmp, 0o600)
        os.replace(tmp, target)
        copied += 1
    return copied
