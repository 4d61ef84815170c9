"""Open311 GeoReport v2 under /open311/v2/: every endpoint in .json and .xml."""

from django.urls import path, re_path

from hotline.open311 import views

app_name = "open311"

F = r"\.(?P<fmt>json|xml)$"

urlpatterns = [
    path("", views.discovery, {"fmt": "json"}, name="root"),
    re_path(r"^discovery" + F, views.discovery, name="discovery"),
    re_path(r"^services" + F, views.service_list, name="services"),
    re_path(r"^services/(?P<code>[^/.]+)" + F, views.service_definition, name="service"),
    re_path(r"^requests" + F, views.requests, name="requests"),
    re_path(r"^requests/(?P<number>[^/.]+)" + F, views.request_detail, name="request"),
    re_path(r"^tokens/(?P<token>[^/.]+)" + F, views.token, name="token"),
    re_path(r"^servicerequestupdates" + F, views.request_updates, name="updates"),
]
