"""Import rules: mapping guessed from Chinese and English headers, the preview, all or nothing."""

from __future__ import annotations

from decimal import Decimal

import pytest

from audit.models import FieldChange
from customers.models import Customer
from imports import services
from imports.importers import importer_for
from imports.mapping import guess_mapping
from imports.models import ImportJob
from imports.reading import read_table
from leads.models import Lead
from opportunities.models import Opportunity, StageChange, StageFact
from tests.factories import CustomerFactory, OpportunityFactory

from .conftest import csv_bytes, xlsx_bytes

pytestmark = pytest.mark.django_db


def run(user, kind, content: bytes, name="file.csv", commit=True) -> ImportJob:
    job, _new = services.upload(user=user, kind=kind, file_name=name, content=content)
    services.start(job, ImportJob.Status.VALIDATING, allowed=(ImportJob.Status.MAPPING,))
    job = services.dry_run(job.pk)
    if commit and job.can_commit:
        services.start(job, ImportJob.Status.COMMITTING, allowed=(ImportJob.Status.VALIDATED,))
        job = services.commit(job.pk)
    return job


def test_the_mapping_is_guessed_from_chinese_headers():
    headers = ["商机名称", "客户名称（必填）", "金额", "阶段", "负责人", "预计成交日期", "备注说明"]
    assert guess_mapping("opportunities", headers) == {
        "0": "name",
        "1": "customer",
        "2": "amount",
        "3": "stage",
        "4": "owner",
        "5": "expected_close_date",
    }


def test_the_mapping_is_guessed_from_english_headers():
    headers = ["Company", "Phone", "E-mail", "Owner", "Industry", "Favourite colour"]
    assert guess_mapping("customers", headers) == {
        "0": "name",
        "1": "phone",
        "2": "email",
        "3": "owner",
        "4": "industry",
    }
    assert guess_mapping("opportunities", ["Deal name", "Company", "Amount", "Stage", "Expected close"]) == {
        "0": "name",
        "1": "customer",
        "2": "amount",
        "3": "stage",
        "4": "expected_close_date",
    }


def test_deals_import_into_stages_named_in_chinese_or_english_with_their_history(leader, team, rep, stages):
    content = csv_bytes(
        [
            ["商机名称", "公司", "金额", "阶段", "负责人", "预计成交日期", "外部编号"],
            ["ERP rollout", "Acme 有限公司", "120,000", "询价 / 招投标", "rep_a", "2026-12-31", "SF-1"],
            ["CRM seats", "Beta Co., Ltd.", "12万", "Contract terms", "", "2027/01/15", "SF-2"],
        ]
    )
    job = run(leader, "opportunities", content)
    assert job.status == "committed", job.errors
    assert (job.created_count, job.updated_count) == (2, 0)
    erp = Opportunity.objects.get(external_id="SF-1")
    assert (erp.stage, erp.owner, erp.amount, erp.probability) == (stages[2], rep, Decimal("120000"), 50)
    seats = Opportunity.objects.get(external_id="SF-2")
    assert (seats.stage, seats.owner, seats.amount) == (stages[3], leader, Decimal("120000"))
    assert seats.customer.name == "Beta Co., Ltd." and seats.customer.owner == leader
    # Their creation is in the stage history and the field history, like any other deal's.
    entry = StageChange.objects.get(opportunity=erp)
    assert (entry.from_stage, entry.to_stage, entry.changed_by) == (None, stages[2], leader)
    created = FieldChange.objects.for_object(erp).get()
    assert (created.action, created.changed_by) == ("created", leader)
    # ...and in the stage facts the conversion report reads: each entered its stage on import.
    assert StageFact.objects.get(opportunity=erp, stage=stages[2]).first_entered_at == entry.changed_at
    assert (erp.cycle_days, seats.cycle_days) == (Decimal("0"), Decimal("0"))
    # ...exactly what rebuilding the facts from the history gives.
    columns = ("opportunity_id", "stage_id", "first_entered_at", "onward_at", "days_in_stage", "deal_won")
    kept = set(StageFact.all_objects.values_list(*columns))
    StageFact.rebuild()
    assert set(StageFact.all_objects.values_list(*columns)) == kept
    assert set(Opportunity.objects.values_list("cycle_days", flat=True)) == {Decimal("0")}


def test_an_existing_customer_is_matched_by_the_duplicate_rule(leader, team, rep):
    acme = CustomerFactory(name="ACME Co., Ltd.", owner=rep)
    content = csv_bytes([["客户名称", "电话", "地址"], ["acme 有限公司", "021-5555 0000", "Shanghai"]])
    job = run(leader, "customers", content)
    assert (job.to_create, job.to_update) == (0, 1)
    assert job.preview == [{"action": "update", "record": "ACME Co., Ltd.", "fields": ["address", "phone"]}]
    acme.refresh_from_db()
    assert (acme.name, acme.owner, acme.phone, acme.address) == ("ACME Co., Ltd.", rep, "021-5555 0000", "Shanghai")
    assert FieldChange.objects.filter(object_id=acme.pk, field="address", new_value="Shanghai").exists()
    assert Customer.objects.count() == 1


def test_a_deal_is_updated_by_its_external_id_and_a_later_close_date_counts_as_a_push(leader, team, rep, stages):
    from datetime import date

    deal = OpportunityFactory(owner=rep, external_id="X-9", amount=1000, expected_close_date=date(2026, 6, 1))
    content = csv_bytes([["External id", "Amount", "Expected close date"], ["X-9", "2000", "2026-09-01"]])
    job = run(leader, "opportunities", content)
    assert job.status == "committed", job.errors
    deal.refresh_from_db()
    assert (deal.amount, deal.expected_close_date, deal.close_date_push_count) == (
        Decimal("2000"),
        date(2026, 9, 1),
        1,
    )
    assert deal.version == 2
    changed = set(FieldChange.objects.for_object(deal).filter(action="changed").values_list("field", flat=True))
    assert changed == {"amount", "expected_close_date"}


def test_one_bad_row_imports_nothing_and_every_bad_row_is_listed_with_line_column_and_reason(leader, team, rep, stages):
    content = csv_bytes(
        [
            ["Deal name", "Company", "Amount", "Stage", "Owner"],
            ["Good one", "Acme", "100", "Won", ""],
            ["Bad amount", "Acme", "lots", "Purchase plan confirmed", ""],
            ["", "Acme", "5", "Nowhere", "rep_b"],
        ]
    )
    job = run(leader, "opportunities", content)
    assert job.status == "validated" and not job.can_commit
    assert (job.error_count, job.to_create) == (2, 1)
    errors = {(e["line"], e["column"]): e["message"] for e in job.errors}
    assert "is not an amount" in errors[(3, "Amount")]
    assert errors[(4, "Deal name")] == "This value is required."
    assert "is not an active stage" in errors[(4, "Stage")]
    assert "There is no active user" in errors[(4, "Owner")]
    assert Opportunity.objects.count() == 0
    assert Customer.objects.count() == 0


def test_the_commit_checks_again_and_rolls_everything_back(leader, team, rep, stages):
    content = csv_bytes(
        [["Deal name", "Company", "Stage", "Owner"], ["A", "Acme", "Won", "rep_a"], ["B", "Acme", "Won", "rep_a"]]
    )
    job, _new = services.upload(user=leader, kind="opportunities", file_name="d.csv", content=content)
    services.start(job, ImportJob.Status.VALIDATING, allowed=(ImportJob.Status.MAPPING,))
    job = services.dry_run(job.pk)
    assert job.can_commit
    rep.is_active = False  # the owner left between the preview and the commit
    rep.save()
    services.start(job, ImportJob.Status.COMMITTING, allowed=(ImportJob.Status.VALIDATED,))
    job = services.commit(job.pk)
    assert job.status == "failed" and job.error_count == 2
    assert Opportunity.objects.count() == 0 and Customer.objects.count() == 0


def test_owners_outside_the_importers_scope_are_refused(leader, team, outsider, stages):
    content = csv_bytes([["Deal name", "Company", "Stage", "Owner"], ["Poach", "Acme", "Won", "rep_b"]])
    job = run(leader, "opportunities", content)
    [error] = job.errors
    assert error["line"] == 2 and error["column"] == "Owner"
    assert "outside your team" in error["message"]
    assert not Opportunity.objects.exists()


def test_a_rep_imports_only_leads_they_own(rep, teammate):
    content = csv_bytes([["姓名", "公司", "负责人"], ["Li Lei", "Acme", ""], ["Han Meimei", "Beta", "rep_a2"]])
    job = run(rep, "leads", content)
    assert [(e["line"], e["column"]) for e in job.errors] == [(3, "负责人")]
    assert not Lead.objects.exists()
    with pytest.raises(services.ImportRefused):
        services.upload(user=rep, kind="opportunities", file_name="x.csv", content=b"a,b\n1,2\n")


def test_a_resubmitted_file_does_not_import_twice(leader, team):
    content = csv_bytes([["Company"], ["Acme"], ["Beta"]])
    first = run(leader, "customers", content)
    assert first.status == "committed"
    again, new = services.upload(user=leader, kind="customers", file_name="copy.csv", content=content)
    assert (again.pk, new) == (first.pk, False)
    assert not again.can_commit
    assert Customer.objects.count() == 2


def test_formula_like_cells_stay_literal_text(leader, team, stages):
    formula = '=HYPERLINK("http://evil.example","click")'
    content = csv_bytes([["Company", "Notes"], [formula, "+1 call back"], ["@SUM(A1)", "-2"]])
    run(leader, "customers", content)
    assert set(Customer.objects.values_list("name", "notes")) == {(formula, "+1 call back"), ("@SUM(A1)", "-2")}


def test_formula_cells_in_an_excel_file_stay_literal_text(leader, team, stages):
    content = xlsx_bytes([["Deal name", "Company", "Stage", "Amount"], ["=1+1", "=CMD()", "Won", 5000]])
    headers, rows = read_table("deals.xlsx", content)
    assert rows[0][1] == ["=1+1", "=CMD()", "Won", "5000"]
    job = run(leader, "opportunities", content, name="deals.xlsx")
    assert job.status == "committed", job.errors
    deal = Opportunity.objects.get()
    assert (deal.name, deal.customer.name, deal.amount) == ("=1+1", "=CMD()", Decimal("5000"))


def test_a_lost_deal_needs_a_loss_reason(leader, team, stages):
    content = csv_bytes(
        [["Deal name", "Company", "Stage", "Loss reason"], ["L1", "Acme", "Lost", ""], ["L2", "Acme", "输单", "Price"]]
    )
    job = run(leader, "opportunities", content, commit=False)
    assert [(e["line"], e["message"]) for e in job.errors] == [(2, "A lost deal needs a loss reason.")]


def test_contacts_attach_to_visible_customers_only(leader, team, rep, outsider):
    CustomerFactory(name="Acme Ltd", owner=rep)
    CustomerFactory(name="Hidden Corp", owner=outsider)
    content = csv_bytes(
        [["公司", "联系人", "邮箱"], ["ACME", "Wang", "wang@acme.example"], ["Hidden", "Zhao", "zhao@h.example"]]
    )
    job = run(leader, "contacts", content)
    assert [(e["line"], e["column"]) for e in job.errors] == [(3, "公司")]
    assert job.to_create == 1


def test_limits_on_rows_and_file_size_come_from_settings(leader, team, settings):
    settings.IMPORT_MAX_ROWS = 2
    with pytest.raises(services.ImportRefused, match="at most 2"):
        services.upload(
            user=leader, kind="customers", file_name="c.csv", content=csv_bytes([["Company"], ["A"], ["B"], ["C"]])
        )
    settings.IMPORT_MAX_FILE_SIZE = 10
    with pytest.raises(services.ImportRefused, match="larger than"):
        services.upload(user=leader, kind="customers", file_name="c.csv", content=csv_bytes([["Company"], ["A"]]))


def test_the_command_is_a_dry_run_unless_told_to_commit(leader, team, tmp_path, stages):
    from django.core.management import call_command

    path = tmp_path / "leads.csv"
    path.write_bytes(csv_bytes([["Name", "Company", "Email"], ["Li", "Acme", "li@acme.example"]]))
    call_command("import_records", "leads", str(path), "--user", leader.username)
    assert not Lead.objects.exists()
    call_command("import_records", "leads", str(path), "--user", leader.username, "--commit")
    lead = Lead.objects.get()
    assert (lead.owner, lead.team, lead.source.code) == (leader, team, "import")


def test_the_command_refuses_a_file_with_a_bad_row(leader, team, tmp_path):
    from django.core.management import CommandError, call_command

    path = tmp_path / "leads.csv"
    path.write_bytes(
        csv_bytes([["Name", "Company", "Email"], ["Li", "Acme", "li@acme.example"], ["Wu", "Beta", "not-an-email"]])
    )
    with pytest.raises(CommandError, match="1 bad"):
        call_command("import_records", "leads", str(path), "--user", leader.username, "--commit")
    assert not Lead.objects.exists()


def test_the_importer_looks_rows_up_in_bulk(leader, team, rep, stages, django_assert_max_num_queries):
    rows = [["Deal name", "Company", "Stage", "Owner", "Amount"]] + [
        [f"Deal {i}", f"Company {i % 7}", "Inquiry / bidding", "rep_a", str(i * 100)] for i in range(300)
    ]
    headers, data = read_table("d.csv", csv_bytes(rows))
    importer = importer_for("opportunities", leader, headers, guess_mapping("opportunities", headers), "d.csv")
    with django_assert_max_num_queries(15):
        plan = importer.plan(data)
    assert len(plan.creates) == 300 and not plan.errors
