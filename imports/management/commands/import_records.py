"""python manage.py import_records KIND FILE [--commit] [--user USERNAME] [--map COLUMN=FIELD ...]

A dry run unless --commit: prints rows to create and update and every bad row (line, column,
reason); with --commit writes all rows in one transaction, or none if any row is bad.
"""

from __future__ import annotations

import time
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError
from django.db import transaction

from accounts.models import User
from imports.importers import importer_for
from imports.mapping import fields_for, guess_mapping
from imports.models import Kind
from imports.reading import UnreadableFile, read_table


class Command(BaseCommand):
    help = "Import customers, contacts, leads or opportunities from a CSV or .xlsx file (a dry run unless --commit)."

    def add_arguments(self, parser) -> None:
        parser.add_argument("kind", choices=Kind.values)
        parser.add_argument("file")
        parser.add_argument("--commit", action="store_true", help="Write the rows (default: only check them).")
        parser.add_argument("--user", default="", help="Import as this user (default: the first active superuser).")
        parser.add_argument(
            "--map", action="append", default=[], metavar="HEADER=FIELD", help="Override a guessed column."
        )

    def handle(self, *args, kind: str, file: str, commit: bool, user: str, map: list[str], **options) -> None:
        path = Path(file)
        if not path.is_file():
            raise CommandError(f"No such file: {file}")
        actor = self._user(user)
        content = path.read_bytes()
        try:
            headers, rows = read_table(path.name, content)
        except UnreadableFile as exc:
            raise CommandError(str(exc)) from exc
        mapping = guess_mapping(kind, headers)
        known = {f.name for f in fields_for(kind)}
        for item in map:
            header, _sep, field = item.partition("=")
            if field not in known or header not in headers:
                raise CommandError(f"--map {item}: unknown column or field (fields: {', '.join(sorted(known))})")
            mapping = {k: v for k, v in mapping.items() if v != field}
            mapping[str(headers.index(header))] = field
        for index, field in sorted(mapping.items(), key=lambda kv: int(kv[0])):
            self.stdout.write(f"  {headers[int(index)]!r} -> {field}")
        importer = importer_for(kind, actor, headers, mapping, path.name)
        started = time.monotonic()
        with transaction.atomic():
            plan = importer.plan(rows)
            for error in sorted(plan.errors, key=lambda e: e.line):
                self.stdout.write(f"line {error.line}, {error.column}: {error.message}")
            summary = f"{len(rows)} rows: {len(plan.creates)} to create, {len(plan.updates)} to update, {len(plan.bad_lines)} bad"
            if plan.errors:
                raise CommandError(f"{summary}. Nothing imported.")
            if not commit:
                self.stdout.write(f"{summary}. Dry run: nothing written (add --commit).")
                return
            created, updated = importer.execute(plan)
        self.stdout.write(
            self.style.SUCCESS(f"Imported {created} created, {updated} updated in {time.monotonic() - started:.1f} s.")
        )

    def _user(self, username: str) -> User:
        if username:
            user = User.objects.filter(username=username, is_active=True).first()
        else:
            user = User.objects.filter(is_superuser=True, is_active=True).order_by("pk").first()
        if user is None:
            raise CommandError("No such active user; pass --user USERNAME.")
        return user
