"""Resident account pages: sign-up, confirmation, login, logout, profile, deletion."""

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import login, logout, update_session_auth_hash
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse_lazy
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from core.http import client_ip
from core.views import error_status, form_errors_from, safe_next

from . import services
from .forms import AccountDeleteForm, LoginForm, ProfileForm, SignUpForm


def sign_up(request: HttpRequest) -> HttpResponse:
    if request.user.is_authenticated:
        return redirect("accounts:profile")
    form = SignUpForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.user_sign_up(
                full_name=form.cleaned_data["full_name"],
                email=form.cleaned_data["email"],
                password=form.cleaned_data["password"],
                language=request.LANGUAGE_CODE,
            )
        except ValidationError as error:
            form_errors_from(form, error)
        else:
            # The same answer whether the address was new or already had an account (its owner
            # got an email instead): sign-up does not reveal who is registered.
            messages.success(
                request,
                _(
                    "We have sent you an email. Follow its link to confirm your address, "
                    "then sign in."
                ),
            )
            return redirect("accounts:login")
    return render(request, "accounts/sign_up.html", {"form": form})


def confirm_email(request: HttpRequest, token: str) -> HttpResponse:
    try:
        services.email_confirm(token=token)
    except ValidationError as error:
        return render(
            request, "accounts/confirm_failed.html", {"error": error.messages[0]}, status=400
        )
    messages.success(request, _("Thank you, your email address is confirmed."))
    return redirect("accounts:profile" if request.user.is_authenticated else "accounts:login")


@login_required
@require_POST
def resend_confirmation(request: HttpRequest) -> HttpResponse:
    if not request.user.email_confirmed:
        services.email_confirmation_send(user=request.user)
        messages.info(request, _("We have sent a new confirmation email."))
    return redirect("accounts:profile")


def login_view(request: HttpRequest) -> HttpResponse:
    next_url = safe_next(request, "")
    form = LoginForm(request, request.POST or None)
    status, locked = 200, ""
    if request.method == "POST":
        email, ip = request.POST.get("email", ""), client_ip(request)
        if services.login_is_locked(email=email, ip=ip):
            form = LoginForm(request, initial={"email": email})
            locked = _("Too many failed attempts. Wait 15 minutes, or reset your password.")
            status = 429
        elif form.is_valid():
            services.login_failures_clear(email=email, ip=ip)
            login(request, form.user)
            # Without a page to go back to, staff start at their portal, residents at home.
            default = "staff:dashboard" if form.user.is_council_staff else "home"
            return redirect(next_url or default)
        else:
            services.login_failure_record(email=email, ip=ip)
            status = 400
    return render(
        request,
        "accounts/login.html",
        {"form": form, "next": next_url, "locked": locked},
        status=status,
    )


@require_POST
def logout_view(request: HttpRequest) -> HttpResponse:
    logout(request)
    return redirect("home")


@login_required
def profile(request: HttpRequest) -> HttpResponse:
    user = request.user
    initial = {
        "full_name": user.full_name,
        "email": user.email,
        "language": user.language,
    }
    form = ProfileForm(request.POST or None, initial=initial)
    status = 400 if request.method == "POST" else 200
    if request.method == "POST" and form.is_valid():
        try:
            # The phone number is added and confirmed in one place only: /phone/.
            services.profile_update(user=user, phone=user.phone, **form.cleaned_data)
        except ValidationError as error:
            form_errors_from(form, error)
            status = error_status(error)
        else:
            messages.success(request, _("Your profile is saved."))
            response = redirect("accounts:profile")
            if form.cleaned_data["language"]:
                response.set_cookie(
                    settings.LANGUAGE_COOKIE_NAME, form.cleaned_data["language"], samesite="Lax"
                )
            return response
    return render(request, "accounts/profile.html", {"form": form}, status=status)


@login_required
def delete_account(request: HttpRequest) -> HttpResponse:
    form = AccountDeleteForm(request.user, request.POST or None)
    if request.method == "POST" and form.is_valid():
        services.account_delete(user=request.user)
        logout(request)
        messages.success(request, _("Your account and your personal data have been deleted."))
        return redirect("home")
    return render(request, "accounts/delete.html", {"form": form})


class PasswordChangeView(auth_views.PasswordChangeView):
    template_name = "accounts/password_change.html"
    success_url = reverse_lazy("accounts:profile")

    def form_valid(self, form):
        response = super().form_valid(form)
        update_session_auth_hash(self.request, form.user)
        messages.success(self.request, _("Your password is changed."))
        return response


class PasswordResetView(auth_views.PasswordResetView):
    template_name = "accounts/password_reset.html"
    email_template_name = "accounts/email/password_reset.txt"
    subject_template_name = "accounts/email/password_reset_subject.txt"
    success_url = reverse_lazy("accounts:password_reset_done")

    def form_valid(self, form):
        self.extra_email_context = {"council": self.request.tenant}
        return super().form_valid(form)


class PasswordResetConfirmView(auth_views.PasswordResetConfirmView):
    template_name = "accounts/password_reset_confirm.html"
    success_url = reverse_lazy("accounts:login")
    post_reset_login = False

    def form_valid(self, form):
        response = super().form_valid(form)
        # Whoever reset the password owns the mailbox: failed logins no longer lock them out.
        services.login_failures_reset(email=form.user.email)
        messages.success(self.request, _("Your password is set. You can now sign in."))
        return response
