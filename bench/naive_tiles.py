"""The naive tile endpoint the map is compared with: a tile "built the usual way", with
djangorestframework-gis's TMSTileFilter and GeoFeatureModelSerializer (no clustering, no feature
cap, no cache). Served by bench/tiles.py only: the web server's naive_tiles:application."""

import os

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "mapsite.settings")

import django

django.setup()

from django.conf import settings  # noqa: E402
from django.core.wsgi import get_wsgi_application  # noqa: E402
from django.urls import path  # noqa: E402
from rest_framework.generics import ListAPIView  # noqa: E402
from rest_framework.permissions import AllowAny  # noqa: E402
from rest_framework_gis.filters import TMSTileFilter  # noqa: E402
from rest_framework_gis.serializers import GeoFeatureModelSerializer  # noqa: E402

from mapsite import urls  # noqa: E402
from opportunities.models import Opportunity  # noqa: E402


class OpportunityFeatures(GeoFeatureModelSerializer):
    class Meta:
        model = Opportunity
        geo_field = "location"
        fields = ["id", "title", "title_en", "causes", "mode", "starts_on", "ends_on", "precision"]


class NaiveTiles(ListAPIView):
    serializer_class = OpportunityFeatures
    queryset = Opportunity.objects.published()
    filter_backends = [TMSTileFilter]
    bbox_filter_field = "location"
    permission_classes = [AllowAny]
    authentication_classes = []
    pagination_class = None


urlpatterns = [*urls.urlpatterns, path("naive/", NaiveTiles.as_view())]
settings.ROOT_URLCONF = __name__
application = get_wsgi_application()
