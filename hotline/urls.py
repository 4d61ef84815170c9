"""URL configuration."""

from django.contrib import admin
from django.urls import include, path

from hotline.tickets.views import healthz

urlpatterns = [
    path("admin/", admin.site.urls),
    path("i18n/", include("django.conf.urls.i18n")),
    path("accounts/", include("hotline.accounts.urls")),
    path("healthz", healthz, name="healthz"),
    path("portal/", include("hotline.portal.urls")),
    path("", include("hotline.workbench.urls")),
    path("", include("hotline.tickets.urls")),
]
