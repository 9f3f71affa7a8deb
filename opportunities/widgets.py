"""Widgets for partner websites: an organization's (or a province's, a cause's, an incident's)
open opportunities in an <iframe>, as a list or a small map, in Thai or English. The only pages
that may be framed (CSP frame-ancestors, X-Frame-Options) and the only ones that never set a
cookie: no session, no CSRF token, nothing that tracks."""

import re
from urllib.parse import urlencode

from csp.decorators import csp_replace
from django.conf import settings
from django.shortcuts import render
from django.urls import reverse
from django.utils import translation
from django.utils.html import format_html
from django.utils.translation import gettext as _
from django.views.decorators.clickjacking import xframe_options_exempt
from django.views.decorators.http import require_GET
from rest_framework.exceptions import ValidationError

from common import params as read
from opportunities.filters import filter_opportunities
from opportunities.models import SOONEST, Opportunity
from opportunities.templatetags.volmap import localized_title

# What a widget may be asked for: the filters that say whose opportunities they are.
WIDGET_FILTERS = ("organization", "area", "cause", "incident")
VIEWS = ("list", "map")
SHOWN = {"default": 6, "most": 20}
COLOUR = re.compile(r"[0-9a-fA-F]{6}")
DEFAULT_COLOUR = "0b7a53"
SANDBOX = "allow-scripts allow-same-origin allow-popups allow-popups-to-escape-sandbox"


def settings_of(params) -> dict:
    """The widget's own settings, checked: a mistake is said, never guessed."""
    colour = read.raw(params, "color") or DEFAULT_COLOUR
    if not COLOUR.fullmatch(colour):
        raise ValidationError({"color": [_("A colour as six hexadecimal digits, e.g. 0b7a53.")]})
    return {
        "view": read.one_of(params, "view", VIEWS, default="list"),
        "shown": read.whole(params, "shown", low=1, high=SHOWN["most"], default=SHOWN["default"]),
        "colour": colour.lower(),
    }


@require_GET
@xframe_options_exempt
@csp_replace({"frame-ancestors": ["*"]})
def opportunities_widget(request):
    asked = {name: request.GET[name] for name in WIDGET_FILTERS if request.GET.get(name)}
    error, rows, chosen = None, [], {"view": "list", "colour": DEFAULT_COLOUR}
    try:
        chosen = settings_of(request.GET)
        queryset, _about = filter_opportunities(
            Opportunity.objects.published().select_related("organization"), asked
        )
        rows = list(SOONEST.ordered(queryset)[: chosen["shown"]])
    except ValidationError as exc:
        error = read.first_message(exc)
    more = reverse("opportunity-list-page") + ("?" + urlencode(asked) if asked else "")
    return render(
        request,
        "widgets/opportunities.html",
        {
            "opportunities": rows,
            "error": error,
            "settings": chosen,
            "more": request.build_absolute_uri(more),
            "points": [
                {
                    "lat": o.location.y,
                    "lon": o.location.x,
                    "title": localized_title(o),
                    "url": request.build_absolute_uri(
                        reverse("opportunity-detail-page", args=[o.pk])
                    ),
                }
                for o in rows
                if o.location is not None
            ],
            "tiles": {"url": settings.MAP_TILES_URL, "attribution": settings.MAP_TILES_ATTRIBUTION},
        },
    )


def snippet(request, params: dict, language: str, title: str, view: str) -> tuple[str, str]:
    """(the widget's address, the <iframe> a partner site pastes) for these filters. Sandboxed:
    the widget runs its map, opens links in a new tab, and nothing else; it keeps its own
    origin, without which the browser refuses it the site's Thai font."""
    with translation.override(language):
        path = reverse("widget-opportunities")
    url = request.build_absolute_uri(path) + "?" + urlencode(params)
    height = 520 if view == "map" else 420
    code = format_html(
        '<iframe src="{}" title="{}" width="100%" height="{}" style="border:0" loading="lazy" '
        'sandbox="{}"></iframe>',
        url,
        title,
        height,
        SANDBOX,
    )
    return url, code
