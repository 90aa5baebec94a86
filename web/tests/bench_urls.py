"""The URLconf ``make bench`` serves (TANDEM_BENCH_BASELINE on), for tests of its pages: the
project's routes plus the benchmark's, built without reloading any URL module."""

from django.urls import include, path

from web import urls as web_urls
from web.views import bench

organization_patterns = [
    *web_urls.organization_patterns,
    path("bench/floor/", bench.FloorView.as_view(), name="bench-floor"),
]
web_patterns = [
    *(p for p in web_urls.urlpatterns if str(p.pattern) != "o/<slug:org_slug>/"),
    path("o/<slug:org_slug>/", include(organization_patterns)),
    path("bench/baseline/", bench.baseline, name="bench-baseline"),
]
urlpatterns = [
    path("accounts/", include("allauth.urls")),
    path("", include((web_patterns, "web"))),
]
