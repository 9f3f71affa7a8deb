"""What one app does when another's data changes, through the signals and supplied sources of
architecture.md rather than imports: each reaction, wherever the change was made."""

import datetime

import pytest
from django.contrib.gis.geos import Point
from django.utils import timezone, translation

from needs.models import CoverageDirty
from opportunities.filters import filter_opportunities
from opportunities.models import Opportunity, Status
from tests.factories import (
    IncidentFactory,
    OpportunityFactory,
    OrganizationFactory,
    ShiftFactory,
    VolunteerFactory,
)
from volunteers import signups

pytestmark = pytest.mark.django_db

KHON_KAEN = Point(102.8359, 16.4419, srid=4326)


def test_an_organization_that_moves_takes_the_opportunities_that_follow_it():
    organization = OrganizationFactory()
    follows = OpportunityFactory(organization=organization, use_organization_location=True)
    own = OpportunityFactory(organization=organization, use_organization_location=False)
    organization.address, organization.location = "ขอนแก่น", KHON_KAEN
    organization.area_id, organization.precision = "4001", "amphoe"
    organization.save()  # as the admin, the API and the staff pages all do

    follows.refresh_from_db()
    own.refresh_from_db()
    assert (follows.address, follows.area_id, follows.precision) == ("ขอนแก่น", "4001", "amphoe")
    assert follows.location.equals_exact(KHON_KAEN, 1e-9)
    assert own.area_id == "500101"


def test_closing_past_opportunities_is_heard_by_coverage():
    ended = OpportunityFactory(
        starts_on=None, ends_on=timezone.localdate() - datetime.timedelta(days=1)
    )
    CoverageDirty.objects.all().delete()
    assert Opportunity.objects.close_past() == 1
    ended.refresh_from_db()
    assert ended.status == Status.CLOSED
    assert CoverageDirty.objects.filter(point__isnull=False).exists()


def test_a_shift_with_volunteers_asks_the_volunteers_app_before_it_changes():
    shift = ShiftFactory(capacity=2)
    assert shift.change_refused() is None
    signups.sign_up(VolunteerFactory().user, shift.pk)
    with translation.override("en"):
        assert "signed up" in shift.change_refused()
        assert "1 volunteer is confirmed" in shift.change_refused(capacity=0)
    assert shift.change_refused(capacity=1) is None


def test_the_incident_filter_on_opportunities_is_the_needs_apps():
    incident = IncidentFactory()
    attached, other = OpportunityFactory(), OpportunityFactory()
    incident.opportunities.add(attached)
    queryset, _about = filter_opportunities(
        Opportunity.objects.all(), {"incident": str(incident.pk)}
    )
    assert list(queryset) == [attached] and other not in queryset
