"""Bulk enrolment benchmark: reading, planning (the dry run) and applying 500 rows.

Run from the project root::

    .venv/bin/python bench/bulk_enrolment.py               # 500 rows, N = 5
    .venv/bin/python bench/bulk_enrolment.py --rows 1000 --runs 3

A throwaway site (``bench/django_env.py``) with one program and cohort. Each run makes a fresh
cohort and a CSV (semicolons, BOM) and an .xlsx workbook of ``--rows`` new people, and measures
(medians of N runs):

* reading the file (``bulk.read_rows``), CSV and .xlsx;
* the dry run (``bulk.plan``) and its number of queries;
* applying the plan (``bulk.apply_plan``: every row through ``invite``, the invitation mails
  stored in the outgoing-mail queue; their delivery after the commit is not measured);
* the whole round trip through Django's test client: upload (dry run page) and confirmation.

Results are printed as a table and written to ``bench/results/bulk_enrolment.json``.
"""

from __future__ import annotations

import sys
from pathlib import Path

_ROOT = Path(__file__).resolve().parents[1]
if sys.path and Path(sys.path[0]).resolve() == _ROOT / "bench":
    sys.path[0] = str(_ROOT)
elif str(_ROOT) not in sys.path:
    sys.path.insert(0, str(_ROOT))

import argparse
import io
import time
from itertools import count

from bench.common import machine, median, save, seconds, table

_runs = count()


def csv_file(rows: int, run: int) -> bytes:
    lines = ["Name;E-Mail;Sprache;Organisation"]
    lines += [f"Person {i};r{run}p{i}@example.org;de;Firma {i % 9}" for i in range(rows)]
    return ("\ufeff" + "\n".join(lines) + "\n").encode()


def xlsx_file(rows: int, run: int) -> bytes:
    from openpyxl import Workbook

    workbook = Workbook()
    sheet = workbook.active
    sheet.append(["Name", "E-Mail", "Language", "Organisation"])
    for i in range(rows):
        sheet.append([f"Person {i}", f"x{run}p{i}@example.org", "en", f"Org {i % 9}"])
    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=500)
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--keep", action="store_true")
    args = parser.parse_args()
    from bench.django_env import site

    with site("bench-bulk-enrolment-", keep=args.keep):
        import datetime as dt

        from django.core.files.uploadedfile import SimpleUploadedFile
        from django.db import connection
        from django.test import Client
        from django.test.utils import CaptureQueriesContext

        from courses.enrolment import bulk
        from courses.models import Cohort
        from tests.helpers import log_in, make_program, make_user

        program = make_program(slug="ml", title="ML in Data Science")
        coordinator = make_user("cora", is_staff=True)

        def new_cohort() -> Cohort:
            n = next(_runs)
            return Cohort.objects.create(
                program=program,
                name=f"Run {n}",
                starts_on=dt.date(2026, 1, 1),
                ends_on=dt.date(2026, 12, 31),
            )

        read_csv, read_xlsx, plans, applies, pages, confirms = [], [], [], [], [], []
        plan_queries = 0
        for run in range(args.runs):
            data, workbook = csv_file(args.rows, run), xlsx_file(args.rows, run)
            started = time.perf_counter()
            rows = bulk.read_rows("people.csv", data)
            read_csv.append(time.perf_counter() - started)
            started = time.perf_counter()
            bulk.read_rows("people.xlsx", workbook)
            read_xlsx.append(time.perf_counter() - started)
            cohort = new_cohort()
            with CaptureQueriesContext(connection) as queries:
                started = time.perf_counter()
                planned = bulk.plan(rows, cohort=cohort)
                plans.append(time.perf_counter() - started)
            plan_queries = len(queries)
            started = time.perf_counter()
            bulk.apply_plan(planned, cohort=cohort, by=coordinator)
            applies.append(time.perf_counter() - started)
            # The same through the pages (a fresh cohort and fresh addresses).
            cohort = new_cohort()
            client = log_in(Client(), coordinator)  # a session that used its second factor
            upload = SimpleUploadedFile("people.xlsx", xlsx_file(args.rows, 1000 + run))
            bulk_url = f"/cohorts/{cohort.pk}/enrolment/bulk/"
            started = time.perf_counter()
            response = client.post(bulk_url, {"file": upload})
            pages.append(time.perf_counter() - started)
            assert response.status_code == 200
            digest = client.session[f"bulk-enrolment-{cohort.pk}"]["digest"]
            started = time.perf_counter()
            client.post(f"{bulk_url}confirm/", {"digest": digest})
            confirms.append(time.perf_counter() - started)
            assert cohort.enrollments.count() == args.rows
        results = {
            "rows": args.rows,
            "read_csv_s": median(read_csv),
            "read_xlsx_s": median(read_xlsx),
            "plan_s": median(plans),
            "plan_queries": plan_queries,
            "apply_s": median(applies),
            "dry_run_page_s": median(pages),
            "confirm_page_s": median(confirms),
            "machine": machine(),
        }
        print(
            table(
                ["measurement (median)", "time"],
                [
                    [f"read {args.rows} rows, CSV", seconds(median(read_csv))],
                    [f"read {args.rows} rows, .xlsx", seconds(median(read_xlsx))],
                    [f"dry run ({plan_queries} queries)", seconds(median(plans))],
                    ["apply (invite every row, queue the mails)", seconds(median(applies))],
                    ["upload page (read .xlsx + dry run + render)", seconds(median(pages))],
                    ["confirmation page (apply + redirect)", seconds(median(confirms))],
                ],
            )
        )
        print(f"load average {results['machine']['load_average']}")
        print(f"written to {save('bulk_enrolment', results)}")


if __name__ == "__main__":
    main()
