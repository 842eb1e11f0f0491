"""Time every page's server response and every background job at the data now in the database.

Use `make bench SCALE=100000` (scripts/bench.sh) to seed a fresh PostgreSQL database first.
"""

from __future__ import annotations

import json
import statistics
import time
from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.db import connection, transaction
from django.test import Client
from django.test.utils import CaptureQueriesContext

from crm.benchmark import BenchContext, discover
from opportunities.models import Activity, Opportunity


def _p95(samples: list[float]) -> float:
    ordered = sorted(samples)
    return ordered[min(len(ordered) - 1, round(0.95 * (len(ordered) - 1)))]


class Command(BaseCommand):
    help = "Time each page (median, p95, queries) and each job over repeated runs."

    def add_arguments(self, parser):
        parser.add_argument("--repeat", type=int, default=20)
        parser.add_argument("--warmup", type=int, default=2)
        parser.add_argument("--only", default="", help="Only pages/jobs whose label contains this text.")
        parser.add_argument("--skip", default="", help="Leave out pages/jobs whose label contains this text.")
        parser.add_argument("--json", dest="json_path", default="", help="Also write the results to this JSON file.")

    def handle(self, *args, repeat: int, warmup: int, only: str, skip: str, json_path: str, **opts):
        ctx = BenchContext()
        modules = discover()
        pages = [p for m in modules if hasattr(m, "pages") for p in m.pages(ctx)]
        jobs = [j for m in modules if hasattr(m, "jobs") for j in m.jobs(ctx)]
        if only:
            pages = [p for p in pages if only in p.label]
            jobs = [j for j in jobs if only in j.label]
        if skip:
            pages = [p for p in pages if skip not in p.label]
            jobs = [j for j in jobs if skip not in j.label]
        vendor = connection.vendor
        size = f"{Opportunity.objects.count():,} opportunities, {Activity.objects.count():,} follow-ups"
        self.stdout.write(f"Database: {vendor}; data: {size}; repeat {repeat} (+{warmup} warm-up)")
        self.stdout.write(f"{'page':45} {'median ms':>10} {'p95 ms':>8} {'queries':>8} {'status':>7}")
        results = []
        failed: list[str] = []  # a page that did not answer 200 measured something else
        clients: dict[int, Client] = {}
        for page in pages:
            client = clients.get(page.user.pk)
            if client is None:
                client = clients[page.user.pk] = Client(HTTP_HOST=(settings.ALLOWED_HOSTS or ["testserver"])[0])
                client.force_login(page.user)
            # Over HTTPS, as production serves it (plain HTTP is only ever redirected there).
            for _ in range(warmup):
                warm = client.get(page.url, secure=True)
                if warm.streaming:
                    b"".join(warm.streaming_content)
            samples, queries, status = [], 0, 0
            for _ in range(repeat):
                with CaptureQueriesContext(connection) as captured:
                    start = time.perf_counter()
                    response = client.get(page.url, secure=True)
                    if response.streaming:  # an export: time the whole file, not its first chunk
                        b"".join(response.streaming_content)
                    samples.append((time.perf_counter() - start) * 1000)
                queries, status = len(captured), response.status_code
            row = {
                "label": page.label,
                "url": page.url,
                "median_ms": round(statistics.median(samples), 1),
                "p95_ms": round(_p95(samples), 1),
                "queries": queries,
                "status": status,
            }
            results.append(row)
            self.stdout.write(f"{page.label:45} {row['median_ms']:>10} {row['p95_ms']:>8} {queries:>8} {status:>7}")
            if status != 200:
                failed.append(f"{page.label}: {status}")
        for job in jobs:
            samples, queries = [], 0
            for _ in range(job.repeat):
                with transaction.atomic():
                    if job.prepare:
                        job.prepare()
                    with CaptureQueriesContext(connection) as captured:
                        start = time.perf_counter()
                        job.run()
                        samples.append((time.perf_counter() - start) * 1000)
                    queries = len(captured)
                    if job.prepare:
                        transaction.set_rollback(True)
            row = {
                "label": job.label,
                "median_ms": round(statistics.median(samples), 1),
                "p95_ms": round(_p95(samples), 1),
                "queries": queries,
            }
            results.append(row)
            self.stdout.write(f"{job.label:45} {row['median_ms']:>10} {row['p95_ms']:>8} {queries:>8}   (job)")
            if job.dirties and vendor == "postgresql":
                # FULL gives back the space the job's rolled-back rows took in the table and in
                # every index (plain VACUUM leaves the indexes several times their size, and the
                # next run slower); then VACUUM for the visibility map index-only scans read.
                with connection.cursor() as cursor:
                    cursor.execute("VACUUM FULL " + ", ".join(job.dirties))
                    cursor.execute("VACUUM ANALYZE " + ", ".join(job.dirties))
        if json_path:
            Path(json_path).parent.mkdir(parents=True, exist_ok=True)
            Path(json_path).write_text(json.dumps({"data": size, "db": vendor, "results": results}, indent=2))
        if failed:
            raise CommandError(
                "These pages did not answer 200, so their figures are not page times:\n" + "\n".join(failed)
            )
