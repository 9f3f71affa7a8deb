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


class VouchForm(forms.Form):
    """A partner vouches for an organization waiting for review."""

    voucher = forms.ModelChoiceField(queryset=None, label=_("Vouching as"), empty_label=None)
    reason = forms.CharField(
        label=_("Why you vouch for it"),
        max_length=1000,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text=_("How you know this organization and its work. The moderators read it."),
    )

    def __init__(self, *args, partners, organization, **kwargs):
        super().__init__(*args, **kwargs)
        self.organization = organization
        self.fields["voucher"].queryset = partners
        self.fields["voucher"].label_from_instance = lambda o: o.name

    def clean(self):
        data = super().clean()
        voucher = data.get("voucher")
        if voucher and voucher.vouches_given.filter(organization=self.organization).exists():
            self.add_error("voucher", _("Your organization vouched for this one already."))
        return data


class WidgetForm(forms.Form):
    """How a widget looks on a partner's website."""

    DEFAULTS = {
        "scope": "organization",
        "cause": "",
        "language": "th",
        "view": "list",
        "colour": "#0b7a53",
        "shown": 6,
    }

    scope = forms.ChoiceField(
        label=_("Whose opportunities"),
        choices=[
            ("organization", _("ours")),
            ("province", _("all in our province, from every organization")),
        ],
        initial="organization",
        required=False,
    )
    cause = forms.ChoiceField(
        label=_("Only for a cause"),
        choices=[("", _("any cause")), *Cause.choices],
        required=False,
    )
    language = forms.ChoiceField(
        label=_("Language"),
        choices=[("th", "ไทย"), ("en", "English")],
        initial="th",
        required=False,
    )
    view = forms.ChoiceField(
        label=_("Show"),
        choices=[("list", _("a list")), ("map", _("a small map and a list"))],
        initial="list",
        required=False,
    )
    colour = forms.RegexField(
        label=_("Colour of titles and links"),
        regex=r"^#[0-9a-fA-F]{6}$",
        initial="#0b7a53",
        widget=forms.TextInput(attrs={"type": "color"}),
        required=False,
    )
    shown = forms.IntegerField(
        label=_("Opportunities shown"), min_value=1, max_value=20, initial=6, required=False
    )
