"""URLs of the workbench: each area owns its own module."""

from django.urls import include, path

from hotline.attachments.views import attachment, upload
from hotline.workbench import views

urlpatterns = [
    path("orders/<str:number>/act/<str:action>/", views.perform_step, name="order-act"),
    path("attachments/<int:pk>/", attachment, name="attachment"),
    path("orders/<str:number>/attachments/", upload, name="attachment-upload"),
    path("work/intake/", include("hotline.workbench.intake.urls")),
    path("work/", include("hotline.workbench.queues.urls")),
    path("orders/", include("hotline.workbench.queues.export_urls")),
]
