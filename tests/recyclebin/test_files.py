"""Quotes and contracts on a deal or a customer: upload, list, download, delete to the bin.
Stored through the storage API; a colleague who may not see the deal gets 404 on the file."""

from __future__ import annotations

import pytest
from django.core.files.storage import default_storage
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from attachments.models import Attachment
from tests.conftest import client_for
from tests.factories import CustomerFactory, OpportunityFactory

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    settings.ATTACHMENT_MAX_SIZE_MB = 1
    settings.ATTACHMENT_ALLOWED_EXTENSIONS = ["pdf", "docx"]


def _upload(client, deal, name="报价单 v2.pdf", content=b"%PDF-1.4 quote"):
    return client.post(
        reverse("attachments:upload_to_deal", args=[deal.pk]),
        {"file": SimpleUploadedFile(name, content, content_type="application/pdf")},
        follow=True,
    )


def _body(response) -> bytes:
    return b"".join(response.streaming_content)


def test_rep_uploads_a_quote_lists_it_and_downloads_it(rep, rep_client):
    deal = OpportunityFactory(owner=rep)

    page = _upload(rep_client, deal)

    attachment = Attachment.objects.get(opportunity=deal)
    assert attachment.name == "报价单_v2.pdf" and attachment.size == len(b"%PDF-1.4 quote")
    assert attachment.uploaded_by == rep
    assert default_storage.exists(attachment.file.name)
    assert attachment.file.name.startswith("attachments/") and "报价单" not in attachment.file.name
    assert "报价单_v2.pdf" in page.content.decode()
    response = rep_client.get(reverse("attachments:download", args=[attachment.pk]))
    assert response.status_code == 200
    assert response["Content-Disposition"].startswith("attachment;")
    assert _body(response) == b"%PDF-1.4 quote"


def test_a_customer_takes_files_too(rep, rep_client):
    customer = CustomerFactory(owner=rep)
    rep_client.post(
        reverse("attachments:upload_to_customer", args=[customer.pk]),
        {"file": SimpleUploadedFile("contract.docx", b"PK..docx")},
    )
    attachment = Attachment.objects.get(customer=customer)
    assert "contract.docx" in rep_client.get(customer.get_absolute_url()).content.decode()
    assert rep_client.get(reverse("attachments:download", args=[attachment.pk])).status_code == 200


@pytest.mark.parametrize(
    ("who", "status"),
    [("rep", 200), ("teammate", 404), ("outsider", 404), ("leader", 200), ("other_leader", 404), ("admin_user", 200)],
)
def test_who_may_download_a_deals_file(request, rep, who, status):
    deal = OpportunityFactory(owner=rep)
    _upload(client_for(rep), deal)
    attachment = Attachment.objects.get(opportunity=deal)
    client = client_for(request.getfixturevalue(who))
    assert client.get(reverse("attachments:download", args=[attachment.pk])).status_code == status


@pytest.mark.parametrize("who", ["teammate", "outsider", "other_leader"])
def test_outsiders_can_neither_upload_to_nor_delete_a_deals_file(request, rep, who):
    deal = OpportunityFactory(owner=rep)
    _upload(client_for(rep), deal)
    attachment = Attachment.objects.get(opportunity=deal)
    client = client_for(request.getfixturevalue(who))
    upload = client.post(
        reverse("attachments:upload_to_deal", args=[deal.pk]), {"file": SimpleUploadedFile("x.pdf", b"x")}
    )
    assert upload.status_code == 404
    assert client.post(reverse("attachments:delete", args=[attachment.pk])).status_code == 404
    assert Attachment.objects.filter(opportunity=deal).count() == 1


def test_a_file_type_not_allowed_is_refused_with_a_message_and_nothing_is_stored(rep, rep_client):
    deal = OpportunityFactory(owner=rep)
    page = _upload(rep_client, deal, name="run-me.exe", content=b"MZ")
    assert "are not accepted" in page.content.decode()
    assert not Attachment.objects.exists()


def test_a_file_over_the_size_limit_is_refused(rep, rep_client):
    deal = OpportunityFactory(owner=rep)
    page = _upload(rep_client, deal, content=b"x" * (1024 * 1024 + 1))
    assert "larger than 1 MB" in page.content.decode()
    assert not Attachment.objects.exists()


def test_a_path_in_the_file_name_never_reaches_the_storage(rep, rep_client, settings):
    deal = OpportunityFactory(owner=rep)
    _upload(rep_client, deal, name="../../../etc/passwd.pdf")
    attachment = Attachment.objects.get()
    assert attachment.name == "passwd.pdf"
    assert ".." not in attachment.file.name and attachment.file.name.startswith("attachments/")
    assert str(settings.MEDIA_ROOT) in default_storage.path(attachment.file.name)
    response = rep_client.get(reverse("attachments:download", args=[attachment.pk]))
    assert 'filename="passwd.pdf"' in response["Content-Disposition"]


def test_a_deleted_file_goes_to_the_bin_and_comes_back(rep, rep_client, leader_client):
    deal = OpportunityFactory(owner=rep)
    _upload(rep_client, deal)
    attachment = Attachment.objects.get()
    rep_client.post(reverse("attachments:delete", args=[attachment.pk]))
    assert rep_client.get(reverse("attachments:download", args=[attachment.pk])).status_code == 404
    assert default_storage.exists(attachment.file.name)
    leader_client.post(reverse("recyclebin:restore", args=["file", attachment.pk]))
    assert rep_client.get(reverse("attachments:download", args=[attachment.pk])).status_code == 200


def test_the_files_of_a_deal_in_the_bin_are_out_of_reach(rep, rep_client):
    deal = OpportunityFactory(owner=rep)
    _upload(rep_client, deal)
    attachment = Attachment.objects.get()
    deal.move_to_bin(by=rep)
    assert rep_client.get(reverse("attachments:download", args=[attachment.pk])).status_code == 404


def test_purging_a_file_removes_it_from_storage(rep, rep_client):
    from datetime import timedelta

    import time_machine
    from django.utils import timezone

    from crm.softdelete import purge_expired

    deal = OpportunityFactory(owner=rep)
    _upload(rep_client, deal)
    attachment = Attachment.objects.get()
    with time_machine.travel(timezone.now() - timedelta(days=31)):
        attachment.move_to_bin(by=rep)
    purge_expired()
    assert not Attachment.all_objects.exists()
    assert not default_storage.exists(attachment.file.name)


def test_the_deal_page_with_files_runs_a_fixed_number_of_queries(rep, rep_client):
    deal = OpportunityFactory(owner=rep)

    def count() -> int:
        with CaptureQueriesContext(connection) as queries:
            assert rep_client.get(deal.get_absolute_url()).status_code == 200
        return len(queries)

    _upload(rep_client, deal)
    small = count()
    for i in range(5):
        _upload(rep_client, deal, name=f"quote {i}.pdf")
    assert count() == small


def test_anonymous_visitors_are_sent_to_sign_in_for_files_and_the_bin(client, rep):
    deal = OpportunityFactory(owner=rep)
    _upload(client_for(rep), deal)
    attachment = Attachment.objects.get()
    for url in (
        reverse("attachments:download", args=[attachment.pk]),
        reverse("recyclebin:list"),
    ):
        response = client.get(url)
        assert response.status_code == 302 and response.url.startswith(reverse("login"))
    response = client.post(reverse("attachments:delete", args=[attachment.pk]))
    assert response.status_code == 302 and response.url.startswith(reverse("login"))
    assert Attachment.objects.filter(pk=attachment.pk).exists()
