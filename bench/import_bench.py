"""Time a 10,000-row import (read, dry run, commit) and the CSV exports, on a fresh database that
already holds people to check for duplicates.

Run: python -m bench.import_bench [--rows 10000] [--existing 20000] [--postgres] [--xlsx]
Prints one JSON line of the figures.
"""

from __future__ import annotations

import argparse
import csv
import io
import json
import os
import random
import tempfile
import time
import uuid
from datetime import date, timedelta
from pathlib import Path

PG_SERVER = os.environ.get("CASEAPP_TEST_PG_URL",
                           "postgresql+psycopg://postgres@127.0.0.1:5432/postgres")
FIRST = ["Ana", "Bo", "Cai", "Dee", "Eli", "Fay", "Gus", "Hana", "Ivo", "Jo", "Kit", "Lena", "Mo",
         "Nia", "Oli", "Pia", "Rae", "Sam", "Tom", "Uma", "Vic", "Wen", "Yas", "Zoë"]
LAST = ["Lima", "Chan", "Brown", "Green", "Jones", "Smith", "Ní Bhriain", "O'Brien", "Patel",
        "Khan", "Nowak", "Okafor", "Evans", "Hughes", "Price", "Rees"]


def _setup_database(postgres: bool) -> tuple[str | None, object]:
    from sqlalchemy import create_engine, text
    from sqlalchemy.engine import make_url

    if not postgres:
        return None, None
    admin = create_engine(PG_SERVER, isolation_level="AUTOCOMMIT")
    name = f"caseline_importbench_{uuid.uuid4().hex[:8]}"
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    os.environ["CASEAPP_DB_URL"] = make_url(PG_SERVER).set(database=name).render_as_string(
        hide_password=False)
    return name, admin


def _sheet(rows: int, workers: list[str], pathways: list[str], rng: random.Random,
           existing: list[tuple[str, date]]) -> list[list[str]]:
    out = [["Full name", "Date of birth", "Mobile", "Email", "Postcode", "Programme", "Status",
            "RAG", "Key worker", "Referral date", "Tags", "Case notes"]]
    for i in range(rows):
        if existing and i % 20 == 0:  # one row in twenty is someone already on record
            name, dob = existing[rng.randrange(len(existing))]
        else:
            name = f"{rng.choice(FIRST)} {rng.choice(LAST)} {i}"
            dob = date(1940, 1, 1) + timedelta(days=rng.randrange(25000))
        start = date(2024, 1, 1) + timedelta(days=rng.randrange(600))
        status = rng.choice(["Open", "Open", "Paused", "Closed"])
        out.append([name, dob.strftime("%d/%m/%Y"), f"07700 9{rng.randrange(100000):05d}",
                    f"person{i}@example.net", "LS1 4AB", rng.choice(pathways), status,
                    rng.choice(["Green", "Amber", "Red"]), rng.choice(workers),
                    start.strftime("%d/%m/%Y"), "housing; benefits" if i % 3 else "",
                    "Referred by the GP. Needs help with the housing form." if i % 2 else ""])
    return out


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rows", type=int, default=10_000)
    parser.add_argument("--existing", type=int, default=20_000)
    parser.add_argument("--postgres", action="store_true")
    parser.add_argument("--xlsx", action="store_true")
    args = parser.parse_args()

    folder = Path(tempfile.mkdtemp(prefix="caseline-importbench-"))
    os.environ["CASEAPP_DATA_DIR"] = str(folder)
    os.environ.pop("CASEAPP_DB_URL", None)
    pg_name, pg_admin = _setup_database(args.postgres)
    try:
        _run(args, folder)
    finally:
        if pg_name is not None:
            from sqlalchemy import text

            from caseapp.db import engine

            engine().dispose()
            with pg_admin.connect() as conn:  # type: ignore[attr-defined]
                conn.execute(text(f'DROP DATABASE IF EXISTS "{pg_name}" WITH (FORCE)'))


def _run(args: argparse.Namespace, folder: Path) -> None:
    from sqlalchemy import insert

    from caseapp import exporting, importing
    from caseapp.actor import Actor
    from caseapp.cases import CaseFilters
    from caseapp.db import engine, session_scope
    from caseapp.migrate import upgrade_to_head
    from caseapp.models import Case, Person, User
    from caseapp.pathways import save_pathway
    from caseapp.staff import create_user

    upgrade_to_head()
    rng = random.Random(7)
    admin_id = create_user(None, "Ada Admin", "ada@example.org", "admin", "Central",
                           "correct horse battery")
    with session_scope() as db:
        admin = Actor.of(db.get(User, admin_id))  # type: ignore[arg-type]
    workers = []
    for n in range(20):
        email = f"worker{n}@example.org"
        create_user(admin, f"Worker {n}", email, "case_worker", "North", "correct horse battery")
        workers.append(email)
    pathways = ["Housing Support", "Employment Programme", "Wellbeing"]
    pathway_ids = [save_pathway(admin, None, p, "#2563eb", "") for p in pathways]
    # People already on record (bulk, without the service: only to be scanned for duplicates).
    existing: list[tuple[str, date]] = []
    people = []
    for i in range(args.existing):
        name = f"{rng.choice(FIRST)} {rng.choice(LAST)} old{i}"
        dob = date(1940, 1, 1) + timedelta(days=rng.randrange(25000))
        existing.append((name, dob))
        people.append({"name": name, "name_search": name.lower(), "date_of_birth": dob,
                       "phone": f"07800 {i:06d}", "email": f"old{i}@example.net"})
    with engine().begin() as conn:
        for start in range(0, len(people), 5000):
            conn.execute(insert(Person), people[start:start + 5000])
        person_ids = [r[0] for r in conn.execute(Person.__table__.select().with_only_columns(
            Person.__table__.c.id))]
        conn.execute(insert(Case), [{"person_id": pid, "pathway_id": pathway_ids[0],
                                     "status": "open", "concern_level": "low",
                                     "start_date": date(2024, 1, 1), "reference": ""}
                                    for pid in person_ids])

    table = _sheet(args.rows, workers, pathways, rng, existing)
    if args.xlsx:
        from openpyxl import Workbook

        book = Workbook(write_only=True)
        sheet = book.create_sheet()
        for row in table:
            sheet.append(row)
        out = io.BytesIO()
        book.save(out)
        data, file_name = out.getvalue(), "clients.xlsx"
    else:
        text_out = io.StringIO()
        csv.writer(text_out).writerows(table)
        data, file_name = text_out.getvalue().encode("utf-8"), "clients.csv"

    figures: dict[str, object] = {"rows": args.rows, "existing_people": args.existing,
                                  "file": file_name, "bytes": len(data),
                                  "database": "postgres" if args.postgres else "sqlite"}
    t = time.perf_counter()
    staged = importing.stage_upload(admin, file_name, data)
    figures["upload_s"] = round(time.perf_counter() - t, 2)
    mapping = importing.ImportMapping(columns=staged.suggested)
    assert len(staged.suggested) == 12, staged.suggested
    t = time.perf_counter()
    report = importing.dry_run(admin, staged.key, mapping)
    figures["dry_run_s"] = round(time.perf_counter() - t, 2)
    assert report.ok, report.problems[:5]
    figures["duplicates_found"] = len(report.duplicates)
    t = time.perf_counter()
    result = importing.commit_import(admin, staged.key, mapping, {})
    figures["commit_s"] = round(time.perf_counter() - t, 2)
    figures["cases_created"] = result.cases_created
    figures["people_linked"] = result.people_linked
    t = time.perf_counter()
    prepared = exporting.export_cases(admin, CaseFilters())
    size = sum(len(chunk) for chunk in prepared.chunks)
    figures["export_cases_s"] = round(time.perf_counter() - t, 2)
    figures["export_cases_rows"] = prepared.rows
    figures["export_cases_mb"] = round(size / 1e6, 1)
    t = time.perf_counter()
    prepared = exporting.export_interactions(admin, CaseFilters())
    sum(len(chunk) for chunk in prepared.chunks)
    figures["export_interactions_s"] = round(time.perf_counter() - t, 2)
    figures["export_interactions_rows"] = prepared.rows
    print(json.dumps(figures))


if __name__ == "__main__":
    main()
