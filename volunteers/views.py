"""A volunteer's pages: registration and verification, their page, profile, suggestions, saved
searches, privacy (consents, their data, erasure); signing up for shifts; the roster that an
organization's staff see; the digest's unsubscribe link."""

import datetime
import logging

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import get_user_model, login, logout
from django.contrib.auth.decorators import login_required
from django.contrib.auth.views import PasswordResetView
from django.db import transaction
from django.db.models import Count, OuterRef, Subquery, Sum
from django.http import Http404, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST

from common import ratelimit
from common.params import as_whole
from opportunities import exports
from opportunities.manage import opportunity_run_by
from opportunities.models import Shift
from places import trust
from places.models import Organization
from volunteers import accounts, mail, privacy, reports, signups
from volunteers.forms import (
    AttendanceForm,
    EraseForm,
    LimitedPasswordResetForm,
    ProfileForm,
    RegistrationForm,
    SavedSearchForm,
    VerifyForm,
)
from volunteers.matching import matches_for
from volunteers.models import (
    DAY_PARTS,
    PART_NAMES,
    WEEKDAY_NAMES,
    WEEKDAYS,
    Purpose,
    SignUp,
    SignUpStatus,
    Volunteer,
)

log = logging.getLogger(__name__)
REGISTRATIONS_PER_HOUR = 10


class LimitedPasswordResetView(PasswordResetView):
    form_class = LimitedPasswordResetForm

    def get_form_kwargs(self):
        return {**super().get_form_kwargs(), "request": self.request}


def register(request):
    form = RegistrationForm(request.POST or None)
    # Registrations sent, not attempts: a person correcting mistakes is never locked out.
    address = ratelimit.client_address(request)
    if request.method == "POST" and (
        ratelimit.seen("register", address, 3600) >= REGISTRATIONS_PER_HOUR
    ):
        form.add_error(None, _("Too many registrations from here; try again in an hour."))
    elif request.method == "POST" and form.is_valid():
        ratelimit.count("register", address, 3600)
        data = form.cleaned_data
        user = accounts.register(data, language=get_language() or "th")
        if user is None:
            mail.already_registered(data["email"])
        else:
            try:
                mail.verification(user)
            except Exception:  # registering again sends a new link
                log.exception("verification e-mail to user %s failed", user.pk)
        # The same answer either way, in about the same time: the page does not tell which
        # addresses have accounts.
        return render(request, "volunteers/check_email.html", {"email": data["email"]})
    return render(request, "volunteers/register.html", {"form": form})


def verify_email(request, uidb64, token):
    """The link opens a page that asks for the password chosen at registration: mail scanners
    that open links verify nothing, and someone who registered another person's address cannot
    have that person open the account for them."""
    user = accounts.user_of_link(uidb64)
    valid = user is not None and mail.verification_tokens.check_token(user, token)
    form = VerifyForm(request.POST or None, user=user)
    if request.method == "POST" and valid and form.is_valid():
        user.is_active = True
        user.save(update_fields=["is_active"])
        login(request, user, backend="volunteers.accounts.CaseInsensitiveBackend")
        messages.success(request, _("Your e-mail address is confirmed. Welcome!"))
        return redirect("profile")
    return render(
        request,
        "volunteers/verify.html",
        {"valid": valid, "form": form, "email": user.email if valid else ""},
        status=200 if valid else 400,
    )


def _profile(user) -> Volunteer | None:
    return Volunteer.objects.filter(user=user).first()


@login_required
def me(request):
    mine = SignUp.objects.filter(volunteer=request.user).select_related(
        "shift__opportunity__organization"
    )
    now = timezone.now()
    ahead = SignUp.objects.filter(
        shift=OuterRef("shift"),
        status=SignUpStatus.WAITLISTED,
        created_at__lte=OuterRef("created_at"),
    )
    upcoming = (
        mine.active()
        .filter(shift__ends_at__gte=now)
        .annotate(position=Subquery(ahead.values("shift").annotate(n=Count("pk")).values("n")))
    )
    history = mine.filter(shift__ends_at__lt=now).order_by("-shift__starts_at")
    return render(
        request,
        "volunteers/me.html",
        {
            "profile": _profile(request.user),
            "upcoming": [
                (
                    s,
                    s.position if s.status == SignUpStatus.WAITLISTED else None,
                    s.shift.starts_at > now,
                )
                for s in upcoming
            ],
            "history": history,
            "hours": history.aggregate(total=Sum("hours"))["total"] or 0,
        },
    )


@login_required
def profile(request):
    """The volunteer profile; an account made another way (an organization's staff) gets one
    here, with the account consent it then needs."""
    profile = _profile(request.user) or Volunteer(
        user=request.user, display_name=request.user.get_full_name(), language=get_language()
    )
    form = ProfileForm(request.POST or None, instance=profile, user=request.user)
    if request.method == "POST" and form.is_valid():
        with transaction.atomic():
            form.save()
            privacy.give_consent(request.user, Purpose.ACCOUNT)
        messages.success(request, _("Your profile is saved."))
        return redirect("me")
    chosen = set(form["availability"].value() or [])
    return render(
        request,
        "volunteers/profile.html",
        {
            "form": form,
            "day_parts": list(PART_NAMES.values()),
            "slot_rows": [
                (
                    day_name,
                    [
                        (
                            f"{day}_{part}",
                            f"{day_name} {PART_NAMES[part]}",
                            f"{day}_{part}" in chosen,
                        )
                        for part in DAY_PARTS
                    ],
                )
                for day, day_name in zip(WEEKDAYS, WEEKDAY_NAMES, strict=True)
            ],
        },
    )


@login_required
def for_you(request):
    profile = _profile(request.user)
    consented = profile is not None and privacy.has_consent(request.user, Purpose.MATCHING)
    matches = matches_for(profile) if consented else []
    return render(
        request,
        "volunteers/matches.html",
        {"profile": profile, "matches": matches, "consented": consented},
    )


def search_from_link(params) -> dict:
    """What the map's "save this search" link carries, as the form's starting values (the form
    still checks them when saved)."""
    place = params.get("place", "").replace("\x00", "")[:300]
    radius = as_whole(params.get("radius_km", ""))
    initial = {
        "name": place[:80],
        "place": place,
        "causes": params.getlist("causes"),
        "skills": params.getlist("skills"),
        "include_remote": "include_remote" in params,
    }
    if radius and 1 <= radius <= 200:
        initial["radius_km"] = radius
    return initial


@login_required
def saved_searches(request):
    initial = search_from_link(request.GET) if request.method == "GET" and request.GET else None
    form = SavedSearchForm(request.POST or None, user=request.user, initial=initial)
    if request.method == "POST" and form.is_valid():
        form.save()
        messages.success(request, _("Saved. New opportunities will come in your digest."))
        return redirect("saved-searches")
    return render(
        request,
        "volunteers/searches.html",
        {"form": form, "searches": request.user.saved_searches.select_related("area")},
    )


@login_required
@require_POST
def delete_search(request, pk):
    get_object_or_404(request.user.saved_searches, pk=pk).delete()
    return redirect("saved-searches")


def privacy_notice(request):
    """What is kept, why, who sees it and how to take it back: public, linked from the consent."""
    return render(
        request,
        "volunteers/privacy_notice.html",
        {
            "version_month": datetime.date.fromisoformat(f"{privacy.NOTICE_VERSION}-01"),
            "contact": settings.PRIVACY_CONTACT_EMAIL,
        },
    )


@login_required
def privacy_page(request):
    form = EraseForm(user=request.user)
    current = {c.purpose: c for c in request.user.consents.current()}
    return render(
        request,
        "volunteers/privacy.html",
        {
            "form": form,
            "consents": [(p, current.get(p.value)) for p in Purpose],
            "history": request.user.consents.all(),
            "version": privacy.NOTICE_VERSION,
        },
    )


@login_required
@require_POST
def withdraw(request, purpose):
    if purpose not in Purpose.values or purpose == Purpose.ACCOUNT:
        raise Http404
    privacy.withdraw_consent(request.user, purpose)
    messages.success(request, _("Withdrawn. It took effect at once."))
    return redirect("privacy")


@login_required
def my_data(request):
    response = JsonResponse(
        privacy.export(request.user), json_dumps_params={"ensure_ascii": False, "indent": 2}
    )
    response["Content-Disposition"] = 'attachment; filename="my-volunteer-data.json"'
    return response


@login_required
@require_POST
def erase(request):
    form = EraseForm(request.POST, user=request.user)
    if not form.is_valid():
        messages.error(request, _("That is not your password: nothing was deleted."))
        return redirect("privacy")
    user = request.user
    logout(request)
    privacy.erase(user)
    messages.success(request, _("Your account and your data are deleted. Thank you for helping."))
    return redirect("home")


@login_required
@require_POST
def sign_up(request, shift_id):
    try:
        signup, _created = signups.sign_up(request.user, shift_id)
    except signups.SignUpError as exc:
        messages.error(request, str(exc))
        shift = Shift.objects.filter(pk=shift_id).first()
        if shift is None:
            return redirect("me")
        return redirect("opportunity-detail-page", shift.opportunity_id)
    if signup.status == SignUpStatus.CONFIRMED:
        messages.success(request, _("You are signed up. The confirmation is in your e-mail."))
    else:
        messages.info(request, _("The shift is full: you are on the waiting list."))
    # The top of the page, where the message is: the shift below says "you are signed up" too.
    return redirect("opportunity-detail-page", signup.shift.opportunity_id)


@login_required
def cancel(request, pk):
    """A page that asks first (one tap must not give a place away), then cancels."""
    signup = get_object_or_404(
        SignUp.objects.active().select_related("shift__opportunity__organization"),
        pk=pk,
        volunteer=request.user,
    )
    if request.method != "POST":
        waiting = signup.shift.sign_ups.filter(status=SignUpStatus.WAITLISTED).exists()
        return render(request, "volunteers/cancel.html", {"signup": signup, "waiting": waiting})
    try:
        signups.cancel(signup)
    except signups.SignUpError as exc:
        messages.error(request, str(exc))
    else:
        messages.success(request, _("Cancelled. Thank you for freeing the place."))
    return redirect("me")


@login_required
def dashboard(request):
    """The staff's home: each organization, its opportunities, coming shifts and how full they
    are, volunteers and hours per month."""
    organizations = Organization.objects.run_by(request.user).prefetch_related("opportunities")
    return render(
        request,
        "manage/dashboard.html",
        {
            "organizations": [
                {
                    "organization": org,
                    "shifts": reports.coming_shifts(org),
                    "months": reports.monthly(org),
                }
                for org in organizations
            ],
            "awaiting_review": trust.awaiting_review(request.user),
        },
    )


@login_required
def volunteers_csv(request, pk):
    """The organization's roster and hours as CSV, for its own staff only."""
    organization = get_object_or_404(Organization.objects.run_by(request.user), pk=pk)
    return exports.csv_response(
        reports.roster_rows(organization),
        reports.ROSTER_COLUMNS,
        reports.roster_row,
        request,
        f"volunteers-{organization.pk}.csv",
        licensed=False,
    )


@login_required
def roster(request, pk):
    """The volunteers on an opportunity's shifts, for its organization's staff only."""
    opportunity = opportunity_run_by(request.user, pk)
    if request.method == "POST":
        form = AttendanceForm(request.POST)
        if not form.is_valid():
            for errors in form.errors.values():
                messages.error(request, " ".join(errors))
            return redirect("manage-roster", pk=pk)
        data = form.cleaned_data
        signup = get_object_or_404(SignUp, pk=data["sign_up"], shift__opportunity=opportunity)
        try:
            signups.record_attendance(signup, data["attended"] == "yes", data["hours"])
        except signups.SignUpError as exc:
            messages.error(request, str(exc))
        return redirect("manage-roster", pk=pk)
    shifts = opportunity.shifts.prefetch_related("sign_ups__volunteer__volunteer")
    return render(
        request,
        "volunteers/roster.html",
        {"opportunity": opportunity, "shifts": shifts, "now": timezone.now()},
    )


@csrf_exempt  # the signed token is the credential; mail clients POST here (RFC 8058)
def unsubscribe(request, token):
    user_id = mail.user_of_unsubscribe_token(token)
    user = get_user_model().objects.filter(pk=user_id).first() if user_id else None
    if user is None:
        return render(request, "volunteers/unsubscribe.html", {"invalid": True}, status=400)
    done = request.method == "POST"
    if done:
        privacy.withdraw_consent(user, Purpose.DIGEST)
    return render(request, "volunteers/unsubscribe.html", {"done": done})
