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


def test_a_list_of_people_reads_their_names_not_whole_records_and_shows_the_same_options(db, django_assert_num_queries):
    import django_filters

    from accounts.models import User
    from tests.factories import UserFactory

    UserFactory(username="wang", first_name="伟", last_name="王")
    UserFactory(username="smith", first_name="Anna", last_name="Smith")
    UserFactory(username="nameless", first_name="", last_name="")
    chosen = User.objects.get(username="smith")
    people = User.objects.order_by("username")

    for field in (
        forms.ModelChoiceField(queryset=people, widget=QuickSelect),
        django_filters.fields.ModelChoiceField(queryset=people, widget=QuickSelect, null_label="Nobody"),
    ):
        reference = forms.Select(choices=list(field.choices)).render("owner", chosen.pk)
        with django_assert_num_queries(1) as captured:
            ours = field.widget.render("owner", chosen.pk)
        assert '"password"' not in captured.captured_queries[0]["sql"]  # names only, not whole records
        assert parsed(ours) == parsed(reference)
        assert "王伟" in ours and "Anna Smith" in ours and ">nameless<" in ours
        assert f'<option value="{chosen.pk}" selected>' in ours


def test_a_field_that_labels_people_its_own_way_keeps_its_labels(db):
    from accounts.models import User
    from tests.factories import UserFactory

    UserFactory(username="smith", first_name="Anna", last_name="Smith")

    class ByUsername(forms.ModelChoiceField):
        def label_from_instance(self, obj):
            return f"@{obj.username}"

    html = ByUsername(queryset=User.objects.all(), widget=QuickSelect).widget.render("owner", None)
    assert "@smith" in html and "Anna Smith" not in html
