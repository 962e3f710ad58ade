"""Command line: ``python -m caseapp setup | create-admin | migrate | demo``."""

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


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m caseapp", description="Caseline admin tasks")
    sub = parser.add_subparsers(dest="command", required=True)
    setup = sub.add_parser("setup", help="apply migrations; load demo data into an empty database")
    setup.add_argument("--demo", action="store_true", help="load demo data if the database is empty")
    sub.add_parser("migrate", help="apply database migrations")
    admin = sub.add_parser("create-admin", help="create the first admin of a real deployment")
    admin.add_argument("--email", required=True)
    admin.add_argument("--name", required=True)
    admin.add_argument("--team", default="")
    args = parser.parse_args(argv)

    from caseapp.errors import ValidationFailed
    from caseapp.migrate import upgrade_to_head

    upgrade_to_head()
    if args.command == "setup" and args.demo:
        if _database_is_empty():
            from caseapp.demo import load_demo_data

            load_demo_data()
            print("Loaded demo data (see README for the demo accounts).")
        else:
            print("Database already has data: demo data not loaded, nothing changed.")
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
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
