"""The signed-in user's own profile: name, email address, language, email preferences."""

from __future__ import annotations

import hashlib

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import views as auth_views
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import redirect, render
from django.utils import translation
from django.utils.translation import check_for_language
from django.utils.translation import gettext as _
from django.views.i18n import set_language

from crm.network import client_address, over_limit

from .forms import ProfileForm


def profile(request: HttpRequest) -> HttpResponse:
    form = ProfileForm(request.POST or None, instance=request.user)
    if request.method == "POST" and form.is_valid():
        user = form.save()
        response = redirect("accounts:profile")
        if user.language:
            translation.activate(user.language)
            response.set_cookie(settings.LANGUAGE_COOKIE_NAME, user.language)
        messages.success(request, _("Your settings are saved."))
        return response
    return render(request, "accounts/profile.html", {"form": form})


def switch_language(request: HttpRequest) -> HttpResponse:
    """The header's language switch: Django's `set_language`, and for a signed-in user the choice
    is kept on their profile too, so notifications and email follow it."""
    response = set_language(request)
    code = request.POST.get("language", "") if request.method == "POST" else ""
    user = request.user
    if (
        user.is_authenticated
        and code in dict(settings.LANGUAGES)
        and check_for_language(code)
        and user.language != code
    ):
        user.language = code
        user.save(update_fields=["language"])
    return response


class SignInView(auth_views.LoginView):
    """Signing in switches the app to the language kept on the user's profile."""

    def form_valid(self, form):
        response = super().form_valid(form)
        code = form.get_user().language
        if code and code in dict(settings.LANGUAGES):
            response.set_cookie(
                settings.LANGUAGE_COOKIE_NAME,
                code,
                max_age=settings.LANGUAGE_COOKIE_AGE,
                path=settings.LANGUAGE_COOKIE_PATH,
                secure=settings.LANGUAGE_COOKIE_SECURE,
                httponly=settings.LANGUAGE_COOKIE_HTTPONLY,
                samesite=settings.LANGUAGE_COOKIE_SAMESITE,
            )
        return response


class PasswordResetView(auth_views.PasswordResetView):
    """Django's reset form, limited in the shared cache: a few requests per client address and per
    mailbox in a quarter of an hour, so nobody floods a mailbox with reset links or the mail
    server with work. Over the address's limit the form says so (429) and nothing is sent. A
    mailbox's limit is higher than an address's and counts only requests from addresses under
    their own limit, so one address cannot lock a user out of resetting; over it the answer is
    the usual "sent" page while nothing is sent. No answer depends on whether the address has an
    account."""

    def form_valid(self, form):
        per_address = int(getattr(settings, "PASSWORD_RESET_RATE_LIMIT", 5))
        per_mailbox = int(getattr(settings, "PASSWORD_RESET_MAILBOX_LIMIT", 10))
        window = int(getattr(settings, "PASSWORD_RESET_RATE_WINDOW", 900))
        if over_limit("password-reset", client_address(self.request), per_address, window):
            form.add_error(
                None,
                _("Too many reset requests. Try again in %(minutes)s minutes.") % {"minutes": max(1, window // 60)},
            )
            return self.render_to_response(self.get_context_data(form=form), status=429)
        mailbox = hashlib.sha256(form.cleaned_data["email"].strip().lower().encode()).hexdigest()
        if over_limit("password-reset-mailbox", mailbox, per_mailbox, window):
            return HttpResponseRedirect(self.get_success_url())
        return super().form_valid(form)
