"""Importing rows: check every row first (the dry run), then write all of them or none.

`Importer.plan(rows)` reads each row into a new or an updated record, or into errors with the
line, the column and the reason in words; it looks everything up in bulk beforehand (owners,
stages, existing records by external id, customers by the duplicate rule), so 50,000 rows cost
a handful of queries. `Importer.execute(plan)` writes the plan with bulk INSERTs and UPDATEs in
the caller's transaction, and writes the history a record saved one by one would have written:
a `FieldChange` "created" row per new record, one per changed field of an updated record, and
for deals their entry into the first stage (`StageChange` and its stage facts, as
`Opportunity.record_creation`).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from django.contrib.contenttypes.models import ContentType
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import User, assignable_users
from audit.models import FieldChange
from audit.tracking import acting_as, record_bulk, to_text
from crm.choices import CustomerType, Industry, Region, ValueTier
from customers.duplicates import normalise_email, normalise_name, normalise_phone
from customers.models import Contact, Customer
from leads.models import Lead, LeadSource
from opportunities.models import LossReason, Opportunity, Stage, StageChange, StageFact

from . import cleaning
from .cleaning import BadCell, ChoiceLookup
from .mapping import fields_for
from .models import Kind

CHUNK = 2000
Progress = Callable[[int, int], None]


@dataclass
class RowError:
    line: int
    column: str
    message: str

    def as_dict(self) -> dict:
        return {"line": self.line, "column": self.column, "message": self.message}


@dataclass
class Plan:
    creates: list[models.Model] = field(default_factory=list)
    updates: list[tuple[models.Model, dict[str, tuple[Any, Any]]]] = field(default_factory=list)
    errors: list[RowError] = field(default_factory=list)
    bad_lines: set[int] = field(default_factory=set)
    new_customers: dict[str, Customer] = field(default_factory=dict)

    def fail(self, line: int, column: str, message: str) -> None:
        self.errors.append(RowError(line, column, str(message)))
        self.bad_lines.add(line)


def _chunks(items: list, size: int = 5000):
    for start in range(0, len(items), size):
        yield items[start : start + size]


class Importer:
    kind: str
    model: type[models.Model]
    # Fields a later row may set on an existing record (blank cells leave the value alone).
    updatable: tuple[str, ...] = ()

    def __init__(self, user: User, headers: list[str], mapping: dict[str, str], source: str = "") -> None:
        self.user = user
        self.headers = headers
        self.mapping = {int(k): v for k, v in mapping.items() if v}
        self.columns = {name: headers[index] if index < len(headers) else name for index, name in self.mapping.items()}
        self.labels = {f.name: str(f.label) for f in fields_for(self.kind)}
        self.source = source
        self.now = timezone.now()

    # --- helpers ------------------------------------------------------------------------

    def column(self, name: str) -> str:
        return self.columns.get(name) or self.labels.get(name, name)

    def records(self, rows: list[tuple[int, list[str]]]) -> list[tuple[int, dict[str, str]]]:
        out = []
        for line, cells in rows:
            values = {
                name: (cells[index] if index < len(cells) else "").strip() for index, name in self.mapping.items()
            }
            out.append((line, values))
        return out

    def missing_columns(self) -> list[str]:
        return [str(f.label) for f in fields_for(self.kind) if f.required and f.name not in self.mapping.values()]

    def cell(self, plan: Plan, line: int, values: dict, name: str, parse=None, *, required: bool = False):
        """The parsed value of a cell, None when blank; a bad or missing value is a row error."""
        text = values.get(name, "")
        if not text:
            if required:
                plan.fail(line, self.column(name), _("This value is required."))
            return None
        if parse is None:
            return text
        try:
            return parse(text)
        except BadCell as exc:
            plan.fail(line, self.column(name), str(exc))
            return None

    def text(self, plan, line, values, name, *, required=False):
        max_length = self.model._meta.get_field(name).max_length
        return self.cell(
            plan, line, values, name, lambda t: cleaning.limited(t, max_length) if max_length else t, required=required
        )

    def load_owners(self, records) -> None:
        names = {v.get("owner", "").lower() for _l, v in records if v.get("owner")}
        self.owners = {}
        self.outside = set()
        if not names:
            return
        scope = {u.username.lower(): u for u in assignable_users(self.user).only("id", "username", "team_id")}
        self.owners = {n: scope[n] for n in names if n in scope}
        unknown = names - self.owners.keys()
        if unknown:
            lowered = {
                u.lower()
                for u in User.objects.filter(is_active=True).values_list("username", flat=True).iterator()
                if u.lower() in unknown
            }
            self.outside = lowered

    def owner(self, plan: Plan, line: int, values: dict) -> User | None:
        """The row's owner by username (blank: the importer), refused outside the importer's scope."""
        name = values.get("owner", "")
        if not name:
            return self.user
        user = self.owners.get(name.lower())
        if user is None:
            if name.lower() in self.outside:
                message = _(
                    "“%(name)s” is outside your team: you can import records only for yourself and the people you lead."
                )
            else:
                message = _("There is no active user “%(name)s”.")
            plan.fail(line, self.column("owner"), message % {"name": name})
        return user

    def load_existing(self, records) -> None:
        """Records already in the database for the file's external ids, and which we may change."""
        ids = [v["external_id"] for _l, v in records if v.get("external_id")]
        self.existing: dict[str, models.Model] = {}
        self.invisible: set[str] = set()
        for chunk in _chunks(ids):
            visible = set(
                self.model.objects.visible_to(self.user).filter(external_id__in=chunk).values_list("pk", flat=True)
            )
            for obj in self.existing_queryset().filter(external_id__in=chunk):
                if obj.pk in visible:
                    self.existing[obj.external_id] = obj
                else:
                    self.invisible.add(obj.external_id)

    def existing_queryset(self):
        return self.model.objects.all()

    def match_external(self, plan: Plan, line: int, values: dict, seen: dict[str, int]):
        """(existing record or None, ok). A repeated id in the file or another's record is an error."""
        external_id = values.get("external_id", "")
        if not external_id:
            return None, True
        if len(external_id) > 100:
            plan.fail(line, self.column("external_id"), _("Too long: at most 100 characters."))
            return None, False
        if external_id in seen:
            plan.fail(
                line,
                self.column("external_id"),
                _("The external id “%(id)s” is already on line %(line)d.")
                % {"id": external_id, "line": seen[external_id]},
            )
            return None, False
        seen[external_id] = line
        if external_id in self.invisible:
            plan.fail(
                line,
                self.column("external_id"),
                _("The external id “%(id)s” belongs to a record you cannot see.") % {"id": external_id},
            )
            return None, False
        return self.existing.get(external_id), True

    def changes(self, obj: models.Model, new: dict[str, Any]) -> dict[str, tuple[Any, Any]]:
        """The fields whose value the row changes: {attname: (old, new)}."""
        out = {}
        for name, value in new.items():
            if value is None or name not in self.updatable:
                continue
            attname = obj._meta.get_field(name).attname
            old = getattr(obj, attname)
            if isinstance(value, models.Model):
                value = value.pk
            if to_text(old) != to_text(value):
                out[attname] = (old, value)
        return out

    # --- the two phases -----------------------------------------------------------------

    def plan(self, rows: list[tuple[int, list[str]]], progress: Progress | None = None) -> Plan:
        plan = Plan()
        missing = self.missing_columns()
        # A file of updates by external id needs only the columns it changes; rows that create
        # a record are checked for the required values one by one.
        if missing and "external_id" not in self.mapping.values():
            for label in missing:
                plan.fail(1, label, _("No column is mapped to “%(field)s”, which every row needs.") % {"field": label})
            return plan
        records = self.records(rows)
        self.load_owners(records)
        self.load_existing(records)
        self.prepare(records)
        seen: dict[str, int] = {}
        total = len(records)
        for done, (line, values) in enumerate(records, start=1):
            self.plan_row(plan, line, values, seen)
            if progress and (done % CHUNK == 0 or done == total):
                progress(done, total)
        return plan

    def prepare(self, records) -> None:
        """Bulk look-ups a kind needs beyond owners and external ids."""

    def plan_row(self, plan: Plan, line: int, values: dict, seen: dict[str, int]) -> None:
        raise NotImplementedError

    def add(self, plan: Plan, line: int, existing, data: dict[str, Any]) -> None:
        if line in plan.bad_lines:
            return
        if existing is None:
            plan.creates.append(self.model(**data))
        else:
            changed = self.changes(existing, data)
            if changed:
                plan.updates.append((existing, changed))

    def execute(self, plan: Plan, progress: Progress | None = None) -> tuple[int, int]:
        """Write the plan (inside the caller's transaction). Returns (created, updated)."""
        with acting_as(self.user):
            self.before_create(plan)
            total = len(plan.creates) + len(plan.updates)
            done = 0
            for chunk in _chunks(plan.creates, CHUNK):
                self.model.objects.bulk_create(chunk, batch_size=CHUNK)
                self.after_create(chunk)
                done += len(chunk)
                if progress:
                    progress(done, total)
            for chunk in _chunks(plan.updates, CHUNK):
                self.write_updates(chunk)
                done += len(chunk)
                if progress:
                    progress(done, total)
        return len(plan.creates), len(plan.updates)

    def before_create(self, plan: Plan) -> None:
        """E.g. the customers new deals need."""

    def note(self) -> str:
        return _("Imported from %(file)s") % {"file": self.source} if self.source else _("Imported")

    def after_create(self, objs: list[models.Model]) -> None:
        write_created_history(self.model, objs, self.user, self.now, self.note())

    def write_updates(self, chunk) -> None:
        fields = set()
        history = []
        for obj, changed in chunk:
            for attname, (old, new) in changed.items():
                setattr(obj, attname, new)
                fields.add(attname)
                history.append((obj.pk, attname, old, new))
            self.touch(obj, fields)
        self.model.objects.bulk_update([obj for obj, _c in chunk], sorted(fields), batch_size=1000)
        record_bulk(self.model, history, note=self.note())

    def touch(self, obj, fields: set[str]) -> None:
        """Bookkeeping an edit moves (a version for optimistic locking)."""


def write_created_history(model, objs, user, now, note: str) -> None:
    content_type = ContentType.objects.get_for_model(model)
    FieldChange.objects.bulk_create(
        [
            FieldChange(
                content_type=content_type,
                object_id=obj.pk,
                action=FieldChange.Action.CREATED,
                field="",
                note=note,
                changed_by=user,
                changed_at=now,
            )
            for obj in objs
        ],
        batch_size=CHUNK,
    )


class CustomerIndex:
    """The importer's visible customers by the duplicate rule: normalised name, phone, email."""

    def __init__(self, user: User, emails: set[str] = frozenset()) -> None:
        self.by_name: dict[str, int] = {}
        self.by_phone: dict[str, int] = {}
        self.by_email: dict[str, int] = {}
        visible = Customer.objects.visible_to(user)
        for pk, name, phone in visible.order_by("pk").values_list("pk", "name", "phone").iterator(chunk_size=5000):
            self.by_name.setdefault(normalise_name(name), pk)
            if normalise_phone(phone):
                self.by_phone.setdefault(normalise_phone(phone), pk)
        for chunk in _chunks(sorted(emails)):
            for customer_id, mail in Contact.objects.filter(customer__in=visible, email__in=chunk).values_list(
                "customer_id", "email"
            ):
                self.by_email.setdefault(normalise_email(mail), customer_id)

    def find(self, name: str = "", phone: str = "", email: str = "") -> int | None:
        return (
            self.by_name.get(normalise_name(name))
            or (self.by_phone.get(normalise_phone(phone)) if normalise_phone(phone) else None)
            or (self.by_email.get(normalise_email(email)) if email else None)
        )


class CustomerImporter(Importer):
    kind = Kind.CUSTOMER
    model = Customer
    updatable = (
        "name",
        "phone",
        "customer_type",
        "industry",
        "region",
        "value_tier",
        "website",
        "address",
        "notes",
        "owner",
    )

    def prepare(self, records) -> None:
        emails = {normalise_email(v["email"]) for _l, v in records if v.get("email")}
        self.index = CustomerIndex(self.user, emails)
        self.types, self.industries = ChoiceLookup(CustomerType), ChoiceLookup(Industry)
        self.regions, self.tiers = ChoiceLookup(Region), ChoiceLookup(ValueTier)
        self.in_file: dict[str, int] = {}

    def plan_row(self, plan, line, values, seen) -> None:
        existing, ok = self.match_external(plan, line, values, seen)
        name = self.text(plan, line, values, "name", required=existing is None)
        data = {
            "name": name,
            "phone": self.text(plan, line, values, "phone"),
            "customer_type": self.cell(plan, line, values, "customer_type", self.types),
            "industry": self.cell(plan, line, values, "industry", self.industries),
            "region": self.cell(plan, line, values, "region", self.regions),
            "value_tier": self.cell(plan, line, values, "value_tier", self.tiers),
            "website": self.text(plan, line, values, "website"),
            "address": self.text(plan, line, values, "address"),
            "notes": self.cell(plan, line, values, "notes"),
            "external_id": values.get("external_id") or None,
        }
        mail = self.cell(plan, line, values, "email", cleaning.email)
        matched_by_rule = False
        if ok and existing is None and not values.get("external_id") and name:
            pk = self.index.find(name, data["phone"] or "", mail or "")
            if pk is not None:
                existing, matched_by_rule = self.lookup(pk), True
        # The owner changes only when the file says so; a new customer defaults to the importer.
        owner = self.owner(plan, line, values) if values.get("owner") or existing is None else None
        if not ok or line in plan.bad_lines:
            return
        if name:
            key = normalise_name(name)
            if key in self.in_file:
                plan.fail(
                    line, self.column("name"), _("The same customer as on line %(line)d.") % {"line": self.in_file[key]}
                )
                return
            self.in_file[key] = line
        if matched_by_rule:
            data["name"] = None  # the CRM's spelling of a duplicate stays
        if owner is not None:
            data["owner"] = owner
        if existing is None:
            self.add(plan, line, None, {k: v for k, v in data.items() if v is not None})
        else:
            data.pop("external_id", None)
            self.add(plan, line, existing, data)

    def lookup(self, pk: int) -> Customer:
        if not hasattr(self, "_matched"):
            self._matched = {}
        if pk not in self._matched:
            self._matched[pk] = Customer.objects.get(pk=pk)
        return self._matched[pk]


class ContactImporter(Importer):
    kind = Kind.CONTACT
    model = Contact
    updatable = ("name", "title", "phone", "email", "buying_role", "attitude", "notes", "customer")

    def prepare(self, records) -> None:
        self.index = CustomerIndex(self.user)
        self.roles, self.attitudes = ChoiceLookup(Contact.BuyingRole), ChoiceLookup(Contact.Attitude)
        customer_ids = set(self.index.by_name.values())
        self.by_customer_email = {}
        emails = sorted({normalise_email(v["email"]) for _l, v in records if v.get("email")})
        for chunk in _chunks(emails):
            for contact in Contact.objects.filter(customer_id__in=customer_ids, email__in=chunk):
                self.by_customer_email[(contact.customer_id, normalise_email(contact.email))] = contact

    def plan_row(self, plan, line, values, seen) -> None:
        existing, ok = self.match_external(plan, line, values, seen)
        company = self.cell(plan, line, values, "customer", required=existing is None)
        customer_id = None
        if company:
            customer_id = self.index.by_name.get(normalise_name(company))
            if customer_id is None:
                plan.fail(
                    line,
                    self.column("customer"),
                    _("No customer “%(name)s” among the customers you can see; import the customers first.")
                    % {"name": company},
                )
        mail = self.cell(plan, line, values, "email", cleaning.email)
        data = {
            "customer_id": customer_id,
            "name": self.text(plan, line, values, "name", required=existing is None),
            "title": self.text(plan, line, values, "title"),
            "phone": self.text(plan, line, values, "phone"),
            "email": mail,
            "buying_role": self.cell(plan, line, values, "buying_role", self.roles),
            "attitude": self.cell(plan, line, values, "attitude", self.attitudes),
            "notes": self.cell(plan, line, values, "notes"),
            "external_id": values.get("external_id") or None,
        }
        if not ok or line in plan.bad_lines:
            return
        if existing is None and not values.get("external_id") and mail:
            existing = self.by_customer_email.get((customer_id, normalise_email(mail)))
        if existing is None:
            self.add(plan, line, None, {k: v for k, v in data.items() if v is not None})
        else:
            data.pop("external_id")
            data["customer"] = data.pop("customer_id")
            self.add(plan, line, existing, data)


IMPORT_SOURCE_CODE = "import"


class LeadImporter(Importer):
    kind = Kind.LEAD
    model = Lead
    updatable = (
        "name",
        "company",
        "title",
        "phone",
        "email",
        "source",
        "customer_type",
        "industry",
        "region",
        "budget_amount",
        "need_description",
        "timeline_date",
        "notes",
        "owner",
    )

    def existing_queryset(self):
        return Lead.objects.select_related(None)

    def prepare(self, records) -> None:
        self.sources = {}
        for source in LeadSource.objects.all():
            for key in (source.code, source.name, source.name_en):
                if key:
                    self.sources[key.strip().lower()] = source
        self.types, self.industries, self.regions = (
            ChoiceLookup(CustomerType),
            ChoiceLookup(Industry),
            ChoiceLookup(Region),
        )

    def source_of(self, text: str) -> LeadSource:
        source = self.sources.get(text.strip().lower())
        if source is None:
            raise BadCell(
                _("“%(value)s” is not a lead source (one of: %(options)s).")
                % {"value": text, "options": ", ".join(sorted({str(s) for s in self.sources.values()}))}
            )
        return source

    def plan_row(self, plan, line, values, seen) -> None:
        existing, ok = self.match_external(plan, line, values, seen)
        data = {
            "name": self.text(plan, line, values, "name", required=existing is None),
            "company": self.text(plan, line, values, "company", required=existing is None),
            "title": self.text(plan, line, values, "title"),
            "phone": self.text(plan, line, values, "phone"),
            "email": self.cell(plan, line, values, "email", cleaning.email),
            "source": self.cell(plan, line, values, "source", self.source_of),
            "customer_type": self.cell(plan, line, values, "customer_type", self.types),
            "industry": self.cell(plan, line, values, "industry", self.industries),
            "region": self.cell(plan, line, values, "region", self.regions),
            "budget_amount": self.cell(plan, line, values, "budget_amount", cleaning.money),
            "need_description": self.cell(plan, line, values, "need_description"),
            "timeline_date": self.cell(plan, line, values, "timeline_date", cleaning.date),
            "notes": self.cell(plan, line, values, "notes"),
            "external_id": values.get("external_id") or None,
        }
        if values.get("owner") or existing is None:
            owner = self.owner(plan, line, values)
            if owner is not None:
                data["owner"] = owner
                data["team_id"] = owner.team_id
        if not ok or line in plan.bad_lines:
            return
        if existing is None:
            data.setdefault("source", None)
            self.add(plan, line, None, {k: v for k, v in data.items() if v is not None or k == "source"})
        else:
            data.pop("external_id")
            data.pop("team_id", None)
            self.add(plan, line, existing, data)

    def before_create(self, plan: Plan) -> None:
        if any(lead.source_id is None for lead in plan.creates):
            default, _created = LeadSource.objects.get_or_create(
                code=IMPORT_SOURCE_CODE, defaults={"name": "导入", "name_en": "Import", "order": 99}
            )
            for lead in plan.creates:
                if lead.source_id is None:
                    lead.source = default
        for lead in plan.creates:
            lead.created_at = self.now

    def touch(self, obj, fields) -> None:
        obj.version += 1
        fields.update({"version", "updated_at"})
        obj.updated_at = self.now


class OpportunityImporter(Importer):
    kind = Kind.OPPORTUNITY
    model = Opportunity
    updatable = ("name", "amount", "expected_close_date", "next_step", "need_description", "owner")

    def existing_queryset(self):
        return Opportunity.objects.select_related("stage")

    def prepare(self, records) -> None:
        self.index = CustomerIndex(self.user)
        self.stages = {}
        for stage in Stage.objects.active():
            for key in (stage.name, stage.name_en):
                if key:
                    self.stages[key.strip().lower()] = stage
        self.reasons = {}
        for reason in LossReason.objects.all():
            for key in (reason.name, reason.name_en):
                if key:
                    self.reasons[key.strip().lower()] = reason

    def stage_of(self, text: str) -> Stage:
        stage = self.stages.get(text.strip().lower())
        if stage is None:
            names = ", ".join(str(s) for s in sorted(set(self.stages.values()), key=lambda s: s.order))
            raise BadCell(
                _("“%(value)s” is not an active stage (one of: %(options)s).") % {"value": text, "options": names}
            )
        return stage

    def reason_of(self, text: str) -> LossReason:
        reason = self.reasons.get(text.strip().lower())
        if reason is None:
            raise BadCell(_("“%(value)s” is not a loss reason.") % {"value": text})
        return reason

    def plan_row(self, plan, line, values, seen) -> None:
        existing, ok = self.match_external(plan, line, values, seen)
        creating = existing is None
        name = self.text(plan, line, values, "name", required=creating)
        company = self.cell(plan, line, values, "customer", required=creating)
        amount = self.cell(plan, line, values, "amount", cleaning.money)
        stage = self.cell(plan, line, values, "stage", self.stage_of, required=creating)
        close = self.cell(plan, line, values, "expected_close_date", cleaning.date)
        reason = self.cell(plan, line, values, "loss_reason", self.reason_of)
        owner = self.owner(plan, line, values) if values.get("owner") or creating else None
        data = {
            "name": name,
            "amount": amount,
            "expected_close_date": close,
            "next_step": self.text(plan, line, values, "next_step"),
            "need_description": self.cell(plan, line, values, "need_description"),
            "owner": owner,
        }
        if not ok or line in plan.bad_lines:
            return
        if creating:
            if stage.outcome == Stage.Outcome.LOST and reason is None:
                plan.fail(line, self.column("loss_reason"), _("A lost deal needs a loss reason."))
                return
            customer_id = self.index.by_name.get(normalise_name(company))
            key = normalise_name(company)
            if customer_id is None and key not in plan.new_customers:
                plan.new_customers[key] = Customer(name=company[:200], owner=owner)
            closed_at = None
            if stage.is_closed:
                closed_at = self.now
            deal = Opportunity(
                name=name,
                customer_id=customer_id,
                owner=owner,
                amount=amount or 0,
                stage=stage,
                probability=stage.probability,
                expected_close_date=close,
                next_step=data["next_step"] or "",
                need_description=data["need_description"] or "",
                loss_reason=reason if stage.outcome == Stage.Outcome.LOST else None,
                stage_entered_at=self.now,
                closed_at=closed_at,
                created_by=self.user,
                created_at=self.now,
                external_id=values.get("external_id", ""),
            )
            deal._customer_key = key
            plan.creates.append(deal)
            return
        if stage is not None and stage.pk != existing.stage_id:
            plan.fail(
                line,
                self.column("stage"),
                _("The deal is in “%(current)s”: an import does not move deals; move it on the board.")
                % {"current": existing.stage},
            )
            return
        if amount is not None:
            refusal = existing.amount_change_requirement(amount, by=self.user)
            if refusal:
                plan.fail(line, self.column("amount"), refusal)
                return
        self.add(plan, line, existing, data)

    def before_create(self, plan: Plan) -> None:
        new = list(plan.new_customers.values())
        for chunk in _chunks(new, CHUNK):
            Customer.objects.bulk_create(chunk, batch_size=CHUNK)
            write_created_history(Customer, chunk, self.user, self.now, self.note())
        for deal in plan.creates:
            if deal.customer_id is None:
                deal.customer = plan.new_customers[deal._customer_key]

    def after_create(self, objs) -> None:
        super().after_create(objs)
        note = self.note()
        entries = StageChange.objects.bulk_create(
            [
                StageChange(
                    opportunity=deal,
                    from_stage=None,
                    to_stage=deal.stage,
                    from_probability=None,
                    to_probability=deal.probability,
                    changed_by=self.user,
                    changed_at=self.now,
                    days_in_previous_stage=0,
                    amount=deal.amount,
                    note=note,
                )
                for deal in objs
            ],
            batch_size=CHUNK,
        )
        # bulk_create skips the per-move upkeep of the stage facts (conversion, the cycle).
        StageFact.record_creations(entries)

    def touch(self, obj, fields) -> None:
        obj.version += 1
        fields.update({"version", "updated_at"})
        obj.updated_at = self.now

    def write_updates(self, chunk) -> None:
        # A later expected close date is a push, counted as a save would count it.
        for obj, changed in chunk:
            old, new = changed.get("expected_close_date", (None, None))
            if old and new and new > old:
                obj.close_date_push_count += 1
        super().write_updates(chunk)
        if any("expected_close_date" in changed for _obj, changed in chunk):
            Opportunity.objects.bulk_update([obj for obj, _c in chunk], ["close_date_push_count"], batch_size=1000)


IMPORTERS: dict[str, type[Importer]] = {
    Kind.CUSTOMER: CustomerImporter,
    Kind.CONTACT: ContactImporter,
    Kind.LEAD: LeadImporter,
    Kind.OPPORTUNITY: OpportunityImporter,
}


def importer_for(kind: str, user: User, headers: list[str], mapping: dict[str, str], source: str = "") -> Importer:
    return IMPORTERS[kind](user, headers, mapping, source)
