from django.conf import settings


def site(request):
    return {"content_licence": settings.CONTENT_LICENCE}
