"""The import pages: who may use them, the flow from upload to commit, the progress poll."""

from __future__ import annotations

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from customers.models import Customer
from imports.models import ImportJob
from leads.models import Lead
from opportunities.models import Opportunity
from tests.conftest import client_for

from .conftest import csv_bytes

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def after_commit(django_capture_on_commit_callbacks, monkeypatch):
    """Each request runs the tasks it enqueues after commit, as a real request would once it
    commits (the test's own transaction never does)."""
    from django.test import Client

    original = Client.post

    def post(self, *args, **kwargs):
        with django_capture_on_commit_callbacks(execute=True):
            return original(self, *args, **kwargs)

    monkeypatch.setattr(Client, "post", post)


def upload(client, kind: str, rows, name="file.csv"):
    return client.post(
        reverse("imports:upload"), {"kind": kind, "file": SimpleUploadedFile(name, csv_bytes(rows), "text/csv")}
    )


def test_a_leader_uploads_checks_previews_and_commits_a_deal_file(leader_client, leader, team, rep, stages):
    rows = [["商机名称", "客户名称", "金额", "阶段", "负责人"], ["Big one", "Acme", "500000", "确认采购计划", "rep_a"]]
    response = upload(leader_client, "opportunities", rows)
    job = ImportJob.objects.get()
    assert response.status_code == 302 and response["Location"] == job.get_absolute_url()
    page = leader_client.get(job.get_absolute_url())
    assert page.status_code == 200
    # The guessed mapping is preselected and editable.
    assert b'<option value="customer" selected>' in page.content
    response = leader_client.post(
        reverse("imports:check", args=[job.pk]),
        {"column_0": "name", "column_1": "customer", "column_2": "amount", "column_3": "stage", "column_4": "owner"},
    )
    assert response.status_code == 302
    job.refresh_from_db()
    assert (job.status, job.to_create, job.error_count) == ("validated", 1, 0)
    preview = leader_client.get(job.get_absolute_url())
    assert b"Import all rows" in preview.content
    assert b"<td>create</td><td>Big one</td>" in preview.content
    assert not Opportunity.objects.exists()
    leader_client.post(reverse("imports:commit", args=[job.pk]))
    job.refresh_from_db()
    assert (job.status, job.created_count) == ("committed", 1)
    assert Opportunity.objects.get().owner == rep
    # A second click commits nothing more.
    response = leader_client.post(reverse("imports:commit", args=[job.pk]))
    assert response.status_code == 302
    assert Opportunity.objects.count() == 1


def test_the_preview_lists_bad_rows_and_offers_no_commit(leader_client, team, stages):
    upload(leader_client, "customers", [["Company", "Industry"], ["Acme", "IT and software"], ["Beta", "Bananas"]])
    job = ImportJob.objects.get()
    leader_client.post(reverse("imports:check", args=[job.pk]), {"column_0": "name", "column_1": "industry"})
    page = leader_client.get(job.get_absolute_url())
    assert b"Import all rows" not in page.content
    assert "“Bananas” is not one of".encode() in page.content
    response = leader_client.post(reverse("imports:commit", args=[job.pk]))
    assert response.status_code == 302
    assert not Customer.objects.exists()


def test_a_mapping_without_a_required_field_is_refused_at_the_form(leader_client, team):
    upload(leader_client, "customers", [["Company", "Phone"], ["Acme", "1"]])
    job = ImportJob.objects.get()
    response = leader_client.post(reverse("imports:check", args=[job.pk]), {"column_0": "", "column_1": "phone"})
    assert response.status_code == 400
    assert b"Choose a column for: Company name" in response.content
    job.refresh_from_db()
    assert job.status == "mapping"


def test_the_same_file_uploaded_again_leads_to_the_first_import(leader_client, team):
    rows = [["Company"], ["Acme"]]
    upload(leader_client, "customers", rows)
    job = ImportJob.objects.get()
    leader_client.post(reverse("imports:check", args=[job.pk]), {"column_0": "name"})
    leader_client.post(reverse("imports:commit", args=[job.pk]))
    response = upload(leader_client, "customers", rows, name="renamed.csv")
    assert response["Location"] == job.get_absolute_url()
    assert ImportJob.objects.count() == 1 and Customer.objects.count() == 1
    page = leader_client.get(response["Location"])
    assert b"it is not imported twice" in page.content


def test_a_rep_may_upload_leads_but_not_deals(rep_client, rep):
    response = upload(rep_client, "opportunities", [["Deal name"], ["x"]])
    assert response.status_code == 200
    assert b"Select a valid choice" in response.content
    assert not ImportJob.objects.exists()
    response = upload(rep_client, "leads", [["Name", "Company"], ["Li", "Acme"]])
    job = ImportJob.objects.get()
    rep_client.post(reverse("imports:check", args=[job.pk]), {"column_0": "name", "column_1": "company"})
    rep_client.post(reverse("imports:commit", args=[job.pk]))
    assert Lead.objects.get().owner == rep


def test_an_admin_sees_every_import_and_others_get_a_404(
    leader_client, leader, team, rep_client, outsider_client, admin_user
):
    upload(leader_client, "customers", [["Company"], ["Acme"]])
    job = ImportJob.objects.get()
    for url in (job.get_absolute_url(), reverse("imports:progress", args=[job.pk])):
        assert outsider_client.get(url).status_code == 404
        assert rep_client.get(url).status_code == 404
    assert outsider_client.post(reverse("imports:commit", args=[job.pk])).status_code == 404
    assert outsider_client.post(reverse("imports:check", args=[job.pk]), {"column_0": "name"}).status_code == 404
    admin = client_for(admin_user)
    assert admin.get(job.get_absolute_url()).status_code == 200
    assert b"Acme" not in admin.get(reverse("imports:upload")).content  # the list shows files, not data
    assert job.file_name.encode() in admin.get(reverse("imports:upload")).content


def test_signed_out_visitors_are_sent_to_the_login(client):
    response = client.get(reverse("imports:upload"))
    assert response.status_code == 302 and "/login/" in response["Location"]


def test_the_progress_poll_shows_a_bar_while_busy_and_reloads_when_done(leader_client, team):
    upload(leader_client, "customers", [["Company"], ["Acme"]])
    job = ImportJob.objects.get()
    ImportJob.objects.filter(pk=job.pk).update(status="validating")
    from imports.services import set_progress

    set_progress(job.pk, 1, 2, "validating")
    response = leader_client.get(reverse("imports:progress", args=[job.pk]))
    assert response.status_code == 200
    assert b'<progress class="w-100" max="100" value="50"' in response.content
    assert b'hx-trigger="every 1s"' in response.content
    assert b"style=" not in response.content and b"<script" not in response.content
    ImportJob.objects.filter(pk=job.pk).update(status="validated")
    response = leader_client.get(reverse("imports:progress", args=[job.pk]))
    assert response.status_code == 204 and response["HX-Refresh"] == "true"


@pytest.mark.parametrize("jobs", [1, 12])
def test_the_import_page_runs_a_fixed_number_of_queries(
    leader_client, leader, team, jobs, django_assert_max_num_queries
):
    for i in range(jobs):
        ImportJob.objects.create(
            kind="customers", created_by=leader, file_name=f"f{i}.csv", content=b"", content_hash=str(i)
        )
    with django_assert_max_num_queries(8):
        response = leader_client.get(reverse("imports:upload"))
    assert response.status_code == 200
