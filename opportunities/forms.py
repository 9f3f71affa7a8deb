"""Web forms for organization staff: their organization, its opportunities and their shifts."""

from django import forms
from django.contrib.gis.geos import Point
from django.utils.translation import gettext_lazy as _

from common.thailand import in_thailand
from common.widgets import NativeDateInput, NativeDateTimeInput
from opportunities.models import OPPORTUNITY_EDITABLE, Opportunity, Shift
from opportunities.taxonomy import Cause, Language, Skill
from places import locating
from places.models import ORGANIZATION_EDITABLE, Membership, Organization


class PinFields(forms.Form):
    """Optional latitude/longitude: a pin the person placed wins over the geocoded address."""

    # Set by the page's map (a click or a dragged pin), not typed.
    latitude = forms.FloatField(label=_("pin on the map"), required=False, widget=forms.HiddenInput)
    longitude = forms.FloatField(
        label=_("pin on the map"), required=False, widget=forms.HiddenInput
    )

    def pin(self):
        lat, lon = self.cleaned_data.get("latitude"), self.cleaned_data.get("longitude")
        if lat is None and lon is None:
            return None
        if lat is None or lon is None or not in_thailand(lat, lon):
            raise forms.ValidationError(_("Place the pin on the map, in Thailand."))
        return Point(lon, lat, srid=4326)

    def locate_instance(self, needs_place: bool):
        try:
            pin = self.pin()
        except forms.ValidationError as exc:
            self.add_error("latitude", exc)
            return
        changed = "address" in self.changed_data or self.instance.location is None
        error = locating.locate(self.instance, pin=pin, geocode_address_too=needs_place and changed)
        if error:
            self.add_error("address", error)


class OrganizationForm(PinFields, forms.ModelForm):
    class Meta:
        model = Organization
        fields = [*ORGANIZATION_EDITABLE, "logo"]

    def _post_clean(self):
        super()._post_clean()  # the instance now holds the form's values
        self.locate_instance(needs_place=True)


class OpportunityForm(PinFields, forms.ModelForm):
    causes = forms.MultipleChoiceField(
        label=_("causes"), choices=Cause.choices, widget=forms.CheckboxSelectMultiple
    )
    skills = forms.MultipleChoiceField(
        label=_("skills wanted"),
        choices=Skill.choices,
        widget=forms.CheckboxSelectMultiple,
        required=False,
    )
    languages = forms.MultipleChoiceField(
        label=_("languages"),
        choices=Language.choices,
        widget=forms.CheckboxSelectMultiple,
        required=False,
    )

    class Meta:
        model = Opportunity
        fields = OPPORTUNITY_EDITABLE
        widgets = {
            "starts_on": NativeDateInput(),
            "ends_on": NativeDateInput(),
        }

    def clean(self):
        cleaned = super().clean()
        start, end = cleaned.get("starts_on"), cleaned.get("ends_on")
        if start and end and end < start:
            self.add_error("ends_on", _("The last day is before the first day."))
        return cleaned

    def _post_clean(self):
        super()._post_clean()  # the instance now holds the form's values
        if self.instance.use_organization_location:
            self.instance.follow_organization()
        elif self.instance.mode != "remote" or self.instance.address:
            self.locate_instance(needs_place=True)


class BaseShiftFormSet(forms.BaseInlineFormSet):
    def clean(self):
        super().clean()
        for form in self.forms:
            shift = form.instance
            if not shift.pk or not hasattr(form, "cleaned_data"):
                continue
            if self.can_delete and self._should_delete_form(form):
                problem = shift.change_refused()
            else:
                problem = shift.change_refused(form.cleaned_data.get("capacity", shift.capacity))
            if problem:
                form.add_error(None, problem)
                raise forms.ValidationError(problem)


ShiftFormSet = forms.inlineformset_factory(
    Opportunity,
    Shift,
    formset=BaseShiftFormSet,
    fields=["starts_at", "ends_at", "capacity"],
    extra=1,
    can_delete=True,
    widgets={
        "starts_at": NativeDateTimeInput(),
        "ends_at": NativeDateTimeInput(),
    },
)


class StaffForm(forms.Form):
    email = forms.EmailField(label=_("Their e-mail address (of a confirmed account)"))
    role = forms.ChoiceField(label=_("role"), choices=Membership.Role.choices)
