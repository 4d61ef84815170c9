"""URLs of data exports, mounted at /data/."""

from django.urls import path

from hotline.dataio import views

urlpatterns = [
    path("export/", views.export_page, name="data-export"),
]
