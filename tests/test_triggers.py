"""The statement triggers that keep the map, the directory and coverage current plan their joins
for the rows a write brings (common.triggers): a bulk write after one-row writes in the same
session is not read through plans made for one row."""

import json

import psycopg
import pytest
from django.contrib.gis.geos import Point
from django.db import DatabaseError, connection

from needs.models import Need
from opportunities.models import Opportunity
from places.models import ModerationStatus, Organization
from tests.factories import NeedFactory, OpportunityFactory, OrganizationFactory

pytestmark = pytest.mark.django_db

MANY = 60
JOINS = {"Nested Loop", "Hash Join", "Merge Join"}


def _nodes(plan):
    yield plan
    for child in plan.get("Plans", []):
        yield from _nodes(child)


@pytest.fixture
def plans():
    """The plans PostgreSQL runs from here on, triggers' statements too (auto_explain, its log
    sent to this connection)."""
    logged = []

    def heard(diagnostic):
        text = diagnostic.message_primary or ""
        if "plan:" in text:
            logged.append(json.loads(text.split("plan:", 1)[1])["Plan"])

    with connection.cursor() as cursor:
        try:
            cursor.execute("LOAD 'auto_explain'")
        except DatabaseError as exc:
            if isinstance(exc.__cause__, psycopg.errors.InsufficientPrivilege):
                pytest.skip("loading auto_explain needs a superuser on this database")
            raise
        for setting, value in (
            ("auto_explain.log_min_duration", "0"),
            ("auto_explain.log_nested_statements", "on"),
            ("auto_explain.log_analyze", "on"),
            ("auto_explain.log_timing", "off"),
            ("auto_explain.log_format", "json"),
            ("client_min_messages", "log"),
        ):
            cursor.execute(f"SET LOCAL {setting} = '{value}'")
    connection.connection.add_notice_handler(heard)
    yield logged
    connection.connection.remove_notice_handler(heard)
    with connection.cursor() as cursor:
        cursor.execute("SET LOCAL client_min_messages = notice")
        cursor.execute("SET LOCAL auto_explain.log_min_duration = -1")


def test_bulk_writes_after_one_row_writes_join_as_many_rows_as_they_bring(plans):
    organizations = OrganizationFactory.create_batch(MANY // 2)
    for i in range(MANY):
        OpportunityFactory(organization=organizations[i % len(organizations)])
    NeedFactory.create_batch(MANY)
    # One-row writes of every kind first: a plan kept from them is a plan for one row.
    Organization.objects.filter(pk=organizations[0].pk).update(status=ModerationStatus.PENDING)
    Organization.objects.filter(pk=organizations[0].pk).update(status=ModerationStatus.PUBLISHED)
    Opportunity.objects.filter(pk=Opportunity.objects.first().pk).update(ends_on=None)
    Need.objects.filter(pk=Need.objects.first().pk).update(location=Point(100.5, 13.7))
    plans.clear()

    Organization.objects.update(status=ModerationStatus.PENDING)
    Opportunity.objects.update(ends_on=None, location=Point(100.6, 13.8))
    Need.objects.update(location=Point(100.4, 13.6))

    joins = [plan for plan in plans if any(n["Node Type"] in JOINS for n in _nodes(plan))]
    scans = [
        node
        for plan in joins
        for node in _nodes(plan)
        if node["Node Type"] == "Named Tuplestore Scan"
    ]
    assert scans, "no trigger joined its transition tables"
    # Planned for the rows of the write that fired them (all the organizations, all the
    # opportunities or needs, or the organizations whose work changed), not for one.
    planned = {node["Plan Rows"] for node in scans}
    assert min(planned) > 1, planned
    assert planned >= {MANY // 2, MANY}, planned
