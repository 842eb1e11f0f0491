"""The filter forms' selects, rendered without a template per option, carry the same options,
labels, selection and attributes as Django's own select."""

from __future__ import annotations

from html.parser import HTMLParser

from django import forms

from crm.widgets import QuickSelect


class _Tags(HTMLParser):
    def __init__(self):
        super().__init__()
        self.items: list[tuple] = []

    def handle_starttag(self, tag, attrs):
        self.items.append((tag, sorted((k, v or "") for k, v in attrs)))

    def handle_data(self, data):
        if data.strip():
            self.items.append(("text", data.strip()))


def parsed(html: str) -> list[tuple]:
    tags = _Tags()
    tags.feed(html)
    return tags.items


CHOICES = [("", "---------"), ("a", "Alpha & <Co>"), ("Group", [("b", "Beta"), ("c", "Gamma")]), ("d", "Delta")]


def test_a_quick_select_renders_what_the_django_select_renders():
    for value in ("", "a", "c"):
        ours = QuickSelect(choices=CHOICES).render("owner", value, attrs={"id": "id_owner", "class": "form-select"})
        django = forms.Select(choices=CHOICES).render("owner", value, attrs={"id": "id_owner", "class": "form-select"})
        assert parsed(ours) == parsed(django)
        assert "Alpha &amp; &lt;Co&gt;" in ours


def test_the_deal_list_filter_keeps_the_chosen_owner_selected(admin_client_, rep):
    response = admin_client_.get("/opportunities/", {"owner": rep.pk})

    html = response.content.decode()
    assert response.status_code == 200
    assert f'<option value="{rep.pk}" selected>' in html
