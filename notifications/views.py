"""An organization's staff choose how they hear about their volunteers."""

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _

from notifications.models import Preference
from places.models import Organization


class PreferenceForm(forms.ModelForm):
    class Meta:
        model = Preference
        fields = ["volunteers"]
        widgets = {"volunteers": forms.RadioSelect}


@login_required
def preferences(request, pk):
    organization = get_object_or_404(Organization.objects.run_by(request.user), pk=pk)
    preference = Preference.objects.filter(organization=organization).first() or Preference(
        organization=organization
    )
    form = PreferenceForm(request.POST or None, instance=preference)
    if request.method == "POST" and form.is_valid():
        form.save()
        messages.success(request, _("Saved: the staff get their e-mails this way from now on."))
        return redirect("manage-dashboard")
    return render(
        request, "notifications/preferences.html", {"organization": organization, "form": form}
    )
