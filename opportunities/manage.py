"""Pages where an organization's staff manage their organization and its opportunities."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.db import transaction
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from opportunities.forms import OpportunityForm, OrganizationForm, ShiftFormSet
from opportunities.models import Opportunity, TransitionError
from places.models import Membership, Organization


def _run_by(user, pk):
    organization = get_object_or_404(Organization, pk=pk)
    if not organization.members.filter(user=user).exists():
        raise Http404
    return organization


def opportunity_run_by(user, pk):
    opportunity = get_object_or_404(Opportunity.objects.select_related("organization"), pk=pk)
    _run_by(user, opportunity.organization_id)
    return opportunity


@login_required
def dashboard(request):
    organizations = Organization.objects.run_by(request.user).prefetch_related("opportunities")
    return render(request, "manage/dashboard.html", {"organizations": organizations})


@login_required
def organization_form(request, pk=None):
    organization = _run_by(request.user, pk) if pk else Organization()
    form = OrganizationForm(request.POST or None, request.FILES or None, instance=organization)
    if request.method == "POST" and form.is_valid():
        with transaction.atomic():
            organization = form.save()
            organization.opportunities.filter(use_organization_location=True).update(
                address=organization.address,
                location=organization.location,
                precision=organization.precision,
                area_id=organization.area_id,
            )
            if pk is None:
                Membership.objects.create(
                    user=request.user, organization=organization, role=Membership.Role.OWNER
                )
                messages.success(
                    request,
                    _("Thank you. A moderator will review your organization before it is public."),
                )
        return redirect("manage-dashboard")
    return render(
        request,
        "manage/form.html",
        {"form": form, "title": organization.name_th or _("New organization")},
    )


@login_required
def opportunity_form(request, organization_pk=None, pk=None):
    if pk:
        opportunity = opportunity_run_by(request.user, pk)
    else:
        opportunity = Opportunity(organization=_run_by(request.user, organization_pk))
    form = OpportunityForm(request.POST or None, instance=opportunity)
    shifts = ShiftFormSet(request.POST or None, instance=opportunity)
    if request.method == "POST" and form.is_valid() and shifts.is_valid():
        with transaction.atomic():
            opportunity = form.save()
            shifts.instance = opportunity
            shifts.save()
        return redirect("manage-dashboard")
    return render(
        request,
        "manage/form.html",
        {"form": form, "formset": shifts, "title": opportunity.title or _("New opportunity")},
    )


@login_required
@require_POST
def opportunity_submit(request, pk):
    opportunity = opportunity_run_by(request.user, pk)
    try:
        opportunity.submit()
    except TransitionError as exc:
        messages.error(request, str(exc))
    else:
        messages.success(
            request, _("Published.") if opportunity.status == "published" else _("Sent for review.")
        )
    return redirect("manage-dashboard")
