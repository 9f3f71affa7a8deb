"""Pages where an organization's staff manage their organization and its opportunities."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.db import IntegrityError, transaction
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from common.params import as_identifier
from opportunities import widgets
from opportunities.forms import (
    OpportunityForm,
    OrganizationForm,
    ShiftFormSet,
    StaffForm,
    VouchForm,
    WidgetForm,
)
from opportunities.models import Opportunity, TransitionError
from places import staff, trust
from places.models import Membership, ModerationStatus, Organization, Vouch


def _run_by(user, pk):
    organization = get_object_or_404(Organization, pk=pk)
    if not staff.runs(user, organization):
        raise Http404
    return organization


def opportunity_run_by(user, pk):
    opportunity = get_object_or_404(Opportunity.objects.select_related("organization"), pk=pk)
    _run_by(user, opportunity.organization_id)
    return opportunity


@login_required
def organization_form(request, pk=None):
    organization = _run_by(request.user, pk) if pk else Organization()
    form = OrganizationForm(request.POST or None, request.FILES or None, instance=organization)
    if request.method == "POST" and form.is_valid():
        with transaction.atomic():
            organization = form.save()
            if pk is None:
                staff.found(organization, request.user)
                messages.success(
                    request,
                    _("Thank you. A moderator will review your organization before it is public."),
                )
        return redirect("manage-dashboard")
    return render(
        request,
        "manage/organization_form.html",
        {"form": form, "title": organization.name_th or _("Register an organization")},
    )


@login_required
def opportunity_form(request, organization_pk=None, pk=None):
    if pk:
        opportunity = opportunity_run_by(request.user, pk)
    else:
        opportunity = Opportunity(organization=_run_by(request.user, organization_pk))
    form = OpportunityForm(request.POST or None, instance=opportunity)
    shifts = ShiftFormSet(request.POST or None, instance=opportunity)
    # Both validated, whatever the first says: every mistake is shown at once.
    valid = [form.is_valid(), shifts.is_valid()] if request.method == "POST" else [False]
    if all(valid):
        with transaction.atomic():
            opportunity = form.save()
            shifts.instance = opportunity
            shifts.save()
        if opportunity.status == "published":
            messages.success(request, _("Saved. The changes are public."))
        else:
            messages.success(
                request,
                _("Saved as a draft. Press “Submit” when it is ready for a moderator to review."),
            )
        return redirect("manage-dashboard")
    return render(
        request,
        "manage/opportunity_form.html",
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


@login_required
def staff_page(request, pk):
    """The organization's staff; its owners add people (by the e-mail of their confirmed
    account), change roles and remove them. Every change is logged (places.staff)."""
    organization = _run_by(request.user, pk)
    may_manage = staff.may_manage_staff(request.user, organization)
    form = StaffForm(request.POST if request.POST.get("action") == "add" else None)
    if request.method == "POST":
        if not may_manage:
            raise Http404
        action = request.POST.get("action")
        try:
            if action == "add" and form.is_valid():
                staff.add(
                    request.user,
                    organization,
                    form.cleaned_data["email"],
                    form.cleaned_data["role"],
                )
                messages.success(request, _("Added to the staff."))
                return redirect("manage-staff", pk=pk)
            if action in ("role", "remove"):
                membership = get_object_or_404(
                    Membership,
                    pk=as_identifier(request.POST.get("membership")) or 0,
                    organization=organization,
                )
                if action == "remove":
                    staff.remove(request.user, membership)
                    messages.success(request, _("Removed from the staff."))
                else:
                    role = request.POST.get("role")
                    if role not in Membership.Role.values:
                        raise staff.StaffError(_("Choose a role."))
                    staff.change_role(request.user, membership, role)
                    messages.success(request, _("The role is changed."))
                return redirect("manage-staff", pk=pk)
        except staff.StaffError as exc:
            messages.error(request, str(exc))
            if action != "add":
                return redirect("manage-staff", pk=pk)
            form.add_error("email", str(exc))
    return render(
        request,
        "manage/staff.html",
        {
            "organization": organization,
            "members": organization.members.select_related("user__volunteer").order_by("pk"),
            "changes": organization.staff_changes.select_related("actor")[:50],
            "may_manage": may_manage,
            "form": form,
            "roles": Membership.Role.choices,
        },
    )


@login_required
def vouch_page(request, pk):
    """A partner's staff vouch for an organization waiting for review; a moderator decides."""
    partners = trust.partners_run_by(request.user)
    organization = get_object_or_404(Organization, pk=pk, status=ModerationStatus.PENDING)
    if not partners.exists() or staff.runs(request.user, organization):
        refused = _("Only the staff of the network's partners vouch for others.")
        return render(request, "manage/vouch.html", {"refused": refused}, status=403)
    form = VouchForm(request.POST or None, partners=partners, organization=organization)
    if request.method == "POST" and form.is_valid():
        try:
            with transaction.atomic():
                Vouch.objects.create(
                    voucher=form.cleaned_data["voucher"],
                    organization=organization,
                    by=request.user,
                    reason=form.cleaned_data["reason"],
                )
        except IntegrityError:  # the same partner's vouch, sent twice at once
            form.add_error("voucher", _("Your organization vouched for this one already."))
        else:
            messages.success(
                request,
                _("Thank you. The moderators see your vouch beside %(name)s.")
                % {"name": organization.name_th},
            )
            return redirect("manage-dashboard")
    return render(request, "manage/vouch.html", {"organization": organization, "form": form})


@login_required
def widget_page(request, pk):
    """ "Put this on your website": the snippet of the organization's widget, chosen by language,
    list or map, colour and length, with a live preview."""
    organization = _run_by(request.user, pk)
    form = WidgetForm(request.GET or None)
    form.is_valid()  # a mistake is shown beside its field; what else was chosen is kept
    chosen = getattr(form, "cleaned_data", {})
    choice = {**WidgetForm.DEFAULTS, **{k: v for k, v in chosen.items() if v not in ("", None)}}
    province = (organization.area_id or "")[:2]
    if choice["scope"] == "province" and province:
        whose = {"area": province}
        title = _("Volunteer opportunities in our province")
    else:
        whose = {"organization": organization.pk}
        title = _("Volunteer opportunities of %(name)s") % {"name": organization.name_th}
    params = {
        **whose,
        **({"cause": choice["cause"]} if choice["cause"] else {}),
        "view": choice["view"],
        "color": choice["colour"].lstrip("#"),
        "shown": choice["shown"],
    }
    url, code = widgets.snippet(request, params, choice["language"], title, choice["view"])
    return render(
        request,
        "manage/widget.html",
        {
            "organization": organization,
            "form": form,
            "url": url,
            "code": code,
            "sandbox": widgets.SANDBOX,
        },
    )
