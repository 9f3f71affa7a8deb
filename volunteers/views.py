"""A volunteer's pages: registration and verification, their page, profile, suggestions, saved
searches, privacy (consents, their data, erasure); signing up for shifts; the roster that an
organization's staff see; the digest's unsubscribe link."""

from django.contrib import messages
from django.contrib.auth import get_user_model, login, logout
from django.contrib.auth.decorators import login_required
from django.db import transaction
from django.db.models import Sum
from django.http import Http404, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.encoding import force_str
from django.utils.http import urlsafe_base64_decode
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST

from opportunities.manage import opportunity_run_by
from volunteers import mail, privacy, signups
from volunteers.forms import EraseForm, ProfileForm, RegistrationForm, SavedSearchForm
from volunteers.matching import matches_for
from volunteers.models import Purpose, SignUp, SignUpStatus, Volunteer


def register(request):
    form = RegistrationForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        users = get_user_model().objects
        if users.filter(email__iexact=data["email"]).exists():
            mail.already_registered(data["email"])
        else:
            with transaction.atomic():
                user = users.create_user(
                    username=data["email"],
                    email=data["email"],
                    password=data["password1"],
                    is_active=False,
                )
                Volunteer.objects.create(
                    user=user,
                    display_name=data["display_name"],
                    phone=data["phone"],
                    language=get_language() or "th",
                )
                privacy.give_consent(user, Purpose.ACCOUNT)
            mail.verification(user)
        # The same answer either way: the page does not tell which addresses have accounts.
        return render(request, "volunteers/check_email.html", {"email": data["email"]})
    return render(request, "volunteers/register.html", {"form": form})


def verify_email(request, uidb64, token):
    """GET shows a button, POST activates: mail scanners that open links do not verify."""
    try:
        user = get_user_model().objects.get(pk=force_str(urlsafe_base64_decode(uidb64)))
    except (ValueError, TypeError, OverflowError, get_user_model().DoesNotExist):
        user = None
    valid = user is not None and mail.verification_tokens.check_token(user, token)
    if request.method == "POST" and valid:
        user.is_active = True
        user.save(update_fields=["is_active"])
        login(request, user, backend="django.contrib.auth.backends.ModelBackend")
        messages.success(request, _("Your e-mail address is confirmed. Welcome!"))
        return redirect("profile")
    return render(request, "volunteers/verify.html", {"valid": valid}, status=200 if valid else 400)


def _profile(user):
    profile, _created = Volunteer.objects.get_or_create(
        user=user, defaults={"display_name": user.get_full_name() or user.username}
    )
    return profile


@login_required
def me(request):
    mine = SignUp.objects.filter(volunteer=request.user).select_related(
        "shift__opportunity__organization"
    )
    now = timezone.now()
    upcoming = [s for s in mine.active() if s.shift.ends_at >= now]
    waiting = {
        s.pk: s.shift.sign_ups.filter(
            status=SignUpStatus.WAITLISTED, created_at__lte=s.created_at
        ).count()
        for s in upcoming
        if s.status == SignUpStatus.WAITLISTED
    }
    history = mine.filter(shift__ends_at__lt=now).order_by("-shift__starts_at")
    return render(
        request,
        "volunteers/me.html",
        {
            "profile": _profile(request.user),
            "upcoming": [(s, waiting.get(s.pk)) for s in upcoming],
            "history": history,
            "hours": history.aggregate(total=Sum("hours"))["total"] or 0,
            "runs_organizations": request.user.memberships.exists(),
        },
    )


@login_required
def profile(request):
    form = ProfileForm(request.POST or None, instance=_profile(request.user), user=request.user)
    if request.method == "POST" and form.is_valid():
        with transaction.atomic():
            form.save()
        messages.success(request, _("Your profile is saved."))
        return redirect("me")
    return render(request, "volunteers/profile.html", {"form": form})


@login_required
def for_you(request):
    profile = _profile(request.user)
    consented = privacy.has_consent(request.user, Purpose.MATCHING)
    matches = matches_for(profile) if consented else []
    return render(
        request,
        "volunteers/matches.html",
        {"profile": profile, "matches": matches, "consented": consented},
    )


@login_required
def saved_searches(request):
    form = SavedSearchForm(request.POST or None, user=request.user)
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
        return redirect(request.POST.get("next") or "me")
    if signup.status == SignUpStatus.CONFIRMED:
        messages.success(request, _("You are signed up. The confirmation is in your e-mail."))
    else:
        messages.info(request, _("The shift is full: you are on the waiting list."))
    return redirect(
        reverse("opportunity-detail-page", args=[signup.shift.opportunity_id]) + "#shifts"
    )


@login_required
@require_POST
def cancel(request, pk):
    signup = get_object_or_404(SignUp, pk=pk, volunteer=request.user)
    try:
        signups.cancel(signup)
    except signups.SignUpError as exc:
        messages.error(request, str(exc))
    else:
        messages.success(request, _("Cancelled. Thank you for freeing the place."))
    return redirect("me")


@login_required
def roster(request, pk):
    """The volunteers on an opportunity's shifts, for its organization's staff only."""
    opportunity = opportunity_run_by(request.user, pk)
    if request.method == "POST":
        signup = get_object_or_404(
            SignUp, pk=request.POST.get("sign_up"), shift__opportunity=opportunity
        )
        attended = request.POST.get("attended") == "yes"
        hours = request.POST.get("hours") or None
        try:
            signups.record_attendance(signup, attended, hours and float(hours))
        except (signups.SignUpError, ValueError) as exc:
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
