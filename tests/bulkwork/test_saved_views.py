"""Saved views: a user names the current filters of a list or the board and opens them again."""

from __future__ import annotations

import pytest
from django.urls import reverse

from tests.conftest import client_for
from workspace.models import SavedView

pytestmark = pytest.mark.django_db


def test_a_rep_saves_the_lists_filters_and_opens_them_from_the_menu(rep_client, rep, stages):
    response = rep_client.post(
        reverse("workspace:save_view"),
        {"page": "opportunities", "name": "My stale deals", "query": "stale=on&sort=-amount&page=3"},
    )
    view = SavedView.objects.get()
    assert view.owner == rep and view.query == "stale=on&sort=-amount"
    assert response["Location"] == reverse("opportunities:list") + "?stale=on&sort=-amount"
    body = rep_client.get(reverse("opportunities:list")).content.decode()
    assert "My stale deals" in body and "?stale=on&amp;sort=-amount" in body


def test_saving_under_the_same_name_updates_the_view(rep_client):
    url = reverse("workspace:save_view")
    rep_client.post(url, {"page": "board", "name": "East", "query": "team=1"})
    rep_client.post(url, {"page": "board", "name": "East", "query": "team=2"})
    assert list(SavedView.objects.values_list("query", flat=True)) == ["team=2"]
    assert "East" in rep_client.get(reverse("opportunities:board")).content.decode()


def test_views_are_private_and_a_bad_one_is_refused(rep_client, rep, teammate):
    theirs = SavedView.objects.create(owner=teammate, page="leads", name="Tom's hot leads", query="score_min=50")
    assert "Tom's hot leads" not in rep_client.get(reverse("leads:list")).content.decode()
    assert rep_client.post(reverse("workspace:delete_view", args=[theirs.pk])).status_code == 404
    assert SavedView.objects.filter(pk=theirs.pk).exists()
    response = rep_client.post(
        reverse("workspace:save_view"), {"page": "nowhere", "name": "", "query": ""}, follow=True
    )
    assert response.status_code == 200 and SavedView.objects.count() == 1


def test_the_owner_deletes_a_view(rep_client, rep):
    view = SavedView.objects.create(owner=rep, page="customers", name="Gov", query="customer_type=government")
    assert "Gov" in rep_client.get(reverse("customers:list")).content.decode()
    assert rep_client.post(reverse("workspace:delete_view", args=[view.pk])).status_code == 302
    assert not SavedView.objects.exists()


@pytest.mark.parametrize("views", [1, 30])
def test_the_menu_adds_one_query_whatever_the_number_of_views(views, rep, django_assert_max_num_queries):
    SavedView.objects.bulk_create(
        [SavedView(owner=rep, page="opportunities", name=f"View {i}", query=f"q={i}") for i in range(views)]
    )
    client = client_for(rep)
    with django_assert_max_num_queries(11):
        assert client.get(reverse("opportunities:list")).status_code == 200
