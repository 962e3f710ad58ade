"""Command line: ``python -m caseapp setup | create-admin | migrate | index-notes | verify-audit |
backup | restore``."""

from __future__ import annotations

import argparse
import getpass
import os
import sys

from sqlmodel import func, select


def _database_is_empty() -> bool:
    from caseapp.db import session_scope
    from caseapp.models import User

    with session_scope() as db:
        return db.exec(select(func.count()).select_from(User)).one() == 0


def _index_notes() -> None:
    import time

    from caseapp.search import index_notes

    start = time.perf_counter()
    done = index_notes()
    seconds = time.perf_counter() - start
    print(f"Indexed {done:,} notes for search in {seconds:.1f} s." if done else
          "Every note is already indexed for search (or AI features are off).")


def _backup_or_restore(args: argparse.Namespace) -> int:
    import time
    from pathlib import Path

    from caseapp.backup import BackupError, backup, restore

    start = time.perf_counter()
    try:
        if args.command == "backup":
            made = backup(args.dest)  # a str: a trailing / means a folder
            print(f"Backed up {sum(made.row_counts.values()):,} rows and {made.files:,} files "
                  f"(schema {made.schema_revision}) to {made.path} in "
                  f"{time.perf_counter() - start:.1f} s.")
        else:
            done = restore(Path(args.src), force=args.force)
            print(f"Restored {sum(done.row_counts.values()):,} rows and {done.files:,} files "
                  f"(schema {done.schema_revision}, now migrated to head) in "
                  f"{time.perf_counter() - start:.1f} s.")
    except BackupError as exc:
        print(f"{args.command} refused: {exc}", file=sys.stderr)
        return 2
    return 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m caseapp", description="Caseline admin tasks")
    sub = parser.add_subparsers(dest="command", required=True)
    setup = sub.add_parser("setup", help="apply migrations; load demo data into an empty database")
    setup.add_argument("--demo", action="store_true", help="load demo data if the database is empty")
    sub.add_parser("migrate", help="apply database migrations")
    sub.add_parser("index-notes", help="prepare every note for search by meaning")
    admin = sub.add_parser("create-admin", help="create the first admin of a real deployment")
    admin.add_argument("--email", required=True)
    admin.add_argument("--name", required=True)
    admin.add_argument("--team", default="")
    sub.add_parser("verify-audit", help="check the audit trail's hash chain; name the first break")
    backup = sub.add_parser("backup", help="archive the database and attachments (app may run)")
    backup.add_argument("dest", help="archive file to write, or a folder to put one in")
    restore = sub.add_parser("restore", help="restore an archive made by backup (stop the app)")
    restore.add_argument("src", help="archive file made by backup")
    restore.add_argument("--force", action="store_true",
                         help="replace a database that already holds data")
    args = parser.parse_args(argv)
    if args.command in ("backup", "restore"):
        return _backup_or_restore(args)

    from caseapp.errors import ValidationFailed
    from caseapp.migrate import upgrade_to_head

    upgrade_to_head()
    if args.command == "setup" and args.demo:
        if _database_is_empty():
            from caseapp.demo import load_demo_data

            load_demo_data()
            print("Loaded demo data (see README for the demo accounts).")
            _index_notes()
        else:
            print("Database already has data: demo data not loaded, nothing changed.")
    elif args.command == "index-notes":
        _index_notes()
    elif args.command == "create-admin":
        from caseapp.models import Role
        from caseapp.staff import create_user

        password = os.environ.get("CASEAPP_ADMIN_PASSWORD") or getpass.getpass(
            "Password for the new admin (at least 10 characters): ")
        try:
            create_user(None, args.name, args.email, Role.ADMIN.value, args.team, password)
        except ValidationFailed as exc:
            for field, message in exc.errors.items():
                print(f"{field}: {message}", file=sys.stderr)
            return 2
        print(f"Created admin {args.email.strip().lower()}.")
    elif args.command == "verify-audit":
        from caseapp.audit import verify_chain
        from caseapp.db import session_scope

        with session_scope() as db:
            report = verify_chain(db)
        if not report.intact:
            print(f"Audit trail BROKEN after {report.events} good events: {report.reason}.",
                  file=sys.stderr)
            return 1
        redacted = f", {report.redacted} redacted by erasure" if report.redacted else ""
        print(f"Audit trail intact: {report.events} events{redacted}; last hash {report.last_hash}.")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
