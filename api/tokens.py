"""The profile page's API tokens: create (the key is shown once) and revoke."""

from __future__ import annotations

from django import forms
from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from crm.forms import BoundedForm

from .models import ApiToken

MAX_ACTIVE_TOKENS = 20


class TokenForm(BoundedForm):
    name = forms.CharField(label=gettext_lazy("Token name"), max_length=100)


@require_POST
def create(request: HttpRequest) -> HttpResponse:
    form = TokenForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Give the token a name (up to 100 characters)."))
        return redirect("accounts:profile")
    if ApiToken.objects.active().filter(user=request.user).count() >= MAX_ACTIVE_TOKENS:
        messages.error(request, _("You have %(n)s active tokens: revoke one first.") % {"n": MAX_ACTIVE_TOKENS})
        return redirect("accounts:profile")
    token, key = ApiToken.issue(request.user, form.cleaned_data["name"])
    # Shown on this response only: never stored, never shown again.
    response = render(request, "api/token_created.html", {"token": token, "key": key})
    response["Cache-Control"] = "no-store"
    return response


@require_POST
def revoke(request: HttpRequest, pk: int) -> HttpResponse:
    token = get_object_or_404(ApiToken.objects.filter(user=request.user), pk=pk)
    token.revoke()
    messages.success(request, _("Token “%(name)s” revoked.") % {"name": token.name})
    return redirect("accounts:profile")
