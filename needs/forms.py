"""Coordinators' forms: a need, an incident (drawn or uploaded area), a hotline CSV."""

import json

from django import forms
from django.utils.translation import gettext_lazy as _
from leaflet.forms.widgets import LeafletWidget

from common.params import as_identifier
from common.widgets import NativeDateInput
from needs import geometry
from needs.models import INCIDENT_EDITABLE, NEED_EDITABLE, Incident, Need
from opportunities.forms import PinFields
from opportunities.models import Opportunity
from places.models import Organization

CHOICES_SHOWN = 80


class NeedForm(PinFields, forms.ModelForm):
    class Meta:
        model = Need
        fields = NEED_EDITABLE

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        # Assigned by choosing from the nearest (typing a name narrows the list); any published
        # one is accepted.
        near = self.instance.location
        for name, queryset, label in (
            (
                "assigned_opportunity",
                Opportunity.objects.published().select_related("organization"),
                lambda o: f"{o.title} — {o.organization.name}",
            ),
            ("assigned_organization", Organization.objects.published(), lambda o: o.name),
        ):
            field = self.fields[name]
            field.queryset = queryset
            shown = queryset.exclude(location=None).nearest_first(near) if near else queryset
            options = list(shown[:CHOICES_SHOWN])
            current = getattr(self.instance, name)
            if current and current not in options:
                options.insert(0, current)
            field.widget.choices = [("", "—")] + [
                (o.pk, _distance_label(label(o), getattr(o, "distance", None))) for o in options
            ]
            field.widget.attrs["data-filterable"] = _("Type a name to narrow the list")

    def _post_clean(self):
        super()._post_clean()  # the instance holds the form's values
        self.locate_instance(needs_place=True)


def _strict_area(value):
    """The map widget's GeoJSON text, read by needs.geometry (type and coordinates only, never
    GDAL, so no crs member can name a file or a URL)."""
    try:
        return geometry.from_geojson(json.loads(value))
    except (TypeError, ValueError):
        raise geometry.AreaError(_("The drawn area could not be read: draw it again.")) from None


class AreaWidget(LeafletWidget):
    geom_type = "MULTIPOLYGON"

    def deserialize(self, value):
        # Showing a refused value again must not hand it to GEOS or GDAL either.
        try:
            return _strict_area(value)
        except geometry.AreaError:
            return None


class AreaFormField(forms.Field):
    """An incident's drawn affected area, as a MultiPolygon in and around Thailand."""

    widget = AreaWidget

    def __init__(self, *, geom_type=None, srid=None, max_geom_collections=None, **kwargs):
        super().__init__(**kwargs)  # (the keywords above are the model field's, not needed here)

    def to_python(self, value):
        if value in (None, ""):
            return None
        try:
            return _strict_area(value)
        except geometry.AreaError as exc:
            raise forms.ValidationError(str(exc)) from None

    def has_changed(self, initial, data):
        new = self.to_python(data) if data else None
        if initial is None or new is None:
            return initial is not new
        return not initial.equals_exact(new, 1e-9)


def _distance_label(text, distance):
    if distance is None:
        return text
    return _("%(text)s · %(km)s km") % {"text": text, "km": f"{distance.km:.1f}"}


class IncidentForm(forms.ModelForm):
    opportunity_ids = forms.CharField(
        label=_("its opportunities"),
        required=False,
        help_text=_("the numbers of the opportunities for this incident, separated by commas"),
    )
    area_file = forms.FileField(
        label=_("or upload the affected area"),
        required=False,
        help_text=_("a GeoJSON file or a zipped shapefile; it replaces what is drawn"),
    )

    class Meta:
        model = Incident
        fields = INCIDENT_EDITABLE
        field_classes = {"affected_area": AreaFormField}
        widgets = {
            "affected_area": AreaWidget(attrs={"map_height": "420px"}),
            "starts_on": NativeDateInput(),
            "ends_on": NativeDateInput(),
        }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if self.instance.pk:
            ids = self.instance.opportunities.values_list("pk", flat=True)
            self.fields["opportunity_ids"].initial = ", ".join(str(pk) for pk in ids)

    def clean_opportunity_ids(self):
        text = self.cleaned_data["opportunity_ids"].replace(" ", "")
        ids = [part for part in text.split(",") if part]
        if not all(as_identifier(part) for part in ids):
            raise forms.ValidationError(_("numbers separated by commas, e.g. 12, 40"))
        found = set(Opportunity.objects.filter(pk__in=ids).values_list("pk", flat=True))
        missing = sorted({int(pk) for pk in ids} - found)
        if missing:
            raise forms.ValidationError(
                _("no opportunity numbered %(ids)s") % {"ids": ", ".join(map(str, missing))}
            )
        return sorted(found)

    def save(self, commit=True):
        incident = super().save(commit)
        if commit:
            incident.opportunities.set(self.cleaned_data["opportunity_ids"])
        return incident

    def clean(self):
        data = super().clean()
        upload = data.get("area_file")
        if upload:
            try:
                data["affected_area"] = self.instance.affected_area = geometry.from_upload(upload)
            except geometry.AreaError as exc:
                self.add_error("area_file", str(exc))
        taken = data.get("disaster_mode") and self.instance.disaster_mode_taken()
        if taken:
            self.add_error(
                "disaster_mode",
                _("“%(name)s” is in disaster mode: switch it off first.") % {"name": taken.name},
            )
        return data


MAX_IMPORT_BYTES = 20 * 2**20  # kept in the database until a worker imports it


class NeedsFileForm(forms.Form):
    file = forms.FileField(label=_("Needs CSV (UTF-8)"))
    incident = forms.ModelChoiceField(Incident.objects.all(), label=_("incident"), required=False)
    commit = forms.BooleanField(
        label=_("Save (otherwise a dry run: check the file, save nothing)"), required=False
    )

    def clean_file(self):
        upload = self.cleaned_data["file"]
        if upload.size > MAX_IMPORT_BYTES:
            raise forms.ValidationError(
                _("The file is larger than %(mb)d MB: split it into smaller files."),
                params={"mb": MAX_IMPORT_BYTES // 2**20},
            )
        return upload
