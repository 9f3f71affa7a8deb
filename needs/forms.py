"""Coordinators' forms: a need, an incident (drawn or uploaded area), a hotline CSV."""

from django import forms
from django.utils.translation import gettext_lazy as _
from leaflet.forms.widgets import LeafletWidget

from needs import geometry
from needs.models import NEED_EDITABLE, Incident, Need
from opportunities.forms import PinFields


class NeedForm(PinFields, forms.ModelForm):
    class Meta:
        model = Need
        fields = NEED_EDITABLE
        widgets = {
            "assigned_opportunity": forms.NumberInput(attrs={"placeholder": _("opportunity id")}),
            "assigned_organization": forms.NumberInput(attrs={"placeholder": _("organization id")}),
        }

    def _post_clean(self):
        super()._post_clean()  # the instance holds the form's values
        self.locate_instance(needs_place=True)


class IncidentForm(forms.ModelForm):
    area_file = forms.FileField(
        label=_("or upload the affected area"),
        required=False,
        help_text=_("a GeoJSON file or a zipped shapefile; it replaces what is drawn"),
    )

    class Meta:
        model = Incident
        fields = [
            "name",
            "name_en",
            "description",
            "starts_on",
            "ends_on",
            "disaster_mode",
            "affected_area",
        ]
        widgets = {
            "affected_area": LeafletWidget(attrs={"map_height": "420px"}),
            "starts_on": forms.DateInput(attrs={"type": "date"}),
            "ends_on": forms.DateInput(attrs={"type": "date"}),
        }

    def clean_affected_area(self):
        area = self.cleaned_data.get("affected_area")
        if area is None:
            return None
        try:
            return geometry.from_geojson({"type": area.geom_type, "coordinates": area.coords})
        except geometry.AreaError as exc:
            raise forms.ValidationError(str(exc)) from None

    def clean(self):
        data = super().clean()
        upload = data.get("area_file")
        if upload:
            try:
                data["affected_area"] = self.instance.affected_area = geometry.from_upload(upload)
            except geometry.AreaError as exc:
                self.add_error("area_file", str(exc))
        if data.get("disaster_mode"):
            others = Incident.objects.filter(disaster_mode=True).exclude(pk=self.instance.pk)
            if others.exists():
                self.add_error(
                    "disaster_mode",
                    _("“%(name)s” is in disaster mode: switch it off first.")
                    % {"name": others.first().name},
                )
        return data


class NeedsFileForm(forms.Form):
    file = forms.FileField(label=_("Needs CSV (UTF-8)"))
    incident = forms.ModelChoiceField(Incident.objects.all(), label=_("incident"), required=False)
    commit = forms.BooleanField(
        label=_("Save (otherwise a dry run: check the file, save nothing)"), required=False
    )
