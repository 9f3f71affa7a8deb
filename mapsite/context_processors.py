from django.conf import settings
from django.urls import translate_url
from django.utils.functional import SimpleLazyObject
from django.utils.translation import get_language, get_language_info


def site(request):
    return {
        "roles": SimpleLazyObject(lambda: roles(request.user)),
        "content_licence": settings.CONTENT_LICENCE,
        "site_url": settings.SITE_URL,
        "other_languages": other_languages(request),
    }


def other_languages(request):
    """[(code, its own name, this page in it)]: the language switch posts `next` already in the
    other language (set_language cannot translate /en/… back to the unprefixed Thai address
    while the request's language is Thai, so it would stay English)."""
    here = request.get_full_path()
    return [
        (code, get_language_info(code)["name_local"], translate_url(here, code))
        for code, _name in settings.LANGUAGES
        if code != get_language()
    ]


def roles(user) -> dict:
    """What the header offers beyond a volunteer's pages (asked only when a page shows it)."""
    if not user.is_authenticated:
        return {"staff": False, "coordinator": False}
    return {
        "staff": user.memberships.exists(),
        "coordinator": user.has_perm("needs.coordinate"),
    }
