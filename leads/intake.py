"""Web-to-lead intake (SPEC "Leads": website form): a public form page a company site can link
or embed in an iframe, and a POST endpoint its own form or script can send to.

Nothing here needs or reveals an account: the answer is "thank you" or the validation errors
of what was sent. Spam protection: a honeypot field that people never see (a filled one is
answered like a success and stored nowhere) and a per-IP rate limit in the cache.
"""

from __future__ import annotations

import json

from django import forms
from django.conf import settings
from django.contrib.auth.decorators import login_not_required
from django.core.validators import RegexValidator
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _
from django.views.decorators.clickjacking import xframe_options_exempt
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_GET, require_http_methods

from crm.choices import CustomerType, Industry, Region
from crm.forms import BoundedForm
from crm.network import client_address, over_limit

from .automation_models import LeadEvent
from .models import WEBSITE_SOURCE, Lead, LeadSource, website_key
from .scoring import record_event

HONEYPOT = "website"


class IntakeForm(BoundedForm):
    name = forms.CharField(label=_("Your name"), max_length=100)
    company = forms.CharField(label=_("Company"), max_length=200)
    title = forms.CharField(label=_("Job title"), max_length=100, required=False)
    email = forms.EmailField(label=_("Email"), max_length=254, required=False)
    phone = forms.CharField(
        label=_("Phone"),
        max_length=30,
        required=False,
        validators=[RegexValidator(r"^\+?[0-9 ()-]{5,30}$", _("Enter a phone number: digits, spaces, + - ( )."))],
    )
    customer_type = forms.ChoiceField(
        label=_("You are"), choices=CustomerType.choices, initial=CustomerType.ENTERPRISE, required=False
    )
    industry = forms.ChoiceField(label=_("Industry"), choices=[("", "—"), *Industry.choices], required=False)
    region = forms.ChoiceField(label=_("Region"), choices=[("", "—"), *Region.choices], required=False)
    company_size = forms.IntegerField(
        label=_("Company size (employees)"), min_value=1, max_value=10_000_000, required=False
    )
    message = forms.CharField(
        label=_("How can we help?"), max_length=2000, required=False, widget=forms.Textarea(attrs={"rows": 4})
    )
    # Honeypot: hidden from people, tempting to bots.
    website = forms.CharField(label=_("Leave this field empty"), required=False)

    def clean_name(self) -> str:
        return self.cleaned_data["name"].strip()

    def clean_company(self) -> str:
        return self.cleaned_data["company"].strip()

    def clean(self) -> dict:
        data = super().clean()
        if (
            not data.get("email")
            and not data.get("phone")
            and not self.has_error("email")
            and not self.has_error("phone")
        ):
            raise forms.ValidationError(_("Give an email address or a phone number so that we can reach you."))
        return data

    @property
    def is_spam(self) -> bool:
        return bool((self.data.get(HONEYPOT) or "").strip())


def rate_limited(request: HttpRequest) -> bool:
    """Count this submission against the sender's address (`client_address`, behind the trusted
    proxies) in the shared cache; True once it exceeds the limit for the window."""
    limit = int(getattr(settings, "INTAKE_RATE_LIMIT", 5))
    window = int(getattr(settings, "INTAKE_RATE_WINDOW", 600))
    return over_limit("intake", client_address(request), limit, window)


def create_web_lead(data: dict) -> Lead:
    """A new lead from the website, unowned until scoring marks it ready and the rules assign it.

    A prospect who writes again (same email, lead still open; without an email, the same phone
    number) adds a form submission to their lead rather than a duplicate lead.
    """
    source = LeadSource.objects.get(code=WEBSITE_SOURCE)
    message = data.get("message") or ""
    key = website_key(data.get("email"), data.get("phone"))
    open_leads = Lead.objects.open()
    with transaction.atomic():
        lead = None
        if "intake_email" in key:
            email = key["intake_email"]
            lead = open_leads.filter(Q(email__iexact=email) | Q(intake_email=email)).order_by("-created_at").first()
        elif key:
            lead = open_leads.filter(**key).first()
        if lead is None:
            fields = {
                "name": data["name"],
                "company": data["company"],
                "title": data.get("title") or "",
                "email": data.get("email") or "",
                "phone": data.get("phone") or "",
                "customer_type": data.get("customer_type") or CustomerType.ENTERPRISE,
                "industry": data.get("industry") or "",
                "region": data.get("region") or "",
                "company_size": data.get("company_size"),
                "notes": message,
                "source": source,
            }
            try:
                with transaction.atomic():
                    lead = Lead.objects.create(**fields, **key)
            except IntegrityError:
                # A submission for the same address created the lead a moment ago (the unique
                # index made this insert wait for it): add to that one.
                lead = open_leads.filter(**key).first() if key else None
                if lead is None:  # the key is held by a lead no longer open to submissions
                    lead = Lead.objects.create(**fields)
        record_event(lead, LeadEvent.Kind.FORM_SUBMISSION, detail=message)
    return lead


@login_not_required
@csrf_exempt
@xframe_options_exempt
@require_http_methods(["GET", "POST"])
def intake_form(request: HttpRequest) -> HttpResponse:
    """The public form page (embeddable in an iframe)."""
    if request.method == "GET":
        return render(request, "intake/form.html", {"form": IntakeForm()})
    if rate_limited(request):
        form = IntakeForm()
        error = gettext("Too many submissions from your address. Please try again later.")
        return render(request, "intake/form.html", {"form": form, "page_error": error}, status=429)
    form = IntakeForm(request.POST)
    if form.is_spam:
        return redirect("intake:thanks")
    if not form.is_valid():
        return render(request, "intake/form.html", {"form": form}, status=400)
    create_web_lead(form.cleaned_data)
    return redirect("intake:thanks")


@login_not_required
@xframe_options_exempt
@require_GET
def intake_thanks(request: HttpRequest) -> HttpResponse:
    return render(request, "intake/thanks.html")


def _cors(response: HttpResponse) -> HttpResponse:
    response["Access-Control-Allow-Origin"] = getattr(settings, "INTAKE_ALLOWED_ORIGIN", "*")
    response["Access-Control-Allow-Methods"] = "POST, OPTIONS"
    response["Access-Control-Allow-Headers"] = "Content-Type"
    return response


@login_not_required
@csrf_exempt
@require_http_methods(["POST", "OPTIONS"])
def intake_submit(request: HttpRequest) -> HttpResponse:
    """POST endpoint for a website's own form or script (form-encoded or JSON).

    201 {"ok": true}, 400 {"ok": false, "errors": {field: [messages]}}, 429 when rate-limited.
    """
    if request.method == "OPTIONS":
        return _cors(HttpResponse(status=204))
    if rate_limited(request):
        error = gettext("Too many submissions from your address. Please try again later.")
        return _cors(JsonResponse({"ok": False, "errors": {"__all__": [error]}}, status=429))
    if request.content_type == "application/json":
        try:
            payload = json.loads(request.body or b"{}")
        except (ValueError, UnicodeDecodeError):
            payload = None
        if not isinstance(payload, dict):
            return _cors(
                JsonResponse({"ok": False, "errors": {"__all__": [gettext("Send a JSON object.")]}}, status=400)
            )
        payload = {k: "" if v is None else str(v) for k, v in payload.items()}
    else:
        payload = request.POST
    form = IntakeForm(payload)
    thanks = gettext("Thank you! We will be in touch soon.")
    if form.is_spam:
        return _cors(JsonResponse({"ok": True, "message": thanks}, status=201))
    if not form.is_valid():
        errors = {field: [str(e) for e in errs] for field, errs in form.errors.items()}
        return _cors(JsonResponse({"ok": False, "errors": errors}, status=400))
    create_web_lead(form.cleaned_data)
    return _cors(JsonResponse({"ok": True, "message": thanks}, status=201))
