"""The house's plan (architecture.md), checked: the kernel imports no app, no app imports the
wiring (mapsite), and each app imports only the apps below it. Every import counts, at module
level or inside a function."""

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent

# Lowest first: each may import those before it, never those after.
LAYERS = ["common", "geocoding", "places", "opportunities", "volunteers", "needs", "notifications"]
WIRING = "mapsite"


def imported_packages(package: str):
    """(file, line, top-level package) of every import in the package's code (not migrations)."""
    for path in sorted((ROOT / package).rglob("*.py")):
        if "migrations" in path.parts:
            continue
        tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
        for node in ast.walk(tree):
            if isinstance(node, ast.Import):
                names = [alias.name for alias in node.names]
            elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
                names = [node.module]
            else:
                continue
            for name in names:
                yield path.relative_to(ROOT), node.lineno, name.split(".")[0]


@pytest.mark.parametrize("package", LAYERS)
def test_each_app_imports_only_the_kernel_and_the_apps_below_it(package):
    allowed = set(LAYERS[: LAYERS.index(package) + 1])
    ours = {*LAYERS, WIRING}
    wrong = [
        f"{path}:{line} imports {name}"
        for path, line, name in imported_packages(package)
        if name in ours and name not in allowed
    ]
    assert not wrong, f"{package} may import only {sorted(allowed)}:\n" + "\n".join(wrong)


def test_the_plan_names_every_app_once():
    """A new app must take its place in the plan (LAYERS and architecture.md)."""
    apps = {path.parent.name for path in ROOT.glob("*/apps.py") if path.parent.name not in {WIRING}}
    assert apps == set(LAYERS)
    plan = (ROOT / "architecture.md").read_text(encoding="utf-8")
    for package in [*LAYERS, WIRING]:
        assert f"`{package}`" in plan, f"architecture.md does not place {package}"


@pytest.mark.django_db
def test_the_raw_published_rule_chooses_what_the_orm_does():
    """Coverage and digests read published opportunities in raw SQL: the same rows as
    OpportunityQuerySet.published(), for every status, end date and organization status."""
    import datetime

    from django.db import connection
    from django.utils import timezone

    from opportunities.models import Opportunity, Status
    from opportunities.sql import PUBLISHED_OPPORTUNITY
    from places.models import ModerationStatus
    from tests.factories import OpportunityFactory, OrganizationFactory

    today = timezone.localdate()
    for organization_status in ModerationStatus.values:
        organization = OrganizationFactory(status=organization_status)
        for status in Status.values:
            for ends_on in (None, today - datetime.timedelta(days=1), today):
                OpportunityFactory(
                    organization=organization, status=status, starts_on=None, ends_on=ends_on
                )
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT o.id FROM opportunities_opportunity o WHERE {PUBLISHED_OPPORTUNITY}",  # noqa: S608
            {"today": today},
        )
        raw = {row[0] for row in cursor.fetchall()}
    orm = set(Opportunity.objects.published().values_list("id", flat=True))
    assert raw == orm and len(orm) == 2  # published, by a published organization, not past
