"""Read the forms a page renders, the way a browser would submit them."""

from __future__ import annotations

from dataclasses import dataclass, field
from html.parser import HTMLParser


@dataclass
class PageForm:
    action: str
    method: str
    fields: dict[str, str] = field(default_factory=dict)
    kinds: dict[str, str] = field(default_factory=dict)  # name -> input type, "select" or "textarea"
    choices: dict[str, list[str]] = field(default_factory=dict)

    def data(self, **overrides) -> dict[str, str]:
        return {**self.fields, **overrides}


class _FormParser(HTMLParser):
    def __init__(self, page_url: str) -> None:
        super().__init__()
        self.page_url = page_url
        self.forms: list[PageForm] = []
        self.form: PageForm | None = None
        self.select: str | None = None
        self.multiple = False
        self.textarea: str | None = None

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if tag == "form":
            self.form = PageForm(action=a.get("action") or self.page_url, method=(a.get("method") or "get").lower())
            self.forms.append(self.form)
            return
        if self.form is None or not a.get("name"):
            return
        name = a["name"]
        if tag == "input":
            kind = (a.get("type") or "text").lower()
            if kind in ("submit", "button", "reset"):
                return
            self.form.kinds[name] = kind
            if kind in ("checkbox", "radio"):
                if "checked" in a:
                    self.form.fields[name] = a.get("value", "on")
                self.form.choices.setdefault(name, []).append(a.get("value", "on"))
            else:
                self.form.fields[name] = a.get("value") or ""
        elif tag == "select":
            self.select = name
            self.multiple = "multiple" in a
            self.form.kinds[name] = "select-multiple" if self.multiple else "select"
            self.form.choices[name] = []
            if not self.multiple:
                self.form.fields.setdefault(name, "")
        elif tag == "textarea":
            self.textarea = name
            self.form.kinds[name] = "textarea"
            self.form.fields[name] = ""

    def handle_startendtag(self, tag, attrs):
        self.handle_starttag(tag, attrs)

    def handle_data(self, data):
        if self.form is not None and self.textarea:
            self.form.fields[self.textarea] += data

    def handle_endtag(self, tag):
        if tag == "form":
            self.form = None
        elif tag == "textarea":
            self.textarea = None
        elif tag == "select":
            self.select = None

    def handle_option(self, attrs):
        pass

    def unknown_decl(self, data):
        pass


class _OptionAwareParser(_FormParser):
    def handle_starttag(self, tag, attrs):
        if tag == "option" and self.form is not None and self.select:
            a = dict(attrs)
            value = a.get("value", "")
            self.form.choices[self.select].append(value)
            if self.multiple:
                if "selected" in a:
                    self.form.fields.setdefault(self.select, value)
            elif "selected" in a or (not self.form.fields[self.select] and value):
                self.form.fields[self.select] = value
            return
        super().handle_starttag(tag, attrs)


def forms_on(html: str, page_url: str) -> list[PageForm]:
    parser = _OptionAwareParser(page_url)
    parser.feed(html)
    return parser.forms


def form_posting_to(html: str, page_url: str, action: str) -> PageForm:
    matches = [f for f in forms_on(html, page_url) if f.method == "post" and f.action.split("#")[0] == action]
    assert matches, f"no form posting to {action} on {page_url}"
    return matches[0]
