from django.urls import path

from geocoding import api

urlpatterns = [
    path("geocode/", api.GeocodeView.as_view(), name="geocode"),
    path("reverse/", api.ReverseView.as_view(), name="reverse"),
]
