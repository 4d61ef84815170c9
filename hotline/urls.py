"""URL configuration."""

from django.contrib import admin
from django.urls import include, path
from django.utils.translation import gettext_lazy as _

from hotline.tickets.views import healthz

admin.site.site_header = _("12345 热线管理后台")
admin.site.site_title = _("12345 热线管理后台")
admin.site.index_title = _("后台首页")

urlpatterns = [
    path("admin/", admin.site.urls),
    path("i18n/", include("django.conf.urls.i18n")),
    path("accounts/", include("hotline.accounts.urls")),
    path("healthz", healthz, name="healthz"),
    path("portal/", include("hotline.portal.urls")),
    path("open311/v2/", include("hotline.open311.urls")),
    path("dashboards/", include("hotline.dashboards.urls")),
    path("api/v1/", include("hotline.api.urls")),
    path("", include("hotline.calls.urls")),
    path("webhooks/", include("hotline.webhooks.urls")),
    path("kpis/", include("hotline.kpis.urls")),
    path("planning/", include("hotline.planning.urls")),
    path("interop/", include("hotline.interop.urls")),
    path("hotspots/", include("hotline.hotspots.urls")),
    path("governance/", include("hotline.governance.urls")),
    path("replyqa/", include("hotline.replyqa.urls")),
    path("revisits/", include("hotline.revisits.urls")),
    path("callers/", include("hotline.callers.urls")),
    path("inspection/", include("hotline.inspection.urls")),
    path("incidents/", include("hotline.incidents.urls")),
    path("data/", include("hotline.dataio.urls")),
    path("", include("hotline.ops.urls")),
    path("kb/", include("hotline.kb.urls")),
    path("triage/", include("hotline.triage.urls")),
    path("", include("hotline.workbench.urls")),
    path("", include("hotline.tickets.urls")),
]

#: 503 + Retry-After while the database is unreachable, else 500 (JSON for machine paths): hotline/ops/errors.py
handler500 = "hotline.ops.errors.server_error"
handler404 = "hotline.ops.errors.page_not_found"
